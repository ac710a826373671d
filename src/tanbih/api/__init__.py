"""The HTTP API: the only layer that maps domain errors to HTTP status codes."""
