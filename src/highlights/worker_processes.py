"""The most worker processes `highlights train`, `evaluate` (decoding clips) and `synth clips`
(rendering them) start."""

# Each worker is a process of its own: torch or OpenCV imported, a video decoder or encoder open,
# some hundreds of MB each. Past the machine's cores more of them only wait for one another, and
# 64 is past the cores of any workstation these commands run on; a mistyped 10**9 would otherwise
# start processes (one per clip for synth) until memory ran out, after the clips were listed.
MAX_WORKER_PROCESSES = 64
