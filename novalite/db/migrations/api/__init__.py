"""Migration environment of the api schema."""
