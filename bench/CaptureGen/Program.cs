using System.Diagnostics;
using System.Globalization;
using PcapResetInspector.Testing.Synthesis;

// capture-gen: writes a synthetic capture made by CaptureGenerator.
//   --profile mixed|synflood|reflection|spoofed-synflood|portsweep|spreadprobes|reusedtuple|scan
//   --scenario NAME (one of the profile's scenarios only, e.g. injected-rst)   --headers-only
//   --size 1GB (bytes; K, M, G are powers of 1024)   --packets N   --connections N   --seed N
//   -o FILE ('-' for standard output)
// or cuts an existing classic pcap (CaptureSlicer):
//   --slice SNAPLEN INPUT OUTPUT     every record cut to its first SNAPLEN bytes
//   --headers-only INPUT OUTPUT      every TCP packet cut at the end of its TCP header
const string Usage =
    "usage: CaptureGen [--profile mixed|synflood|reflection|spoofed-synflood|portsweep|spreadprobes|reusedtuple|scan] [--scenario NAME]\n" +
    "                  [--headers-only] [--size N[K|M|G]] [--packets N] [--connections N] [--seed N] -o FILE\n" +
    "       CaptureGen --slice SNAPLEN INPUT OUTPUT\n" +
    "       CaptureGen --headers-only INPUT OUTPUT";

if ((args.Length == 4 && args[0] == "--slice") || (args.Length == 3 && args[0] == "--headers-only" && IsPath(args[1]) && IsPath(args[2])))
    return SliceMain(args);

var options = new CaptureGeneratorOptions();
string? output = null;
try
{
    for (int i = 0; i < args.Length; i++)
    {
        if (args[i] == "--headers-only")
        {
            options.HeadersOnly = true;
            continue;
        }
        string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
        switch (args[i])
        {
            case "--profile":
                options.Profile = ParseProfile(value);
                break;
            case "--scenario":
                options.Scenario = value;
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
    if (options.Scenario is not null && !CaptureGenerator.ScenarioNames(options.Profile).Contains(options.Scenario))
    {
        throw new ArgumentException($"the {options.Profile.ToString().ToLowerInvariant()} profile has no scenario '{options.Scenario}' " +
            $"({string.Join(", ", CaptureGenerator.ScenarioNames(options.Profile))})");
    }
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
    $"{output}: {options.Profile.ToString().ToLowerInvariant()}{(options.Scenario is null ? "" : " (" + options.Scenario + " only)")}" +
    $"{(options.HeadersOnly ? ", headers only" : "")} seed {options.Seed}: {summary.Bytes:N0} bytes, {summary.Packets:N0} packets, " +
    $"{summary.Connections:N0} connections over {span:F1} s of capture time{(summary.CutShort ? " (cut at the size limit)" : "")}"));
error.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"  written in {seconds:F1} s ({summary.Bytes / 1e6 / seconds:F0} MB/s); at most {summary.PeakActiveScripts:N0} scripts under way"));
error.WriteLine("  scripts: " + string.Join(", ", summary.Scenarios.Select(pair => $"{pair.Key} {pair.Value}")));
return 0;

static bool IsPath(string arg) => arg == "-" || !arg.StartsWith('-');

static CaptureProfile ParseProfile(string value)
{
    // Enum names, any case, with or without hyphens: spoofed-synflood, SpoofedSynFlood, port-sweep, ...
    string key = value.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal);
    foreach (CaptureProfile profile in Enum.GetValues<CaptureProfile>())
    {
        if (string.Equals(profile.ToString(), key, StringComparison.OrdinalIgnoreCase))
            return profile;
    }
    throw new ArgumentException($"unknown profile '{value}' (mixed, synflood, reflection, spoofed-synflood, portsweep, spreadprobes, reusedtuple, scan)");
}

static int SliceMain(string[] args)
{
    bool headersOnly = args[0] == "--headers-only";
    int snapLength = 0;
    if (!headersOnly && (!int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out snapLength) || snapLength <= 0))
    {
        Console.Error.WriteLine($"CaptureGen: '{args[1]}' is not a snapshot length (a positive number of bytes)");
        Console.Error.WriteLine(Usage);
        return 2;
    }
    string input = args[headersOnly ? 1 : 2];
    string output = args[headersOnly ? 2 : 3];
    var stopwatch = Stopwatch.StartNew();
    CaptureSliceSummary summary;
    try
    {
        using Stream source = input == "-" ? Console.OpenStandardInput() : File.OpenRead(input);
        using Stream target = output == "-"
            ? Console.OpenStandardOutput()
            : new FileStream(output, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 1 << 20);
        summary = headersOnly ? CaptureSlicer.HeadersOnly(source, target) : CaptureSlicer.Slice(source, target, snapLength);
    }
    catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
    {
        Console.Error.WriteLine("CaptureGen: " + e.Message);
        return 1;
    }
    var error = Console.Error;
    error.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{output}: {(headersOnly ? "headers only" : $"snaplen {snapLength}")} from {input}: {summary.Packets:N0} packets, " +
        $"{summary.CapturedBytesBefore:N0} captured bytes -> {summary.CapturedBytesAfter:N0} in {stopwatch.Elapsed.TotalSeconds:F1} s"));
    if (headersOnly)
    {
        error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {summary.TcpPackets:N0} TCP packets cut after the TCP header, {summary.Fragments:N0} fragments after the IP headers, {summary.KeptWhole:N0} other frames kept whole"));
    }
    foreach (string warning in summary.Warnings)
        error.WriteLine("  " + warning);
    return 0;
}

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
