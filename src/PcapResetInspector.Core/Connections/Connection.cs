using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Connections;

[InlineArray(Capacity)]
internal struct HistoryBuffer
{
    public const int Capacity = 64;
    private byte _element0;

    /// <summary>The first <paramref name="length"/> letters as text.</summary>
    public static string ToText(in HistoryBuffer buffer, int length)
    {
        Span<char> chars = stackalloc char[Capacity];
        ReadOnlySpan<byte> letters = buffer;
        for (int i = 0; i < length; i++)
            chars[i] = (char)letters[i];
        return new string(chars[..length]);
    }
}

/// <summary>Which list of the table cap's eviction order a connection is in; evicted from the lowest non-empty one.</summary>
internal enum EvictionTier : byte
{
    None = 0,
    /// <summary>Only one host has sent anything, or the hosts have exchanged no more than SYNs and SYN-ACKs.</summary>
    HalfOpen = 1,
    /// <summary>Closed or reset: only the close delay keeps it in the table.</summary>
    Finished = 2,
    Active = 3,
}

/// <summary>
/// A connection in the connection table. Host A is the source of the packet that created it; which of
/// A and B is the originator can change (Zeek's role flips, zeek-conn-semantics §4.4).
/// Held by value in the tracker's slot array, so the table allocates nothing per packet.
/// </summary>
// Auto layout: the runtime packs the fields, which are grouped here by meaning, not by size (1,064 -> 984 bytes a connection).
[StructLayout(LayoutKind.Auto)]
internal struct Connection
{
    public ConnectionKey Key;
    // Host A sent the first packet seen. Its address and port are read from the key rather than kept
    // twice: 36 bytes less per connection, which a table of 100,000 half-open attempts feels.
    public bool AIsLow;
    public readonly IpAddress128 AddressA => AIsLow ? Key.LowAddress : Key.HighAddress;
    public readonly IpAddress128 AddressB => AIsLow ? Key.HighAddress : Key.LowAddress;
    public readonly ushort PortA => AIsLow ? Key.LowPort : Key.HighPort;
    public readonly ushort PortB => AIsLow ? Key.HighPort : Key.LowPort;
    public ushort Vlan;
    public ushort InnerVlan;
    public byte IpVersion;
    public bool OriginatorIsA;

    // --- the tunnel of the first tunnelled packet (Zeek's tunnel_parents), TunnelKind.None when plain ---
    public TunnelKind TunnelKind;
    public byte TunnelDepth;
    public IpAddress128 OuterAddressA;   // the tunnel endpoint on host A's side
    public IpAddress128 OuterAddressB;

    public TcpEndpoint A;
    public TcpEndpoint B;

    public long Ordinal;          // creation order, for the deterministic uid
    public int Generation;        // bumped when the slot is reused, so stale timer entries are ignored
    public bool InUse;

    // --- place in the eviction order (ConnectionTracker's lists per tier; only kept under a table cap) ---
    public EvictionTier Tier;     // None: in no list
    public int LruPrev;           // slot of the less recently active neighbour, or -1
    public int LruNext;           // slot of the more recently active neighbour, or -1

    public long StartTime;
    // Its first and last segment's place among all segments given to the tracker (1-based): unlike the
    // times, they follow the file order, so --write-flagged finds every packet even when clocks go backwards.
    public long FirstSegment;
    public long LastSegment;
    public long LastTime;         // Zeek's Conn()->LastTime(): frozen once both sides did_close
    // The same moment on the network-time clock, which the timers run on. It equals LastTime unless a
    // packet is older than packets already seen (interfaces with unsynchronised clocks, merged files):
    // such a packet must not make its connection look long idle and expire at once.
    public long TimerLastTime;

    // --- history (Zeek's conn.log history) ---
    public HistoryBuffer History;
    public int HistoryLength;
    public uint HistorySeen;      // Zeek's hist_seen mask: originator bits low, responder bits << 16

    // --- TCPSessionAdapter flags ---
    public bool IsActive;
    public bool IsPartial;
    public byte FirstPacketSeen;  // 1 = originator, 2 = responder (TCPSessionAdapter ORIG/RESP)

    // --- timers (ns since epoch; 0 = not armed) ---
    public long AttemptDeadline;
    public long CloseDeleteDeadline;
    public long ExpireTick;
    public long ExpireTick2;
    public long InactivityTimeout;
    public long QueuedDeadline;   // earliest deadline this connection has in the timer queue

    public ulong MissedBytes;

    // --- connection-level evidence ---
    public long FirstRstTime;
    public long LastPacketBeforeRstTime;
    public long LongestIdleGap;      // largest gap between two packets of this connection
    public long LongestIdleGapEnd;   // when that gap ended
    public bool FirstRstFromA;

    public void AppendHistory(char letter)
    {
        // Zeek's history has no cap; masks and the scaled letters keep real ones far below this,
        // and a pathological connection (a RST storm) keeps its first 64 letters.
        if (HistoryLength >= HistoryBuffer.Capacity)
            return;
        History[HistoryLength++] = (byte)letter;
    }

    public readonly bool HistoryIs(char single) => HistoryLength == 1 && History[0] == (byte)single;
}
