using System.CommandLine;
using System.CommandLine.Parsing;
using PcapResetInspector.Cli.Reporting;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Export;

namespace PcapResetInspector.Cli.Options;

/// <summary>The output formats: a report for people, or one of four exports.</summary>
public enum OutputFormat
{
    Table,
    Csv,
    Json,
    Zeek,
    /// <summary>Binary: written only to a file (-o), never to standard output.</summary>
    Parquet,
}

/// <summary>
/// Options shared by `analyze` and `capture`: what to list, in which format, where, and how the
/// diagnosis is tuned. One place, so both commands spell and document them the same way.
/// </summary>
public sealed class OutputOptions
{
    public Option<string?> Format { get; } = new("--format")
    {
        Description = "Output format: table (a report for people), csv, json (JSON lines), zeek (conn.log TSV) or parquet (the CSV's columns, typed; needs -o FILE). " +
                      "Default: from the -o file's extension (.csv, .json/.jsonl/.ndjson, .log, .parquet), else table.",
    };

    public Option<string?> Output { get; } = new("--output", "-o")
    {
        Description = "Write the output to FILE instead of standard output.",
    };

    public Option<string?> Html { get; } = new("--html")
    {
        Description = "Also write the report as one self-contained HTML page to FILE: a timeline of the resets, the findings and hosts, " +
                      "and the flagged connections in a table to filter and sort (the most serious 20,000; the exports have them all).",
    };

    public Option<bool> All { get; } = new("--all")
    {
        Description = "List every connection, not only the flagged ones (those that saw a RST, and race losers).",
    };

    public Option<int?> Top { get; } = new("--top")
    {
        Description = "How many groups the report shows (default 20): flagged connections grouped by cause, verdict and server:port, " +
                      "most serious first, and host-level findings grouped by kind and host.",
    };

    public Option<string?> List { get; } = new("--list")
    {
        Description = "How the report lists connections and findings: groups (the default) or all (every listed connection one by one " +
                      "with its evidence and log hint, and every finding). Exports always have one row per connection.",
    };

    public Option<string[]> Verdict { get; } = new("--verdict")
    {
        Description = "List only flagged connections with this verdict: benign, actionable, suspicious (repeat or separate with commas).",
    };

    public Option<string[]> Cause { get; } = new("--cause")
    {
        Description = "List only flagged connections with this cause, e.g. refused, smb-race-loser, idle-timeout (repeat or separate with commas).",
    };

    public Option<string?> FailOn { get; } = new("--fail-on")
    {
        Description = "Exit with code 1 when a listed reset has this verdict or a worse one: actionable (actionable or suspicious) or suspicious.",
    };

    public Option<string?> TimeFormat { get; } = new("--time-format")
    {
        Description = "Times in the table and JSON: epoch (seconds since 1970, as Zeek writes them) or iso (ISO 8601 UTC). Default: iso in the table, epoch in JSON. CSV has both; conn.log is always epoch.",
    };

    public Option<string?> RaceWindow { get; } = new("--race-window")
    {
        Description = "How close two SYNs to ports 139 and 445 must be to form a race (default 1s; e.g. 500ms, 2s).",
    };

    public Option<string?> IdleGap { get; } = new("--idle-gap")
    {
        Description = "Silence before a RST that counts as an idle timeout (default 230s, below Windows' 240 s and common firewall timeouts).",
    };

    public Option<bool> IncludeVlan { get; } = new("--include-vlan")
    {
        Description = "Make VLAN ids part of the connection key (Zeek's vlan_fivetuple); by default the same 5-tuple on several VLANs is one connection.",
    };

    public Option<int?> MaxConnections { get; } = new("--max-connections")
    {
        Description = "Connection-table cap: beyond it the oldest half-open attempts are evicted first (still reported, and counted). Default 100000; 0 for none.",
    };

