"""Readers of profiles: one module per kind of input."""
