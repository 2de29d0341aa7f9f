"""Photo albums: per user and per group, privacy levels, re-encoded uploads, QQ photo methods."""
