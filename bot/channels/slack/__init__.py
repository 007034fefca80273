"""The Slack channel: payloads in (``inbound``), Block Kit out (``render``), one Web API sender (``outbound``)."""
