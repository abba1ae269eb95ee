using System.CommandLine;
using PcapResetInspector.Cli.Options;

namespace PcapResetInspector.Cli.Commands;

/// <summary>Options of `analyze` and how they map to <see cref="AnalyzeSettings"/>.</summary>
public static class AnalyzeCommand
{
    private const string Examples = """

        Examples:
          pcap-reset-inspector analyze server.pcap                      report for people, resets in groups
          pcap-reset-inspector analyze server.pcap --list all           every flagged connection with its evidence
          pcap-reset-inspector -r server.pcapng.gz --verdict actionable only the resets to act on
          pcap-reset-inspector analyze rot-*.pcap -o flagged.csv         CSV of flagged connections
          pcap-reset-inspector analyze x.pcap --all --format zeek -o conn.log   Zeek conn.log of everything
          pcap-reset-inspector analyze x.pcap --all -o conns.parquet     typed columns for DuckDB or Spark
          pcap-reset-inspector analyze x.pcap -f 'host 10.0.0.5' --write-flagged resets.pcap
          tcpdump -i eth0 -w - 'tcp' | pcap-reset-inspector analyze - --fail-on actionable
        """;

    public static Command Create(TextWriter output, TextWriter error, Reporting.TerminalInfo? terminal = null)
    {
        var files = CaptureFilesArgument("Capture files (pcap, pcapng, optionally gzip-compressed), read in order as one timeline; '-' reads standard input.");
        var read = new Option<string[]>("--read", "-r")
        {
            Description = "A capture file to read, as tcpdump and tshark take it (may be repeated).",
            AllowMultipleArgumentsPerToken = false,
        };
        var filter = new Option<string?>("--filter", "-f")
        {
            Description = "Analyse only packets matching this BPF (tcpdump) filter, compiled by libpcap; e.g. 'host 10.0.0.5 and port 445'.",
        };
        var writeFlagged = new Option<string?>("--write-flagged")
        {
            Description = "Also write every packet of the listed connections to this capture (pcap; pcapng if the name ends in .pcapng or link types differ), for Wireshark.",
        };
        var verifyChecksums = new Option<bool>("--verify-checksums")
        {
            Description = "Drop packets with a bad TCP checksum as Zeek does without -C (off by default: captures taken on the server carry offloaded checksums).",
        };
        var progress = new Option<bool>("--no-progress")
        {
            Description = "No progress bar (it is shown on standard error only when that is a terminal and reading takes over a second).",
        };
        var start = new Option<string?>("--start")
        {
            Description = "Analyse only packets from this time on: 2024-03-11T09:00:00+01:00, a time without a zone (read in --time-zone), epoch seconds, or +90s from the first packet.",
        };
        var end = new Option<string?>("--end")
        {
            Description = "Analyse only packets up to this time (the same forms as --start; +10m is ten minutes after the first packet).",
        };
        var threads = new Option<int?>("--threads")
        {
            Description = "Threads for the analysis: 1 does everything on one; 2 reads and decodes on a second; 3 (the default with two or more processors) also diagnoses and writes on a third. The results are the same.",
        };
        threads.Validators.Add(WholeNumber.Between(1, 3, "--threads takes 1, 2 or 3"));
        var shared = new OutputOptions();

        var command = new Command("analyze", "Analyse capture files: rebuild every TCP connection, diagnose each reset (who, when, why, verdict) and report or export the flagged ones." + Examples)
        {
            files, read, filter, writeFlagged, verifyChecksums, progress, start, end, threads,
        };
        foreach (Option option in shared.Each)
            command.Options.Add(option);

        command.SetAction(parse =>
        {
            var inputs = new List<string>();
            inputs.AddRange(parse.GetValue(read) ?? []);
            inputs.AddRange(parse.GetValue(files) ?? []);
            OutputSettings outputSettings = shared.Read(parse);
            if (!TryReadWindow(parse.GetValue(start), parse.GetValue(end), outputSettings.TimeZone, error, out Core.Capture.PacketTimeWindow? window))
                return ExitCodes.UsageError;
            var settings = new AnalyzeSettings
            {
                Inputs = inputs,
                Output = outputSettings,
                Window = window,
                Filter = parse.GetValue(filter),
                WriteFlaggedPath = parse.GetValue(writeFlagged),
                VerifyChecksums = parse.GetValue(verifyChecksums),
                ShowProgress = !parse.GetValue(progress),
                Threads = parse.GetValue(threads),
            };
            using var interrupt = new InterruptSignal();
            return new AnalyzeWorker(output, error, terminal: terminal).Run(settings, interrupt.Token);
        });
        return command;
    }

