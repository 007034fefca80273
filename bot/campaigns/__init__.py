"""Survey campaigns: invite an audience, remind those who have not answered, close, report the rate."""
