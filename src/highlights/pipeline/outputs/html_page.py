"""`highlights.html`: one self-contained page to review a game's highlights by looking.

CSS and the SVG timeline are inline; everything else is a relative link to a file written beside
it (the reel, `clips/`, `thumbs/`, CSV, EDL, PNG), so the output folder can be moved, zipped and
opened anywhere, offline, over file://. Thumbnails are JPEG files in `thumbs/`, each shown twice
(card and table) from one file: as inline data they were on the page twice, and a page of
hundreds of highlights grew to many megabytes that a phone must parse before showing anything.
A card's thumbnail is a lazily loaded `<img>` under its clip's `<video>` (transparent until it
plays), not the video's poster: a browser fetches every poster at page open, all of a 90-minute
game's, where lazy images are fetched as their card comes near the view, with no script. All
text from highlights, evidence, annotation and config goes through `html.escape`.
"""

from __future__ import annotations

import json
import math
import numbers
import os
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from PIL import Image  # matplotlib's dependency

from highlights.atomic import atomic_write_bytes, atomic_write_text
from highlights.contrast import text_colour_on
from highlights.counted_noun import counted
from highlights.events.interval import covered_seconds
from highlights.figures_apart import figures_apart
from highlights.pipeline.highlight import Highlight
from highlights.pipeline.outputs.naming import THUMBNAIL_GLOB, anchor_id, in_time_order, key_time, thumbnail_filename
from highlights.pipeline.outputs.reel import ReelResult
from highlights.pipeline.outputs.segments import ground_truth_segments, timeline_end
from highlights.pipeline.outputs.sport_colors import colour_key, sport_hatches, sport_palette, sports_of_several_classes
from highlights.pipeline.outputs.timecode import clock_timecode, short_clock
from highlights.pipeline.outputs.hatch_tiles import hatched_swatch
from highlights.pipeline.outputs.timeline_svg import timeline_svg

NO_HIGHLIGHTS = "No highlights found."
THUMBNAILS_DIR = "thumbs"

_CSS = """
:root { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2327; background: #f6f7f9; }
body { margin: 0 auto; max-width: 1200px; padding: 1rem 1.5rem 3rem; }
h1 { font-size: 1.5rem; margin: .5rem 0; } h2 { font-size: 1.15rem; margin: 1.6rem 0 .6rem; }
/* A file's or a class's name without spaces breaks where it must: in one line, 150 characters made
   the page scroll sideways to twice the window's width. */
h1, .card h3 { overflow-wrap: anywhere; }
.summary { color: #50575e; } .damaged { color: #8a2424; font-weight: 600; }
nav a { margin-right: 1rem; display: inline-block; }
.timeline { width: 100%; height: auto; background: #fff; border: 1px solid #dcdcde; border-radius: 6px; }
/* Drawn 1000 wide, the timeline scales with the page: on a phone its text would shrink to a third
   of its size, so below this width it scrolls within its box instead (its border inside its
   width, or the box scrolls by 2 px on a desktop too). */
.timeline { min-width: 760px; box-sizing: border-box; }
.timeline .lane { fill: #f0f0f1; }
.timeline .lane-name, .timeline .tick, .timeline .none { font-size: 12px; fill: #50575e; }
.timeline .axis { stroke: #8c8f94; } .timeline .bar:hover { stroke: #1d2327; stroke-width: 2; }
/* A bar reached by Tab is outlined as thick as a hovered one, whatever the browser draws round an SVG link. */
.timeline a:focus-visible .bar { stroke: #1d2327; stroke-width: 3; }
.timeline .truth { fill-opacity: .8; }
.legend span { display: inline-block; margin-right: 1rem; font-size: .9rem; }
.swatch { display: inline-block; width: .8rem; height: .8rem; border-radius: 2px;
         margin-right: .3rem; vertical-align: -1px; }
video.reel { width: 100%; max-height: 70vh; background: #000; border-radius: 6px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(280px, 1fr)); gap: 1rem; }
.card { background: #fff; border: 1px solid #dcdcde; border-radius: 6px; padding: .6rem; scroll-margin-top: 1rem; }
.card:target { outline: 3px solid #2271b1; }
.card h3 { font-size: 1rem; margin: 0 0 .4rem; }
.card video, .card img { width: 100%; height: auto; border-radius: 4px; background: #000; }
/* The clip over its thumbnail: a video shows nothing of its own until it plays, so the picture
   below shows through, the size of the thumbnail as the video's poster was. */
.card .face { position: relative; display: inline-block; width: 100%; } .card .face img { display: block; }
.card .face video { position: absolute; top: 0; left: 0; height: 100%; background: transparent; }
/* Chromium greys over a video's whole face until it has a frame or a poster; its controls keep
   their own shade at the bottom, as over a poster. */
.card .face video::-webkit-media-controls { background: none; }
.card dl { display: grid; grid-template-columns: auto 1fr; gap: .1rem .6rem; margin: .4rem 0 0; font-size: .85rem; }
.card dt { color: #50575e; } .card dd { margin: 0; }
.sport { border-radius: 3px; padding: 0 .35rem; font-size: .8rem; }
.scroll { overflow-x: auto; }  /* the wide table scrolls on its own on a phone, not the page */
table { border-collapse: collapse; width: 100%; background: #fff; font-size: .85rem; }
th, td { border: 1px solid #dcdcde; padding: .3rem .45rem; text-align: left; vertical-align: top; }
th { background: #f0f0f1; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
td img { width: 96px; height: auto; display: block; }
td.evidence { min-width: 18rem; }  /* on a phone, wide enough that its lines are not a word each */
.evidence .why { margin-bottom: .2rem; } .evidence summary { cursor: pointer; color: #2271b1; }
.evidence code { display: inline-block; margin: 0 .35rem .15rem 0; background: #f0f0f1;
                 padding: 0 .25rem; border-radius: 3px; }
.empty { font-size: 1.1rem; padding: 1rem; background: #fff; border: 1px dashed #8c8f94; border-radius: 6px; }
/* A touch screen: links and the evidence's toggles a finger's size (about 44 px). */
@media (pointer: coarse) {
  nav a, td.num a { display: inline-flex; align-items: center; min-height: 44px; min-width: 44px; }
  td.num a { justify-content: flex-end; }
  details summary { line-height: 44px; }  /* a list item still, so it keeps its disclosure triangle */
}
details pre { background: #fff; border: 1px solid #dcdcde; padding: .6rem; overflow: auto; font-size: .8rem; }
"""


