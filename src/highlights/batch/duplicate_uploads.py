"""Uploads that are the same video under two names: one game, processed once.

A parent who sends a game twice (a re-sent file, a renamed copy) would otherwise give the season
two games with the same highlights, both counted. Files are compared by size first (a stat), and
only files of equal size are read and hashed, so a season of distinct videos reads nothing more;
their hashes are kept in the cache folder (`content_hash_cache`), so a batch run again, to resume
or to add games, does not read the same videos again.
"""

from __future__ import annotations

from collections import defaultdict

from highlights.batch.inputs import GameInput


def same_video_as(games: list[GameInput]) -> dict[str, GameInput]:
    """For each game whose video is byte for byte an earlier game's (in input order), that game."""
    from highlights.content_hash_cache import cached_file_sha256

    by_size: dict[int, list[GameInput]] = defaultdict(list)
    for game in games:
        try:
            size = game.video.stat().st_size
        except OSError:
            continue  # the game itself fails and says why
        if size:
            by_size[size].append(game)
    first: dict[str, GameInput] = {}
    for group in by_size.values():
        seen: dict[str, GameInput] = {}
        for game in group if len(group) > 1 else ():
            try:
                digest = cached_file_sha256(game.video)
            except OSError:
                continue
            if digest in seen:
                first[game.game_id] = seen[digest]
            else:
                seen[digest] = game
    return first
