"""Speed of HDR tone mapping (highlights.video.colour.tone_map), against the whole-frame numpy
version.

    python bench/bench_tone_map.py [--frames 5] [--repeat 3]

HLG and PQ clips are made first with PyAV and libx265 (10-bit 4:2:0 BT.2020, tagged as a phone
tags them) from a textured scene: a hue sweep across, a brightness ramp down (highlights up to 4x
SDR white), sensor-like noise and a moving block. Their decoded signal (16-bit R'G'B', as
`to_rgb` hands it to `tone_map`) at 1920x1080 and at 320x180 (swscale's downscale, the pipeline's
analysis size) is tone-mapped by both versions. Prints ms per frame for each, the speed-up, and
the largest and mean difference of the 8-bit output in levels.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import av
import numpy as np

from highlights.cli.boundary import run_script
from highlights.video.colour import (_BT2020_TO_BT709, _LUT_MAX, _LUT_SIZE, TRC_HLG, TRC_PQ,
                                     _conversion, _output_table, _signal_table, tone_map)

WIDTH, HEIGHT = 1920, 1080
SIZES = [(1920, 1080), (320, 180)]
_BT709_TO_BT2020 = np.array([[0.6274, 0.3293, 0.0433],
                             [0.0691, 0.9195, 0.0114], [0.0164, 0.0880, 0.8956]])


def numpy_tone_map(signal: np.ndarray, transfer: int) -> np.ndarray:
    """The whole-frame numpy version tone_map replaced (same tables, same steps)."""
    linear = _signal_table(transfer)[signal]
    linear = linear @ _BT2020_TO_BT709.T
    np.clip(linear, 0.0, _LUT_MAX, out=linear)
    np.sqrt(linear * (1.0 / _LUT_MAX), out=linear)
    index = (linear * (_LUT_SIZE - 1) + 0.5).astype(np.int32)
    return _output_table()[index]


def scene_linear(i: int, rng: np.random.Generator) -> np.ndarray:
    """Linear BT.709 light (1.0 = SDR white) of frame i: saturated hues, a ramp into highlights."""
    ys, xs = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    hue = (xs / WIDTH * 6.0 + i * 0.05) % 6.0
    rgb = np.stack([np.clip(np.abs(hue - 3.0) - 1.0, 0, 1), np.clip(2.0 - np.abs(hue - 2.0), 0, 1),
                    np.clip(2.0 - np.abs(hue - 4.0), 0, 1)], -1)
    saturation = 0.3 + 0.7 * (0.5 + 0.5 * np.sin(ys / 97.0))[..., None]
    # 4x SDR white at the top, black at the bottom
    level = (4.0 * (1.0 - ys / HEIGHT) ** 3)[..., None]
    linear = level * (1.0 - saturation + saturation * rgb)
    linear *= 1.0 + rng.normal(0.0, 0.03, linear.shape).astype(np.float32)
    x0 = 100 + (i * 40) % (WIDTH - 300)
    linear[400:600, x0:x0 + 200] = (0.9, 0.75, 0.6)  # a skin-toned "player"
    return np.clip(linear, 0.0, None)


def hdr_signal(linear709: np.ndarray, transfer: int) -> np.ndarray:
    """Linear BT.709 (1.0 = SDR white at 203 cd/m2, BT.2408) -> BT.2020 R'G'B' signal in [0, 1]."""
    linear = np.clip(linear709 @ _BT709_TO_BT2020.T.astype(np.float32), 0.0, None) * 203.0
    if transfer == TRC_PQ:
        m1, m2, c1, c2, c3 = 0.1593017578125, 78.84375, 0.8359375, 18.8515625, 18.6875
        lm = np.power(np.clip(linear / 10000.0, 0, 1), m1)
        return np.power((c1 + c2 * lm) / (1 + c3 * lm), m2)
    # the 1000 cd/m2 display's OOTF undone
    scene = np.power(np.clip(linear / 1000.0, 0, 1), 1 / 1.2)
    a, b, c = 0.17883277, 0.28466892, 0.55991073
    return np.where(scene <= 1 / 12, np.sqrt(3 * scene),
                    a * np.log(np.maximum(12 * scene - b, 1e-9)) + c)


def write_hdr_clip(path: Path, transfer: int, frames: int) -> None:
    rng = np.random.default_rng(0)
    trc = "smpte2084" if transfer == TRC_PQ else "arib-std-b67"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx265", rate=30, options={
            "preset": "ultrafast", "crf": "20",
            "x265-params": f"log-level=error:colorprim=bt2020:colormatrix=bt2020nc:transfer={trc}"})
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p10le"
        stream.codec_context.colorspace, stream.codec_context.color_range = 9, 1
        stream.codec_context.color_primaries, stream.codec_context.color_trc = 9, transfer
        for i in range(frames):
            e = hdr_signal(scene_linear(i, rng), transfer)
            rgb48 = av.VideoFrame.from_ndarray(np.round(e * 65535).astype(np.uint16),
                                               format="rgb48le")
            frame = rgb48.reformat(format="yuv420p10le", src_colorspace=1, dst_colorspace=9,
                                   src_color_range=2, dst_color_range=1)
            frame.colorspace, frame.color_range, frame.pts = 9, 1, i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))


def decoded_signals(path: Path, width: int, height: int) -> list[np.ndarray]:
    """What to_rgb hands tone_map for each frame at this size."""
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="gbrp16le", width=width,
                                 height=height, **_conversion(frame))
                for frame in container.decode(video=0)]


def ms_per_frame(fn, signals: list[np.ndarray], transfer: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for s in signals:
            fn(s, transfer)
        best = min(best, (time.perf_counter() - start) / len(signals))
    return best * 1000.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=5, help="frames per clip")
    parser.add_argument("--repeat", type=int, default=3,
                        help="passes over the frames; the fastest is kept")
    args = parser.parse_args()
    if args.frames < 1 or args.repeat < 1:
        parser.error(f"--frames and --repeat must be at least 1, got {args.frames} and "
                     f"{args.repeat}")
    print(f"{'clip':<5} {'size':>9} {'numpy ms':>9} {'now ms':>7} {'x':>5} {'max diff':>9} "
          f"{'mean diff':>10}  ({args.frames} frames, best of {args.repeat})")
    with tempfile.TemporaryDirectory() as tmp:
        for name, transfer in (("HLG", TRC_HLG), ("PQ", TRC_PQ)):
            path = Path(tmp) / f"{name}.mov"
            write_hdr_clip(path, transfer, args.frames)
            for width, height in SIZES:
                signals = decoded_signals(path, width, height)
                before = ms_per_frame(numpy_tone_map, signals, transfer, args.repeat)
                after = ms_per_frame(tone_map, signals, transfer, args.repeat)
                diff = np.concatenate([np.abs(tone_map(s, transfer).astype(np.int16)
                                              - numpy_tone_map(s, transfer)).ravel()
                                       for s in signals])
                print(f"{name:<5} {width:>4}x{height:<4} {before:9.1f} {after:7.1f} "
                      f"{before / after:5.1f} {int(diff.max()):9d} {diff.mean():10.6f}")


if __name__ == "__main__":
    run_script(main)
