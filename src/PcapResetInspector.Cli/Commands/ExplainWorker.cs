using PcapResetInspector.Cli.Options;
using System.Text;
using PcapResetInspector.Cli.Reporting;
using PcapResetInspector.Cli.Reporting.Html;
using PcapResetInspector.Core.Analysis;
using PcapResetInspector.Core.Explain;
using PcapResetInspector.Core.Export;
using PcapResetInspector.Core.Logs;

namespace PcapResetInspector.Cli.Commands;

/// <summary>
/// The `explain` command's work: read the logs, run the analysis of `analyze` on the captures while
/// keeping the connections the lines can be about, then match every reset line and report.
/// </summary>
public sealed class ExplainWorker
{
    private readonly TextWriter _output;
    private readonly TextWriter _error;
    private readonly Func<Stream>? _openStandardInput;
    private readonly TerminalInfo _terminal;

    public ExplainWorker(TextWriter output, TextWriter error, Func<Stream>? openStandardInput = null, TerminalInfo? terminal = null)
    {
        _output = output;
        _error = error;
        _openStandardInput = openStandardInput;
        _terminal = terminal ?? TerminalInfo.None;
    }

    public int Run(ExplainSettings settings, CancellationToken cancellation)
    {
        if (settings.Logs.Count == 0)
        {
            _error.WriteLine("pcap-reset-inspector: explain needs a log (--log FILE)");
            return ExitCodes.UsageError;
        }
        var logs = new List<(string Path, LogReadResult Result)>();
        int code = ExitCodes.Success;
        foreach (string path in settings.Logs)
        {
            if (Directory.Exists(path))
            {
                _error.WriteLine(SafeText.Escape($"pcap-reset-inspector: log '{path}' is a directory, not a log file"));
                code = MoreSevere(code, ExitCodes.OpenError);
                continue;
            }
            if (!File.Exists(path))
            {
                _error.WriteLine(SafeText.Escape($"pcap-reset-inspector: log '{path}': no such file"));
                code = MoreSevere(code, ExitCodes.OpenError);
                continue;
            }
            LogReadResult result = ResetLogReader.Read(path);
            if (result.Problem is { } problem)
            {
                // The capture is still analysed and the other logs still explained: only this log is set aside.
                _error.WriteLine(SafeText.Escape($"pcap-reset-inspector: log '{path}' cannot be used: {problem}"));
                code = MoreSevere(code, ExitCodes.LogUnusable);
            }
            logs.Add((path, result));
        }

        var extension = new ExplainExtension(settings, logs, _output, _error, _terminal);
        var analyze = new AnalyzeSettings
        {
            Inputs = settings.Inputs,
            Output = new OutputSettings { Format = OutputFormat.Table, OutputPath = settings.OutputPath, HtmlPath = settings.HtmlPath },
            Filter = settings.Filter,
            ShowProgress = settings.ShowProgress,
            Extension = extension,
        };
        int analysed = new AnalyzeWorker(_output, _error, _openStandardInput, _terminal).Run(analyze, cancellation);
        return MoreSevere(analysed, code);
    }

    private static int MoreSevere(int current, int next) => current != ExitCodes.Success ? current : next;

    /// <summary>What explain adds to the analysis: the rows it keeps, and its report in place of analyze's.</summary>
    private sealed class ExplainExtension(ExplainSettings settings, IReadOnlyList<(string Path, LogReadResult Result)> logs,
        TextWriter output, TextWriter error, TerminalInfo terminal) : IAnalysisExtension
    {
        private readonly IReadOnlyList<LogResetLine> _lines = logs.SelectMany(l => l.Result.Resets).ToList();
        private CandidateCollector? _collector;

        public ConnectionSelection Selection => CandidateCollector.SelectionFor(_lines);

        public void Attach(AnalysisPipeline pipeline) => _collector = new CandidateCollector(pipeline, _lines);

        private ExplainReportData? _report;

        public void Finish(ReportData analysis)
        {
            var index = new CandidateIndex(_collector!.Candidates);
            long start = analysis.Capture.Packets == 0 ? 0 : analysis.Capture.EarliestTimestamp;
            var matcher = new LogMatcher(index, start, analysis.Capture.LastTimestamp, _collector.NetBiosNames.Addresses,
                new LogMatcherOptions { UtcOffset = settings.UtcOffset, Skew = settings.Skew });
            IReadOnlyList<LogLineMatch> matches = matcher.Match(_lines);
            _report = new ExplainReportData
            {
                Analysis = analysis,
                Logs = logs,
                Matches = matches,
                Offsets = matcher.Offsets,
                NetBiosNames = _collector.NetBiosNames.Addresses.Count,
                ListAll = settings.ListAll,
            };
        }

        public void WriteHtmlSection(StringBuilder html) => HtmlExplainSection.Write(html, _report!);

        public int Report(ReportData analysis, TextWriter mainOutput, bool mainIsFile)
        {
            ExplainReportData report = _report!;
            IReadOnlyList<LogLineMatch> matches = report.Matches;
            if (settings.Format == ExplainFormat.Table)
            {
                new ExplainReport(mainOutput, terminal.Width).Write(report);
                return ExitCodes.Success;
            }
            using (ExplainRowWriter rows = settings.Format == ExplainFormat.Json ? ExplainRowWriter.Json(mainOutput) : ExplainRowWriter.Csv(mainOutput))
            {
                foreach (LogLineMatch match in matches)
                    rows.Write(match);
                rows.Flush();
            }
            // Rows on standard output leave the summary to standard error; beside -o FILE it goes to standard output.
            new ExplainReport(mainIsFile ? output : error, terminal.Width).WriteSummary(report);
            return ExitCodes.Success;
        }
    }
}
