"""Does the sound of contact tell an action from `none`? An onset strength of each real-dev clip's
audio track, against its label, its annotated key moments and the pipeline's highlights.

    python bench/bench_audio_cue.py [--real-dev ../shared/real-dev] [--skip-pipeline] [--per-clip]

A bat's crack, a kick's thud or a ball on the rim is a short broadband onset; walking and jogging
are not. Each clip's first audio track is decoded by PyAV (downmixed to mono at 22.05 kHz) and its
onset strength is the spectral flux: the rise of the log-magnitude spectrum from one short-time
frame to the next (46 ms frames every 11.6 ms, 100 Hz-8 kHz, where wind rumble and AAC's cut-off
do not reach), summed over the bins, so a rise across many bins at once (broadband) counts most.
It is written here with scipy's STFT rather than taken from librosa (`onset_strength` is the same
dozen lines there) because librosa would add numba and llvmlite to the project for them. Each
clip's flux is put on its own scale, a robust z-score (its median and MAD): a phone's automatic
gain, a loud crowd or music laid over change the level, and a contact sound is a rise above the
clip's own background. An onset is a peak of at least ONSET_Z, at least 0.1 s from a stronger one
(chosen before looking, not fitted). Times are on the video's timeline (what a player shows).

Printed, each with its n and 95% interval (Wilson's for a rate, Newcombe's for an AUC):

1. What the sound is, clip by clip: level (RMS dBFS, and the 10th and 90th percentile of 50 ms
   frames), the share of near-silent frames, spectral flatness (noise and wind near 1, tones and
   voices near 0), the share of energy under 200 Hz (wind and handling rumble), onsets a second,
   the beat regularity of the flux (music laid over keeps a steady beat), the strongest onset,
   and what clips.tsv says of the footage (broadcast, produced, phone). No label is fitted: the
   reading column is a fixed rule stated in `sound_reading`.
2. Clip level, over the clips whose sound is audible (a track of zeros or below -60 dBFS is left
   out): the AUC of the clip's strongest onset for action clips against `none` clips (and of
   other measures of its loudest sound: the flux unscaled, over 2-8 kHz only, the loudest 10 ms
   over the median level, onsets a second); the same with the onset taken within 0.3 s of the
   clip's labelled moment (clips.tsv's `~a-b s` or `~a s`: an action clip's action, a `none`
   clip's pass, cross or catch; or the annotated key moments); and, for action and `none` clips
   apart, how often the clip's strongest onset lies within 0.5 s of its labelled moment, beside
   the chance that a moment drawn at random does.
3. The annotated clips: each annotated key moment with an onset within 0.3 s and 0.5 s, beside
   the chance (the share of that clip's timeline within as much of an onset), and the onset at
   the key moments against the rest of the same clips (AUC). Then the default
   pipeline's highlights on the annotated clips that have sound, matched to key moments within
   2 s as `bench_real_pipeline.py` matches them: the AUC of the onset strength at each
   highlight's key moment (the strongest within 0.3 s, and 0.5 s) for right against false
   highlights, beside the AUC of the highlight's own score on the same highlights. Then the same
   over the other clips with sound and a labelled moment (a highlight is right on an action clip
   within 2 s of its labelled action, false on a `none` clip or farther), and both pooled.

`--per-clip` adds each clip's labelled moment and strongest onset, and each highlight. The clips
are few: read the intervals. No audio or frame is written or kept.
"""

from __future__ import annotations

import argparse
import csv
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from highlights.cli.boundary import run_script

DEFAULT_REAL_DEV = Path(__file__).resolve().parents[1] / ".." / "shared" / "real-dev"

RATE = 22050
FRAME = 1024  # 46 ms: long enough to resolve 100 Hz, short enough to keep a crack one frame
HOP = 256  # 11.6 ms
BAND_HZ = (100.0, 8000.0)
ONSET_Z = 5.0  # a robust z of 5: far outside the clip's own background (chosen before looking)
MIN_GAP_S = 0.1
SILENT_DBFS = -60.0
TOLERANCES_S = (0.3, 0.5)
MATCH_S = 2.0  # highlights match key moments as the real-footage bench matches them
LABELLED_TIME = re.compile(r"~(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))? s")


