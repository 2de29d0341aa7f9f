"""Friends: mutual friendship by request, blocking, and what "friends only" means everywhere."""
