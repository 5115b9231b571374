"""What `highlights detect` says of one game: after a Ctrl-C, what was kept; after its run, why it
found no highlights, its speed and notes, its scores against annotations, and the files it wrote.

Each function is told `say` (the command's console) and says its lines in turn. Like every
command module, this one imports the library inside each function.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from pathlib import Path

from highlights.counted_noun import counted
from highlights.ratio_figures import figures_dividing_to

Say = Callable[[str], None]


def interrupted_line(stop: KeyboardInterrupt, out: Path) -> str:
    """The line after a Ctrl-C: nothing was written, and what the next run goes on from."""
    kept_s = getattr(stop, "kept_until_s", None)
    kept_clips = getattr(stop, "kept_clips", 0)
    if kept_s or kept_clips:
        from highlights.pipeline.outputs.timecode import short_clock

        from highlights.pipeline.kept_frames import FRAME_SECTIONS

        kept = [f"the people found in the first {short_clock(kept_s)} of the video"] if kept_s else []
        kept += [f"{counted(kept_clips, 'clip')} of its page"] if kept_clips else []
        verb = "is" if not kept_s and kept_clips == 1 else "are"
        # What another run keeps of them: the people under the same frame settings, whatever the
        # others; the clips of the same highlights cut the same way (`KeptClips.plan`).
        # One clause, no parenthesis inside the one the line already opens (it read as a riddle).
        sections = f"{', '.join(FRAME_SECTIONS[:-1])} or {FRAME_SECTIONS[-1]}"
        unless = [f"another video, or another {sections} setting, "
                  "other than one of speed or of whole tracks, finds the people again; "
                  "other settings go on"] if kept_s else []
        unless += ["another video, other highlights or other settings of the clips "
                   "cut the clips again"] if kept_clips else []
        again = (f"{' and '.join(kept)} {verb} kept: run the same command again to go on from there "
                 f"({'; '.join(unless)})")
    else:
        again = "no analysed frames were kept: run the command again to start it over"
    return (f"interrupted: nothing was written to {out} (it is replaced whole at the end of a run, or left "
            f"as it was); {again}")


def say_why_none(result, video: Path, say: Say) -> None:
    """Why a run found no highlights, where one stage's answer explains it."""
    if result.stats.get("no_person_found"):
        say(f"no person was found in {video}: no highlights")
    elif not result.highlights and result.trace.classifications and not any(
            c["accepted"] for c in result.trace.classifications):
        from highlights.pipeline.evaluation import turned_down_text

        # every window reached the classifier and none passed: say so, and by how much
        say(f"no highlights: the classifier turned down every window, the "
            f"{turned_down_text(result.trace.classifications, result.trace.classifier_gate)}")
    elif not result.highlights and not result.trace.classifications and any(
            t.get("tracks_with_pose") for t in result.trace.triggers) and not any(
            t.get("trigger") for t in result.trace.triggers):
        # People moved, but no limb was fast enough: without this line "0 highlights" reads as a
        # classifier that said no, and the setting to try is not named.
        stretches = len(result.trace.triggers)
        say(f"no highlights: in the {stretches} moving stretch{'es' if stretches != 1 else ''} no "
            "wrist or ankle moved fast enough and no player jumped with an arm raised, so no window "
            "reached the classifier (the kinematics.* thresholds; --set kinematics.enabled=false "
            "classifies windows across each moving stretch instead)")
    elif not result.highlights and not result.trace.classifications and not result.trace.triggers \
            and result.config.candidates.enabled and result.stats.get("frames_through_detection_or_pose") == 0:
        # Nothing opened the motion gate (a still picture, a lens cap, a camera far from the play):
        # "0 highlights" alone reads as a model that found nothing in a game it looked at.
        gate = result.config.candidates
        say(f"no highlights: nothing in the video moved enough to be looked at for people (the motion "
            f"gate: candidates.motion_threshold={gate.motion_threshold}, "
            f"candidates.motion_cell_threshold={gate.motion_cell_threshold})")


def _model_named(result) -> str:
    """', model FILE' (or ', the packaged pose model') for the classifier stage: the packaged model
    and one trained with `train --model pose` share an inference path's name, so a coach comparing
    the two runs could not tell which ran."""
    given = result.config.to_dict().get("classifier") or {}
    stage = result.backends.get("classifier")
    if stage == "pose":
        own = given.get("pose_model")
        return f", model {own}" if own else ", the packaged pose model"
    if stage == "checkpoint" and given.get("checkpoint"):
        return f", model {given['checkpoint']}"
    return ""


