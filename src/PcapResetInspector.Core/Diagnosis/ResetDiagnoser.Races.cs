using System.Globalization;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Net;
using static PcapResetInspector.Core.Diagnosis.EvidenceText;

namespace PcapResetInspector.Core.Diagnosis;

public sealed partial class ResetDiagnoser
{
    /// <summary>The loser of a race the grouping found; null if this connection does not have a loser's shape.</summary>
    private ResetDiagnosis? RaceLoser(ConnectionFacts facts, RaceMatch race)
    {
        SiblingInfo winner = race.Winner;
        long synToSyn = facts.ClientSynTime - winner.SynTime;
        long? ended = race.Kind == RaceKind.Smb139And445 ? facts.LoserEndEventTime : (facts.HasRst ? facts.Summary.FirstRstTime : null);
        var gaps = new RaceGaps(Milliseconds(synToSyn), ended is { } e ? Milliseconds(e - facts.ClientSynTime) : null);
        string order = synToSyn <= 0 ? "this SYN first" : "the winner's SYN first";
        string gapText = "SYN to SYN " + Duration(Math.Abs(synToSyn)) + " (" + order + ")" +
                         (ended is { } end ? "; SYN to " + (facts.HasRst ? "RST " : "FIN ") + Duration(end - facts.ClientSynTime) : "");
        ResetStage? stage = facts.HasRst ? Stage(facts, new ResetSigns(facts, _options)) : null;

        if (race.Kind == RaceKind.Smb139And445)
        {
            if (facts.SmbVariant is not { } variant)
                return null;
            long probeEnd = facts.ProbeEndTime;
            bool fresh = winner.SynTime >= probeEnd;
            bool samePort = winner.ServerPort == facts.Server.Port;
            string winnerText = fresh
                ? "the client then opened a fresh connection " + winner.Uid + " to port " + Number(winner.ServerPort) + " " +
                  Duration(winner.SynTime - probeEnd) + " after ending this one, and that connection carried SMB"
                : "the client kept port " + Number(winner.ServerPort) + " (" + winner.Uid + "), which carried SMB";
            // A probe closed before a fresh connection to the same port did not lose to it: say what it was.
            string role = fresh && samePort
                ? "probe of port " + Number(facts.Server.Port) + " in the 139/445 race, closed before any SMB"
                : "loser of the 139/445 race";
            string winnerBytes = winner.ClientPayloadUncaptured
                ? "first client byte not captured, SMB inferred from " + Count((long)winner.ClientPayloadBytes, "payload byte", "payload bytes") + " in "
                : "first client byte " + FirstByte(winner.FirstClientByte) + ", ";
            string evidence = role + ", variant " + variant + " (" + VariantShape(variant, facts) + "): " + winnerText +
                              " (" + winnerBytes + Count((long)winner.ClientDataPackets, "client data segment", "client data segments") +
                              "); " + gapText;
            bool uncaptured = winner.ClientPayloadUncaptured || facts.ClientPayloadUncaptured;
            if (facts.ClientPayloadUncaptured)
                evidence += "; this connection's payload was not captured: variant " + variant + " inferred from its " +
                            Count((long)facts.Client.PayloadBytes, "client payload byte", "client payload bytes") + " (IP lengths)";
            DiagnosisConfidence confidence = fresh || uncaptured ? DiagnosisConfidence.Medium : DiagnosisConfidence.High;
            var finding = new Finding(ResetCause.SmbRaceLoser, confidence, evidence, SmbLoserLogHint(facts, variant));
            return Build(facts, finding, stage, race, variant, gaps);
        }

        if (!facts.IsGiveUpShape)
            return null;
        bool crossFamily = winner.IpVersion != facts.Summary.IpVersion;
        string family = crossFamily ? " over IPv" + winner.IpVersion + " while this attempt used IPv" + facts.Summary.IpVersion : "";
        string parallel = "discarded parallel connect (RFC 8305): client " + Address(facts.Client) + " reset port " + Number(facts.Server.Port) +
                          " " + (facts.ClientCompletedHandshake ? "after the handshake" : "during the handshake") + " without sending data; " +
                          winner.Uid + " from " + IpAddress128.Format(winner.ClientAddress) + " to " + IpAddress128.Format(winner.ServerAddress) +
                          family + " carried the data (" + Count((long)winner.ClientDataPackets, "client data segment", "client data segments") + "); " + gapText;
        return Build(facts, new Finding(ResetCause.ParallelConnectLoser, crossFamily ? DiagnosisConfidence.Medium : DiagnosisConfidence.High, parallel),
            stage, race, null, gaps);
    }