@dataclass
class Sound:
    """One clip's decoded sound and its onset strength on the video's timeline."""

    samples: np.ndarray  # mono float32 at RATE
    start_s: float  # the first sample's time on the video's timeline
    times: np.ndarray  # flux frame times (s)
    flux: np.ndarray  # raw spectral flux
    z: np.ndarray  # the flux as a robust z-score of the clip's own

    @property
    def duration_s(self) -> float:
        return len(self.samples) / RATE

    @property
    def audible(self) -> bool:
        """Louder than SILENT_DBFS overall: some tracks are digital zeros (a broadcast excerpt
        with its sound taken out) or the floor of a muted phone, where the z-score would only
        scale up the codec's noise."""
        return (len(self.samples) > 0
                and float(np.sqrt(np.mean(self.samples ** 2))) >= 10 ** (SILENT_DBFS / 20))

    def onsets(self) -> np.ndarray:
        from scipy.signal import find_peaks

        peaks, _ = find_peaks(self.z, height=ONSET_Z,
                              distance=max(1, round(MIN_GAP_S * RATE / HOP)))
        return self.times[peaks]

    def strongest_near(self, t: float, tol: float) -> float:
        """The strongest onset z within `tol` of `t` (the clip's floor, 0 after scaling, when no
        flux frame lies there)."""
        near = np.abs(self.times - t) <= tol
        return float(self.z[near].max()) if near.any() else 0.0

    def strongest_in(self, a: float, b: float) -> float:
        inside = (self.times >= a) & (self.times <= b)
        return float(self.z[inside].max()) if inside.any() else 0.0

    def chance_near_onset(self, tol: float) -> float:
        """The share of the clip's timeline within `tol` of an onset: how often a moment drawn at
        random would count as having one."""
        if len(self.times) == 0:
            return 0.0
        grid = np.linspace(self.times[0], self.times[-1], 2000)
        ons = self.onsets()
        if len(ons) == 0:
            return 0.0
        return float((np.abs(grid[:, None] - ons[None, :]) <= tol).any(axis=1).mean())


def decode_sound(path: Path) -> Sound | None:
    """The first audio track as mono float32 at RATE, None when the file has none."""
    import av

    from highlights.video.reader import main_video_stream, timeline_origin_s

    with av.open(str(path)) as container:
        if not container.streams.audio:
            return None
        stream = container.streams.audio[0]
        video = main_video_stream(container)
        origin = timeline_origin_s(container, video) if video is not None else 0.0
        resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        chunks, start = [], None
        for frame in container.decode(stream):
            if start is None and frame.time is not None:
                start = float(frame.time) - origin
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1))
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray().reshape(-1))
    samples = np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)
    times, flux = spectral_flux(samples)
    return Sound(samples, start or 0.0, times + (start or 0.0), flux, robust_z(flux))


def spectral_flux(samples: np.ndarray,
                  band_hz: tuple[float, float] = BAND_HZ) -> tuple[np.ndarray, np.ndarray]:
    """(frame times, flux): the half-wave rectified rise of log(1 + 100|X|) between consecutive
    STFT frames, summed over `band_hz` and divided by the bins counted."""
    from scipy.signal import stft

    if len(samples) < FRAME:
        return np.zeros(0), np.zeros(0)
    freqs, times, spec = stft(samples, fs=RATE, nperseg=FRAME, noverlap=FRAME - HOP, boundary=None,
                              padded=False)
    band = (freqs >= band_hz[0]) & (freqs <= band_hz[1])
    logmag = np.log1p(100.0 * np.abs(spec[band]))
    rise = np.maximum(np.diff(logmag, axis=1), 0.0).mean(axis=0)
    return times[1:], rise


