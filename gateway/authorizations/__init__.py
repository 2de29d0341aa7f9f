"""What each user has allowed each app: the consent record behind every token."""
