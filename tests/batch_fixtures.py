"""A small season of synthetic games for the batch tests: three tiny games in two weekly folders,
one corrupt upload, and a manifest listing all four; and the config that runs them in about a
second a game."""

from __future__ import annotations

from pathlib import Path

from highlights.pipeline.config import PipelineConfig
from tests.pipeline_fixtures import FixtureEvent, make_game

# Ground-truth detection and pose, the oracle classifier (reads each game's annotation from the
# manifest): every stage runs, in about a second a game.
FAST = PipelineConfig().with_overrides(
    {"detection.backend": "gt", "pose.backend": "gt", "classifier.backend": "oracle"})
EVENTS = {"alpha": (FixtureEvent("baseball_swing", 3.0, "baseball"),),
          "bravo": (FixtureEvent("basketball_layup", 4.0, "basketball"),),
          "charlie": (FixtureEvent("soccer_shooting", 3.5, "soccer"), FixtureEvent("baseball_swing", 6.5, "baseball"))}


def make_season(root: Path) -> Path:
    """The season's games under `root`, `root/games.csv` their manifest; returns `root`."""
    rows = ["path,game_id,sport,annotations"]
    for i, (name, events) in enumerate(EVENTS.items()):
        video = make_game(root / f"week{i % 2}", name, duration_s=8.0, events=events)
        sports = {e.sport for e in events}
        sport = sports.pop() if len(sports) == 1 else ""  # a game of several sports names none
        rows.append(f"{video.relative_to(root)},,{sport},{video.with_suffix('.json').relative_to(root)}")
    (root / "week1" / "corrupt.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42 this upload was cut short")
    rows.append("week1/corrupt.mp4,corrupt,soccer,")
    (root / "games.csv").write_text("\n".join(rows) + "\n")
    return root
