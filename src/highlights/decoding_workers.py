"""The most processes `highlights train` and `highlights evaluate` decode clips in."""

# Each decoding worker is a process of its own: torch imported, a video decoder open and batches
# prefetched, some hundreds of MB each. Past the machine's cores more of them only wait for one
# another, and 64 is past the cores of any workstation these commands run on; a mistyped 10**9
# would otherwise start processes until memory ran out, after the clips were listed.
MAX_DECODING_WORKERS = 64
