using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/PcapResetInspector.Benchmarks -- --filter '*'
// (add --job short for a quick look; results land in bench/results/).
BenchmarkSwitcher.FromAssembly(typeof(PcapResetInspector.Benchmarks.PipelineBenchmarks).Assembly).Run(args);
