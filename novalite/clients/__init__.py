"""Async HTTP clients for identity, placement, image and network."""
