"""HTTP plumbing shared by every novalite HTTP service."""
