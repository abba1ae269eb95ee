using PcapResetInspector.Cli.Options;
using System.Globalization;
using PcapResetInspector.Cli.Commands;
using PcapResetInspector.Core.Tests.Fuzzing;
using Xunit.Abstractions;

namespace PcapResetInspector.Cli.Tests;

/// <summary>
/// The mutation test of the Core tests (same mutator, same seeds) through the analyze command's own
/// worker, in process: the summary report and the command's collectors see the damaged captures too.
/// Each variant is read from standard input, alternately as a table and as a Zeek log, with and without
/// --all, --include-vlan and --verify-checksums; each must finish within 15 s (a hang), and in 2 s (a slow
/// path), without an exception. Environment: MUTATION_COUNT, MUTATION_SEED, MUTATION_FIRST.
/// </summary>
public class AnalyzeMutationTests(ITestOutputHelper output)
{
    private const int DefaultCount = 200;
    private const int DefaultSeed = 20_240_611;
    private static readonly TimeSpan VariantTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan SlowVariant = TimeSpan.FromSeconds(2);   // they take milliseconds

    [Fact]
    public void Analyze_finishes_on_every_mutated_capture_without_an_exception()
    {
        int count = EnvironmentInt("MUTATION_COUNT", DefaultCount);
        int seed = EnvironmentInt("MUTATION_SEED", DefaultSeed);
        int first = EnvironmentInt("MUTATION_FIRST", 0);
        List<MutationSource> sources = LoadSources(out string from);
        var mutator = new CaptureMutator(seed, sources);
        var failures = new List<string>();
        var exitCodes = new SortedDictionary<int, int>();
        for (int index = first; index < first + count && failures.Count < 20; index++)
        {
            CaptureVariant variant = mutator.Make(index);
            OutputFormat format = (OutputFormat)(index % 4);
            var settings = new AnalyzeSettings
            {
                Inputs = ["-"],
                Output = new OutputSettings
                {
                    Format = format,
                    Selection = new PcapResetInspector.Core.Export.ConnectionSelection { All = index % 4 < 2 },
                    IncludeVlan = index % 3 == 1,
                },
                VerifyChecksums = index % 5 == 2,
            };
            string where = $"seed {seed}, variant {index} (replay: MUTATION_SEED={seed} MUTATION_FIRST={index} MUTATION_COUNT=1), " +
                $"source {variant.Source}, mutation: {variant.Mutation}; --format {format.ToString().ToLowerInvariant()}{(settings.Output.Selection.All ? " --all" : "")}" +
                $"{(settings.Output.IncludeVlan ? " --include-vlan" : "")}{(settings.VerifyChecksums ? " --verify-checksums" : "")}";

            int? exitCode = null;
            Exception? error = null;
            var thread = new Thread(() =>
            {
                try
                {
                    var worker = new AnalyzeWorker(new StringWriter(), new StringWriter(), () => new MemoryStream(variant.Data, writable: false), PcapResetInspector.Cli.Reporting.TerminalInfo.None);
                    exitCode = worker.Run(settings, CancellationToken.None);
                }
                catch (Exception e)
                {
                    error = e;
                }
            })
            { IsBackground = true };
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            thread.Start();
            if (!thread.Join(VariantTimeout))
            {
                failures.Add($"{where}\n  did not finish within {VariantTimeout.TotalSeconds} s");
                break;
            }
            if (error is not null)
                failures.Add($"{where}\n  threw {error}");
            else if (exitCode == ExitCodes.InternalError)
                failures.Add($"{where}\n  exit code {exitCode}");
            else if (System.Diagnostics.Stopwatch.GetElapsedTime(started) is var took && took > SlowVariant)
                failures.Add($"{where}\n  took {took.TotalMilliseconds:F0} ms: a slow path");
            else
                exitCodes[exitCode!.Value] = exitCodes.GetValueOrDefault(exitCode.Value) + 1;
        }
        output.WriteLine($"{count} variants of {sources.Count} captures ({from}), seed {seed}, first {first}; exit codes: " +
            string.Join(", ", exitCodes.Select(p => $"{p.Key} x{p.Value}")));
        Assert.True(failures.Count == 0, $"{failures.Count} variant(s) failed:\n" + string.Join("\n\n", failures));
    }

    /// <summary>The shared corpus's well-formed captures (found above the checkout, when there) and captures/.</summary>
    private static List<MutationSource> LoadSources(out string from)
    {
        var sources = new List<MutationSource>();
        string? corpus = null;
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null && corpus is null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, "shared", "corpus", "wellformed");
            if (File.Exists(Path.Combine(candidate, "MANIFEST.tsv")))
                corpus = candidate;
        }
        if (corpus is not null)
        {
            foreach (string path in Directory.GetFiles(corpus).Where(p => Path.GetFileName(p) != "MANIFEST.tsv").Order(StringComparer.Ordinal))
                sources.Add(new MutationSource("wellformed/" + Path.GetFileName(path), File.ReadAllBytes(path)));
        }
        int fromCorpus = sources.Count;
        foreach (string path in Directory.GetFiles(RepositoryPaths.Captures, "*.pcap*").Order(StringComparer.Ordinal))
            sources.Add(new MutationSource("captures/" + Path.GetFileName(path), File.ReadAllBytes(path)));
        from = corpus is null
            ? "captures/ only: shared/corpus not found above the test assembly"
            : $"{fromCorpus} from shared/corpus/wellformed, {sources.Count - fromCorpus} from captures/";
        return sources;
    }

    private static int EnvironmentInt(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : fallback;
}
