"""Highlight events and the annotation formats they are read from and written to."""

from highlights.events.formats import (
    FORMATS,
    SPOT_WINDOW_S,
    AnnotationError,
    detect_format,
    half_of_video,
    load_annotation,
    load_annotations,
    save_annotation,
    select_half,
)
from highlights.events.model import Event, GameAnnotation, Shot

__all__ = [
    "FORMATS", "SPOT_WINDOW_S", "AnnotationError", "Event", "GameAnnotation", "Shot",
    "detect_format", "half_of_video", "load_annotation", "load_annotations", "save_annotation",
    "select_half",
]
