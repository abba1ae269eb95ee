using System.Diagnostics;
using PcapResetInspector.Cli.Options;
using PcapResetInspector.Cli.Reporting;
using PcapResetInspector.Cli.Reporting.Html;
using PcapResetInspector.Core.Analysis;
using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Export;
using PcapResetInspector.Core.Connections;

namespace PcapResetInspector.Cli.Commands;

/// <summary>
/// The `analyze` command's work: read the inputs, track and diagnose connections, write the
/// outputs, pick the exit code. Console-free apart from the writers it is given, so tests run it
/// in-process.
/// </summary>
public sealed class AnalyzeWorker
{
    private readonly TextWriter _output;
    private readonly TextWriter _error;
    private readonly Func<Stream> _openStandardInput;
    private readonly bool _isConsoleInput;
    private readonly TerminalInfo _terminal;

    public AnalyzeWorker(TextWriter output, TextWriter error, Func<Stream>? openStandardInput = null, TerminalInfo? terminal = null)
    {
        _output = output;
        _error = error;
        _openStandardInput = openStandardInput ?? Console.OpenStandardInput;
        _isConsoleInput = openStandardInput is null;
        _terminal = terminal ?? TerminalInfo.None;
    }

    public int Run(AnalyzeSettings settings, CancellationToken cancellation)
    {
        if (settings.Inputs.Count == 0)
        {
            _error.WriteLine("pcap-reset-inspector: no capture file given (name one, use -r FILE, or '-' for standard input)");
            return ExitCodes.UsageError;
        }
        if (settings.Inputs.Count(i => i == "-") > 1)
        {
            _error.WriteLine("pcap-reset-inspector: standard input ('-') can be read only once");
            return ExitCodes.UsageError;
        }
        if (_isConsoleInput && settings.Inputs.Contains("-") && StandardStreams.InputIsClosed)
        {
            _error.WriteLine("pcap-reset-inspector: standard input is closed"); // as tcpdump -r - fails at once
            return ExitCodes.OpenError;
        }

        PacketFilterFactory? filter = null;
        if (settings.Filter is not null)
        {
            int code = PacketFilterFactory.TryCreate(settings.Filter, out filter, out string? message);
            if (code != ExitCodes.Success)
            {
                _error.WriteLine("pcap-reset-inspector: " + SafeText.Escape(message));
                return code;
            }
        }

        OutputSettings output = settings.Output;
        var outputs = new OutputFiles(_error);
        var inputs = settings.Inputs.ToList();
        string? spooledInput = null;
        try
        {
            if (!outputs.TryOpen(output.OutputPath, out TextWriter? mainFile, binary: output.Format == OutputFormat.Parquet) ||
                !outputs.TryOpen(output.HtmlPath, out TextWriter? htmlFile) ||
                !outputs.TryOpen(settings.WriteFlaggedPath, out _, binary: true))
                return ExitCodes.WriteError;

            // The flagged packets are copied in a second pass; standard input cannot be read twice, so it is kept in a temporary file.
            if (settings.WriteFlaggedPath is not null && inputs.Contains("-"))
            {
                spooledInput = SpoolStandardInput(cancellation);
                if (spooledInput is null)
                    return ExitCodes.WriteError;
                inputs[inputs.IndexOf("-")] = spooledInput;
            }

            return Analyze(settings, inputs, filter, outputs, mainFile, htmlFile, cancellation);
        }
        finally
        {
            outputs.Dispose();
            if (spooledInput is not null)
                TryDelete(spooledInput);
        }
    }