def say_run_notes(result, cfg, truth, *, capped: bool, say: Say) -> None:
    """The count and speed, then each note that applies: damage, an inference path not kept, the
    reel's length, mixed sports, a model without `none`. `capped`: --max-highlights or
    --reel-seconds was given."""
    from highlights.pipeline.classifier_inference import classifier_inference_text

    # The speed is the analysis's: cutting the clips and the reel comes after, and a batch's index
    # times the whole game, so say which one this is.
    inference = classifier_inference_text(result.inference_backend, result.backends, result.config.to_dict())
    length_s = float(result.video["duration_s"]) - float(result.video.get("start_s") or 0.0)
    seconds, speed = result.stats["seconds"], result.stats["speed_x_realtime"]
    if speed is not None:  # the figures printed divide to the speed printed beside them
        length_text, seconds_text = figures_dividing_to(length_s, seconds, speed)
    else:
        length_text, seconds_text = f"{length_s:.0f}", f"{seconds:.1f}"
    say(f"{counted(len(result.highlights), 'highlight')} in {length_text} s of video "
        f"(found in {seconds_text} s, {speed}x real time, "
        f"before the outputs were written; classifier inference: {inference}"
        f"{_model_named(result)})")
    from highlights.pipeline.classifier_inference import unkept_choice_note

    from highlights.pipeline.damage import damage_line

    damaged = damage_line(result.damage)
    if damaged:
        say(f"the video is damaged: {damaged}")
    few = few_pictures_note(result, cfg)
    if few:
        say(few)
    unkept = unkept_choice_note(result.stats.get("inference_path"))
    if unkept:
        say(unkept)
    from highlights.pipeline.reel_length import reel_line

    reel = result.stats.get("reel")
    if reel and reel_line(reel):
        say(reel_line(reel))
    elif reel and reel["budget_s"] is None and not capped:
        from highlights.pipeline.reel_length import long_reel_hint

        long_reel = long_reel_hint(reel["seconds"], length_s, reel["of"])
        if long_reel:
            say(long_reel)
    reading = result.sport_read
    if reading:
        from highlights.pipeline.sport_vote import reading_line

        say(reading_line(reading))
    # `auto` that read no sport limited nothing: the labels may name several sports as without it.
    if not cfg.classifier.sport or (reading and reading["sport"] is None):
        from highlights.pipeline.sport_filter import mixed_sports_hint

        hint = mixed_sports_hint([h.label for h in result.highlights],
                                 [e.label for e in truth.events] if truth is not None else ())
        if hint:
            say(hint)
    no_none = no_none_note(result)
    if no_none:
        say(no_none)


def few_pictures_note(result, cfg) -> str | None:
    """One line for a video of fewer pictures a second than the analysis looks at (a time-lapse,
    a security camera's 1 fps): a swing or a shot lasts about a second, so few of its pictures show
    it, and a run finding few highlights in it would read as a game with few actions."""
    fps = float(result.video.get("frame_rate") or result.video.get("fps") or 0.0)
    if not 0 < fps < cfg.analysis.fps:
        return None
    pictures = f"{fps:g} picture{'' if fps == 1 else 's'}"
    return (f"note: the video has {pictures} a second, fewer than the {cfg.analysis.fps:g} the "
            "analysis looks at, so an action quicker than a few of its pictures (a swing, a shot) "
            "can fall between them and be missed")


def no_none_note(result) -> str | None:
    """One line for a run whose model has no `none`: the pipeline leaves out only `none`'s
    windows, so every window is a highlight of its most probable class, a club's `background`
    or `rest` too, and the count of highlights includes them. None for a model with `none`."""
    from highlights.vocabulary import NONE_LABEL

    classes = next((list(c["probs"]) for c in result.trace.classifications), [])
    if not classes or NONE_LABEL in classes:
        return None
    return (f"note: the model's classes ({', '.join(classes)}) have no `{NONE_LABEL}`, so each window is a "
            "highlight of its most probable class, background play too; to leave background play out, train the "
            f"model with clips of no action under the class `{NONE_LABEL}`")


def say_against_truth(result, truth, annotations: Path, say: Say) -> None:
    """Recall, precision and right class against the annotations (and the reel's share of right
    highlights), then the events the page and reel show."""
    from highlights.events.interval import covered_seconds
    from highlights.pipeline.evaluation import PRIMARY_TOLERANCE, evaluate_highlights
    from highlights.pipeline.reel_length import reel_line

    reel = result.stats.get("reel")
    at = evaluate_highlights(result.highlights, truth, tolerances=[PRIMARY_TOLERANCE]).at(PRIMARY_TOLERANCE)
    line = (f"against {annotations.name} (key moments within {PRIMARY_TOLERANCE:g} s; 95% Wilson intervals): "
            f"recall {at.recall.reported()}, precision {at.precision.reported()}, right class "
            f"{at.class_recall.reported()}; the highlights cover "
            f"{covered_seconds((h.start_s, h.end_s) for h in result.highlights):.0f} s")
    if reel and reel_line(reel):
        from highlights.pipeline.evaluation import Rate, score_at

        held = [h for h in result.highlights if h.rank in set(reel["ranks"])]
        in_reel = score_at(held, truth.events, PRIMARY_TOLERANCE)
        # right as precision counts it, at an event whatever its label; and how many name its class
        line += (f"; of the reel's highlights, {Rate(in_reel.matched, len(held)).reported()} are right, "
                 f"{in_reel.class_matched}/{len(held)} with the event's class")
    say(line)
    from highlights.pipeline.eval_report import shown_of

    say(shown_of(result.highlights, truth.events, result.config, at).summary())


def say_written(written: dict[str, Path], result, out: Path, say: Say) -> None:
    """The files written, a note on what the Final Cut file leaves out, and what to do next."""
    for kind, path in written.items():
        say(f"  {kind}: {path}")
    from highlights.pipeline.outputs import final_cut_left_out

    # The editor files' rate: a variable-rate video's steady rate, else its average (`editor_rate`).
    note = final_cut_left_out(written, float(result.video.get("frame_rate") or result.video["fps"]))
    if note:
        say(f"  ({note})")
    if "chapters" in written:
        from highlights.pipeline.outputs.chapters import too_few_chapters

        note = too_few_chapters(written["chapters"])
        if note:
            say(f"  ({note})")
    if result.highlights or result.trace.classifications:
        # What a coach does next: watch and correct them; the decisions become training data. With
        # none kept, the review offers the windows turned down, where the missed actions are.
        what = ("them in the browser, accept, reject or relabel each" if result.highlights else
                "the windows the classifier turned down in the browser, mark each action it missed")
        say(f"next: review {what}: highlights review {shlex.quote(str(out))}")
