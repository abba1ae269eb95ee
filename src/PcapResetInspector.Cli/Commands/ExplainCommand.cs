using System.CommandLine;
using System.Globalization;
using PcapResetInspector.Cli.Options;

namespace PcapResetInspector.Cli.Commands;

/// <summary>Options of `explain` and how they map to <see cref="ExplainSettings"/>.</summary>
public static class ExplainCommand
{
    private const string Examples = """

        Examples:
          pcap-reset-inspector explain --log /var/log/samba/log.smbd server.pcap
          pcap-reset-inspector explain --log log.10.0.0.7 --log log.10.0.0.8 rot-*.pcap
          pcap-reset-inspector explain --log error.log --log-utc-offset +01:00 web.pcap --format json -o lines.json
        """;

    public static Command Create(TextWriter output, TextWriter error, Reporting.TerminalInfo? terminal = null)
    {
        var files = AnalyzeCommand.CaptureFilesArgument("Capture files as `analyze` takes them, read in order as one timeline; '-' reads standard input.");
        var read = new Option<string[]>("--read", "-r") { Description = "A capture file to read (may be repeated)." };
        var logs = new Option<string[]>("--log", "-l")
        {
            Description = "A log with \"Connection reset by peer\" lines: Samba (log.smbd, log.%I, log.%m), nginx, Apache httpd, sshd, PostgreSQL, Java, syslog or journal text (may be repeated).",
            Required = true,
        };
        var offset = new Option<string?>("--log-utc-offset")
        {
            Description = "The logs' local time offset from UTC, e.g. +01:00 or -05:30 (default: inferred from the lines that name a client).",
        };
        var skew = new Option<string?>("--log-skew")
        {
            Description = "How far the logging host's clock may be from the capture's, e.g. 2s or 500ms (default 2s).",
        };
        var format = new Option<string?>("--format") { Description = "table (default), json (JSON lines) or csv: one row per reset log line." };
        var path = new Option<string?>("--output", "-o") { Description = "Write the rows to FILE (the summary still goes to the terminal)." };
        var filter = new Option<string?>("--filter", "-f") { Description = "Analyse only packets matching this BPF (tcpdump) filter." };
        var progress = new Option<bool>("--no-progress") { Description = "No progress bar." };
        var html = new Option<string?>("--html") { Description = "Also write the report as one self-contained HTML page: the log lines with their connections, then the analysis." };
        var list = new Option<string?>("--list") { Description = "all: every reset line in full (by default benign lines are shown a few per cause)." };
        list.AcceptOnlyFromAmong("all");

        var command = new Command("explain", "Find the connection each \"Connection reset by peer\" log line is about, and say who reset it, why, and whether the line needs action." + Examples)
        {
            files, read, logs, offset, skew, format, path, filter, progress, list, html,
        };
        command.SetAction(parse =>
        {
            string? offsetText = parse.GetValue(offset);
            TimeSpan? utcOffset = null;
            if (offsetText is not null)
            {
                if (!TimeOptions.TryParseOffset(offsetText, out TimeSpan parsed))
                {
                    error.WriteLine($"pcap-reset-inspector: --log-utc-offset '{Reporting.SafeText.Escape(offsetText)}' is not an offset like +01:00, -05:30 or Z");
                    return ExitCodes.UsageError;
                }
                utcOffset = parsed;
            }
            TimeSpan skewValue = TimeSpan.FromSeconds(2);
            if (parse.GetValue(skew) is { } skewText && (!DurationText.TryParse(skewText, out skewValue) || skewValue < TimeSpan.Zero))
            {
                error.WriteLine($"pcap-reset-inspector: --log-skew '{Reporting.SafeText.Escape(skewText)}' is not a duration like 2s or 500ms");
                return ExitCodes.UsageError;
            }
            ExplainFormat? rowFormat = parse.GetValue(format) switch
            {
                null or "table" => ExplainFormat.Table,
                "json" => ExplainFormat.Json,
                "csv" => ExplainFormat.Csv,
                _ => null,
            };
            if (rowFormat is null)
            {
                error.WriteLine($"pcap-reset-inspector: --format '{Reporting.SafeText.Escape(parse.GetValue(format)!)}' is not one of table, json, csv");
                return ExitCodes.UsageError;
            }
            var inputs = new List<string>();
            inputs.AddRange(parse.GetValue(read) ?? []);
            inputs.AddRange(parse.GetValue(files) ?? []);
            var settings = new ExplainSettings
            {
                Inputs = inputs,
                Logs = parse.GetValue(logs) ?? [],
                UtcOffset = utcOffset,
                Skew = skewValue,
                Format = rowFormat.Value,
                OutputPath = parse.GetValue(path),
                Filter = parse.GetValue(filter),
                ShowProgress = !parse.GetValue(progress),
                ListAll = parse.GetValue(list) == "all",
                HtmlPath = parse.GetValue(html),
            };
            using var interrupt = new InterruptSignal();
            return new ExplainWorker(output, error, terminal: terminal).Run(settings, interrupt.Token);
        });
        return command;
    }
}

public enum ExplainFormat { Table, Json, Csv }

/// <summary>What `explain` was asked to do.</summary>
public sealed class ExplainSettings
{
    public required IReadOnlyList<string> Inputs { get; init; }
    public required IReadOnlyList<string> Logs { get; init; }
    public TimeSpan? UtcOffset { get; init; }
    public TimeSpan Skew { get; init; } = TimeSpan.FromSeconds(2);
    public ExplainFormat Format { get; init; }
    public string? OutputPath { get; init; }
    public string? Filter { get; init; }
    public bool ShowProgress { get; init; } = true;
    public bool ListAll { get; init; }
    public string? HtmlPath { get; init; }
}
