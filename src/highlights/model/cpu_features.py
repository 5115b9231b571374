"""What this CPU offers the inference paths: its model name and the instruction-set flags that
decide whether bf16 and int8 arithmetic run on native units.

The same code runs on CPUs that differ a lot: an AVX2-only CPU emulates bf16 (autocast there is
several times slower than fp32), one with AVX512_BF16 or AMX runs it natively (about twice as fast
as fp32). int8 convolutions use one-instruction dot products only with VNNI (AVX512_VNNI,
AVX_VNNI, AMX-INT8); without them ONNX Runtime's u8*s8 kernels use VPMADDUBSW, whose 16-bit
intermediate sums can saturate (see ``backends.OnnxRuntimeInt8Backend``). Both decisions read the
flags; nothing here guesses from the CPU's name.
"""

from __future__ import annotations

import functools
import platform
from dataclasses import dataclass, field
from pathlib import Path

# Linux /proc/cpuinfo names. x86: "flags"; aarch64: "Features" (bf16 = FEAT_BF16, i8mm = int8
# matrix multiply, asimddp = int8 dot product).
BF16_FLAGS = ("avx512_bf16", "amx_bf16", "bf16")
INT8_DOT_FLAGS = ("avx512_vnni", "avx_vnni", "amx_int8", "i8mm", "asimddp")
# Printed by the benches beside their figures: the flags that decide which path can win.
RELEVANT_FLAGS = ("avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "avx512_bf16",
                  "amx_bf16", "amx_int8", "amx_tile", "asimd", "asimddp", "i8mm", "bf16", "sve")
# Linux only. Elsewhere (macOS) no flags are known: bf16 is never offered, and int8 counts as
# "no-vnni", so an int8 verdict is used there only if it was measured on a machine of that kind.
CPUINFO = Path("/proc/cpuinfo")


@dataclass(frozen=True)
class CpuInfo:
    """A CPU's model name and flags (lower case)."""

    model: str
    flags: frozenset[str] = field(default_factory=frozenset)

    @property
    def native_bf16(self) -> bool:
        """Whether bf16 matrix arithmetic runs on native units (and can beat fp32)."""
        return any(flag in self.flags for flag in BF16_FLAGS)

    @property
    def amx_bf16(self) -> bool:
        """Whether the CPU has AMX's bf16 tiles (where bf16 training is the default)."""
        return "amx_bf16" in self.flags

    @property
    def int8_dot_product(self) -> bool:
        """Whether int8 dot products run in one instruction without saturating (VNNI or like)."""
        return any(flag in self.flags for flag in INT8_DOT_FLAGS)

    @property
    def int8_kind(self) -> str:
        """The int8 arithmetic class a quantised model's results depend on: ``"vnni"`` (exact
        int32 accumulation) or ``"no-vnni"`` (16-bit intermediate sums that can saturate)."""
        return "vnni" if self.int8_dot_product else "no-vnni"

    def relevant_flags(self) -> list[str]:
        return [flag for flag in RELEVANT_FLAGS if flag in self.flags]

    def describe(self) -> str:
        """One line for benches and reports: model, the flags that matter, what they mean here."""
        flags = " ".join(self.relevant_flags()) or "none of the listed"
        return (f"{self.model}; flags: {flags}; bf16: {'native' if self.native_bf16 else 'emulated (slow)'}; "
                f"int8 dot product: {'VNNI' if self.int8_dot_product else 'no VNNI'}")

    def to_dict(self) -> dict:
        return {"model": self.model, "flags": self.relevant_flags(), "native_bf16": self.native_bf16,
                "int8_kind": self.int8_kind}


def parse_cpuinfo(text: str) -> CpuInfo:
    """A ``CpuInfo`` from the text of ``/proc/cpuinfo`` (the first processor's entry)."""
    model, flags = "", ""
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip().lower()
        if key in ("model name", "cpu model", "hardware") and not model:
            model = value.strip()
        elif key in ("flags", "features") and not flags:
            flags = value
    return CpuInfo(model=model or platform.processor() or platform.machine() or "unknown CPU",
                   flags=frozenset(flags.lower().split()))


@functools.lru_cache(maxsize=1)
def this_cpu() -> CpuInfo:
    """This machine's CPU (read once per process)."""
    try:
        return parse_cpuinfo(CPUINFO.read_text(encoding="utf-8", errors="replace"))
    except OSError:  # not Linux: no flags known, so bf16 is never offered
        return CpuInfo(model=platform.processor() or platform.machine() or "unknown CPU")
