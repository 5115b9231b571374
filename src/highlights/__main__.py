"""`python -m highlights`: the same command as `highlights`."""

from highlights.cli.entry import main

main()
