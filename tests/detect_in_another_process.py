"""`detect` as another process runs it: the fast settings (the generator's truth for detection
and pose, no classifier) and scripts for `python -c` that hold a run at a chosen point, so a test
can stop, kill or race it there."""

FAST = ["--set", "detection.backend=gt", "--set", "pose.backend=gt", "--set",
        "classifier.enabled=false", "--no-progress"]

# `highlights detect ARGS...`, held once every output is in its staging folder (the run's longest
# step, where a stop or a kill leaves the most behind) until its stdin closes; prints "written".
HELD_WHILE_WRITING = (
    "import sys\n"
    "import highlights.pipeline.outputs as outputs\n"
    "from highlights.cli.app import main\n"
    "write_all = outputs.write_all\n"
    "def held(*args, **kwargs):\n"
    "    written = write_all(*args, **kwargs)\n"
    "    print('written', flush=True)\n"
    "    sys.stdin.read()\n"
    "    return written\n"
    "outputs.write_all = held\n"
    "sys.argv = ['highlights', *sys.argv[1:]]\n"
    "main()\n")

# Holds the lock of the output folder argv[1] as a run does, until its stdin closes or it is
# killed; prints "held".
HOLDER = ("import sys\n"
          "from highlights.pipeline.output_lock import one_run_writing\n"
          "with one_run_writing(sys.argv[1]):\n"
          "    print('held', flush=True)\n"
          "    sys.stdin.read()\n")
