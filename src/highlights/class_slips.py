"""Whether two class names differ by a slip of the keyboard: what `dataset create`, `grow`,
`train --clips` and the review check a class folder or a class name against."""

from __future__ import annotations


def one_slip_apart(a: str, b: str) -> bool:
    """Whether two class names differ by a slip of the keyboard: case, `-`/space for `_`, one
    letter left out or added, or two neighbours swapped. One letter replaced is not counted:
    `shot_2pt` and `shot_3pt` are two classes."""
    def norm(x: str) -> str:
        return x.strip().lower().replace("-", "_").replace(" ", "_")

    a, b = norm(a), norm(b)
    if min(len(a), len(b)) < 4:  # short names (`a`, `ab`) are too close to tell a slip
        return a == b
    if a == b:
        return True
    if abs(len(a) - len(b)) == 1:
        short, long = sorted((a, b), key=len)
        return any(long[:i] + long[i + 1:] == short for i in range(len(long)))
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    return False
