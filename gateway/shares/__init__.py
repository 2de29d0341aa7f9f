"""Shares: links users post to their feed, through an app's API or the share button."""