    /// <summary>The capture files of analyze and explain; an unknown option would otherwise be taken for a file name.</summary>
    internal static Argument<string[]> CaptureFilesArgument(string description)
    {
        var files = new Argument<string[]>("FILE") { Description = description, Arity = ArgumentArity.ZeroOrMore };
        files.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (token.Value.Length > 1 && token.Value[0] == '-')
                    result.AddError($"Unrecognized command or argument '{token.Value}'.");
            }
        });
        return files;
    }

    private static bool TryReadWindow(string? start, string? end, TimeZoneInfo? zone, TextWriter error, out Core.Capture.PacketTimeWindow? window)
    {
        window = null;
        if (start is null && end is null)
            return true;
        long? from = null, to = null;
        bool fromRelative = false, toRelative = false;
        foreach ((string? text, string name) in new[] { (start, "--start"), (end, "--end") })
        {
            if (text is null)
                continue;
            if (!TimeOptions.TryParseBound(text, zone, out long nanos, out bool relative))
            {
                error.WriteLine($"pcap-reset-inspector: {name} '{Reporting.SafeText.Escape(text)}' is not a time (2024-03-11T09:00:00+01:00, epoch seconds, or +90s from the first packet)");
                return false;
            }
            if (name == "--start")
                (from, fromRelative) = (nanos, relative);
            else
                (to, toRelative) = (nanos, relative);
        }
        if (from is { } f && to is { } t && fromRelative == toRelative && t < f)
        {
            error.WriteLine("pcap-reset-inspector: --end is before --start");
            return false;
        }
        window = new Core.Capture.PacketTimeWindow { Start = from, StartIsRelative = fromRelative, End = to, EndIsRelative = toRelative };
        return true;
    }
}

/// <summary>What `analyze` was asked to do, independent of how it was parsed.</summary>
public sealed class AnalyzeSettings
{
    public required IReadOnlyList<string> Inputs { get; init; }
    public OutputSettings Output { get; init; } = new();
    public string? Filter { get; init; }
    public string? WriteFlaggedPath { get; init; }
    public bool VerifyChecksums { get; init; }
    public bool ShowProgress { get; init; } = true;
    /// <summary>--threads: null lets the analysis choose.</summary>
    public int? Threads { get; init; }
    /// <summary>--start/--end: only packets inside this window are analysed.</summary>
    public Core.Capture.PacketTimeWindow? Window { get; init; }
    /// <summary>A command built on `analyze` (explain): it picks the rows, watches the pipeline and writes the report instead.</summary>
    internal IAnalysisExtension? Extension { get; init; }
}

/// <summary>What a command built on `analyze` adds to its run.</summary>
internal interface IAnalysisExtension
{
    /// <summary>Which connections reach <see cref="Attach"/>'s listeners.</summary>
    Core.Export.ConnectionSelection Selection { get; }

    /// <summary>Called once the pipeline is built, before anything is read.</summary>
    void Attach(Core.Analysis.AnalysisPipeline pipeline);

    /// <summary>Called once everything is read, before any output is written.</summary>
    void Finish(Reporting.ReportData analysis);

    /// <summary>The command's own section of the HTML page (--html).</summary>
    void WriteHtmlSection(System.Text.StringBuilder html);

    /// <summary>Writes the command's report and outputs in place of analyze's; returns the exit code it adds.</summary>
    int Report(Reporting.ReportData analysis, TextWriter mainOutput, bool mainIsFile);
}

/// <summary>Ctrl+C (and SIGTERM) as a cancellation token: the first one stops reading, what was analysed is still written.</summary>
public sealed class InterruptSignal : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly System.Runtime.InteropServices.PosixSignalRegistration? _sigterm;

    public InterruptSignal()
    {
        Console.CancelKeyPress += OnCancelKeyPress;
        _sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                _source.Cancel();
            });
    }

    public CancellationToken Token => _source.Token;

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        if (_source.IsCancellationRequested)
            return; // a second Ctrl+C ends the process at once
        e.Cancel = true;
        _source.Cancel();
    }

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancelKeyPress;
        _sigterm?.Dispose();
        _source.Dispose();
    }
}
