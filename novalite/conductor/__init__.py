"""The conductor: build flows (super-conductor) and the object service computes call."""
