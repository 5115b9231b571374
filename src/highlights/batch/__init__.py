"""Many games in one command: inputs, the per-game function, engines (local processes, Ray),
resume, and the index across games."""

from highlights.batch.errors import BatchError
from highlights.batch.game import GameJob, run_game
from highlights.batch.inputs import GameInput, collect_games, is_batch_request
from highlights.batch.runner import BatchResult, run_batch

__all__ = ["BatchError", "BatchResult", "GameInput", "GameJob", "collect_games", "is_batch_request",
           "run_batch", "run_game"]
