"""The transactional outbox: signed callbacks to apps, written with the change they announce."""