    public Option<string?> TimeZone { get; } = new("--time-zone")
    {
        Description = "The zone of the times the report prints: utc (default), local, or an offset like +01:00 (to compare with local-time logs); exports stay in UTC.",
    };

    // tcpdump's and tshark's -n (and -nn) turn name resolution off; typed out of habit, it is accepted.
    public Option<bool> NoNameResolution { get; } = new("-n", "-nn")
    {
        Description = "Accepted as tcpdump and tshark take it (no name resolution) and ignored: addresses and ports are always printed as numbers.",
    };

    public Option<bool> Quiet { get; } = new("--quiet", "-q")
    {
        Description = "No summary on standard error when the output is an export, and no progress bar.",
    };

    public OutputOptions()
    {
        Format.AcceptOnlyFromAmong("table", "csv", "json", "zeek", "parquet");
        Format.Validators.Add(result =>
        {
            // Parquet's footer points back into the file: it needs a file to seek in, and a terminal would only get bytes.
            if (result.GetValueOrDefault<string?>() == "parquet" && result.Parent is CommandResult command && command.GetValue(Output) is null or "-")
                result.AddError("--format parquet writes a binary file: name it with -o FILE (standard output is not supported).");
        });
        FailOn.AcceptOnlyFromAmong("actionable", "suspicious");
        List.AcceptOnlyFromAmong("groups", "all");
        Top.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && (!WholeNumber.TryRead(result, out long top) || top is < 0 or > int.MaxValue))
                result.AddError("--top takes a number of groups, 0 or more.");
            else if (result.Parent is CommandResult command && command.GetValue(List) == "all")
                result.AddError("--top picks how many groups to show and --list all shows every connection instead of groups: give one of them.");
        });
        TimeFormat.AcceptOnlyFromAmong("epoch", "iso");
        Verdict.Validators.Add(result => ValidateList(result, value => Enum.TryParse<Verdict>(value, ignoreCase: true, out _),
            "verdict", "benign, actionable, suspicious"));
        Cause.Validators.Add(result => ValidateList(result, value => DiagnosisNames.TryParseCause(value, out _),
            "cause", string.Join(", ", Enum.GetValues<ResetCause>().Select(c => c.ToKebabCase()))));
        RaceWindow.Validators.Add(DurationText.ValidatePositive);
        MaxConnections.Validators.Add(WholeNumber.Between(0, int.MaxValue, "--max-connections takes a number of connections, 0 or more (0 means no cap)."));
        IdleGap.Validators.Add(DurationText.ValidatePositive);
        TimeZone.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } zone && !TimeOptions.TryParseZone(zone, out _))
                result.AddError($"--time-zone '{zone}' is not utc, local or an offset like +01:00.");
        });
    }

    /// <summary>Every shared option, to add to a command.</summary>
    public IEnumerable<Option> Each => [Format, Output, Html, All, Top, List, Verdict, Cause, FailOn, TimeFormat, TimeZone, RaceWindow, IdleGap, IncludeVlan, MaxConnections, NoNameResolution, Quiet];

    /// <summary>Reads the parsed values (already validated) into settings.</summary>
    public OutputSettings Read(ParseResult parse)
    {
        string? output = parse.GetValue(Output);
        return new OutputSettings
        {
            Format = ChooseFormat(parse.GetValue(Format), output),
            OutputPath = output is "-" ? null : output,
            HtmlPath = parse.GetValue(Html),
            Listing = new ReportListing
            {
                Top = parse.GetValue(Top) ?? ReportListing.DefaultTop,
                Every = parse.GetValue(List) == "all",
            },
            Selection = new ConnectionSelection
            {
                All = parse.GetValue(All),
                Verdicts = Split(parse.GetValue(Verdict)).Select(v => Enum.Parse<Verdict>(v, ignoreCase: true)).ToHashSet(),
                Causes = Split(parse.GetValue(Cause)).Select(c => DiagnosisNames.TryParseCause(c, out var cause) ? cause : default).ToHashSet(),
            },
            FailOn = parse.GetValue(FailOn) switch
            {
                "actionable" => Core.Diagnosis.Verdict.Actionable,
                "suspicious" => Core.Diagnosis.Verdict.Suspicious,
                _ => null,
            },
            TimeFormat = parse.GetValue(TimeFormat) switch
            {
                "iso" => Core.Export.TimeFormat.Iso,
                "epoch" => Core.Export.TimeFormat.Epoch,
                _ => null,
            },
            Diagnosis = new DiagnosisOptions
            {
                RaceWindow = DurationOr(parse.GetValue(RaceWindow), TimeSpan.FromSeconds(1)),
                IdleGap = DurationOr(parse.GetValue(IdleGap), TimeSpan.FromSeconds(230)),
            },
            IncludeVlan = parse.GetValue(IncludeVlan),
            MaxConnections = parse.GetValue(MaxConnections) ?? Core.Connections.ConnectionTrackerOptions.DefaultMaxConnections,
            Quiet = parse.GetValue(Quiet),
            TimeZone = parse.GetValue(TimeZone) is { } zone && TimeOptions.TryParseZone(zone, out TimeZoneInfo? parsed) ? parsed : null,
        };
    }

    /// <summary>An explicit --format wins; otherwise the output file's extension decides, as users name files.</summary>
    public static OutputFormat ChooseFormat(string? format, string? outputPath)
    {
        if (format is not null)
            return Enum.Parse<OutputFormat>(format, ignoreCase: true);
        string extension = Path.GetExtension(outputPath ?? "").ToLowerInvariant();
        return extension switch
        {
            ".csv" => OutputFormat.Csv,
            ".json" or ".jsonl" or ".ndjson" => OutputFormat.Json,
            ".log" => OutputFormat.Zeek,
            ".parquet" => OutputFormat.Parquet,
            _ => OutputFormat.Table,
        };
    }

    private static IEnumerable<string> Split(string[]? values) =>
        (values ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static TimeSpan DurationOr(string? text, TimeSpan fallback) =>
        text is not null && DurationText.TryParse(text, out TimeSpan value) ? value : fallback;

    private static void ValidateList(OptionResult result, Func<string, bool> isValid, string what, string choices)
    {
        foreach (var token in result.Tokens)
        {
            foreach (string value in Split([token.Value]))
            {
                if (!isValid(value))
                    result.AddError($"Unknown {what} '{value}' for {result.Option.Name}; one of: {choices}.");
            }
        }
    }
}

