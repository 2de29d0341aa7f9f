"""Per-app, per-API call quotas: defaults from configuration, overrides set by operators."""
