"""Shared security primitives: opaque values, digests, constant-time comparison."""
