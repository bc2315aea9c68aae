"""Versioned notifications."""
