"""HTTP handlers of the identity service, one module per group of routes."""
