using System.Diagnostics;
using System.Globalization;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Tests.Capture;
using Xunit.Abstractions;

namespace PcapResetInspector.Core.Tests.Fuzzing;

/// <summary>
/// Mutation testing of the readers and the whole analysis: variants of the corpus's well-formed captures
/// and of captures/ must each finish without an exception, within a time limit, with bounded allocation,
/// and with the pipeline's invariants intact (<see cref="AnalysisPipeline"/>).
/// <para>
/// 300 variants by default. Environment: MUTATION_COUNT (e.g. 10000), MUTATION_SEED, MUTATION_FIRST (the
/// first variant index, to replay one: MUTATION_FIRST=i MUTATION_COUNT=1), MUTATION_SAVE (a folder where
/// failing variants, or the one variant replayed, are written).
/// </para>
/// </summary>
public class MutationTests(ITestOutputHelper output)
{
    private const int DefaultCount = 300;
    private const int DefaultSeed = 20_240_611;
    private const int MaxFailuresReported = 20;

    /// <summary>Per variant; a corpus file takes milliseconds, so only a loop that never ends comes near it.</summary>
    private static readonly TimeSpan VariantTimeout = TimeSpan.FromSeconds(15);

    /// <summary>
    /// A variant that finishes but takes this long has found a slow path: variants of these small captures
    /// take 30 ms at most, so this leaves a wide margin for a loaded machine.
    /// </summary>
    private static readonly TimeSpan SlowVariant = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Allocation allowed per variant: the pipeline's fixed costs (the 1 MiB read buffer, the first chunk of
    /// the connection table, the race grouper) plus a generous multiple of the input. A reader that believed a
    /// corrupt length would allocate far more.
    /// </summary>
    private static long AllocationBound(int inputLength) => 48L * 1024 * 1024 + 64L * inputLength;

    [Fact]
    public void Mutated_captures_go_through_the_whole_analysis_without_exception_hang_or_runaway_allocation()
    {
        int count = EnvironmentInt("MUTATION_COUNT", DefaultCount);
        int seed = EnvironmentInt("MUTATION_SEED", DefaultSeed);
        int first = EnvironmentInt("MUTATION_FIRST", 0);
        string? saveFolder = Environment.GetEnvironmentVariable("MUTATION_SAVE");

        List<MutationSource> sources = MutationSources.Load(out string from);
        var mutator = new CaptureMutator(seed, sources);
        var failures = new List<string>();
        var stopwatch = Stopwatch.StartNew();
        long packets = 0, connections = 0, diagnoses = 0, largestAllocation = 0, inputBytes = 0;
        int run = 0;
        (TimeSpan Took, string Where) slowest = (TimeSpan.Zero, "");
        for (int index = first; index < first + count && failures.Count < MaxFailuresReported; index++)
        {
            CaptureVariant variant;
            try
            {
                variant = mutator.Make(index);
            }
            catch (Exception e)
            {
                failures.Add($"seed {seed}, variant {index}: the mutator itself threw {e}");
                continue;
            }
            (ConnectionTrackerOptions? options, string optionsText) = OptionsFor(index);
            string where = $"seed {seed}, variant {index} (replay: MUTATION_SEED={seed} MUTATION_FIRST={index} MUTATION_COUNT=1), " +
                $"source {variant.Source}, mutation: {variant.Mutation}; tracker options: {optionsText}";
            run++;
            inputBytes += variant.Data.Length;

            long started = Stopwatch.GetTimestamp();
            (bool finished, PipelineOutcome? outcome, Exception? error) = RunWithWatchdog(variant, options);
            TimeSpan took = Stopwatch.GetElapsedTime(started);
            if (took > slowest.Took)
                slowest = (took, where);
            if (count == 1)
                Save(saveFolder, seed, variant);
            string? failure = !finished ? $"did not finish within {VariantTimeout.TotalSeconds} s"
                : error is not null ? "threw " + error
                : took > SlowVariant ? $"took {took.TotalMilliseconds:F0} ms for a {variant.Data.Length:N0}-byte input: a slow path"
                : outcome!.AllocatedBytes > AllocationBound(variant.Data.Length)
                    ? $"allocated {outcome.AllocatedBytes:N0} bytes for a {variant.Data.Length:N0}-byte input"
                    : null;
            if (failure is not null)
            {
                failures.Add(where + "\n  " + failure);
                Save(saveFolder, seed, variant);
                if (!finished)
                    break; // the stuck thread keeps a core busy: stop here
                continue;
            }
            packets += outcome!.Packets;
            connections += outcome.Connections;
            diagnoses += outcome.Diagnoses;
            largestAllocation = Math.Max(largestAllocation, outcome.AllocatedBytes);
        }

        output.WriteLine($"{run} variants of {sources.Count} captures ({from}), seed {seed}, first {first}: " +
            $"{stopwatch.Elapsed.TotalSeconds:F1} s, {inputBytes:N0} input bytes, {packets:N0} packets, {connections:N0} connections, " +
            $"{diagnoses:N0} diagnoses, at most {largestAllocation:N0} bytes allocated by one variant; {failures.Count} failed. " +
            $"Slowest, {slowest.Took.TotalMilliseconds:F0} ms: {slowest.Where}");
        Assert.True(failures.Count == 0, $"{failures.Count} variant(s) failed:\n" + string.Join("\n\n", failures));
    }

