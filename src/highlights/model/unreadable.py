"""What a file that ``torch.load`` could not read is, told from its first bytes and the error.

torch's own messages for a bad file are paragraphs, and for any refused byte (a random or
non-PyTorch file as much as a whole pickled model) they advise loading again with
``weights_only=False``, which could run the file's code: the loaders of checkpoints and of
pretrained weights say instead which of these the file is, each in their own words.
"""

from __future__ import annotations

import os
import pickle
from enum import Enum


class Unreadable(Enum):
    SAFETENSORS = "a safetensors file"
    PICKLED_OBJECTS = "pickled Python objects"
    DAMAGED = "a PyTorch file that is cut off or damaged"
    NOT_PYTORCH = "not a PyTorch file"


ZIP_MAGIC = b"PK\x03\x04"  # torch.save's format since PyTorch 1.6
# What torch's weights-only unpickler says of an object it refuses, matched in any case: a class or
# function that is not plain data (GLOBAL, as torch.save pickles one; "unsupported GLOBAL ... is
# blocked" for one of os or sys), or an opcode it does not take (STACK_GLOBAL, as pickle's protocol
# 4 and 5 name a class). Any other refusal (a call of what is no function, a memo entry never put)
# is of a pickle that does not read whole: damaged.
REFUSALS = ("unsupported global", "unsupported operand")
PICKLE_PROTO = b"\x80"     # the first byte of a pickle of protocol 2 or later (the legacy torch.save format)


def why_unreadable(path: str | os.PathLike, exc: BaseException) -> Unreadable:
    """Which kind of file ``path`` is, given that ``torch.load(path, weights_only=True)`` raised ``exc``."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError:
        return Unreadable.NOT_PYTORCH
    # safetensors: an 8-byte little-endian header length, then the JSON header
    if len(head) >= 9 and head[8:9] == b"{" and int.from_bytes(head[:8], "little") < 100_000_000:
        return Unreadable.SAFETENSORS
    pickled = head[:1] == PICKLE_PROTO and len(head) >= 2 and 2 <= head[1] <= 5
    if not (head.startswith(ZIP_MAGIC) or pickled):
        # A weights-only refusal here is of bytes that were never a pickle, not of an object.
        return Unreadable.NOT_PYTORCH
    said = str(exc).lower()
    if isinstance(exc, pickle.UnpicklingError) and any(refusal in said for refusal in REFUSALS):
        # weights_only refuses any pickled object that is not plain data (a whole model saved
        # with torch.save(model)): loading it could run code, so it is never retried without it.
        return Unreadable.PICKLED_OBJECTS
    return Unreadable.DAMAGED