    /// <summary>One probe of a source fanning out to many ports or hosts.</summary>
    private ResetDiagnosis ScanProbe(ConnectionFacts facts, ScanFanOut scan)
    {
        EndpointSummary client = facts.Client;
        string shape;
        string? hint;
        if (!facts.ResetterIsClient && !facts.ServerAnsweredSyn)
        {
            shape = "refused with " + RstKind(facts.Server) + " (port closed)";
            hint = "nothing on the target: the port is closed; the prober sees " + LogHints.ConnectionRefused;
        }
        else if (facts.ResetterIsClient && !facts.ClientCompletedHandshake)
        {
            shape = "SYN-ACK answered by the prober's " + RstKind(client) + " (port open, half-open scan)";
            hint = "nothing on the target: the handshake never completed, so no application saw the probe";
        }
        else if (facts.ResetterIsClient)
        {
            shape = "connected, then reset by the prober (port open, connect scan)";
            hint = null;
        }
        else
        {
            shape = "reset by the target after the handshake";
            hint = null;
        }
        bool wide = scan.DistinctPorts >= 2 * _options.ScanFanOutPorts || scan.DistinctHosts >= 2 * _options.ScanFanOutHosts;
        // One string per probe, formatted in place: a scan's probes are most of its rows.
        var window = new EvidenceText.DurationText(DiagnosisOptions.Nanos(_options.ScanWindow));
        string evidence = string.Create(CultureInfo.InvariantCulture, stackalloc char[512],
            $"one of {scan.Probes} {Plural(scan.Probes, "probe", "probes")} from {facts.Client.Address} within " +
            $"{new EvidenceText.DurationText(scan.LastSynTime - scan.FirstSynTime)} to {scan.DistinctPorts} {Plural(scan.DistinctPorts, "port", "ports")} " +
            $"on {scan.DistinctHosts} {Plural(scan.DistinctHosts, "host", "hosts")} (scan thresholds: {_options.ScanFanOutPorts} ports or " +
            $"{_options.ScanFanOutHosts} hosts in {window}), no client data; this probe to port {facts.Server.Port}: {shape}" +
            $"{(scan.Finding is null ? "" : "; finding ")}{scan.Finding?.Id}");
        var finding = new Finding(ResetCause.ScanProbe, wide ? DiagnosisConfidence.High : DiagnosisConfidence.Medium, evidence, hint);
        return Build(facts, finding, Stage(facts, new ResetSigns(facts, _options)), hostFinding: scan.Finding);
    }