/// <summary>The shared output settings, independent of how they were parsed.</summary>
public sealed class OutputSettings
{
    public OutputFormat Format { get; init; } = OutputFormat.Table;
    public string? OutputPath { get; init; }
    /// <summary>--html: the HTML report, written beside the other outputs.</summary>
    public string? HtmlPath { get; init; }
    public ConnectionSelection Selection { get; init; } = new();
    public ReportListing Listing { get; init; } = new();
    public Verdict? FailOn { get; init; }
    /// <summary>Null: each format's own default (ISO in the table, epoch in JSON as Zeek writes it).</summary>
    public TimeFormat? TimeFormat { get; init; }
    public DiagnosisOptions Diagnosis { get; init; } = new();
    public bool IncludeVlan { get; init; }
    public int MaxConnections { get; init; } = Core.Connections.ConnectionTrackerOptions.DefaultMaxConnections;
    public bool Quiet { get; init; }
    /// <summary>The zone of the report's times; null for UTC.</summary>
    public TimeZoneInfo? TimeZone { get; init; }

    /// <summary>--fail-on: whether a listed diagnosis with this verdict trips it.</summary>
    public bool Trips(Verdict verdict) => FailOn is { } threshold &&
        (threshold == Verdict.Actionable ? verdict is Verdict.Actionable or Verdict.Suspicious : verdict == Verdict.Suspicious);
}
