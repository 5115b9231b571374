"""The number of the pipeline's output: what a complete detect run gives for one video, config
and set of models.

It goes up with every change meant to alter that output (`tests/test_pipeline_reference.py
--write` rewrites the stored reference only under a new number). A batch reuses a complete game
folder only where it was made under this number and this picture reader
(`video.PICTURES_VERSION`): a folder an earlier version of highlights made under another runs
again, as its highlights may not be the ones this version finds.
"""

OUTPUT_VERSION = 6

# The layout of the highlights.json a run writes (its fields, not its numbers): readers of a
# detect folder refuse another rather than read it as this one.
RESULT_FORMAT = "highlights.pipeline/1"