    /// <summary>A reset member of a SYN flood or of a SYN-ACK reflection: one line per connection, the numbers are in the finding.</summary>
    private ResetDiagnosis? FindingMember(ConnectionFacts facts, HostFinding member)
    {
        Finding finding;
        if (member.Kind == FindingKind.SynAckReflection && facts.SynAckSender is { } reflector)
        {
            EndpointSummary victim = ReferenceEquals(reflector, facts.Summary.Originator) ? facts.Summary.Responder : facts.Summary.Originator;
            string evidence = Address(victim) + " answered " + Count(reflector.SynCount, "SYN-ACK", "SYN-ACKs") + " from " + AddressAndPort(reflector) +
                              " with " + RstKind(victim) + ": it never sent the SYN (its address was spoofed toward " + Address(reflector) +
                              "); member of finding " + member.Id;
            finding = new Finding(ResetCause.SynAckReflection, DiagnosisConfidence.High, evidence,
                "nothing: no application on " + Address(victim) + " had this connection; its stack answered the stray SYN-ACK (RFC 9293 §3.10.7.1)");
        }
        else if (member.Kind == FindingKind.SynFlood && facts.ClientSentSyn && !facts.ClientEverAcked)
        {
            string who = facts.ResetterIsClient ? "the address the SYN claimed to come from" : "the target";
            string evidence = "half-open attempt from " + Address(facts.Client) + " to " + AddressAndPort(facts.Server) + " (" +
                              Count(facts.Client.SynCount, "SYN", "SYNs") + (facts.ServerSentSynAck ? ", SYN-ACK, " : ", ") + RstKind(facts.Resetter!) +
                              " from " + who + "); member of finding " + member.Id;
            finding = new Finding(ResetCause.SynFlood, DiagnosisConfidence.High, evidence,
                "nothing: no handshake completed, so no application saw the attempt; a Linux target logs \"Possible SYN flooding on port " +
                Number(facts.Server.Port) + "\" when its SYN backlog overflows");
        }
        else
        {
            return null;
        }
        return Build(facts, finding, Stage(facts, new ResetSigns(facts, _options)), hostFinding: member);
    }

    private static string Plural(long count, string singular, string plural) => count == 1 ? singular : plural;

    private static string FirstByte(int value) => value < 0 ? "none" : "0x" + value.ToString("X2", System.Globalization.CultureInfo.InvariantCulture);

    private static string VariantShape(SmbRaceVariant variant, ConnectionFacts? facts = null) => variant switch
    {
        SmbRaceVariant.A => "SYN-ACK answered by the client's " + (facts is null ? "RST" : RstKind(facts.Client)) + " without the handshake's ACK",
        SmbRaceVariant.B => "handshake, then the client's " + (facts is null ? "RST" : RstKind(facts.Client)) + " before any data",
        SmbRaceVariant.C => facts is { ClientPayloadUncaptured: true }
            ? "one client segment of " + Number(facts.Client.FirstDataLength) + " bytes (the NetBIOS session request, bytes not captured), then the client's RST"
            : "NetBIOS session request (0x81), then the client's RST",
        SmbRaceVariant.D => "handshake, then the client's FIN before any SMB",
        SmbRaceVariant.E => facts is null ? "SYNs never answered" : Count(facts.Client.SynCount, "SYN", "SYNs") + " never answered",
        SmbRaceVariant.F => "the server refused the SYN with " + (facts is null ? "RST,ACK" : RstKind(facts.Server)) + ": nothing listens on port " +
                            (facts is null ? "139" : Number(facts.Server.Port)),
        _ => throw new ArgumentOutOfRangeException(nameof(variant), variant, null),
    };

    /// <summary>What smbd and the client log for each loser shape (resets.md, "does smbd see it").</summary>
    private static string SmbLoserLogHint(ConnectionFacts facts, SmbRaceVariant variant) => variant switch
    {
        SmbRaceVariant.A => "nothing: the handshake never completed, so smbd never accepted the connection; the client kept the other port",
        SmbRaceVariant.B or SmbRaceVariant.C => LogHints.SambaReadOnReset(facts.Client, smbNegotiated: false),
        SmbRaceVariant.D => "smbd sees an orderly close before any request and logs it only at a high debug level",
        SmbRaceVariant.E => "nothing: no SYN-ACK, so smbd never saw the connection",
        SmbRaceVariant.F => "nothing on the server (nothing listens on port " + Number(facts.Server.Port) + "); the client's connect fails with " +
                            LogHints.ConnectionRefused + " and it keeps the other port",
        _ => throw new ArgumentOutOfRangeException(nameof(variant), variant, null),
    };
}
