"""Local fakes of external services (test code: never shipped in the product)."""
