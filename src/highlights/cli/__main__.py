from highlights.cli.entry import main

main()
