using System.Globalization;
using PcapResetInspector.Cli.Commands;
using PcapResetInspector.Core.Analysis;
using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Export;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Net;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace PcapResetInspector.Cli.Reporting;

/// <summary>
/// The report for people: totals, resets by cause and verdict, race groups, the hosts with the most
/// resets to act on, what could not be decoded; then the listed connections, most serious first, each
/// with its evidence. Colour only on a terminal and never with NO_COLOR; plain ASCII tables elsewhere,
/// so the report reads the same in a file, a pipe or an e-mail.
/// </summary>
public sealed partial class TerminalReport
{
    private const int TopHosts = 5;
    private readonly IAnsiConsole _console;
    private readonly TimeFormat _timeFormat;
    private readonly TableBorder _border;
    private readonly TextWriter _target;
    private readonly StringWriter? _plain;

    public TerminalReport(TextWriter writer, bool isTerminal, int width, TimeFormat timeFormat, bool colourAllowed = true)
    {
        bool colour = isTerminal && colourAllowed;
        _target = writer;
        // Off a terminal the report is rendered into a buffer first, to drop the padding Spectre puts at line ends.
        _plain = isTerminal ? null : new StringWriter { NewLine = "\n" };
        _console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = colour ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = colour ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(_plain ?? writer),
        });
        // Off a terminal nothing is wrapped: a line per fact reads better in files and greps well.
        _console.Profile.Width = isTerminal ? width : 100_000;
        _console.Profile.Capabilities.Unicode = isTerminal;
        _border = isTerminal ? TableBorder.Rounded : TableBorder.Markdown;
        _timeFormat = timeFormat;
    }

    public void Write(ReportData data)
    {
        WriteTotals(data);
        WriteFindings(data.Findings, data.Listing);
        WriteResets(data);
        WriteHosts(data.Resets);
        if (data.ListRows)
        {
            WriteListed(data);
            WriteKeyLine(data);
        }
        if (_plain is not null)
            CopyTrimmed(_plain.ToString(), _target);
        _target.Flush();
    }

    /// <summary>Line ends without trailing blanks, and never two empty lines in a row.</summary>
    private static void CopyTrimmed(string text, TextWriter target)
    {
        bool previousEmpty = false;
        foreach (string raw in text.TrimEnd('\n').Split('\n'))
        {
            string line = raw.TrimEnd(' ', '\r');
            if (line.Length == 0 && previousEmpty)
                continue;
            previousEmpty = line.Length == 0;
            target.Write(line);
            target.Write('\n');
        }
    }

    private void WriteTotals(ReportData data)
    {
        CaptureStatistics stats = data.Capture;
        var grid = new Grid().AddColumn(new GridColumn().NoWrap().PadRight(2)).AddColumn();
        string elapsed = data.Elapsed.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture);
        Row(grid, "Packets", $"{N(stats.Packets)} ({N(stats.CapturedBytes)} bytes captured) from {(data.Source is { } source ? Esc(SafeText.Escape(source)) : null) ?? (stats.FilesRead == 1 ? "1 file" : $"{stats.FilesRead} files")} in {elapsed} s" +
                             (data.Interrupted ? " [yellow](interrupted)[/]" : ""), markup: true);
        if (data.Window is { } window)
            Row(grid, "Window", $"--start/--end left out {N(window.Outside)} of {N(window.Read)} packets read");
        if (data.Filter is { } filter)
            Row(grid, "Filter", $"\"{SafeText.Escape(filter.Expression)}\" kept {N(filter.Matched)} of {N(filter.Read)} packets");
        if (stats.Packets > 0)
        {
            double span = (stats.LastTimestamp - stats.FirstTimestamp) / 1e9;
            Row(grid, "Time span", $"{Time(stats.FirstTimestamp)} to {Time(stats.LastTimestamp)} ({span.ToString("0.###", CultureInfo.InvariantCulture)} s)");
        }
        Row(grid, "Analysed", CoverageText.Analysed(stats));
        Row(grid, "TCP segments", $"{N(stats.TcpSegments)} (SYN {N(stats.SynSegments)}, FIN {N(stats.FinSegments)}, RST {N(stats.RstSegments)}; " +
                                  $"IPv6 {N(stats.Ipv6Segments)}, VLAN-tagged {N(stats.VlanSegments)}, payload cut by snaplen {N(stats.SnaplenTruncatedSegments)})");
        if (CoverageText.NotAnalysed(stats) is { } notAnalysed)
            Row(grid, "Not analysed", notAnalysed);
        ConnectionTracker tracker = data.Tracker;
        if (tracker.TimestampsBackwards > 0 || tracker.TimestampOutliers > 0)
            Row(grid, "Timestamps", $"{N(tracker.TimestampsBackwards)} packet(s) more than 1 s older than earlier ones, " +
                                    $"{N(tracker.TimestampOutliers)} isolated leap(s) ahead ignored; timeouts follow the newest time");
        if (tracker.BadChecksumPackets > 0)
            Row(grid, "Bad checksums", $"{N(tracker.BadChecksumPackets)} packet(s) dropped (--verify-checksums)");
        ConnectionCounter connections = data.Connections;
        Row(grid, "Connections", $"{N(connections.Total)}, of which {N(connections.SawRst)} saw a RST (peak {N(tracker.PeakConnections)} open at once)");
        if (connections.ByConnState.Count > 0)
        {
            var states = connections.ByConnState.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => $"{p.Key} {N(p.Value)}");
            Row(grid, "conn_state", string.Join(", ", states));
        }
        if (stats.EvictedConnections > 0)
            Row(grid, "Evicted", $"{N(stats.EvictedConnections)} connection(s) pushed out by the connection-table cap ({N(stats.EvictedHalfOpen)} half-open, " +
                                 $"{N(stats.EvictedFinished)} finished, {N(stats.EvictedActive)} active); they are still listed, marked as evicted");
        if (data.FlaggedPackets is { } written)
            Row(grid, "Flagged packets", $"{N(written)} written (--write-flagged)");
        _console.Write(grid);
    }

    private void WriteResets(ReportData data)
    {
        ResetStatistics resets = data.Resets;
        Blank();
        if (resets.Total == 0)
        {
            if (CoverageText.NothingAnalysed(data.Capture) is { } why)
            {
                // Never "no resets" about packets that were not looked at.
                MarkupLine($"[yellow]Nothing analysed:[/] {Esc(why)}; nothing can be said about resets.");
                return;
            }
            long total = data.Connections.Total;
            string scope = $"no connection was reset ({N(total)} connection{(total == 1 ? "" : "s")}, {N(data.Capture.TcpSegments)} TCP segments analysed)";
            MarkupLine(data.Findings.Count == 0
                ? $"[green]No resets:[/] {scope}."
                : $"No resets: {scope} (the host-level findings above need no RST to be seen).");
            return;
        }

        string verdicts = string.Join(", ", resets.ByVerdict.Select(p => $"{VerdictMarkup(p.Key, p.Key.ToKebabCase())} {N(p.Value)}"));
        int withoutRst = resets.Total - resets.Resets;
        string noRst = withoutRst > 0
            ? $"; {N(withoutRst)} of them saw no RST (race probes closed with FIN or never answered)"
            : "";
        MarkupLine($"[bold]Flagged {N(resets.Total)}[/] ({verdicts}); {N(data.RaceGroups)} race group(s){noRst}");
        if (resets.KernelReasons > 0)
        {
            Line($"Kernel: {N(resets.KernelReasons)} reset(s) this host sent carry the kernel's reason (tcp_send_reset); " +
                 $"{N(resets.KernelDisagreements)} disagreed with the wire's cause, and the kernel's was taken");
        }
        if (resets.KernelReceived > 0)
            Line($"Kernel: {N(resets.KernelReceived)} reset(s) a socket of this host took carry its state then (tcp_receive_reset)");
        WriteSambaLine(resets, logHintsListed: !data.ListRows || !data.Rows.ShownInGroups(data.Listing));
        var table = new Table().Border(_border).AddColumn("cause").AddColumn(new TableColumn("benign").RightAligned())
            .AddColumn(new TableColumn("actionable").RightAligned()).AddColumn(new TableColumn("suspicious").RightAligned())
            .AddColumn(new TableColumn("total").RightAligned());
        foreach (var (cause, total) in resets.ByCause.OrderByDescending(p => Severity(p.Key.UsualVerdict())).ThenByDescending(p => p.Value))
        {
            table.AddRow(
                new Text(cause.ToKebabCase()),
                Cell(resets.Count(cause, Verdict.Benign)),
                Cell(resets.Count(cause, Verdict.Actionable)),
                Cell(resets.Count(cause, Verdict.Suspicious)),
                new Text(N(total)));
        }
        _console.Write(table);
    }

    /// <summary>One line for the person who came with a Samba log: would anything here make smbd log the reset?</summary>
    /// <param name="logHintsListed">False when the report shows groups, which leave the log hints out.</param>
    private void WriteSambaLine(ResetStatistics resets, bool logHintsListed)
    {
        if (resets.SmbFlagged == 0)
            return;
        if (resets.SmbdSawReset == 0)
        {
            Line($"Samba: nothing here would make smbd log \"Connection reset by peer\": none of the {N(resets.SmbFlagged)} flagged SMB " +
                 "connection(s) was reset by its client after smbd had accepted it (they were refused, reset during the handshake, never answered or closed with FIN)");
            return;
        }
        Line($"Samba: {N(resets.SmbdSawReset)} connection(s) were reset by the client after smbd accepted them; for each smbd logs \"Connection reset by peer\" " +
             $"(NT_STATUS_CONNECTION_RESET), {N(resets.SmbdSawBenignReset)} of them benign " +
             (logHintsListed ? "(see the log hints)" : "(--list all shows each one's log hint)"));
    }

    private void WriteHosts(ResetStatistics resets)
    {
        WriteHostTable("Servers with the most resets to act on", resets.Servers);
        WriteHostTable("Clients with the most resets to act on", resets.Clients);
    }

    private void WriteHostTable(string title, IReadOnlyList<HostResetStatistics> hosts)
    {
        var top = hosts.Where(h => h.Count(Verdict.Actionable) + h.Count(Verdict.Suspicious) > 0)
            .OrderByDescending(h => h.Count(Verdict.Actionable) + h.Count(Verdict.Suspicious))
            .ThenByDescending(h => h.PeakResetsPerSecond).ThenBy(h => h.Address)
            .Take(TopHosts).ToList();
        if (top.Count == 0)
            return;
        MarkupLine($"[bold]{title}[/]");
        var table = new Table().Border(_border).AddColumn("host")
            .AddColumn(new TableColumn("actionable").RightAligned()).AddColumn(new TableColumn("suspicious").RightAligned())
            .AddColumn(new TableColumn("benign").RightAligned()).AddColumn(new TableColumn("sent").RightAligned())
            .AddColumn(new TableColumn("received").RightAligned()).AddColumn(new TableColumn("peak/s").RightAligned())
            .AddColumn("main cause");
        foreach (HostResetStatistics host in top)
        {
            var mainCause = host.ByCause.OrderByDescending(p => p.Value).First();
            table.AddRow(
                new Text(IpAddress128.Format(host.Address)),
                Cell(host.Count(Verdict.Actionable)),
                Cell(host.Count(Verdict.Suspicious)),
                Cell(host.Count(Verdict.Benign)),
                Cell(host.ResetsSent),
                Cell(host.ResetsReceived),
                Cell(host.PeakResetsPerSecond),
                new Text($"{mainCause.Key.ToKebabCase()} ({N(mainCause.Value)})"));
        }
        _console.Write(table);
    }

    /// <summary>The listed connections: in groups by default, one by one with --list all.</summary>
    private void WriteListed(ReportData data)
    {
        ReportRows rows = data.Rows;
        long members = rows.FindingMembers;
        if (members > 0)
        {
            Blank();
            MarkupLine($"{N(members)} flagged connection(s) belong to the host-level findings above and are counted there, not listed below; " +
                       "export them with [bold]-o FILE.csv[/] (the finding column names each one's finding)");
        }
        if (rows.Total == 0)
        {
            if (data.Selection.HasFilter && data.Resets.Total > 0 && members == 0)
                MarkupLine("No flagged connection matches the --verdict/--cause filter.");
            return;
        }
        if (rows.ShownInGroups(data.Listing))
            WriteGroups(rows.Groups!, data.Listing, data.Selection.All);
        else
            WriteEveryRow(rows);
    }

    /// <summary>
    /// The summary's key line again, last: after a long listing it is what is left on the screen. Without
    /// flagged connections the report is short and ends near its summary already.
    /// </summary>
    private void WriteKeyLine(ReportData data)
    {
        ResetStatistics resets = data.Resets;
        if (resets.Total == 0)
            return;
        string verdicts = string.Join(", ", new[] { Verdict.Suspicious, Verdict.Actionable, Verdict.Benign }.Select(v =>
            resets.Count(v) > 0 ? VerdictMarkup(v, $"{N(resets.Count(v))} {v.ToKebabCase()}") : $"0 {v.ToKebabCase()}"));
        string findings = data.Findings.Count > 0 ? "; " + Count(data.Findings.Count, "host-level finding", "host-level findings") : "";
        string seconds = data.Elapsed.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture);
        Blank();
        MarkupLine($"[bold]Flagged {N(resets.Total)}[/]: {verdicts}{findings}; {Count(data.Capture.Packets, "packet", "packets")} in {seconds} s" +
                   (data.Interrupted ? " [yellow](interrupted)[/]" : ""));
    }

    // Off a terminal there is no colour and no wrapping, and lines go straight into the buffer: Spectre takes
    // a fifth of a millisecond or more to render a line, seconds for a listing of thousands.

    private void Blank()
    {
        if (_plain is not null)
            _plain.Write('\n');
        else
            _console.WriteLine();
    }

    private void Line(string text)
    {
        if (_plain is not null)
        {
            _plain.Write(text);
            _plain.Write('\n');
        }
        else
            _console.WriteLine(text);
    }

    private void MarkupLine(string markup)
    {
        if (_plain is not null)
            Line(Markup.Remove(markup));
        else
            _console.MarkupLine(markup);
    }

    /// <summary>A paragraph indented under its connection; on a terminal it wraps inside the indentation.</summary>
    private void Indented(string text, int indent = 6)
    {
        if (_plain is not null)
        {
            _plain.GetStringBuilder().Append(' ', indent);
            Line(text);
        }
        else
            _console.Write(new Padder(new Text(text), new Padding(indent, 0, 0, 0)));
    }

    private static void Row(Grid grid, string label, string value, bool markup = false) =>
        grid.AddRow(new Text(label + ":"), markup ? new Markup(value) : new Text(value));

    private static IRenderable Cell(long value) => new Text(value == 0 ? "." : N(value));

    private static string VerdictMarkup(Verdict verdict, string text) => verdict switch
    {
        Verdict.Suspicious => $"[bold red]{Esc(text)}[/]",
        Verdict.Actionable => $"[bold yellow]{Esc(text)}[/]",
        _ => $"[green]{Esc(text)}[/]",
    };

    private static int Severity(Verdict verdict) => ConnectionGroups.Severity(verdict);

    private string Time(long nanos) => _timeFormat == TimeFormat.Iso && Zone is { } zone
        ? ConnectionText.FormatIso(nanos, zone)
        : ConnectionText.FormatTime(nanos, _timeFormat);

    /// <summary>The zone of the ISO times printed (--time-zone); null for UTC.</summary>
    public TimeZoneInfo? Zone { get; init; }

    private static string Esc(string text) => Markup.Escape(text);

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>"1 group", "995 groups".</summary>
    private static string Count(long value, string singular, string plural) => N(value) + " " + (value == 1 ? singular : plural);
}
