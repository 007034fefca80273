"""Channel adapters: each turns its platform's payloads into Inbound and neutral replies into its format."""
