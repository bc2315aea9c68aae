"""An in-memory driver for tests and scale simulation."""
