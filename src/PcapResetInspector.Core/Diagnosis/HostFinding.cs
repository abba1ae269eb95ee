using System.Globalization;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Diagnosis;

/// <summary>The host-level shapes of resets.md ("Host-level shapes"), each reported once with its numbers.</summary>
public enum FindingKind
{
    /// <summary>Many SYNs from many sources to one server port whose handshakes never complete.</summary>
    SynFlood,
    /// <summary>SYN-ACKs from many sources to one host that never sent the SYNs: its address was spoofed.</summary>
    SynAckReflection,
    /// <summary>One source probing many ports or hosts.</summary>
    PortScan,
}

/// <summary>
/// One host-level finding: a flood, a reflection or a scan, with its counts. The member connections
/// carry its <see cref="Id"/>; the report shows the finding once instead of every member.
/// </summary>
public sealed class HostFinding
{
    private readonly DistinctCounter _peers = new();
    private ulong[]? _ports;

    internal HostFinding(int number, FindingKind kind, IpAddress128 host, ushort port)
    {
        Id = "F" + number.ToString(CultureInfo.InvariantCulture);
        Kind = kind;
        Host = host;
        Port = port;
    }

    /// <summary>"F1", "F2", ... in the order the findings were made.</summary>
    public string Id { get; }

    public FindingKind Kind { get; }

    /// <summary>The flood's target, the reflection's victim, or the scanner.</summary>
    public IpAddress128 Host { get; }

    /// <summary>The flooded server port; 0 for the other kinds.</summary>
    public ushort Port { get; }

    public long FirstTime { get; private set; } = long.MaxValue;
    public long LastTime { get; private set; } = long.MinValue;

    /// <summary>Member connections.</summary>
    public long Connections { get; private set; }

    /// <summary>SYNs (flood, scan) or SYN-ACKs (reflection) the members carried, retransmissions included.</summary>
    public long Packets { get; private set; }

    /// <summary>Distinct sources (flood), reflectors (reflection) or target hosts (scan).</summary>
    public long DistinctPeers => Math.Min(_peers.Count, Connections); // an estimate never exceeds the members it counts

    /// <summary><see cref="DistinctPeers"/> is an estimate (beyond a thousand it is counted in fixed memory, within 2%).</summary>
    public bool PeersEstimated => _peers.IsEstimate;

    /// <summary>Distinct ports probed (scan).</summary>
    public int DistinctPorts { get; private set; }

    /// <summary>Members answered by a SYN-ACK (flood: SYN-ACKs the target sent; scan: open ports).</summary>
    public long Answered { get; private set; }

    /// <summary>Members with a RST (reflection: the victim's answers; flood: resets of half-open attempts; scan: refused probes and the prober's resets).</summary>
    public long Resets { get; private set; }

    public Verdict Verdict => Verdict.Suspicious;

    internal void Add(long time, IpAddress128 peer, ushort port, long packets, bool answered, bool reset)
    {
        if (time < FirstTime)
            FirstTime = time;
        if (time > LastTime)
            LastTime = time;
        Connections++;
        Packets += packets;
        _peers.Add(peer);
        if (answered)
            Answered++;
        if (reset)
            Resets++;
        if (Kind == FindingKind.PortScan)
        {
            _ports ??= new ulong[65536 / 64];
            ref ulong word = ref _ports[port >> 6];
            ulong bit = 1UL << (port & 63);
            if ((word & bit) == 0)
            {
                word |= bit;
                DistinctPorts++;
            }
        }
    }

    /// <summary>Takes the counts a target gathered before it passed the thresholds.</summary>
    internal void AddCounted(long first, long last, long connections, long packets, long answered, long resets, IEnumerable<IpAddress128> peers)
    {
        FirstTime = Math.Min(FirstTime, first);
        LastTime = Math.Max(LastTime, last);
        Connections += connections;
        Packets += packets;
        Answered += answered;
        Resets += resets;
        foreach (IpAddress128 peer in peers)
            _peers.Add(peer);
    }

    /// <summary>One sentence with the numbers, e.g. "SYN flood aimed at 10.0.0.5:80: 37,669 SYNs from 37,669 sources in 24 s (1,570/s), none answered".</summary>
    public string Summary
    {
        get
        {
            string span = Duration(Math.Max(0, LastTime - FirstTime));
            string rate = LastTime > FirstTime
                ? " (" + Number((long)Math.Round(Connections / ((LastTime - FirstTime) / 1e9))) + " a second)"
                : "";
            string peers = (PeersEstimated ? "about " : "") + Number(DistinctPeers);
            return Kind switch
            {
                FindingKind.SynFlood =>
                    "SYN flood aimed at " + IpAddress128.Format(Host) + " port " + Number(Port) + ": " + Count(Packets, "SYN", "SYNs") +
                    (Packets > Connections ? " in " + Count(Connections, "attempt", "attempts") : "") + " from " + peers + (DistinctPeers == 1 ? " source" : " sources") + " in " + span + rate +
                    ", " + (Answered == 0 ? "none answered" : Number(Answered) + " answered by SYN-ACK") + ", no handshake completed" +
                    (Resets > 0 ? ", " + Number(Resets) + " reset" : ""),
                FindingKind.SynAckReflection =>
                    "SYN-ACK reflection aimed at " + IpAddress128.Format(Host) + ": " + Count(Packets, "SYN-ACK", "SYN-ACKs") + " from " + peers +
                    (DistinctPeers == 1 ? " source" : " sources") + " in " + span + rate + " for SYNs it never sent (its address was spoofed), " +
                    Number(Resets) + " answered by its RST",
                _ =>
                    "port scan from " + IpAddress128.Format(Host) + ": " + Count(Connections, "probe", "probes") + " to " + Count(DistinctPorts, "port", "ports") +
                    " on " + peers + (DistinctPeers == 1 ? " host" : " hosts") + " in " + span + rate + ", " + Number(Answered) + " open (SYN-ACK), " +
                    Number(Resets) + " reset",
            };
        }
    }

    public override string ToString() => Id + " " + Summary;

    // The summary is read by people: thousands grouped, as in the report's totals.
    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Count(long count, string singular, string plural) => Number(count) + " " + (count == 1 ? singular : plural);

    private static string Duration(long nanos) => EvidenceText.Duration(nanos);
}
