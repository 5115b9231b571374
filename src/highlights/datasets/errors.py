"""The error every dataset operation raises for bad input."""

from __future__ import annotations

from highlights.errors import HighlightsError
from highlights.one_line_name import one_line_name


class DatasetError(HighlightsError):
    """Bad input to a dataset operation: unreadable clips, unknown labels, duplicates, bad options.

    Each problem is one line naming the file (or option) and the cause. ``problems`` lists them
    all, so one run shows everything that has to be fixed. ``skippable`` marks problems with
    single clips that ``skip_bad`` would leave out instead; ``new_labels_only`` those whose every
    problem is a label the class list lacks, which `--classes` adds (and no other skip flag helps).
    ``headline`` replaces "N problems" above a list of several.
    """

    def __init__(self, problems: str | list[str], *, skippable: bool = False, headline: str | None = None,
                 new_labels_only: bool = False):
        # A line break in a file's name would make one problem two lines.
        self.problems = [one_line_name(p) for p in ([problems] if isinstance(problems, str) else problems)]
        self.skippable = skippable
        self.new_labels_only = new_labels_only
        self.headline = headline
        if len(self.problems) == 1:
            message = self.problems[0]
        else:
            message = (f"{headline or f'{len(self.problems)} problems'}:\n"
                       + "\n".join(f"  {p}" for p in self.problems))
        super().__init__(message)
