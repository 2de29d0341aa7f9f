"""Leaving, and data: "download my data" (a ZIP prepared by the worker, mailed as a link) and
"delete my account" (a grace period, then the scheduled erasure). See docs/privacy.md."""
