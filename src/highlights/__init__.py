"""highlights: decide what is happening in amateur sports video and cut the highlights out of it."""

__version__ = "0.1.0"
