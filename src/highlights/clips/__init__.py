"""What a clip is to the classifier: frames, size and normalisation in one place."""

from highlights.clips.spec import ClipSpec, DEFAULT_CLASSES

__all__ = ["ClipSpec", "DEFAULT_CLASSES"]