def peak_over_median_db(samples: np.ndarray) -> float:
    """The loudest 10 ms block's level over the median block's, in dB."""
    block = RATE // 100
    n = len(samples) // block * block
    if n == 0:
        return 0.0
    levels = np.sqrt((samples[:n].reshape(-1, block).astype(np.float64) ** 2).mean(axis=1))
    return float(20 * np.log10(max(levels.max(), 1e-10) / max(float(np.median(levels)), 1e-10)))


def robust_z(flux: np.ndarray) -> np.ndarray:
    if len(flux) == 0:
        return flux
    median = float(np.median(flux))
    mad = 1.4826 * float(np.median(np.abs(flux - median)))
    return (flux - median) / max(mad, 1e-9)


# -- what the sound is ---------------------------------------------------------------------------


@dataclass
class SoundStats:
    rms_dbfs: float
    p10_dbfs: float
    p90_dbfs: float
    silent_share: float
    flatness: float
    low_share: float
    onsets_per_s: float
    beat: float
    strongest_z: float


def _dbfs(x: np.ndarray) -> np.ndarray:
    return 20 * np.log10(np.maximum(x, 1e-10))


def sound_stats(sound: Sound) -> SoundStats:
    from scipy.signal import welch

    x = sound.samples
    block = int(0.05 * RATE)
    blocks = (x[: len(x) // block * block].reshape(-1, block) if len(x) >= block
              else x.reshape(1, -1))
    frame_db = _dbfs(np.sqrt((blocks ** 2).mean(axis=1)))
    freqs, power = welch(x, fs=RATE, nperseg=min(FRAME, len(x)))
    power = power + 1e-20
    audible = freqs >= 20
    flatness = float(np.exp(np.log(power[audible]).mean()) / power[audible].mean())
    low_share = float(power[(freqs >= 20) & (freqs < 200)].sum() / power[audible].sum())
    return SoundStats(
        rms_dbfs=float(_dbfs(np.sqrt(np.mean(x ** 2)))),
        p10_dbfs=float(np.percentile(frame_db, 10)),
        p90_dbfs=float(np.percentile(frame_db, 90)),
        silent_share=float((frame_db < SILENT_DBFS).mean()), flatness=flatness, low_share=low_share,
        onsets_per_s=len(sound.onsets()) / max(sound.duration_s, 1e-9),
        beat=beat_regularity(sound.flux), strongest_z=float(sound.z.max()) if len(sound.z) else 0.0)


def beat_regularity(flux: np.ndarray) -> float:
    """The highest normalised autocorrelation of the flux at a lag of 0.3-1.0 s (60-200 beats a
    minute): music keeps a steady beat, play does not. NaN on a clip shorter than two beats."""
    lags = np.arange(round(0.3 * RATE / HOP), round(1.0 * RATE / HOP) + 1)
    if len(flux) < 2 * lags[-1]:
        return float("nan")
    f = flux - flux.mean()
    denom = float((f * f).sum()) or 1e-12
    return float(max((f[:-k] * f[k:]).sum() / denom for k in lags))


def sound_reading(stats: SoundStats) -> str:
    """A fixed rule, not a fit, for the table's last column (no one listened): silent; a loud bed
    that hardly varies (music or commentary laid over, or a crowd: the level's 10th and 90th
    percentiles within 8 dB); steady beat (music-like); rumble (wind or handling); broadband noise;
    else a quiet background with sounds in it (a phone at play)."""
    if stats.rms_dbfs < -150:
        return "digital silence (all zeros)"
    if stats.rms_dbfs < SILENT_DBFS or stats.silent_share > 0.8:
        return "near-silent (inaudible)"
    if stats.beat == stats.beat and stats.beat > 0.5:
        return "steady beat (music-like)"
    if stats.rms_dbfs > -35 and stats.p90_dbfs - stats.p10_dbfs < 8:
        return "steady loud bed (music, commentary or crowd)"
    if stats.low_share > 0.6:
        return "rumble (wind or handling)"
    if stats.flatness > 0.3:
        return "broadband noise"
    return "quiet background, sounds in it"


def footage_kind(notes: str) -> str:
    upper = notes.upper()
    if "BROADCAST" in upper:
        return "broadcast"
    if "PRODUCED" in upper or "EDITED" in upper:
        return "produced"
    if "PHONE" in upper or "AMATEUR" in upper:
        return "amateur/phone"
    return "-"


# -- the clips -----------------------------------------------------------------------------------


@dataclass
class Clip:
    path: Path
    label: str
    notes: str
    sound: Sound | None
    key_moments: list[float]  # annotated key moments (empty when the clip is not annotated)

    @property
    def is_action(self) -> bool:
        return self.label != "none"

    def labelled_spans(self) -> list[tuple[float, float]]:
        """Where the labelled moment is: the annotated key moments (each +-0.5 s, as they were
        read), else the first `~a-b s` or `~a s` in clips.tsv's notes (an action clip's action; a
        `none` clip's pass, cross or catch); empty when neither says."""
        if self.key_moments:
            return [(k - 0.5, k + 0.5) for k in self.key_moments]
        m = LABELLED_TIME.search(self.notes)
        return [(float(m.group(1)), float(m.group(2) or m.group(1)))] if m else []


def load_clips(real_dev: Path) -> list[Clip]:
    from highlights.events import load_annotation

    annotated = {}
    for ann_path in sorted((real_dev / "annotations").glob("*.json")):
        ann = load_annotation(ann_path)
        annotated[Path(ann.video).name] = [float(e.key_s) for e in ann.events]
    clips = []
    with open(real_dev / "clips.tsv", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            path = real_dev / row["file"]
            if not path.is_file():
                continue
            clips.append(Clip(path, row["label"], row["notes"],
                              decode_sound(path), annotated.get(path.name, [])))
    return clips


def _rate(k: int, n: int) -> str:
    from highlights.rate_interval import wilson_interval

    if n == 0:
        return "- (n=0)"
    lo, hi = wilson_interval(k, n)
    return f"{k}/{n} = {k / n:.2f} [{lo:.2f}, {hi:.2f}]"


def _auc(values, flags) -> str:
    from highlights.auc_interval import auc_of

    result = auc_of(values, flags)
    return "- (needs one of each)" if result is None else result.reported()


def print_sound_table(clips: list[Clip]) -> None:
    print(f"\n== what the sound is ({sum(c.sound is not None for c in clips)} of {len(clips)} "
          "clips have an audio track; levels in dBFS, 50 ms frames)")
    print(f"{'clip':<40} {'label':<16} {'footage':<14} {'RMS':>5} {'p10':>5} {'p90':>5} "
          f"{'silent':>6} {'flat':>5} {'<200Hz':>6} {'ons/s':>5} {'beat':>5} {'max z':>6}  reading")
    for c in clips:
        kind = footage_kind(c.notes)
        if c.sound is None:
            print(f"{c.path.stem:<40} {c.label:<16} {kind:<14} no audio track")
            continue
        s = sound_stats(c.sound)
        beat = "-" if s.beat != s.beat else f"{s.beat:.2f}"
        print(f"{c.path.stem:<40} {c.label:<16} {kind:<14} {s.rms_dbfs:>5.0f} {s.p10_dbfs:>5.0f} "
              f"{s.p90_dbfs:>5.0f} {s.silent_share:>6.2f} {s.flatness:>5.2f} {s.low_share:>6.2f} "
              f"{s.onsets_per_s:>5.1f} {beat:>5} {s.strongest_z:>6.1f}  {sound_reading(s)}")


def print_clip_level(clips: list[Clip], per_clip: bool) -> None:
    tracks = [c for c in clips if c.sound is not None and c.label != "untrimmed"]
    heard = [c for c in tracks if c.sound.audible]
    actions = [c for c in heard if c.is_action]
    silent = [c for c in tracks if not c.sound.audible]
    print(f"\n== clip level: {len(actions)} action clips and {len(heard) - len(actions)} `none` "
          "clips with sound (AUC: the chance an action clip's figure is above a `none` clip's); "
          f"left out, a track below {SILENT_DBFS:g} dBFS: {sum(c.is_action for c in silent)} "
          f"action and {sum(not c.is_action for c in silent)} `none` clips")
    flags = [c.is_action for c in heard]
    print(f"strongest onset z in the clip: {_auc([float(c.sound.z.max()) for c in heard], flags)}")
    # Other ways to read a clip's loudest sound, to see whether the figure above hangs on how the
    # flux was scaled or which band it sums: the flux unscaled (the recording's own level), a
    # crack's band alone, the loudest 10 ms against the clip's median level, and onsets a second.
    others = {
        "flux unscaled": [float(c.sound.flux.max()) for c in heard],
        "z over 2-8 kHz only": [float(robust_z(spectral_flux(c.sound.samples,
                                                            (2000.0, 8000.0))[1]).max())
                                for c in heard],
        "loudest 10 ms over the median level": [peak_over_median_db(c.sound.samples)
                                                for c in heard],
        "onsets a second": [len(c.sound.onsets()) / c.sound.duration_s for c in heard],
    }
    for name, values in others.items():
        print(f"  other measure, {name}: {_auc(values, flags)}")
    timed = [c for c in heard if c.labelled_spans()]
    near = [max(c.sound.strongest_in(a - 0.3, b + 0.3) for a, b in c.labelled_spans())
            for c in timed]
    print(f"onset z within 0.3 s of the labelled moment ({sum(c.is_action for c in timed)} action "
          f"clips with one; {sum(not c.is_action for c in timed)} `none` clips that name a pass, "
          f"cross or catch): {_auc(near, [c.is_action for c in timed])}")
    if per_clip:
        print(f"  {'clip':<40} {'label':<16} {'labelled moment (s)':<28} {'strongest onset':>16} "
              f"{'z near it':>9}")
        for c, z_near in zip(timed, near):
            top = int(np.argmax(c.sound.z))
            spans = ", ".join(f"{a:g}-{b:g}" if a != b else f"{a:g}" for a, b in c.labelled_spans())
            print(f"  {c.path.stem:<40} {c.label:<16} {spans:<28} "
                  f"{f'{c.sound.times[top]:.2f} s, z {c.sound.z[top]:.0f}':>16} {z_near:>9.1f}")
    for is_action, what in ((True, "action clips"), (False, "`none` clips")):
        group = [c for c in timed if c.is_action == is_action]
        hits, chance, by_label = 0, [], {}
        for c in group:
            spans = c.labelled_spans()
            top = float(c.sound.times[int(np.argmax(c.sound.z))])
            hit = any(a - 0.5 <= top <= b + 0.5 for a, b in spans)
            hits += hit
            k, n = by_label.get(c.label, (0, 0))
            by_label[c.label] = (k + hit, n + 1)
            grid = np.linspace(float(c.sound.times[0]), float(c.sound.times[-1]), 2000)
            covered = np.zeros(len(grid), bool)
            for a, b in spans:
                covered |= (grid >= a - 0.5) & (grid <= b + 0.5)
            chance.append(float(covered.mean()))
        print(f"{what} whose strongest onset is within 0.5 s of the labelled moment: "
              f"{_rate(hits, len(group))}; a moment drawn at random is there "
              f"{np.mean(chance) if chance else float('nan'):.2f} of the time (mean over the same "
              "clips: they are short and the moment fills much of them)"
              + ("; by label: "
                 + ", ".join(f"{label} {k}/{n}" for label, (k, n) in by_label.items())
                 if is_action else ""))


def print_annotated(clips: list[Clip]) -> None:
    annotated = [c for c in clips if c.key_moments]
    print(f"\n== the {len(annotated)} annotated clips: key moments with an onset (z >= "
          f"{ONSET_Z:g}) near them")
    for c in annotated:
        if c.sound is None:
            print(f"  {c.path.stem}: no audio track ({len(c.key_moments)} key moments not "
                  "measurable)")
    heard = [c for c in annotated if c.sound is not None and c.sound.audible]
    for tol in TOLERANCES_S:
        k = n = 0
        chance = []
        for c in heard:
            ons = c.sound.onsets()
            for key in c.key_moments:
                n += 1
                k += bool(len(ons)) and bool(np.any(np.abs(ons - key) <= tol))
                chance.append(c.sound.chance_near_onset(tol))
        print(f"within {tol:g} s: {_rate(k, n)} key moments in {len(heard)} clips with sound; a "
              "moment drawn at random in the same clips has one "
              f"{np.mean(chance) if chance else float('nan'):.2f} of the time")
    # Within the same clips: a key moment's strongest onset against moments of the rest of the
    # clip, on a grid 2 * 0.3 s apart (windows that do not overlap) more than 1 s from every key
    # moment: is the sound louder at the action than elsewhere in the same footage?
    values, flags = [], []
    for c in heard:
        for key in c.key_moments:
            values.append(c.sound.strongest_near(key, 0.3))
            flags.append(True)
        for t in np.arange(float(c.sound.times[0]) + 0.3, float(c.sound.times[-1]) - 0.3, 0.6):
            if min(abs(t - k) for k in c.key_moments) > 1.0:
                values.append(c.sound.strongest_near(float(t), 0.3))
                flags.append(False)
    print("onset z within 0.3 s of a key moment against the rest of the same clips (0.6 s grid, "
          f"over 1 s from any key moment; AUC): {_auc(values, flags)}")
    for c in heard:
        ons = c.sound.onsets()
        print(f"  {c.path.stem}: {len(ons)} onsets in {c.sound.duration_s:.1f} s; key moments "
              + ", ".join(f"{k:.1f} s (z {c.sound.strongest_near(k, 0.3):.1f} within 0.3 s)"
                          for k in c.key_moments))


def print_clip_highlights(clips: list[Clip],
                          per_clip: bool) -> list[tuple[bool, float, float, float]]:
    """The default pipeline over every other clip with sound: a highlight on an action clip within
    MATCH_S of its labelled action is right; one on a `none` clip, or farther, is false."""
    from highlights.pipeline.config import PipelineConfig
    from highlights.pipeline.run import run_pipeline

    heard = [c for c in clips if not c.key_moments and c.label != "untrimmed"
             and c.sound is not None
             and c.sound.audible and (not c.is_action or c.labelled_spans())]
    rows = []  # (right, score, z within 0.3 s, z within 0.5 s)
    cfg = PipelineConfig()
    for c in heard:
        result = run_pipeline(c.path, cfg, cache={}, progress=False)
        for h in result.highlights:
            right = c.is_action and any(a - MATCH_S <= h.moment_s <= b + MATCH_S
                                        for a, b in c.labelled_spans())
            rows.append((right, float(h.score), c.sound.strongest_near(h.moment_s, 0.3),
                         c.sound.strongest_near(h.moment_s, 0.5)))
            if per_clip:
                print(f"  {c.path.stem} ({c.label}): highlight at {h.moment_s:.2f} s "
                      f"{'right' if right else 'FALSE'}, score {h.score:.3f}, onset z "
                      f"{rows[-1][2]:.1f} (0.3 s) / {rows[-1][3]:.1f} (0.5 s)")
    flags = [r[0] for r in rows]
    print(f"\n== the default pipeline's highlights on the {len(heard)} other clips with sound "
          f"({sum(c.is_action for c in heard)} action, {sum(not c.is_action for c in heard)} "
          f"`none`; right: on an action clip within {MATCH_S:g} s of its labelled action), AUC "
          "right above false:")
    print(f"  highlight score                   : {_auc([r[1] for r in rows], flags)}")
    print(f"  onset z within 0.3 s of its moment: {_auc([r[2] for r in rows], flags)}")
    print(f"  onset z within 0.5 s of its moment: {_auc([r[3] for r in rows], flags)}")
    return rows


def print_highlights(clips: list[Clip], per_clip: bool) -> list[tuple[bool, float, float, float]]:
    from highlights.events import load_annotation
    from highlights.pipeline.config import PipelineConfig
    from highlights.pipeline.evaluation import match_key_moments
    from highlights.pipeline.run import run_pipeline

    heard = [c for c in clips if c.key_moments and c.sound is not None and c.sound.audible]
    rows = []  # (video, right, score, z within 0.3 s, z within 0.5 s)
    cfg = PipelineConfig()
    for c in heard:
        ann_path = next(p for p in (c.path.parents[1] / "annotations").glob("*.json")
                        if Path(load_annotation(p).video).name == c.path.name)
        result = run_pipeline(c.path, cfg, annotation=load_annotation(ann_path), cache={},
                              progress=False)
        pairs = match_key_moments([h.moment_s for h in result.highlights], c.key_moments, MATCH_S)
        right = {h for h, _ in pairs}
        for i, h in enumerate(result.highlights):
            rows.append((c.path.stem, i in right, float(h.score),
                         c.sound.strongest_near(h.moment_s, 0.3),
                         c.sound.strongest_near(h.moment_s, 0.5)))
            if per_clip:
                print(f"  {c.path.stem}: highlight at {h.moment_s:.2f} s "
                      f"{'right' if i in right else 'FALSE'}, score {h.score:.3f}, onset z "
                      f"{rows[-1][3]:.1f} (0.3 s) / {rows[-1][4]:.1f} (0.5 s)")
    flags = [r[1] for r in rows]
    print(f"\n== the default pipeline's highlights on the {len(heard)} annotated clips with sound "
          f"(right: matched to a key moment within {MATCH_S:g} s), AUC right above false:")
    print(f"  highlight score                   : {_auc([r[2] for r in rows], flags)}")
    print(f"  onset z within 0.3 s of its moment: {_auc([r[3] for r in rows], flags)}")
    print(f"  onset z within 0.5 s of its moment: {_auc([r[4] for r in rows], flags)}")
    return [r[1:] for r in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real-dev", type=Path, default=DEFAULT_REAL_DEV,
                        help="folder of real clips with clips.tsv and annotations/*.json")
    parser.add_argument("--skip-pipeline", action="store_true",
                        help="leave out the pipeline's highlights")
    parser.add_argument("--per-clip", action="store_true",
                        help="also print each clip's labelled moment, its strongest onset and the "
                             "onset near it")
    args = parser.parse_args()
    if not (args.real_dev / "clips.tsv").is_file():
        print(f"{args.real_dev}: real-dev folder not found; nothing to measure, skipped")
        return
    clips = load_clips(args.real_dev)
    print(f"onset strength: spectral flux, {FRAME / RATE * 1000:.0f} ms frames every "
          f"{HOP / RATE * 1000:.1f} ms, {BAND_HZ[0]:g}-{BAND_HZ[1]:g} Hz, robust z of each clip's "
          f"own; onset: a peak of z >= {ONSET_Z:g}; intervals 95%: Wilson (rates), Newcombe (AUC)")
    print_sound_table(clips)
    print_clip_level(clips, args.per_clip)
    print_annotated(clips)
    if not args.skip_pipeline:
        rows = print_highlights(clips, args.per_clip) + print_clip_highlights(clips, args.per_clip)
        flags = [r[0] for r in rows]
        print("\n== both sets of highlights pooled, AUC right above false:")
        for i, what in ((1, "highlight score"), (2, "onset z within 0.3 s of its moment"),
                        (3, "onset z within 0.5 s of its moment")):
            print(f"  {what:<34}: {_auc([r[i] for r in rows], flags)}")


if __name__ == "__main__":
    run_script(main)
