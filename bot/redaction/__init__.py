"""The parts of redaction (``bot.privacy``): kinds of identifier, names, and the notice to the user."""