    public static TheoryData<string> CorpusFiles()
    {
        var data = new TheoryData<string>();
        if (Corpus.Directory is null)
        {
            data.Add(Corpus.Placeholder);
            return data;
        }
        foreach (string folder in new[] { "wellformed", "malformed" })
        {
            foreach (string path in Directory.GetFiles(Path.Combine(Corpus.Directory, folder)).Order(StringComparer.Ordinal))
            {
                if (Path.GetFileName(path) != "MANIFEST.tsv")
                    data.Add(folder + "/" + Path.GetFileName(path));
            }
        }
        return data;
    }

    [CorpusTheory]
    [MemberData(nameof(CorpusFiles))]
    public void Every_corpus_file_goes_through_the_whole_analysis(string file)
    {
        byte[] data = File.ReadAllBytes(Path.Combine(Corpus.Directory!, file));
        for (int index = 0; index < 3; index++)
        {
            (ConnectionTrackerOptions? options, string optionsText) = OptionsFor(index);
            var variant = new CaptureVariant(index, file, data, "none");
            (bool finished, PipelineOutcome? outcome, Exception? error) = RunWithWatchdog(variant, options);
            Assert.True(finished, $"{file} ({optionsText}) did not finish within {VariantTimeout.TotalSeconds} s");
            Assert.True(error is null, $"{file} ({optionsText}) threw {error}");
            Assert.True(outcome!.AllocatedBytes <= AllocationBound(data.Length), $"{file}: {outcome.AllocatedBytes:N0} bytes allocated");
        }
    }

    /// <summary>Variants cycle through the defaults, a tiny table cap with checksum verification, and VLANs in the key without server ports.</summary>
    private static (ConnectionTrackerOptions? Options, string Text) OptionsFor(int index) => (index % 3) switch
    {
        0 => (null, "defaults"),
        1 => (new ConnectionTrackerOptions { MaxConnections = 4, VerifyChecksums = true }, "MaxConnections 4, VerifyChecksums"),
        _ => (new ConnectionTrackerOptions { IncludeVlanInKey = true, LikelyServerPorts = [] }, "IncludeVlanInKey, no likely server ports"),
    };

    /// <summary>Runs one variant on its own thread and waits at most <see cref="VariantTimeout"/> for it.</summary>
    private static (bool Finished, PipelineOutcome? Outcome, Exception? Error) RunWithWatchdog(CaptureVariant variant, ConnectionTrackerOptions? options)
    {
        PipelineOutcome? outcome = null;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                outcome = AnalysisPipeline.Run(variant.Data, variant.Source, options);
            }
            catch (Exception e)
            {
                error = e;
            }
        })
        {
            IsBackground = true,   // a variant that never ends must not keep the test process alive
            Name = "mutation variant " + variant.Index.ToString(CultureInfo.InvariantCulture),
        };
        thread.Start();
        bool finished = thread.Join(VariantTimeout);
        return (finished, outcome, error);
    }

    private static void Save(string? folder, int seed, CaptureVariant variant)
    {
        if (string.IsNullOrEmpty(folder))
            return;
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, $"seed{seed}-variant{variant.Index}.bin"), variant.Data);
    }

    private static int EnvironmentInt(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : fallback;
}

/// <summary>The captures the mutation test starts from: the corpus's well-formed files (when present) and captures/.</summary>
internal static class MutationSources
{
    public static List<MutationSource> Load(out string from)
    {
        var sources = new List<MutationSource>();
        if (Corpus.Directory is not null)
        {
            foreach (string path in Directory.GetFiles(Path.Combine(Corpus.Directory, "wellformed")).Order(StringComparer.Ordinal))
            {
                if (Path.GetFileName(path) != "MANIFEST.tsv")
                    sources.Add(new MutationSource("wellformed/" + Path.GetFileName(path), File.ReadAllBytes(path)));
            }
        }
        int fromCorpus = sources.Count;
        string captures = Path.Combine(RepositoryRoot(), "captures");
        foreach (string path in Directory.GetFiles(captures, "*.pcap*").Order(StringComparer.Ordinal))
            sources.Add(new MutationSource("captures/" + Path.GetFileName(path), File.ReadAllBytes(path)));
        from = fromCorpus > 0
            ? $"{fromCorpus} from shared/corpus/wellformed, {sources.Count - fromCorpus} from captures/"
            : $"captures/ only: {Corpus.SkipReason}";
        return sources;
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "PcapResetInspector.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException("PcapResetInspector.sln not found above " + AppContext.BaseDirectory);
    }
}
