"""Help texts that several commands share, written once so the same option reads the same."""

PROGRESS_HELP = "Progress bars on stderr (--no-progress: none, for logs and scripts)"
