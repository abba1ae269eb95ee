using System.Diagnostics;
using System.Globalization;
using System.Text;
using PcapResetInspector.Cli.Options;
using PcapResetInspector.Cli.Reporting;
using PcapResetInspector.Cli.Reporting.Html;
using PcapResetInspector.Core.Analysis;
using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Export;
using PcapResetInspector.LibPcap;

namespace PcapResetInspector.Cli.Commands;

/// <summary>
/// The `capture` command's work: a live interface through the same pipeline as a file. Flagged
/// connections are appended to the exports as they end and flushed at once, so a killed process loses
/// nothing already reported; the raw packets (-w) are flushed every second. Ctrl+C, SIGTERM, -c and
/// the duration stop reading promptly even on a quiet interface, then the open connections are drained
/// and the final report and libpcap's counters are printed.
/// </summary>
public sealed class CaptureWorker
{
    /// <summary>How long a race loser may wait for its winner before it is judged alone (a live capture has no end of input).</summary>
    private static readonly TimeSpan LiveRaceHoldLimit = TimeSpan.FromSeconds(30);

    private readonly TextWriter _output;
    private readonly TextWriter _error;
    private readonly TerminalInfo _terminal;

    public CaptureWorker(TextWriter output, TextWriter error, TerminalInfo? terminal = null)
    {
        _output = output;
        _error = error;
        _terminal = terminal ?? TerminalInfo.None;
    }

    public static int ExitCodeFor(LiveCaptureErrorKind kind) => kind switch
    {
        LiveCaptureErrorKind.PermissionDenied => ExitCodes.NoPermission,
        LiveCaptureErrorKind.NoSuchDevice or LiveCaptureErrorKind.InterfaceNotUp => ExitCodes.InvalidInterface,
        LiveCaptureErrorKind.BadFilter => ExitCodes.InvalidFilter,
        LiveCaptureErrorKind.LibPcapMissing => ExitCodes.PcapError,
        _ => ExitCodes.CaptureError,
    };

    public int Run(CaptureSettings settings, CancellationToken cancellation)
    {
        // A CSV we would refuse to append to is refused before anything else, not after capturing.
        if (settings.CsvPath is { } csvPath && CaptureCsvFile.Check(csvPath, _error) is var csvCode && csvCode != ExitCodes.Success)
            return csvCode;
        if (!LibPcapRuntime.IsAvailable)
        {
            _error.WriteLine("pcap-reset-inspector: live capture needs libpcap, and none was found: " +
                             LibPcapLibrary.InstallHint(LibPcapLibrary.CurrentPlatform));
            return ExitCodes.PcapError;
        }

        LiveCapture capture;
        try
        {
            capture = LiveCapture.Open(new LiveCaptureOptions(settings.Interface)
            {
                SnapLength = settings.SnapLength,
                Promiscuous = settings.Promiscuous,
                Filter = settings.Filter,
                BufferSize = settings.BufferSizeKiB * 1024,
            });
        }
        catch (LiveCaptureException e)
        {
            // Interface names and the filter come back in the message.
            _error.WriteLine("pcap-reset-inspector: " + SafeText.Escape(e.Message));
            return ExitCodeFor(e.Kind);
        }
        catch (LibPcapUnavailableException e)
        {
            _error.WriteLine("pcap-reset-inspector: " + SafeText.Escape(e.Message));
            return ExitCodes.PcapError;
        }

        using (capture)
        {
            foreach (CaptureProblem problem in capture.Problems)
                _error.WriteLine("pcap-reset-inspector: " + SafeText.Escape(problem.Message));
            return Capture(settings, capture, cancellation);
        }
    }

