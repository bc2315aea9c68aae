"""The built-in Placement service: the upstream Placement API, microversions 1.0-1.39."""
