using PcapResetInspector.Cli.Commands;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Export;
using PcapResetInspector.Core.Connections;
using Spectre.Console;

namespace PcapResetInspector.Cli.Reporting;

/// <summary>--list all: every listed connection one by one, the flagged ones with their evidence and log hint.</summary>
public sealed partial class TerminalReport
{
    private void WriteEveryRow(ReportRows rows)
    {
        var flagged = rows.Kept.Where(r => r.Diagnosis is not null)
            .OrderBy(r => Severity(r.Diagnosis!.Verdict)).ThenBy(r => r.Connection.StartTime).ThenBy(r => r.Connection.Ordinal).ToList();
        if (flagged.Count > 0)
        {
            Blank();
            MarkupLine("[bold]Flagged connections, most serious first[/]");
            foreach (var (connection, diagnosis) in flagged)
                WriteDiagnosis(connection, diagnosis!);
        }

        var others = rows.Kept.Where(r => r.Diagnosis is null).OrderBy(r => r.Connection.StartTime).ThenBy(r => r.Connection.Ordinal).ToList();
        if (others.Count > 0)
            WriteOtherConnections(others.Select(r => r.Connection));

        if (rows.NotKept > 0)
            MarkupLine($"... and {N(rows.NotKept)} more; export them all with [bold]-o FILE.csv[/] (or .json, .log)");
    }

    private void WriteDiagnosis(ConnectionSummary c, ResetDiagnosis d)
    {
        string client = ConnectionText.Endpoint(d.Client.Address, d.Client.Port);
        string server = ConnectionText.Endpoint(d.Server.Address, d.Server.Port);
        string verdict = VerdictMarkup(d.Verdict, d.Verdict.ToKebabCase().ToUpperInvariant());
        Blank();
        MarkupLine($"  {verdict}  [bold]{Esc(d.Cause.ToKebabCase())}[/]  {c.Uid}  {Esc(client)} -> {Esc(server)}  " +
                   $"{Esc(c.ConnState)} {Esc(c.History)}  at {Time(d.ResetTime != 0 ? d.ResetTime : c.StartTime)}");
        string who = d.ResetByRole is { } role && d.ResetBy is { } party
            ? $"reset by the {role.ToKebabCase()} ({(party == ResetParty.Originator ? "originator" : "responder")})" // words for people; the exports say orig/resp
            : "no RST";
        string stage = d.Stage is { } st ? $", {st.ToKebabCase()}" : "";
        string race = d.RaceGroupId is { } g ? $", race group {g}{(d.SiblingUid is null ? "" : $" with {d.SiblingUid}")}" : "";
        string trailing = d.TrailingRstAfterCleanClose ? ", RST after a clean close" : "";
        Indented($"{who}{stage}{race}{trailing}; confidence {d.Confidence.ToKebabCase()}");
        Indented($"evidence: {d.Evidence}");
        if (d.Kernel is { } kernel)
            Indented($"kernel: {kernel.Reason} in {kernel.State ?? "an unknown state"} (the wire implied {d.InferredKernelReason ?? "no reason of the kernel's"})");
        if (d.KernelReceived is { } received)
            Indented($"kernel: the socket that took the RST was in {received.State ?? "an unknown state"} (tcp_receive_reset)");
        Indented($"log hint: {d.LogHint}");
    }

    private void WriteOtherConnections(IEnumerable<ConnectionSummary> connections)
    {
        Blank();
        MarkupLine("[bold]Other connections[/]");
        var table = new Table().Border(_border).AddColumn("uid").AddColumn("start").AddColumn("originator")
            .AddColumn("responder").AddColumn("state").AddColumn("history").AddColumn(new TableColumn("pkts").RightAligned());
        foreach (ConnectionSummary c in connections)
        {
            table.AddRow(c.Uid, Time(c.StartTime), Esc(ConnectionText.Endpoint(c.Originator.Address, c.Originator.Port)),
                Esc(ConnectionText.Endpoint(c.Responder.Address, c.Responder.Port)), Esc(c.ConnState), Esc(c.History),
                $"{c.Originator.Packets}/{c.Responder.Packets}");
        }
        _console.Write(table);
    }
}