    private int Capture(CaptureSettings settings, LiveCapture capture, CancellationToken cancellation)
    {
        OutputSettings output = settings.Output;
        // Before the outputs exist: a caller that waits for them may start its traffic then.
        using CaptureKernelReasons kernel = CaptureKernelReasons.Start(settings.KernelReasons, _error);
        var files = new List<IDisposable>();
        var live = new LiveOutputs();
        // The page is written once, at the end: under a temporary name until it is whole, as analyze writes its files.
        using var pageFile = new OutputFiles(_error);
        try
        {
            if (!pageFile.TryOpen(output.HtmlPath, out TextWriter? htmlWriter))
                return ExitCodes.WriteError;
            HtmlReportRows? htmlRows = htmlWriter is null ? null : new HtmlReportRows();
            // Live outputs are written in place, not renamed at the end: a killed capture keeps every row flushed so far.
            if (!TryCreate(settings.RawOutputPath, files, out FileStream? rawStream))
                return ExitCodes.WriteError;
            // --csv appends, its header (for a new file) already on disk: a capture killed now leaves a valid CSV.
            CsvConnectionWriter? csvExporter = null;
            GuardedTextWriter? csvWriter = null;
            if (settings.CsvPath is { } csvPath && CaptureCsvFile.Open(csvPath, _error, files, out csvExporter, out csvWriter) is var csvCode && csvCode != ExitCodes.Success)
                return csvCode;
            if (csvWriter is not null)
                live.Watch(settings.CsvPath!, csvWriter);
            // Parquet is readable only once its footer is written, so it gains nothing from being written in place:
            // it goes under a temporary name, renamed into place when the capture stops.
            bool parquet = output.Format == OutputFormat.Parquet;
            FileStream? mainStream = null;
            AtomicFileWriter? parquetFile = null;
            if (parquet ? !TryCreateAtomic(output.OutputPath!, files, out parquetFile) : !TryCreate(output.OutputPath, files, out mainStream))
                return ExitCodes.WriteError;
            GuardedStream? parquetStream = parquetFile is null ? null : new GuardedStream(parquetFile.Stream);

            LiveRawOutput? raw = rawStream is null ? null
                : live.Raw(settings.RawOutputPath!, rawStream,
                    new PcapWriter(rawStream, capture.LinkType, settings.SnapLength, capture.HasNanosecondTimestamps, leaveOpen: true));
            var exporters = new List<IConnectionExporter>();
            if (csvExporter is not null)
                exporters.Add(csvExporter);
            TextWriter mainOutput = mainStream is null ? _output : TextFor(mainStream, files, output.OutputPath!, live);
            bool isExport = output.Format != OutputFormat.Table;
            if (OutputRouting.CreateExporter(output, mainOutput, parquetStream) is { } mainExporter)
                exporters.Add(mainExporter);

            var rows = ReportRows.For(isExport, output.Listing);
            bool findings = false;
            DiagnosisOptions diagnosisOptions = output.Diagnosis;
            diagnosisOptions.RaceHoldLimit ??= LiveRaceHoldLimit;
            var pipeline = new AnalysisPipeline(new AnalysisPipelineOptions
            {
                Tracker = new Core.Connections.ConnectionTrackerOptions { IncludeVlanInKey = output.IncludeVlan, MaxConnections = output.MaxConnections },
                Diagnosis = diagnosisOptions,
                Selection = output.Selection,
                Exporters = [.. exporters, rows, .. htmlRows is null ? [] : new IConnectionExporter[] { htmlRows }],
                FlushEachRow = true,
                KernelResets = kernel.Book,
            });
            pipeline.Selected += (connection, diagnosis) =>
            {
                if (diagnosis is not null && output.Trips(diagnosis.Verdict))
                    findings = true;
            };

            var clock = Stopwatch.StartNew();
            var status = new LiveStatus(_error, _terminal.ErrorIsTerminal && !output.Quiet, output.Quiet ? null : settings.ReportEvery);
            // Packets come off the kernel on their own thread into this ring; the analysis below reads it.
            using var ring = new PacketRing(settings.RingMiB * 1024L * 1024, settings.SnapLength, capture.LinkType, capture.Name);
            var reader = new CaptureThread(capture, ring, settings.PacketLimit);
            long lastChores = 0;
            void Chores()
            {
                long nowTicks = clock.ElapsedTicks;
                if (nowTicks - lastChores < Stopwatch.Frequency / 4)
                    return;
                lastChores = nowTicks;
                // Timers run on the packets' clock; on a quiet interface the wall clock moves them on.
                long now = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100;
                pipeline.AdvanceTime(now);
                raw?.Flush();
                long? dropped = TryStatistics(capture)?.Dropped is long kernelDrops ? kernelDrops + ring.Dropped : null;
                status.Update(clock.Elapsed, pipeline.Statistics.Packets, pipeline.Tracker.ActiveConnections, pipeline.Resets, dropped);
            }
            ring.Idle = Chores;

            using CancellationTokenRegistration onInterrupt = cancellation.Register(reader.Stop);
            using var stopAfter = settings.TimeLimit is { } limit ? new Timer(_ => reader.Stop(), null, limit, Timeout.InfiniteTimeSpan) : null;
            reader.Start();

            long packets = 0;
            while (ring.TryReadNext(out PacketRecord packet))
            {
                raw?.Write(in packet);
                pipeline.Process(in packet);
                packets++;
                if ((packets & 0x3FF) == 0)
                    Chores();
            }
            reader.Stop();
            reader.Join();
            LiveCaptureStatistics? counters = TryStatistics(capture);
            status.Clear();

            kernel.Drain();
            pipeline.Complete();
            raw?.Flush();
            bool parquetFailed = parquetStream?.Failure is not null;
            if (parquetFile is not null && !parquetFailed)
                parquetFile.Commit();

            int exitCode = ExitCodes.Success;
            if (capture.StopProblem is { } failure)
            {
                _error.WriteLine("pcap-reset-inspector: " + SafeText.Escape(failure.Message));
                exitCode = ExitCodes.CaptureError;
            }
            else if (reader.Failure is { } crash)
            {
                _error.WriteLine("pcap-reset-inspector: capture failed: " + SafeText.Escape(crash.Message));
                exitCode = ExitCodes.CaptureError;
            }

            var report = new ReportData
            {
                Capture = pipeline.Statistics,
                Tracker = pipeline.Tracker,
                Connections = pipeline.Connections,
                Resets = pipeline.Resets,
                Rows = rows,
                Elapsed = clock.Elapsed,
                Interrupted = false,
                Source = "interface " + settings.Interface,
                Selection = output.Selection,
                RaceGroups = pipeline.Diagnosis.RaceGroups,
                Findings = pipeline.Diagnosis.Findings,
                ListRows = !isExport,
                Listing = output.Listing,
            };
            if (htmlWriter is not null && htmlRows is not null)
            {
                HtmlReport.Write(htmlWriter, report, htmlRows);
                if (pageFile.ReportFailures())
                    exitCode = ExitCodes.WriteError;
                pageFile.CommitAll();
            }
            OutputRouting.CreateReport(output, mainOutput, output.OutputPath is not null, _output, _error, _terminal)?.Write(report);
            mainOutput.Flush();

            // tcpdump's closing lines, so the drop counters are where sysadmins look for them.
            _error.WriteLine($"{N(reader.PacketsTaken)} packets captured");
            if (counters is { } c)
            {
                _error.WriteLine($"{N(c.Received)} packets received by filter");
                _error.WriteLine($"{N(c.Dropped)} packets dropped by kernel");
                if (c.InterfaceDropped > 0)
                    _error.WriteLine($"{N(c.InterfaceDropped)} packets dropped by interface");
            }
            // Our own drops, apart from the kernel's: captured, but the analysis was a whole ring behind.
            if (ring.Dropped > 0)
            {
                _error.WriteLine($"{N(ring.Dropped)} packets dropped by pcap-reset-inspector: the analysis fell behind by a full " +
                                 $"{settings.RingMiB} MiB ring ({N(packets)} analysed); " +
                                 "raise --ring-size, narrow the filter, or write with -w and analyze the file");
            }
            kernel.WriteClosingLines(_error);
            // A host-level finding (flood, reflection, scan) is suspicious even when none of its members was reset.
            if (pipeline.Diagnosis.Findings.Count > 0 && output.Trips(Verdict.Suspicious))
                findings = true;
            if (parquetFailed)
                _error.WriteLine(SafeText.Escape($"pcap-reset-inspector: cannot write '{output.OutputPath}': {OutputFiles.Reason(parquetStream!.Failure!)}; " +
                                                 "it was not kept, the other outputs were"));
            if (live.Report(_error) || parquetFailed)
                exitCode = exitCode == ExitCodes.Success ? ExitCodes.WriteError : exitCode;
            if (exitCode == ExitCodes.Success)
                exitCode = kernel.ExitCode;
            if (exitCode == ExitCodes.Success && findings)
                exitCode = ExitCodes.FindingsFound;
            if (exitCode == ExitCodes.Success && output.FailOn is not null && CoverageText.NothingAnalysed(pipeline.Statistics) is { } why)
            {
                _error.WriteLine(SafeText.Escape($"pcap-reset-inspector: nothing analysed: {why}; --fail-on has no verdict to give"));
                exitCode = ExitCodes.NothingAnalysed;
            }
            return exitCode;
        }
        catch (IOException e) when (!StandardStreams.IsBrokenPipe(e)) // the reader leaving (`| head`) ends the run quietly
        {
            _error.WriteLine("pcap-reset-inspector: cannot write: " + SafeText.Escape(OutputFiles.Reason(e)));
            return ExitCodes.WriteError;
        }
        finally
        {
            for (int i = files.Count - 1; i >= 0; i--)
            {
                try { files[i].Dispose(); } catch (IOException) { }
            }
            live.TruncateFailed();
        }
    }

