"""Usage statistics: per-app daily counters fed by a cheap in-process (or Redis) recorder."""
