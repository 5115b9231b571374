"""The file name endings taken for video where a folder is searched: a class folder of clips
(dataset create/grow, evaluate/train --clips) and a folder of games (a batch) take the same ones,
so a camcorder's .MTS clip is a clip in both."""

from __future__ import annotations

VIDEO_SUFFIXES: tuple[str, ...] = (".mp4", ".mov", ".m4v", ".mkv", ".avi", ".webm", ".mts", ".m2ts", ".ts",
                                   ".mpg", ".mpeg", ".wmv", ".flv", ".3gp")
