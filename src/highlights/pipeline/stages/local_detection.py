"""A person detector loaded from a file the user already has (e.g. an exported RF-DETR): no download.

`detection.detector_path` is an ONNX model (`.onnx`, run with ONNX Runtime), a `torch.export`
program (`.pt2`, what `torch.export.save` writes: how PyTorch now saves a model to run without its
Python code) or a TorchScript module (`.pt`, `.ts`, `.torchscript`; deprecated by torch, still
loaded). A `.pt2` exported for one input size runs only at that size: export it at the analysis
size, or with dynamic height and width. Contract, kept small on purpose: input one RGB image as
float32 `(1, 3, H, W)` in [0, 1] at the analysis size; output either one `(N, 6)` array of
`[x1, y1, x2, y2, score, class]` or a tuple `(boxes (N, 4), scores (N,), classes (N,))`, boxes in
input pixels. Detections of `detection.person_class` at or above `detection.min_score` are people
(`detection.backend=local`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from highlights.errors import ConfigError, MissingFileError
from highlights.pipeline.records import FrameRecord, Person
from highlights.pipeline.registry import register
from highlights.pipeline.roles import FrameStage

ONNX_SUFFIXES = (".onnx",)
EXPORTED_PROGRAM_SUFFIXES = (".pt2",)


def parse_detections(raw, *, person_class: int, min_score: float) -> np.ndarray:
    """Either output layout -> (K, 5) person rows [x1, y1, x2, y2, score] in input pixels."""
    if isinstance(raw, (list, tuple)) and len(raw) == 1:
        raw = raw[0]
    if isinstance(raw, (list, tuple)):
        if len(raw) != 3:
            raise ValueError(f"detector returned {len(raw)} outputs; expected (boxes, scores, classes)")
        boxes, scores, classes = (np.asarray(_numpy(x), dtype=np.float32) for x in raw)
        rows = np.concatenate([boxes.reshape(-1, 4), scores.reshape(-1, 1), classes.reshape(-1, 1)], axis=1)
    else:
        rows = np.asarray(_numpy(raw), dtype=np.float32)
        rows = rows.reshape(-1, rows.shape[-1]) if rows.ndim > 1 else rows.reshape(0, 6)
        if rows.shape[-1] != 6:
            raise ValueError(f"detector returned rows of {rows.shape[-1]} values; expected 6 "
                             "(x1, y1, x2, y2, score, class)")
    keep = (np.round(rows[:, 5]).astype(int) == person_class) & (rows[:, 4] >= min_score)
    return rows[keep, :5]


def _numpy(x):
    return x.detach().cpu().numpy() if hasattr(x, "detach") else x


class LocalDetector:
    def __init__(self, path: str | Path | None) -> None:
        if not path:
            raise ConfigError("detection.backend=local needs detection.detector_path=FILE "
                              "(a TorchScript or ONNX detector)")
        self.path = Path(path)
        if not self.path.is_file():
            raise MissingFileError(self.path, "detector file not found (detection.backend=local "
                                   "loads a local TorchScript or ONNX file; nothing is downloaded)")
        suffix = self.path.suffix.lower()
        if suffix in ONNX_SUFFIXES:
            self._run = self._load_onnx()
        elif suffix in EXPORTED_PROGRAM_SUFFIXES:
            self._run = self._load_exported_program()
        else:
            self._run = self._load_torchscript()

    def _load_onnx(self):
        import onnxruntime as ort

        try:
            session = ort.InferenceSession(str(self.path), providers=["CPUExecutionProvider"])
        except Exception as e:  # noqa: BLE001 - ONNX Runtime raises its own types for a bad file
            raise ConfigError(f"{self.path}: not an ONNX model ONNX Runtime can load "
                              f"({type(e).__name__})") from None
        name = session.get_inputs()[0].name
        return lambda x: session.run(None, {name: x})

    def _load_exported_program(self):
        import zipfile

        import torch

        # torch.export.load logs a whole traceback before raising on a file that is not its
        # archive (a zip); asking zipfile first keeps a wrong file to one line.
        if not zipfile.is_zipfile(self.path):
            raise ConfigError(f"{self.path}: not a torch.export program (.pt2 is the zip archive "
                              "torch.export.save writes)")
        try:
            module = torch.export.load(str(self.path)).module()
        except Exception as e:  # noqa: BLE001 - torch raises many types for a bad archive
            raise ConfigError(f"{self.path}: not a torch.export program ({type(e).__name__})") from None
        return self._torch_runner(module)

    def _load_torchscript(self):
        import torch

        try:
            module = torch.jit.load(str(self.path), map_location="cpu").eval()
        except Exception as e:  # noqa: BLE001 - torch raises many types for a bad file
            raise ConfigError(f"{self.path}: not a TorchScript module ({type(e).__name__})") from None
        return self._torch_runner(module)

    @staticmethod
    def _torch_runner(module):
        import torch

        def run(x: np.ndarray):
            with torch.inference_mode():
                return module(torch.from_numpy(x))

        return run

    def __call__(self, rgb: np.ndarray) -> object:
        x = np.ascontiguousarray(rgb.transpose(2, 0, 1)[None], dtype=np.float32) / 255.0
        try:
            return self._run(x)
        except Exception as e:  # noqa: BLE001 - the user's model may raise anything on our input
            # A program exported for another input size fails here (torch.export's shape guard).
            raise ConfigError(f"{self.path}: the detector failed on a {tuple(x.shape)} float32 input "
                              f"({type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}); "
                              "it must take one RGB image (1, 3, H, W) in [0, 1] at the analysis "
                              "size") from None


@register
class LocalFileDetection(FrameStage):
    name = "detection"
    backend = "local"
    reads = ("analysis", "candidates")
    frame_fields = ("persons",)

    def __init__(self, config, context) -> None:
        super().__init__(config, context)
        self._detector = LocalDetector(self.settings.detector_path)

    def on_frame(self, frame: FrameRecord) -> None:
        try:
            rows = parse_detections(self._detector(frame.rgb), person_class=self.settings.person_class,
                                    min_score=self.settings.min_score)
        except ValueError as e:
            if isinstance(e, ConfigError):
                raise
            raise ConfigError(f"{self._detector.path}: {e}") from None
        h, w = frame.rgb.shape[:2]
        sw, sh = self.context.source_size
        scale = np.array([sw / w, sh / h, sw / w, sh / h], dtype=np.float32)
        frame.persons = [Person(box=tuple(float(v) for v in r[:4] * scale), score=float(r[4]))
                         for r in rows]
