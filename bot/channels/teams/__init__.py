"""Microsoft Teams, on botbuilder's CloudAdapter: inbound.py, render.py, routes.py, auth.py, outbound.py."""
