"""The classes the project recognises and the sport each belongs to: the one list every part reads.

The clip classifier's default classes, the synthetic generator's labels, the pipeline's labels and
the test report's cross-sport confusions all come from here.
"""

from __future__ import annotations

import unicodedata

NONE_LABEL = "none"  # the class of a clip with none of the actions in it
ACTIONS: tuple[str, ...] = ("baseball_swing", "basketball_layup", "soccer_shooting")
CLASSES: tuple[str, ...] = (*ACTIONS, NONE_LABEL)
SPORT_OF_LABEL: dict[str, str] = {
    "baseball_swing": "baseball", "basketball_layup": "basketball", "soccer_shooting": "soccer",
}
LABEL_OF_SPORT: dict[str, str] = {sport: label for label, sport in SPORT_OF_LABEL.items()}
SPORTS: tuple[str, ...] = tuple(SPORT_OF_LABEL[a] for a in ACTIONS)
# The label of a highlight that neither kinematics nor the classifier named.
UNLABELLED = "highlight"
UNKNOWN_SPORT = "unknown"


def class_name(text: str) -> str:
    """``text`` as a class name: each accented letter one character (Unicode's NFC form). macOS can
    list a folder made as `élan` with its accent as a character of its own after the `e` (NFD),
    as can a zip made there: it looks the same, but is not the string `élan` typed in --classes, a
    manifest or another version's folders, and was refused as a class those did not list."""
    return unicodedata.normalize("NFC", text)


def sport_of(label: str | None) -> str:
    """The sport a class belongs to: the known one, else the part of the label before the first
    underscore (`tennis_serve` -> `tennis`), so the classes of a user's own dataset get one too;
    `unknown` when there is no label or it names no sport: a club's `swing` or `rest` is not a
    sport of its own, which would tell a user a run's highlights name several sports."""
    if not label:
        return UNKNOWN_SPORT
    if label in SPORT_OF_LABEL:
        return SPORT_OF_LABEL[label]
    sport, underscore, _ = label.partition("_")
    return sport if underscore and sport else UNKNOWN_SPORT


def without_none_note(classes) -> str | None:
    """The note a model of `classes` gets where they have no `none`: the pipeline leaves out only
    `none`'s windows, so `detect` would report background play (a club's `rest`) as highlights.
    None when `none` is among them."""
    if NONE_LABEL in classes:
        return None
    return (f"note: no class is `{NONE_LABEL}`, so `detect` with this model reports a window of any of "
            f"{', '.join(classes)} as a highlight, background play too; clips with no action belong under the "
            f"class `{NONE_LABEL}`, whose windows detect leaves out")


# Characters Windows refuses in a file or folder name, besides the path separators.
_NOT_IN_A_WINDOWS_NAME = ':*?"<>|'


def decomposed_class_names(classes: list[str] | tuple[str, ...]) -> str | None:
    """What is wrong with a stored version's class names written with their accents decomposed, or
    None. A version made before class names were taken composed (`class_name`) keeps a class as a
    macOS folder listed it: new clips of it, taken composed, could not join it, and two classes
    that read the same may each hold clips. Said, not merged unsaid: their clips are the user's."""
    by_name: dict[str, list[str]] = {}
    for name in classes:
        by_name.setdefault(class_name(name), []).append(name)
    # A decomposed name is shown with its accents escaped: printed, it reads as the composed one.
    shown = {name: "'" + (ascii(name)[1:-1] if name != class_name(name) else name) + "'" for name in classes}
    twins = next((names for names in by_name.values() if len(names) > 1), None)
    if twins is not None:
        return (f"classes {' and '.join(shown[n] for n in twins)} are one name written two ways (an accent "
                "as a character of its own after its letter, as macOS lists a folder, and the accented letter as "
                "one character)")
    decomposed = next((name for name in classes if name != class_name(name)), None)
    if decomposed is not None:
        return (f"class {shown[decomposed]} is written with its accents as characters of their own after their "
                f"letters (as macOS lists a folder), where class names now take each accented letter as one character "
                f"({class_name(decomposed)!r}), so new clips of it could not join it")
    return None


def class_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a class, or None. A class is a folder name too (of a folder-per-class
    tree, of `review export`'s clips), on any system the project runs on: no path separator, no
    character Windows refuses (`:` would name an NTFS stream), no leading `.` (a hidden folder,
    which a folder-per-class tree skips). Spaces, accents and any script are fine."""
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or any(part in (".", "..") for part in parts):
        return "would lead out of its folder"
    if len(parts) > 1:
        return "holds a path separator (`/` or `\\`), which would file its clips in a folder inside a folder"
    odd = next((c for c in name if c in _NOT_IN_A_WINDOWS_NAME or ord(c) < 32), None)
    if odd is not None:
        return f"holds {odd!r}, which Windows does not allow in a folder name"
    if name.startswith("."):
        return "starts with `.`, which hides its folder (a folder-per-class tree skips hidden folders)"
    return None


def class_name_error_text(where: str, name: str, problem: str) -> str:
    """The one line refusing a class name, the same wherever a class list is given."""
    return (f"{where}: class name {name!r} {problem} (a class is a folder name too: of a folder per class, of "
            "`review export`'s clips); use letters, digits, spaces, `_` or `-`")
