"""The bot server: settings, the turn, channel adapters and the CLI."""
