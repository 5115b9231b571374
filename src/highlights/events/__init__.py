"""Highlight events and the annotation formats they are read from and written to."""
