"""Platform user accounts: sign-up, log-in, profile, avatars, passwords."""
