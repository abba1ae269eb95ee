using System.CommandLine;

namespace PcapResetInspector.Cli.Commands;

/// <summary>Options of `analyze` and how they map to <see cref="AnalyzeSettings"/>.</summary>
public static class AnalyzeCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var files = new Argument<string[]>("FILE")
        {
            Description = "Capture files (pcap, pcapng, optionally gzip-compressed), read in order as one timeline; '-' reads standard input.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        files.Validators.Add(result =>
        {
            // An unknown option would otherwise be taken for a file name.
            foreach (var token in result.Tokens)
            {
                if (token.Value.Length > 1 && token.Value[0] == '-')
                    result.AddError($"Unrecognized command or argument '{token.Value}'.");
            }
        });
        var read = new Option<string[]>("--read", "-r")
        {
            Description = "A capture file to read, as tcpdump and tshark take it (may be repeated).",
            AllowMultipleArgumentsPerToken = false,
        };
        var format = new Option<string>("--format")
        {
            Description = "Output: 'table' (a summary for people) or 'zeek' (Zeek conn.log TSV).",
            DefaultValueFactory = _ => "table",
        };
        format.AcceptOnlyFromAmong("table", "zeek");
        var outputFile = new Option<string?>("--output", "-o")
        {
            Description = "Write the output to FILE instead of standard output (written whole or not at all).",
        };
        var all = new Option<bool>("--all")
        {
            Description = "List every connection, not only those that saw a RST.",
        };
        var includeVlan = new Option<bool>("--include-vlan")
        {
            Description = "Make VLAN ids part of the connection key (Zeek's vlan_fivetuple); by default the same 5-tuple on several VLANs is one connection.",
        };
        var verifyChecksums = new Option<bool>("--verify-checksums")
        {
            Description = "Drop packets with a bad TCP checksum as Zeek does without -C (off by default: captures taken on the server carry offloaded checksums).",
        };

        var command = new Command("analyze", "Analyse capture files: rebuild every TCP connection and report those that ended in a reset.")
        {
            files, read, format, outputFile, all, includeVlan, verifyChecksums,
        };
        command.SetAction(parse =>
        {
            var inputs = new List<string>();
            inputs.AddRange(parse.GetValue(read) ?? []);
            inputs.AddRange(parse.GetValue(files) ?? []);
            var settings = new AnalyzeSettings
            {
                Inputs = inputs,
                Format = parse.GetValue(format) ?? "table",
                OutputPath = parse.GetValue(outputFile),
                All = parse.GetValue(all),
                IncludeVlan = parse.GetValue(includeVlan),
                VerifyChecksums = parse.GetValue(verifyChecksums),
            };
            using var interrupt = new InterruptSignal();
            return new AnalyzeWorker(output, error).Run(settings, interrupt.Token);
        });
        return command;
    }
}

/// <summary>What `analyze` was asked to do, independent of how it was parsed.</summary>
public sealed class AnalyzeSettings
{
    public required IReadOnlyList<string> Inputs { get; init; }
    public string Format { get; init; } = "table";
    public string? OutputPath { get; init; }
    public bool All { get; init; }
    public bool IncludeVlan { get; init; }
    public bool VerifyChecksums { get; init; }
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
