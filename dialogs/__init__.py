"""Channel-neutral dialogs: pure state machines for surveys, guidance and commands."""
