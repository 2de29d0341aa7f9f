"""Groups: communities with roles, a discussion board, files, albums and installed apps."""