    private bool TryCreate(string? path, List<IDisposable> files, out FileStream? stream)
    {
        stream = null;
        if (path is null)
            return true;
        try
        {
            // Unbuffered: the writers above buffer, and a failed write must not linger in a second buffer.
            stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0);
            files.Add(stream);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            _error.WriteLine(SafeText.Escape($"pcap-reset-inspector: cannot write '{path}': {OutputFiles.Reason(e)}"));
            return false;
        }
    }

    private bool TryCreateAtomic(string path, List<IDisposable> files, out AtomicFileWriter? file)
    {
        file = null;
        try
        {
            if (Directory.Exists(path))
                throw new IOException("it is a directory");
            file = new AtomicFileWriter(path);
            files.Add(file); // disposed uncommitted, it removes its temporary file
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            _error.WriteLine(SafeText.Escape($"pcap-reset-inspector: cannot write '{path}': {OutputFiles.Reason(e)}"));
            return false;
        }
    }

    private static TextWriter TextFor(FileStream stream, List<IDisposable> files, string path, LiveOutputs live)
    {
        var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
        files.Add(writer);
        var guarded = new GuardedTextWriter(writer, stream);
        live.Watch(path, guarded);
        return guarded;
    }

    private static LiveCaptureStatistics? TryStatistics(LiveCapture capture)
    {
        try
        {
            return capture.GetStatistics();
        }
        catch (LiveCaptureException)
        {
            return null;
        }
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}