    private int Analyze(AnalyzeSettings settings, List<string> inputs, PacketFilterFactory? filter, OutputFiles outputs,
        TextWriter? mainFile, TextWriter? htmlFile, CancellationToken cancellation)
    {
        OutputSettings output = settings.Output;
        TextWriter mainOutput = mainFile ?? _output;
        // A binary export (Parquet) has a file but no text writer: the summary still goes to standard output.
        bool mainIsFile = output.OutputPath is not null;
        Stream? binaryOutput = mainIsFile && mainFile is null ? outputs.GuardedBinaryStream(output.OutputPath!) : null;
        bool isExport = output.Format != OutputFormat.Table;
        IAnalysisExtension? extension = settings.Extension;
        IConnectionExporter? exporter = extension is null ? OutputRouting.CreateExporter(output, mainOutput, binaryOutput) : null;

        var rows = ReportRows.For(isExport, output.Listing);
        HtmlReportRows? htmlRows = htmlFile is not null ? new HtmlReportRows() : null;
        var extractor = settings.WriteFlaggedPath is not null ? new FlaggedPacketExtractor(output.IncludeVlan) : null;
        bool findings = false;
        // Every connection into conn.log goes in the order connections leave the connection table, as Zeek
        // writes them; the selected path would delay race losers until their race is settled.
        bool zeekInRemovalOrder = exporter is ZeekConnLogWriter && output.Selection.All && !output.Selection.HasFilter;
        var pipeline = new AnalysisPipeline(new AnalysisPipelineOptions
        {
            Tracker = new ConnectionTrackerOptions { IncludeVlanInKey = output.IncludeVlan, VerifyChecksums = settings.VerifyChecksums, MaxConnections = output.MaxConnections },
            Diagnosis = output.Diagnosis,
            Selection = extension?.Selection ?? output.Selection,
            Exporters = extension is not null ? (htmlRows is null ? [] : [htmlRows]) : Exporters(zeekInRemovalOrder ? null : exporter, rows, htmlRows),
            RemovalOrderExporter = zeekInRemovalOrder ? (ZeekConnLogWriter)exporter! : null,
            Threads = settings.Threads,
        });
        extension?.Attach(pipeline);
        pipeline.Selected += (connection, diagnosis) =>
        {
            extractor?.Remember(connection);
            if (diagnosis is not null && output.Trips(diagnosis.Verdict))
                findings = true;
        };

        var stopwatch = Stopwatch.StartNew();
        int exitCode = ExitCodes.Success;
        bool interrupted = false;
        using (var progress = ProgressLine.StartIf(settings.ShowProgress && !output.Quiet && _terminal.ErrorIsTerminal, _error, inputs))
        {
            foreach (string input in inputs)
            {
                if (cancellation.IsCancellationRequested)
                {
                    interrupted = true;
                    break;
                }
                int code = ReadOne(input, source => pipeline.Run(source, cancellation), filter, settings.Window, progress, out bool completed, cancellation);
                exitCode = MoreSevere(exitCode, code);
                if (!completed)
                {
                    interrupted = true;
                    break;
                }
            }
        }

        pipeline.EndOfInput();
        stopwatch.Stop();
        // Counted now: the flagged-packet extract reads the inputs through the window again.
        (long Outside, long Read)? windowCounts = settings.Window is { } w ? (w.PacketsOutside, w.PacketsRead) : null;

        // Nothing could be read at all: the error said so; an empty report or export would only hide it.
        if (exitCode != ExitCodes.Success && pipeline.Statistics.Packets == 0)
            return exitCode;

        try
        {
            pipeline.CompleteExports();
            var filterCounts = filter is null ? ((string, long, long)?)null : (filter.Expression, filter.PacketsMatched, filter.PacketsMatched + filter.PacketsRejected);
            if (extractor is not null && !cancellation.IsCancellationRequested)
            {
                try
                {
                    exitCode = MoreSevere(exitCode, WriteFlaggedPackets(settings, inputs, filter, extractor, pipeline.Statistics, outputs, cancellation));
                }
                catch (IOException e)
                {
                    outputs.MarkFailed(settings.WriteFlaggedPath!, e); // the report and the other outputs still go out
                    extractor = null; // and the report does not count packets of an extract that is not kept
                }
            }
            var report = new ReportData
            {
                Capture = pipeline.Statistics,
                Tracker = pipeline.Tracker,
                Connections = pipeline.Connections,
                Resets = pipeline.Resets,
                Rows = rows,
                Elapsed = stopwatch.Elapsed,
                Interrupted = interrupted,
                Selection = output.Selection,
                RaceGroups = pipeline.Diagnosis.RaceGroups,
                Findings = pipeline.Diagnosis.Findings,
                ListRows = !isExport,
                Listing = output.Listing,
                FlaggedPackets = extractor?.PacketsWritten,
                Filter = filterCounts,
                Window = windowCounts,
            };
            if (extension is not null)
            {
                extension.Finish(report);
                if (htmlFile is not null && htmlRows is not null)
                    HtmlReport.Write(htmlFile, report, htmlRows, extension.WriteHtmlSection);
                exitCode = MoreSevere(exitCode, extension.Report(report, mainOutput, mainIsFile));
            }
            else
            {
                // The page first: a reader of standard output leaving (`| head`) must not cut it short.
                if (htmlFile is not null && htmlRows is not null)
                    HtmlReport.Write(htmlFile, report, htmlRows);
                OutputRouting.CreateReport(output, mainOutput, mainIsFile, _output, _error, _terminal)?.Write(report);
            }
            mainOutput.Flush();
            if (outputs.ReportFailures())
                exitCode = MoreSevere(exitCode, ExitCodes.WriteError);
            outputs.CommitAll();
        }
        catch (IOException e) when (mainIsFile && StandardStreams.IsBrokenPipe(e))
        {
            // Beside -o only the summary goes to standard output: its reader left (`| head`), the files are whole.
            if (outputs.ReportFailures())
                exitCode = MoreSevere(exitCode, ExitCodes.WriteError);
            outputs.CommitAll();
        }
        catch (Exception e) when ((e is IOException or UnauthorizedAccessException) && !StandardStreams.IsBrokenPipe(e))
        {
            _error.WriteLine(SafeText.Escape($"pcap-reset-inspector: cannot write '{outputs.CurrentName ?? "standard output"}': {OutputFiles.Reason(e)}"));
            return ExitCodes.WriteError;
        }

        if (interrupted)
            _error.WriteLine("pcap-reset-inspector: interrupted; what was read so far has been analysed and written");
        // A host-level finding (flood, reflection, scan) is suspicious even when none of its members was reset.
        if (pipeline.Diagnosis.Findings.Count > 0 && output.Trips(Verdict.Suspicious))
            findings = true;
        if (exitCode == ExitCodes.Success && findings)
            exitCode = ExitCodes.FindingsFound;
        if (exitCode == ExitCodes.Success && output.FailOn is not null && CoverageText.NothingAnalysed(pipeline.Statistics) is { } why)
        {
            _error.WriteLine(SafeText.Escape($"pcap-reset-inspector: nothing analysed: {why}; --fail-on has no verdict to give"));
            exitCode = ExitCodes.NothingAnalysed;
        }
        return exitCode;
    }

