"""How many windows a pose-classifier training epoch holds.

Kept in a module of its own, importing nothing, so that the training config (`train.py`, its
synthetic window count) and a club's own classes (`own_classes.py`, which repeats the labelled
windows to this count) share one number: `train.py` imports `own_classes.py`, so neither can
hold it for the other without an import cycle.
"""

WINDOWS_PER_EPOCH = 3000
