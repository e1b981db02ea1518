import DotslashCLI

DotslashCommand.main()