    private int WriteFlaggedPackets(AnalyzeSettings settings, List<string> inputs, PacketFilterFactory? filter,
        FlaggedPacketExtractor extractor, CaptureStatistics statistics, OutputFiles outputs, CancellationToken cancellation)
    {
        Stream stream = outputs.BinaryStream(settings.WriteFlaggedPath!);
        bool preferPcapNg = settings.WriteFlaggedPath!.EndsWith(".pcapng", StringComparison.OrdinalIgnoreCase);
        bool timesFit = statistics.Packets == 0 ||
                        (PcapWriter.FitsClassicPcap(statistics.EarliestTimestamp) && PcapWriter.FitsClassicPcap(statistics.LastTimestamp));
        using var capture = new FlaggedCaptureOutput(stream, statistics.LinkTypes, preferPcapNg, timesFit);
        int exitCode = ExitCodes.Success;
        foreach (string input in inputs)
        {
            // Problems were reported in the first pass already; only failing to reopen counts now.
            int code = ReadOne(input, source =>
            {
                extractor.Extract(source, capture, cancellation);
                return true;
            }, filter, settings.Window, progress: null, out _, cancellation, reportProblems: false);
            exitCode = MoreSevere(exitCode, code);
        }
        capture.Flush();
        if (extractor.ConnectionsNotRemembered > 0)
            _error.WriteLine($"pcap-reset-inspector: warning: --write-flagged holds the packets of the first {extractor.MaxRemembered:N0} flagged " +
                             $"connections; {extractor.ConnectionsNotRemembered:N0} more are in the report and the exports but not in the extract");
        return exitCode;
    }

