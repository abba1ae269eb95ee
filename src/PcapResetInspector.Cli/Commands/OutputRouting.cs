using PcapResetInspector.Cli.Options;
using PcapResetInspector.Cli.Reporting;
using PcapResetInspector.Core.Export;

namespace PcapResetInspector.Cli.Commands;

/// <summary>Where `analyze` and `capture` send the rows and the summary: one rule for both commands.</summary>
internal static class OutputRouting
{
    /// <summary>
    /// The exporter for an export format writing to <paramref name="writer"/>, or for Parquet to
    /// <paramref name="binary"/> (the -o file's stream); null for the table.
    /// </summary>
    public static IConnectionExporter? CreateExporter(OutputSettings output, TextWriter writer, Stream? binary = null) => output.Format switch
    {
        OutputFormat.Parquet => new ParquetConnectionWriter(binary ?? throw new ArgumentException("Parquet needs a file", nameof(binary)), leaveOpen: true),
        OutputFormat.Csv => new CsvConnectionWriter(writer, leaveOpen: true),
        OutputFormat.Json => new JsonLinesConnectionWriter(writer, output.TimeFormat ?? TimeFormat.Epoch, leaveOpen: true),
        // Zeek's columns alone for the conn.log of every connection (compared with Zeek's); the flagged ones add the diagnosis.
        OutputFormat.Zeek => new ZeekConnLogWriter(writer, leaveOpen: true, diagnosisFields: !(output.Selection.All && !output.Selection.HasFilter)),
        _ => null,
    };

    /// <summary>
    /// The report for people, or null under -q beside an export. The table goes where the output goes;
    /// an export on standard output leaves the summary to standard error, and with -o FILE it goes to
    /// standard output.
    /// </summary>
    public static TerminalReport? CreateReport(OutputSettings output, TextWriter mainOutput, bool mainIsFile,
        TextWriter standardOutput, TextWriter standardError, TerminalInfo terminal)
    {
        (TextWriter? writer, bool isTerminal) = output.Format == OutputFormat.Table
            ? (mainOutput, !mainIsFile && terminal.OutputIsTerminal)
            : output.Quiet ? (null, false)
            : mainIsFile ? (standardOutput, terminal.OutputIsTerminal)
            : (standardError, terminal.ErrorIsTerminal);
        return writer is null ? null
            : new TerminalReport(writer, isTerminal, terminal.Width, output.TimeFormat ?? TimeFormat.Iso, terminal.ColourAllowed) { Zone = output.TimeZone };
    }
}
