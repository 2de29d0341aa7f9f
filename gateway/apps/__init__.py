"""Third-party apps: the OAuth clients of the platform, their keys, permissions and status."""
