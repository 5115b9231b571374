"""`python -m highlights`: the same command as `highlights`."""

from highlights.cli.app import main

main()
