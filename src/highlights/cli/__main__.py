from highlights.cli.app import main

main()