def _short_number(value: float) -> str:
    """A number of the evidence, short and still the JSON's: up to three decimals (trailing zeros
    dropped) from 1 up, three significant digits below 1, never an exponent. Three significant
    digits throughout put a key moment at 292.6 s as 293 and a window 40 minutes in as
    [2.43e+03, 2.43e+03], off the times beside them in the table."""
    if not math.isfinite(value):
        return str(value)
    if abs(value) >= 1:
        return f"{value:.3f}".rstrip("0").rstrip(".")
    return f"{value:.3g}"


def _compact_value(value: Any) -> str:
    if hasattr(value, "tolist"):  # numpy scalars and arrays from the stages
        value = value.tolist()
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, numbers.Integral):
        return str(value)
    if isinstance(value, numbers.Real):
        return _short_number(float(value))
    if isinstance(value, (list, tuple)):
        shown = ", ".join(_compact_value(v) for v in value[:6])
        return f"[{shown}{', …' if len(value) > 6 else ''}]"
    if isinstance(value, Mapping):
        return json.dumps(value, default=str)[:80]
    text = str(value)
    return text if len(text) <= 80 else text[:79] + "…"


def evidence_items(evidence: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Flattens nested evidence to `(dotted.key, short value)` pairs: numbers as `_short_number`
    writes them, long lists and strings cut."""
    items: list[tuple[str, str]] = []
    for key, value in evidence.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            items.extend(evidence_items(value, name + "."))
        else:
            items.append((name, _compact_value(value)))
    return items


def why_line(evidence: Mapping[str, Any]) -> str:
    """The few facts a reader checks first, from a highlight's evidence: its rank, the motion that
    triggered it (against its threshold) and what the classifier said. The rest of the evidence
    stays one click away on the page: dozens of dotted keys per row are read by few."""
    parts = []
    rank = evidence.get("rank") or {}
    if rank.get("rank") is not None and rank.get("of") is not None:
        parts.append(f"rank {rank['rank']} of {rank['of']}")
    trigger = evidence.get("kinematics") or {}
    if trigger.get("trigger") is not None:
        text = f"trigger {trigger['trigger']}"
        if trigger.get("value") is not None:
            from highlights.pipeline.kinematics import TRIGGER_UNIT

            # a speed against its bar, read at a glance: three significant digits (never a time)
            unit = TRIGGER_UNIT.get(trigger["trigger"])
            text += f" {float(trigger['value']):.3g}" + (f" {unit}" if unit else "")
            if trigger.get("threshold") is not None:
                text += f" (threshold {float(trigger['threshold']):.3g})"
        parts.append(text)
    probs = (evidence.get("classifier") or {}).get("probs") or {}
    if probs:
        actions = {k: float(v) for k, v in probs.items() if k != "none"}
        if "none" in probs and actions:
            best = max(actions, key=actions.get)
            action_text, best_text = figures_apart(1.0 - float(probs["none"]), actions[best])
            parts.append(f"action {action_text} (most likely {best} {best_text})")
        elif actions:
            best = max(actions, key=actions.get)
            parts.append(f"{best} {actions[best]:.2f}")
    return " · ".join(parts)


def _href(target: Path, page_dir: Path) -> str:
    relative = os.path.relpath(Path(target).resolve(), page_dir.resolve())
    # Escaped as the bytes the file system names it with: a browser turns a file:// link's %XX back
    # into those bytes, so `é` on a Latin-1 file system is %E9, not UTF-8's %C3%A9 (a link to no file).
    return quote(os.fsencode(Path(relative).as_posix()))


def _image_size(path: Path | None) -> str:
    """` width=".." height=".."` of an image file (its header only), or "" where it cannot be read:
    a lazy image not loaded yet then keeps its place, so the cards below do not all crowd into the
    first view (and load) and the page does not jump as they arrive."""
    if path is None:
        return ""
    try:
        with Image.open(path) as image:  # reads the header, not the picture
            width, height = image.size
    except OSError:  # missing, or not an image (PIL's UnidentifiedImageError is an OSError)
        return ""
    return f' width="{width}" height="{height}"'


def write_thumbnails(ordered: Sequence[Highlight], media: ReelResult | None, folder: str | Path) -> list[Path | None]:
    """Writes each highlight's thumbnail JPEG (from `media`, in time order like `ordered`) into
    `folder` and returns their paths (None where there is none). Thumbnails of an earlier run
    that this one did not write are removed, so a re-run leaves no stale picture beside the page."""
    folder = Path(folder)
    jpegs = media.thumbnails_jpeg if media is not None else []
    paths: list[Path | None] = []
    for number, h in enumerate(ordered, start=1):
        jpeg = jpegs[number - 1] if number - 1 < len(jpegs) else None
        if jpeg is None:
            paths.append(None)
            continue
        folder.mkdir(parents=True, exist_ok=True)
        paths.append(atomic_write_bytes(folder / thumbnail_filename(number, h), jpeg))
    if folder.is_dir():
        for old in folder.glob(THUMBNAIL_GLOB):
            if old not in paths:
                old.unlink()
    return paths


def _sport_chip(h: Highlight, colours: Mapping[str, str], several: frozenset[str]) -> str:
    background = colours[colour_key(h.sport, h.label, several)]
    # black or white, whichever reads on the sport's colour: white on Okabe-Ito orange is 2.3:1
    return (f'<span class="sport" style="background:{background};color:{text_colour_on(background)}">'
            f'{escape(h.sport)}</span>')


def _card(number: int, h: Highlight, clip_href: str | None, thumb_href: str | None,
          colours: Mapping[str, str], several: frozenset[str], in_reel: bool | None = None,
          size: str = "") -> str:
    if clip_href is not None:
        video = (f'<video controls playsinline preload="none" src="{escape(clip_href)}" '
                 f'aria-label="clip #{number}, {escape(h.label)} at {clock_timecode(key_time(h))}"></video>')
        # The thumbnail repeats what the labelled video shows: a screen reader passes over it.
        media = (f'<div class="face"><img loading="lazy" src="{escape(thumb_href)}"{size} alt="">{video}</div>'
                 if thumb_href else video)
    elif thumb_href is not None:
        media = (f'<img loading="lazy" src="{escape(thumb_href)}"{size} '
                 f'alt="{escape(h.label)} at {clock_timecode(key_time(h))}">')
    else:
        media = ""
    key = "–" if h.key_s is None else clock_timecode(h.key_s)
    why = why_line(h.evidence)
    # With a reel that holds only the best-ranked, each card says whether it is among them.
    reel = "" if in_reel is None else (", in the reel" if in_reel else ", not in the reel")
    return (
        f'<article class="card" id="{anchor_id(number)}">'
        f"<h3>#{number} {escape(h.label)} {_sport_chip(h, colours, several)}</h3>{media}<dl>"
        f"<dt>from</dt><dd>{clock_timecode(h.start_s)}</dd>"
        f"<dt>to</dt><dd>{clock_timecode(h.end_s)} ({h.duration_s:.2f} s)</dd>"
        f"<dt>key</dt><dd>{key}</dd><dt>score</dt><dd>{h.score:.3f}</dd>"
        + (f"<dt>rank</dt><dd>{h.rank}{reel}</dd>" if h.rank is not None else "")
        + (f"<dt>why</dt><dd>{escape(why)}</dd>" if why else "")
        + "</dl></article>"
    )


def _table_row(number: int, h: Highlight, thumb_href: str | None, colours: Mapping[str, str], several: frozenset[str],
               size: str = "") -> str:
    thumb = f'<img loading="lazy" src="{escape(thumb_href)}"{size} alt="thumbnail #{number}">' if thumb_href else ""
    items = evidence_items(h.evidence)
    why = why_line(h.evidence)
    evidence = (f'<div class="why">{escape(why)}</div>' if why else "") + (
        f"<details><summary>all evidence ({len(items)})</summary>"
        + "".join(f"<code>{escape(k)}={escape(v)}</code>" for k, v in items)
        + "</details>" if items else "")
    key = "" if h.key_s is None else f"{h.key_s:.3f}"
    return (
        f'<tr><td class="num"><a href="#{anchor_id(number)}">{number}</a></td>'
        f'<td class="num">{"" if h.rank is None else h.rank}</td><td>{thumb}</td>'
        f'<td class="num">{h.start_s:.3f}</td><td class="num">{h.end_s:.3f}</td>'
        f'<td class="num">{h.duration_s:.3f}</td><td>{escape(h.label)}</td><td>{_sport_chip(h, colours, several)}</td>'
        f'<td class="num">{h.score:.3f}</td><td class="num">{key}</td>'
        f'<td class="evidence">{evidence}</td></tr>'
    )


def _summary(ordered: Sequence[Highlight], truth: Sequence[Any], *, duration_s: float | None,
             media: ReelResult | None, held: list[bool] | None, reel_budget: str | None,
             annotation: Any, start_s: float = 0.0) -> str:
    """The line under the title: how many highlights and their seconds, the game's length and the
    share kept, what a capped reel holds, and how many events were annotated. The length is the
    pictures', from `start_s` to `duration_s`: a camera's clock kept by a stream copy ends an hour
    past the length of a game that starts an hour in, which made a 90 s game "1:01:30"."""
    duration_s = None if duration_s is None else max(0.0, duration_s - start_s)
    total = covered_seconds((h.start_s, h.end_s) for h in ordered)  # shared footage plays once
    # "of reel" only where the whole of it is in a reel written beside the page: a caller of the
    # library may write the page alone, and a capped reel holds only some of the footage.
    whole_reel = media is not None and media.reel_path is not None and (held is None or all(held))
    summary = f"{counted(len(ordered), 'highlight')}, {total:.1f} s of {'reel' if whole_reel else 'footage'}"
    if not ordered:  # no reel is written: "0.0 s of reel" named a file that is not there
        summary = counted(0, "highlight")
    if duration_s:
        summary += f", from a {short_clock(duration_s)} game"  # as its timeline reads: "a 5:00 game"
        if ordered:
            summary += f" ({100 * total / duration_s:.1f}% kept)"
    if held is not None and not all(held):
        summary += f"; the reel holds the {sum(held)} best-ranked, {media.reel_seconds:.1f} s"
        if reel_budget:
            summary += f" (those that fit in {reel_budget})"
    if annotation is not None:
        summary += f"; {counted(len(truth), 'annotated event')}"
    return summary


def _head_and_header(title: str, summary: str, page_dir: Path, *, media: ReelResult | None, damage: str | None,
                     links: Mapping[str, str | Path] | None, up_link: tuple[str, str] | None) -> list[str]:
    """The document's head and the page's header: title, summary, the damage line and the links
    (the page one level up, the reel, the other outputs), up to the opening of `<main>`."""
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<header><h1>{escape(title)}</h1><p class=\"summary\">{escape(summary)}</p>",
    ]
    if damage:
        out.append(f'<p class="damaged">The video is damaged: {escape(damage)}</p>')
    nav = []
    if media is not None and media.reel_path is not None:
        nav.append(("highlight reel (MP4)", media.reel_path))
    nav.extend((links or {}).items())
    anchors = [f'<a href="{escape(quote(up_link[1]))}">{escape(up_link[0])}</a>'] if up_link else []
    anchors += [f'<a href="{escape(_href(Path(p), page_dir))}">{escape(name)}</a>' for name, p in nav]
    if anchors:
        out.append("<nav>" + "".join(anchors) + "</nav>")
    out.append("</header><main>")
    return out


def _timeline_section(ordered: Sequence[Highlight], end: float, truth: Sequence[Any], annotation: Any,
                      sports: Sequence[str], colours: Mapping[str, str]) -> list[str]:
    out = ['<section id="timeline"><h2>Timeline</h2>']
    out.append('<div class="scroll">'
               + timeline_svg(ordered, end, truth=truth if annotation is not None else None, colours=colours)
               + "</div>")
    if sports:
        hatches = sport_hatches(colours)  # as the timeline's bars have them (its patterns are the page's)
        swatches = [
            f'<span>{hatched_swatch(colours[s], hatches[s])}{escape(s)}</span>'
            for s in sports
        ]
        # the hints only where there is a highlight's bar, shaded by its score, to click (an annotated
        # event's is neither)
        out.append('<p class="legend">' + "".join(swatches)
                   + (" — a paler bar, a lower score; click a bar to jump to its highlight." if ordered else "")
                   + "</p>")
    out.append("</section>")
    return out


def _reel_section(media: ReelResult | None, page_dir: Path) -> list[str]:
    if media is None or media.reel_path is None:
        return []
    reel_href = escape(_href(media.reel_path, page_dir))
    return [
        '<section id="reel"><h2>Highlight reel</h2>'
        f'<video class="reel" controls playsinline preload="metadata" src="{reel_href}"></video></section>'
    ]


def _cards_section(ordered: Sequence[Highlight], page_dir: Path, clips: Sequence[Path | None],
                   thumbs: Sequence[str | None], sizes: Sequence[str], colours: Mapping[str, str],
                   several: frozenset[str], held: list[bool] | None) -> list[str]:
    # Numbered in time order; the rank (by score, what the reel keeps) is said beside it,
    # so that #1 is never read as the best.
    out = ['<section id="highlights"><h2>Highlights, in time order</h2>']
    if not ordered:
        out.append(f'<p class="empty">{NO_HIGHLIGHTS}</p>')
    else:
        cards = []
        for number, h in enumerate(ordered, start=1):
            clip = clips[number - 1] if number - 1 < len(clips) else None
            thumb = thumbs[number - 1] if number - 1 < len(thumbs) else None
            cards.append(
                _card(
                    number,
                    h,
                    None if clip is None else _href(clip, page_dir),
                    thumb,
                    colours,
                    several,
                    in_reel=held[number - 1] if held is not None and not all(held) else None,
                    size=sizes[number - 1] if number - 1 < len(sizes) else "",
                )
            )
        out.append('<div class="cards">' + "".join(cards) + "</div>")
    out.append("</section>")
    return out


def _table_section(ordered: Sequence[Highlight], thumbs: Sequence[str | None], sizes: Sequence[str],
                   colours: Mapping[str, str], several: frozenset[str]) -> list[str]:
    out = ['<section id="table"><h2>Table</h2>']
    if ordered:
        out.append(
            "<div class='scroll'><table><thead><tr><th># (time order)</th><th>rank</th><th>thumbnail</th>"
            "<th>start (s)</th><th>end (s)</th>"
            "<th>duration (s)</th><th>label</th><th>sport</th><th>score</th><th>key (s)</th>"
            "<th>evidence</th></tr></thead><tbody>"
        )
        for number, h in enumerate(ordered, start=1):
            thumb = thumbs[number - 1] if number - 1 < len(thumbs) else None
            size = sizes[number - 1] if number - 1 < len(sizes) else ""
            out.append(_table_row(number, h, thumb, colours, several, size))
        out.append("</tbody></table></div>")
    else:
        out.append(f"<p>{NO_HIGHLIGHTS}</p>")
    out.append("</section>")
    return out


def _config_section(config_dict: Mapping[str, Any] | None) -> str:
    config_text = (
        json.dumps(config_dict, indent=2, sort_keys=True, default=str)
        if config_dict is not None
        else "(no config given)"
    )
    return ('<section id="config"><details><summary>Config used</summary>'
            f"<pre>{escape(config_text)}</pre></details></section>")


def render_html(
    highlights: Iterable[Highlight],
    page_dir: str | Path,
    *,
    source_name: str = "",
    duration_s: float | None = None,
    start_s: float = 0.0,
    media: ReelResult | None = None,
    thumbnails: Sequence[Path | None] | None = None,
    config_dict: Mapping[str, Any] | None = None,
    annotation: Any = None,
    links: Mapping[str, str | Path] | None = None,
    up_link: tuple[str, str] | None = None,
    reel_budget: str | None = None,
    damage: str | None = None,
) -> str:
    """The page's HTML; relative links are computed from `page_dir`, the folder it will sit in.
    `thumbnails` are the thumbnail files in time order (from `write_thumbnails`).
    `up_link` is (text, href) of the page one level up, such as a batch's index: an href as it is,
    because the page is written in a scratch folder and moved in place afterwards. `reel_budget`
    says, when the reel holds only the best-ranked highlights, the seconds they had to fit in and
    what set them (`ReelChoice.budget_words`). `start_s`: where the video's clock starts, its
    first picture (`duration_s` is where it ends on that clock). `damage`, for a video with
    damaged packets, says in one line what the run could not analyse
    (`pipeline.damage.damage_line`)."""
    page_dir = Path(page_dir)
    ordered = in_time_order(highlights)
    truth = ground_truth_segments(annotation)
    end = timeline_end(duration_s, ordered, truth)
    clips = media.clip_paths if media is not None else []
    thumbs = [None if path is None else _href(path, page_dir) for path in thumbnails or []]
    sizes = [_image_size(path) for path in thumbnails or []]
    held = media.in_reel if media is not None and media.in_reel is not None else None

    title = f"Highlights — {source_name}" if source_name else "Highlights"
    summary = _summary(ordered, truth, duration_s=duration_s, media=media, held=held, reel_budget=reel_budget,
                       annotation=annotation, start_s=start_s)
    out = _head_and_header(title, summary, page_dir, media=media, damage=damage, links=links, up_link=up_link)
    several = sports_of_several_classes(ordered)  # a club's classes of one sport, told apart by colour
    sports = list(dict.fromkeys([colour_key(h.sport, h.label, several) for h in ordered]
                                + [colour_key(s.sport, s.label, several) for s in truth]))
    colours = sport_palette(sports)  # one per sport, the same in the timeline, legend, cards and table
    out += _timeline_section(ordered, end, truth, annotation, sports, colours)
    out += _reel_section(media, page_dir)
    out += _cards_section(ordered, page_dir, clips, thumbs, sizes, colours, several, held)
    out += _table_section(ordered, thumbs, sizes, colours, several)
    out.append(_config_section(config_dict))
    out.append("</main></body></html>")
    return "\n".join(out) + "\n"


def write_html(highlights: Iterable[Highlight], out_path: str | Path, *, media: ReelResult | None = None,
               **page: Any) -> Path:
    """Writes the review page atomically, its thumbnails into `thumbs/` beside it. `media` (from
    `write_reel`) supplies the reel, clips and thumbnails; `page` holds `render_html`'s other
    keywords (`source_name`, `duration_s`, `start_s`, `config_dict`, `annotation`, `links` to
    other outputs, made relative to the page, `up_link`, `reel_budget`, `damage`), passed on as
    they are so that the page's options are named and typed in one place."""
    out_path = Path(out_path)
    ordered = in_time_order(highlights)
    thumbnails = write_thumbnails(ordered, media, out_path.parent / THUMBNAILS_DIR)
    return atomic_write_text(out_path, render_html(ordered, out_path.parent, media=media, thumbnails=thumbnails,
                                                   **page))
