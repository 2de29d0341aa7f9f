"""Per-app log of authorization and token events for the app's developer (issue 18)."""
