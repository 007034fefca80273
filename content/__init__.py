"""The default content as a package, so a wheel ships it (see bot/default_content.py)."""
