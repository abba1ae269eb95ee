using System.Diagnostics;
using System.Globalization;
using PcapResetInspector.Core.Analysis;
using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Export;
using PcapResetInspector.Core.Flows;
using PcapResetInspector.Cli.Reporting;

namespace PcapResetInspector.Cli.Commands;

/// <summary>The `analyze` command's work: read the inputs, track connections, write the outputs, pick the exit code.</summary>
public sealed class AnalyzeWorker
{
    private readonly TextWriter _output;
    private readonly TextWriter _error;
    private readonly Func<Stream> _openStandardInput;

    public AnalyzeWorker(TextWriter output, TextWriter error, Func<Stream>? openStandardInput = null)
    {
        _output = output;
        _error = error;
        _openStandardInput = openStandardInput ?? Console.OpenStandardInput;
    }

    public int Run(AnalyzeSettings settings, CancellationToken cancellation)
    {
        if (settings.Inputs.Count == 0)
        {
            _error.WriteLine("pcap-reset-inspector: no capture file given (name one, use -r FILE, or '-' for standard input)");
            return ExitCodes.UsageError;
        }

        AtomicFileWriter? file = null;
        try
        {
            if (settings.OutputPath is not null)
                file = new AtomicFileWriter(settings.OutputPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            _error.WriteLine($"pcap-reset-inspector: cannot write '{settings.OutputPath}': {e.Message}");
            return ExitCodes.WriteError;
        }

        using (file)
        {
            TextWriter mainOutput = file?.Writer ?? _output;
            bool logToStdout = settings.Format == "zeek" && file is null;
            TextWriter summaryOutput = logToStdout ? _error : (file is not null && settings.Format == "table" ? file.Writer : _output);

            var collector = new ConnectionCollector(settings.All);
            var diagnoses = new DiagnosisCollector();
            var resetStatistics = new ResetStatistics();
            var raceGrouper = new RaceGrouper(new DiagnosisTee(diagnoses, resetStatistics), new DiagnosisOptions());
            ZeekConnLogWriter? zeek = settings.Format == "zeek" ? new ZeekConnLogWriter(mainOutput, leaveOpen: true) : null;
            IConnectionSink sink = new ForwardingSink(collector, zeek, settings.All, raceGrouper);

            var options = new FlowTrackerOptions { IncludeVlanInKey = settings.IncludeVlan, VerifyChecksums = settings.VerifyChecksums };
            var analyzer = new CaptureAnalyzer(sink, options);
            var stopwatch = Stopwatch.StartNew();
            int exitCode = ExitCodes.Success;
            bool interrupted = false;

            foreach (string input in settings.Inputs)
            {
                if (cancellation.IsCancellationRequested)
                {
                    interrupted = true;
                    break;
                }
                int code = ReadOne(input, analyzer, cancellation, out bool stopped);
                exitCode = MoreSevere(exitCode, code);
                if (stopped)
                {
                    interrupted = true;
                    break;
                }
            }

            analyzer.Finish();
            raceGrouper.Complete();
            stopwatch.Stop();

            try
            {
                zeek?.Complete(analyzer.Statistics.LastTimestamp);
                if (settings.Format == "table" || summaryOutput != mainOutput)
                    new TextSummaryReport(summaryOutput).Write(analyzer.Statistics, analyzer.Tracker, collector, diagnoses, resetStatistics, stopwatch.Elapsed, interrupted, settings.All);
                summaryOutput.Flush();
                mainOutput.Flush();
                file?.Commit();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _error.WriteLine($"pcap-reset-inspector: cannot write '{settings.OutputPath ?? "standard output"}': {e.Message}");
                return ExitCodes.WriteError;
            }

            if (interrupted)
                _error.WriteLine("pcap-reset-inspector: interrupted; what was read so far has been analysed and written");
            return exitCode;
        }
    }

    private int ReadOne(string input, CaptureAnalyzer analyzer, CancellationToken cancellation, out bool interrupted)
    {
        interrupted = false;
        CaptureFileSource source;
        try
        {
            if (input == "-")
            {
                source = CaptureFile.Open(_openStandardInput(), "-");
            }
            else
            {
                if (Directory.Exists(input))
                {
                    _error.WriteLine($"pcap-reset-inspector: '{input}' is a directory, not a capture file");
                    return ExitCodes.OpenError;
                }
                if (!File.Exists(input))
                {
                    _error.WriteLine($"pcap-reset-inspector: '{input}': no such file");
                    return ExitCodes.OpenError;
                }
                source = CaptureFile.Open(input);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _error.WriteLine($"pcap-reset-inspector: cannot open '{input}': {e.Message}");
            return ExitCodes.OpenError;
        }

        using (source)
        {
            interrupted = !analyzer.Run(source, cancellation);
            int code = ExitCodes.Success;
            foreach (CaptureProblem problem in source.Problems)
            {
                _error.WriteLine("pcap-reset-inspector: " + problem);
                if (problem.Severity == ProblemSeverity.Error)
                    code = MoreSevere(code, IsFormatProblem(problem.Kind) ? ExitCodes.InvalidCaptureFile : ExitCodes.ReadError);
            }
            return code;
        }
    }

    private static bool IsFormatProblem(CaptureProblemKind kind) => kind is
        CaptureProblemKind.NotACaptureFile or CaptureProblemKind.UnsupportedFormat or
        CaptureProblemKind.UnsupportedVersion or CaptureProblemKind.InvalidHeader;

    /// <summary>The first error wins; an error always beats success.</summary>
    private static int MoreSevere(int current, int next) => current != ExitCodes.Success ? current : next;

    /// <summary>Every connection goes to the counters and the diagnosis; the listed ones also to the conn.log.</summary>
    private sealed class ForwardingSink(ConnectionCollector collector, IConnectionSink? log, bool all, IConnectionSink diagnosis) : IConnectionSink
    {
        public void Add(ConnectionSummary connection)
        {
            collector.Add(connection);
            if (log is not null && (all || connection.SawRst))
                log.Add(connection);
            diagnosis.Add(connection);
        }
    }
}

/// <summary>Keeps the diagnoses for the report, up to a cap so that memory stays bounded.</summary>
public sealed class DiagnosisCollector : IDiagnosisSink
{
    public const int MaxKept = 10_000;

    public List<ResetDiagnosis> Kept { get; } = [];
    public long NotKept { get; private set; }

    public void Add(ResetDiagnosis diagnosis)
    {
        if (Kept.Count < MaxKept)
            Kept.Add(diagnosis);
        else
            NotKept++;
    }
}

/// <summary>
/// Counts every connection and keeps the flagged ones (those that saw a RST) for the report,
/// up to a cap so that memory stays bounded on huge captures.
/// </summary>
public sealed class ConnectionCollector(bool keepAll) : IConnectionSink
{
    public const int MaxKept = 10_000;

    public long Total { get; private set; }
    public long Flagged { get; private set; }
    public Dictionary<string, long> ByConnState { get; } = new(StringComparer.Ordinal);
    public List<ConnectionSummary> Kept { get; } = [];
    public long NotKept { get; private set; }

    public void Add(ConnectionSummary connection)
    {
        Total++;
        ByConnState[connection.ConnState] = ByConnState.GetValueOrDefault(connection.ConnState) + 1;
        bool flagged = connection.SawRst;
        if (flagged)
            Flagged++;
        if (!flagged && !keepAll)
            return;
        if (Kept.Count < MaxKept)
            Kept.Add(connection);
        else
            NotKept++;
    }

    public static string FormatCount(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