    /// <summary>Opens one input, hands it to <paramref name="read"/>, and reports its problems; returns the exit code it deserves.</summary>
    private int ReadOne(string input, Func<IPacketSource, bool> read, PacketFilterFactory? filter, PacketTimeWindow? window, ProgressLine? progress,
        out bool completed, CancellationToken cancellation, bool reportProblems = true)
    {
        completed = true;
        CaptureFileSource source;
        ReadingStream? file = null;
        try
        {
            if (input == "-")
            {
                file = new ReadingStream(_openStandardInput(), null, cancellation);
                source = CaptureFile.Open(file, "-");
            }
            else
            {
                if (Directory.Exists(input))
                {
                    _error.WriteLine(SafeText.Escape($"pcap-reset-inspector: '{input}' is a directory, not a capture file"));
                    return ExitCodes.OpenError;
                }
                // No File.Exists test first: it says false for a file behind a directory we cannot enter.
                file = ReadingStream.OpenFile(input, cancellation);
                source = CaptureFile.Open(file, input);
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // Stopped while waiting for the first bytes (an idle pipe) or for a FIFO's writer.
            file?.Dispose();
            completed = false;
            return ExitCodes.Success;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            file?.Dispose();
            _error.WriteLine(SafeText.Escape(OutputFiles.InputOpenError(input, e)));
            return ExitCodes.OpenError;
        }

        using (source)
        {
            progress?.Begin(input, file);
            IPacketSource filtered = filter is null ? source : filter.Wrap(source);
            IPacketSource packets = window is null ? filtered : window.Wrap(filtered);
            try
            {
                completed = read(packets);
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                completed = false; // a read waiting on an idle pipe was given up
            }
            finally
            {
                if (!ReferenceEquals(packets, filtered))
                    packets.Dispose();
                if (!ReferenceEquals(filtered, source))
                    filtered.Dispose();
                progress?.End();
            }

            int code = ExitCodes.Success;
            foreach (CaptureProblem problem in source.Problems)
            {
                if (reportProblems)
                    _error.WriteLine("pcap-reset-inspector: " + SafeText.Escape(problem.ToString()));
                if (problem.Severity == ProblemSeverity.Error)
                    code = MoreSevere(code, IsFormatProblem(problem.Kind) ? ExitCodes.InvalidCaptureFile : ExitCodes.ReadError);
            }
            return code;
        }
    }

    private string? SpoolStandardInput(CancellationToken cancellation)
    {
        string? path = null;
        try
        {
            using Stream input = new ReadingStream(_openStandardInput(), null, cancellation);
            // /tmp is shared: a random name created exclusively, readable by this user only.
            using FileStream spool = ExclusiveTempFile.Create(Path.GetTempPath(), "pcap-reset-inspector-stdin-", ".pcap", out string created, ExclusiveTempFile.OwnerOnly);
            path = created; // only a file this run created is ever deleted
            input.CopyTo(spool, 1 << 20);
            return path;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return path; // interrupted: the run stops before reading it, and says so
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _error.WriteLine(SafeText.Escape($"pcap-reset-inspector: cannot keep standard input in '{path ?? Path.GetTempPath()}' for --write-flagged: {e.Message}"));
            if (path is not null)
                TryDelete(path);
            return null;
        }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static bool IsFormatProblem(CaptureProblemKind kind) => kind is
        CaptureProblemKind.NotACaptureFile or CaptureProblemKind.UnsupportedFormat or
        CaptureProblemKind.UnsupportedVersion or CaptureProblemKind.InvalidHeader;

    private static IConnectionExporter[] Exporters(IConnectionExporter? export, ReportRows rows, HtmlReportRows? html) =>
        [.. export is null ? [] : new[] { export }, rows, .. html is null ? [] : new IConnectionExporter[] { html }];

    /// <summary>The first error wins; an error always beats success.</summary>
    private static int MoreSevere(int current, int next) => current != ExitCodes.Success ? current : next;
}
