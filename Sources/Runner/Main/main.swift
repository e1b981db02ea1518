import RunnerRuntime

Runner.main()
