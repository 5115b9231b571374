"""The licence a dataset version already states for a reviewed game's video, for the clips a
review export cuts from it when the export is given none.

A licence is the video owner's terms: the clips cut from a video are under the terms of the video.
Where the parent version holds clips of the same video (cut from it by an earlier review, their
provenance naming it, or the video added whole, the same bytes) and all of those that state a
licence state the same one, the new clips carry it. Where they state none, or more than one, the
export records none (`unknown`): a licence is never guessed.
"""

from __future__ import annotations

from pathlib import Path

from highlights.datasets import DatasetVersion
from highlights.datasets.cut_spans import cut_span
from highlights.datasets.same_video import ContentHashes, file_size, same_file
from highlights.datasets.sources import UNKNOWN_LICENCE


def licences_stated_for(version: DatasetVersion, video: Path) -> set[str]:
    """The licences other than `unknown` that ``version``'s clips of ``video`` state."""
    video = Path(video)
    size = file_size(video)
    sha = ContentHashes()

    def same_bytes(path: str | Path, path_sha: str | None = None) -> bool:
        """Sizes first: a file is read only to confirm, and each at most once."""
        if size is None or file_size(path) != size or sha(video) is None:
            return False
        return sha(video) == (path_sha or sha(path))

    found: set[str] = set()
    for clip in version.real_clips:
        licence = clip.licence or UNKNOWN_LICENCE
        if licence == UNKNOWN_LICENCE:
            continue
        cut = cut_span(clip.provenance)
        # a clip cut from the video (or from a copy of it), or the video added whole
        if cut is not None and (same_file(cut.source, video) or same_bytes(cut.source)):
            found.add(licence)
        elif cut is None and same_bytes(clip.path, clip.sha256):
            found.add(licence)
    return found
