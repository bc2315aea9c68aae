"""novalite: the OpenStack Compute (nova) service on asyncio."""

__version__ = "0.1.0"