/// <summary>
/// The live status: one line redrawn on standard error when it is a terminal; otherwise a summary line
/// every <c>--report-every</c>, so a capture running under systemd or nohup still says how it is doing.
/// </summary>
public sealed class LiveStatus(TextWriter error, bool isTerminal, TimeSpan? reportEvery)
{
    private TimeSpan _lastReport;
    private bool _drawn;

    /// <param name="dropped">libpcap's kernel drop count, null when the platform has none.</param>
    public void Update(TimeSpan elapsed, long packets, int openConnections, ResetStatistics resets, long? dropped)
    {
        string line = string.Create(CultureInfo.InvariantCulture,
            $"{elapsed:hh\\:mm\\:ss}  {packets:N0} packets, {openConnections:N0} connections open, resets: " +
            $"{resets.Count(Verdict.Benign):N0} benign, {resets.Count(Verdict.Actionable):N0} actionable, " +
            $"{resets.Count(Verdict.Suspicious):N0} suspicious; {(dropped is { } d ? d.ToString("N0", CultureInfo.InvariantCulture) : "?")} dropped");
        if (isTerminal)
        {
            error.Write("\r" + line + "\u001b[K");
            error.Flush();
            _drawn = true;
        }
        else if (reportEvery is { } period && elapsed - _lastReport >= period)
        {
            _lastReport = elapsed;
            error.WriteLine("pcap-reset-inspector: " + line);
            error.Flush();
        }
    }

    public void Clear()
    {
        if (!_drawn)
            return;
        error.Write("\r\u001b[K");
        error.Flush();
        _drawn = false;
    }
}
