"""Source videos that a version written before they were kept together holds in two splits.

Versions are now written with a video added whole and the clips a review cut from it (or from a
copy of it) in one group; a version written earlier may hold them in two groups, placed in two
splits, so its test figures count footage a model trained on. Such a version is still read (it
breaks no rule of its manifest, and models were trained on it): this names the videos, found with
the test the writer uses (``WholeAndCutVideos``: sizes first, then content), so that its user
knows. Versions are immutable, so the finding is said, never fixed in place.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import PurePath

from highlights.datasets.cut_spans import cut_span
from highlights.datasets.records import SPLITS, DatasetVersion
from highlights.datasets.same_video import WholeAndCutVideos, file_size


@dataclass(frozen=True)
class VideoInTwoSplits:
    """One source video whose clips a version holds in more than one split."""

    names: tuple[str, ...]  # the file names it goes by: a clip added whole, the videos a review cut from
    clips: dict[str, int]  # split -> real clips of it there

    def describe(self) -> str:
        counts = ", ".join(f"{split} {self.clips[split]}" for split in SPLITS if self.clips.get(split))
        return f"{' = '.join(self.names)} ({counts})"


def videos_in_two_splits(version: DatasetVersion) -> list[VideoInTwoSplits]:
    """The source videos of ``version`` whose clips lie in two or more splits. Its clips are met in
    the order they were added, as the writer met them, and a clip is joined to an earlier one by the
    writer's own test; only the videos a review cut from that are still where their clips'
    provenance names them can be compared, as when the version is grown."""
    videos = WholeAndCutVideos()
    joined_to: dict[str, str] = {}  # a group -> a group of the same source video
    names: dict[str, list[str]] = {}  # a group -> the names its same-video matches go by

    def top(group: str) -> str:
        while group in joined_to:
            group = joined_to[group]
        return group

    for clip in version.real_clips:
        cut = cut_span(clip.provenance)
        name = PurePath(cut.source).name if cut is not None else (version.origin(clip.clip_id) or clip.clip_id)
        found = (videos.group_of_whole(clip.path, clip.sha256) if cut is None
                 else videos.group_of_cut(cut.source))
        if found is not None:
            other_name, other_group, _ = found
            a, b = top(clip.group), top(other_group)
            if a != b:
                joined_to[a] = b
            for seen in (other_name, name):
                if seen not in names.setdefault(b, []):
                    names[b].append(seen)
        if cut is None:
            videos.add_whole(clip.sha256, name, clip.group, file_size(clip.path))
        else:
            videos.add_cut(cut.source, name, clip.group)
    if not joined_to:
        return []
    splits: dict[str, Counter] = {}
    for clip in version.real_clips:
        splits.setdefault(top(clip.group), Counter())[clip.split] += 1
    named: dict[str, list[str]] = {}
    for group, found in names.items():
        for name in found:
            if name not in named.setdefault(top(group), []):
                named[top(group)].append(name)
    return [VideoInTwoSplits(tuple(named[group]), dict(splits[group]))
            for group in named if len(splits[group]) > 1]


def split_leak_warning(version: DatasetVersion) -> str | None:
    """One line naming the videos ``version`` holds in two splits, and what it means; None if none."""
    leaks = videos_in_two_splits(version)
    if not leaks:
        return None
    listed = "; ".join(leak.describe() for leak in leaks[:5]) + ("; ..." if len(leaks) > 5 else "")
    one = len(leaks) == 1
    shared = {split for leak in leaks for split in leak.clips}
    others = [split for split in SPLITS if split in shared and split != "train"]
    means = (f"the {' and '.join(others)} figures of a model trained on {version.name} count footage it trained on"
             if "train" in shared else "its val and test splits hold the same footage")
    return (f"{version.name} holds {'a source video' if one else f'{len(leaks)} source videos'} in two splits "
            "(a video added whole and the clips a review cut from it or from a copy of it, written before they "
            f"were kept in one split): {listed}; {means}. A version keeps its splits, as do the versions grown "
            "from it; a new --root made with `dataset create` places each source video in one split")
