using System.Diagnostics;
using System.Globalization;
using PcapResetInspector.Core.Synthesis;

// capture-gen: writes a synthetic capture made by CaptureGenerator.
//   --profile mixed|synflood   --size 1GB (bytes; K, M, G are powers of 1024)
//   --packets N   --connections N   --seed N   -o FILE ('-' for standard output)
const string Usage = "usage: CaptureGen [--profile mixed|synflood] [--size N[K|M|G]] [--packets N] [--connections N] [--seed N] -o FILE";

var options = new CaptureGeneratorOptions();
string? output = null;
try
{
    for (int i = 0; i < args.Length; i++)
    {
        string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
        switch (args[i])
        {
            case "--profile":
                options.Profile = value.ToLowerInvariant() switch
                {
                    "mixed" => CaptureProfile.Mixed,
                    "synflood" => CaptureProfile.Synflood,
                    _ => throw new ArgumentException($"unknown profile '{value}' (mixed, synflood)"),
                };
                break;
            case "--size":
                options.MaxBytes = ParseSize(value);
                break;
            case "--packets":
                options.MaxPackets = ParseSize(value);
                break;
            case "--connections":
                options.MaxConnections = ParseSize(value);
                break;
            case "--seed":
                options.Seed = ulong.Parse(value, CultureInfo.InvariantCulture);
                break;
            case "-o":
            case "--output":
                output = value;
                break;
            default:
                throw new ArgumentException($"unknown argument '{args[i]}'");
        }
        i++;
    }
    if (output is null)
        throw new ArgumentException("no output file (-o FILE)");
    if (options.MaxBytes is null && options.MaxPackets is null && options.MaxConnections is null)
        options.MaxBytes = 1L << 30;
}
catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine("CaptureGen: " + e.Message);
    Console.Error.WriteLine(Usage);
    return 2;
}

var stopwatch = Stopwatch.StartNew();
CaptureGenerationSummary summary;
using (Stream stream = output == "-"
    ? Console.OpenStandardOutput()
    : new FileStream(output, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 1 << 20))
{
    summary = CaptureGenerator.Write(stream, options);
}
stopwatch.Stop();

double seconds = stopwatch.Elapsed.TotalSeconds;
double span = (summary.LastTimestampNanos - summary.FirstTimestampNanos) / 1e9;
var error = Console.Error;
error.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{output}: {options.Profile.ToString().ToLowerInvariant()} seed {options.Seed}: {summary.Bytes:N0} bytes, {summary.Packets:N0} packets, " +
    $"{summary.Connections:N0} connections over {span:F1} s of capture time{(summary.CutShort ? " (cut at the size limit)" : "")}"));
error.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"  written in {seconds:F1} s ({summary.Bytes / 1e6 / seconds:F0} MB/s); at most {summary.PeakActiveScripts:N0} scripts under way"));
error.WriteLine("  scripts: " + string.Join(", ", summary.Scenarios.Select(pair => $"{pair.Key} {pair.Value}")));
return 0;

static long ParseSize(string text)
{
    string t = text.Trim().ToUpperInvariant();
    if (t.EndsWith("IB", StringComparison.Ordinal))
        t = t[..^2];
    else if (t.EndsWith('B'))
        t = t[..^1];
    long scale = 1;
    if (t.Length > 0 && "KMG".Contains(t[^1], StringComparison.Ordinal))
    {
        scale = t[^1] switch { 'K' => 1L << 10, 'M' => 1L << 20, _ => 1L << 30 };
        t = t[..^1];
    }
    double number = double.Parse(t, NumberStyles.Float, CultureInfo.InvariantCulture);
    if (number <= 0)
        throw new ArgumentException($"'{text}' is not a positive size");
    return checked((long)(number * scale));
}
