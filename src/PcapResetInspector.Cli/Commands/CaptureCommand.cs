using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using PcapResetInspector.Cli.Options;

namespace PcapResetInspector.Cli.Commands;

/// <summary>Options of `capture` (live capture on an interface) and how they map to <see cref="CaptureSettings"/>.</summary>
public static class CaptureCommand
{
    private const string Examples = """

        A snapshot length of 128 bytes (the default) holds every header the diagnosis reads (Ethernet,
        VLAN tags, IPv6 extension headers, TCP options) and the first bytes of payload it looks at, and
        keeps the kernel's buffer from overflowing on a busy server. Capturing needs root, or:
          setcap cap_net_raw,cap_net_admin=eip <the pcap-reset-inspector binary>

        Examples:
          pcap-reset-inspector capture -i eth0                              report when stopped (Ctrl+C)
          pcap-reset-inspector capture -i eth0 port 445 or port 139 --duration 1h --csv flagged.csv
          pcap-reset-inspector capture -i any -c 100000 -w raw.pcap          keep the packets for later analyze runs
          pcap-reset-inspector capture -i eth0 --format json -o flagged.json --report-every 5m
        """;

    public static Command Create(TextWriter output, TextWriter error, Reporting.TerminalInfo? terminal = null)
    {
        var iface = new Option<string>("--interface", "-i")
        {
            Description = "Interface to capture on ('any' for all of them on Linux; see `interfaces`).",
            Required = true,
        };
        var expression = new Argument<string[]>("EXPRESSION")
        {
            Description = "A BPF filter written after the options, as tcpdump takes it (default: tcp).",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var filter = new Option<string?>("--filter", "-f")
        {
            Description = "BPF capture filter (default: tcp).",
        };
        var count = new Option<long?>("--count", "-c")
        {
            Description = "Stop after this many packets.",
        };
        var autostop = new Option<string[]>("--autostop", "-a")
        {
            Description = "tshark's autostop conditions: duration:SECONDS or packets:N.",
        };
        var duration = new Option<string?>("--duration")
        {
            Description = "Stop after this long, e.g. 90s, 10m, 2h.",
        };
        var snaplen = new Option<int>("--snaplen", "-s")
        {
            Description = "Bytes captured per packet (default 128: every header the diagnosis needs).",
            DefaultValueFactory = _ => 128,
        };
        var noPromisc = new Option<bool>("--no-promisc", "-p")
        {
            Description = "Do not put the interface into promiscuous mode (the server's own traffic is all that is needed there).",
        };
        var bufferSize = new Option<int?>("--buffer-size", "-B")
        {
            Description = "Kernel capture buffer in KiB, as tcpdump -B (raise it when packets are dropped).",
        };
        var ringSize = new Option<int>("--ring-size")
        {
            Description = "MiB of packets held between the capture thread and the analysis, to absorb bursts (default 64).",
            DefaultValueFactory = _ => 64,
        };
        var write = new Option<string?>("--write", "-w")
        {
            Description = "Also save the raw packets to this pcap file, for later `analyze` runs.",
        };
        var csv = new Option<string?>("--csv")
        {
            Description = "Append each flagged connection to this CSV file as it ends, flushed at once.",
        };
        var reportEvery = new Option<string?>("--report-every")
        {
            Description = "When standard error is not a terminal, print a one-line summary this often (default 30s; 0 for never).",
        };
        var kernelReasons = new Option<bool>("--kernel-reasons")
        {
            Description = "Linux 6.10+, as root: read the kernel's reason for each RST this host sends (tracepoint tcp:tcp_send_reset) and let it settle the cause.",
        };
        var shared = new OutputOptions();

        duration.Validators.Add(DurationText.ValidatePositive);
        reportEvery.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (token.Value != "0" && !DurationText.TryParse(token.Value, out _))
                    result.AddError($"Invalid duration '{token.Value}' for --report-every; use e.g. 30s, 5m, or 0.");
            }
        });
        autostop.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (!TryParseAutostop(token.Value, out _, out _))
                    result.AddError($"Invalid autostop condition '{token.Value}'; use duration:SECONDS or packets:N.");
            }
        });
        count.Validators.Add(WholeNumber.Between(1, long.MaxValue, "--count must be a positive number of packets."));
        bufferSize.Validators.Add(WholeNumber.Between(1, int.MaxValue / 1024, "--buffer-size takes a number of KiB, 1 or more."));
        ringSize.Validators.Add(WholeNumber.Between(1, 1024, "--ring-size must be between 1 and 1024 MiB."));
        snaplen.Validators.Add(WholeNumber.Between(64, 262144, "--snaplen must be between 64 and 262144 bytes."));

        var command = new Command("capture", "Capture live on an interface through libpcap and diagnose each reset as its connection ends." + Examples)
        {
            iface, expression, filter, count, autostop, duration, snaplen, noPromisc, bufferSize, ringSize, write, csv, reportEvery, kernelReasons,
        };
        foreach (Option option in shared.Each)
            command.Options.Add(option);
        command.Validators.Add(result =>
        {
            if (result.GetValue(filter) is not null && result.GetValue(expression) is { Length: > 0 })
                result.AddError("Give the filter either with -f or after the options, not both.");
        });

        command.SetAction(parse =>
        {
            string[] trailing = parse.GetValue(expression) ?? [];
            long? packetLimit = parse.GetValue(count);
            TimeSpan? timeLimit = parse.GetValue(duration) is { } text && DurationText.TryParse(text, out TimeSpan d) ? d : null;
            foreach (string condition in parse.GetValue(autostop) ?? [])
            {
                TryParseAutostop(condition, out TimeSpan? stopAfter, out long? stopAtPackets);
                timeLimit = stopAfter ?? timeLimit;
                packetLimit = stopAtPackets ?? packetLimit;
            }
            TimeSpan? reportPeriod = parse.GetValue(reportEvery) switch
            {
                null => TimeSpan.FromSeconds(30),
                "0" => null,
                string period => DurationText.TryParse(period, out TimeSpan p) ? p : TimeSpan.FromSeconds(30),
            };
            var settings = new CaptureSettings
            {
                Interface = parse.GetValue(iface)!,
                Filter = parse.GetValue(filter) ?? (trailing.Length > 0 ? string.Join(' ', trailing) : "tcp"),
                PacketLimit = packetLimit,
                TimeLimit = timeLimit,
                SnapLength = parse.GetValue(snaplen),
                Promiscuous = !parse.GetValue(noPromisc),
                BufferSizeKiB = parse.GetValue(bufferSize),
                RingMiB = parse.GetValue(ringSize),
                RawOutputPath = parse.GetValue(write),
                CsvPath = parse.GetValue(csv),
                ReportEvery = reportPeriod,
                KernelReasons = parse.GetValue(kernelReasons),
                Output = shared.Read(parse),
            };
            using var interrupt = new InterruptSignal();
            return new CaptureWorker(output, error, terminal).Run(settings, interrupt.Token);
        });
        return command;
    }

    /// <summary>tshark -a: "duration:N" (seconds) or "packets:N".</summary>
    public static bool TryParseAutostop(string text, out TimeSpan? duration, out long? packets)
    {
        duration = null;
        packets = null;
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
            return false;
        string name = text[..colon];
        string value = text[(colon + 1)..];
        if (name == "duration" && DurationText.TryParse(value, out TimeSpan d) && d > TimeSpan.Zero)
        {
            duration = d;
            return true;
        }
        if (name == "packets" && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long n) && n > 0)
        {
            packets = n;
            return true;
        }
        return false;
    }
}

/// <summary>What `capture` was asked to do, independent of how it was parsed.</summary>
public sealed class CaptureSettings
{
    public required string Interface { get; init; }
    public string Filter { get; init; } = "tcp";
    public long? PacketLimit { get; init; }
    public TimeSpan? TimeLimit { get; init; }
    public int SnapLength { get; init; } = 128;
    public bool Promiscuous { get; init; } = true;
    public int? BufferSizeKiB { get; init; }
    /// <summary>Size of the ring between the capture thread and the analysis.</summary>
    public int RingMiB { get; init; } = 64;
    public string? RawOutputPath { get; init; }
    public string? CsvPath { get; init; }
    public TimeSpan? ReportEvery { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>--kernel-reasons: join each RST this host sends to the kernel's tcp_send_reset event.</summary>
    public bool KernelReasons { get; init; }
    public OutputSettings Output { get; init; } = new();
}
