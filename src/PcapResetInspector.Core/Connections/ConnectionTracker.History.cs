using PcapResetInspector.Core.Decoding;

namespace PcapResetInspector.Core.Connections;

/// <summary>The history string's letters, scaled repeats included (zeek-conn-semantics §4).</summary>
public sealed partial class ConnectionTracker
{
    // ---------------------------------------------------------------- history

    private static bool IsOrigHost(ref Connection c, bool hostIsA) => hostIsA == c.OriginatorIsA;

    /// <summary>
    /// Connection::CheckHistory via TCP_Endpoint::CheckHistory: adds the letter the first time its
    /// mask is seen; returns true if it had been seen before. A history of exactly "H" followed by
    /// an A or D flips the roles and becomes "^h" (§4.4 item 2).
    /// </summary>
    private static bool CheckHistory(ref Connection c, bool hostIsA, uint mask, char code)
    {
        if ((code == 'A' || code == 'D') && c.HistoryIs('H'))
        {
            FlipRoles(ref c);
            c.HistoryLength = 0;
            c.AppendHistory('^');
            c.AppendHistory('h');
        }

        if (!IsOrigHost(ref c, hostIsA))
        {
            mask <<= 16;
            code = char.ToLowerInvariant(code);
        }
        if ((c.HistorySeen & mask) == 0)
        {
            c.HistorySeen |= mask;
            c.AppendHistory(code);
            return false;
        }
        return true;
    }

    private static void AddHistory(ref Connection c, bool hostIsA, char code) =>
        c.AppendHistory(IsOrigHost(ref c, hostIsA) ? code : char.ToLowerInvariant(code));

    /// <summary>Session::ScaledHistoryEntry: the letter at the 1st, 10th, 100th ... occurrence.</summary>
    private static void ScaledHistoryEntry(ref Connection c, bool hostIsA, char code, ref uint counter, ref uint threshold)
    {
        if (++counter != threshold)
            return;
        AddHistory(ref c, hostIsA, code);
        threshold = threshold <= uint.MaxValue / 10 ? threshold * 10 : uint.MaxValue;
    }

    /// <summary>update_history in TCPSessionAdapter.cc (zeek-conn-semantics §4.1).</summary>
    private static void UpdateHistory(ref Connection c, bool fromA, TcpFlags flags, ref TcpEndpoint ep, ulong relSeq, int len)
    {
        bool syn = (flags & TcpFlags.Syn) != 0;
        bool fin = (flags & TcpFlags.Fin) != 0;
        bool rst = (flags & TcpFlags.Rst) != 0;
        int bits = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0);
        if (bits > 1)
        {
            if (fin && rst)
                CheckHistory(ref c, fromA, HistFinRstPacket, 'I');
            else
                CheckHistory(ref c, fromA, HistMultiFlagPacket, 'Q');
        }
        else if (bits == 1)
        {
            if (syn)
            {
                char code = (flags & TcpFlags.Ack) != 0 ? 'H' : 'S';
                if (CheckHistory(ref c, fromA, HistSynPacket, code) && relSeq != ep.HistLastSyn)
                    AddHistory(ref c, fromA, code);
                ep.HistLastSyn = relSeq;
            }
            if (fin)
            {
                // A FIN's sequence number counts after the data it carries.
                ulong finSeq = relSeq + (ulong)len;
                if (CheckHistory(ref c, fromA, HistFinPacket, 'F') && finSeq != ep.HistLastFin)
                    AddHistory(ref c, fromA, 'F');
                ep.HistLastFin = finSeq;
            }
            if (rst)
            {
                if (CheckHistory(ref c, fromA, HistRstPacket, 'R') && relSeq != ep.HistLastRst)
                    AddHistory(ref c, fromA, 'R');
                ep.HistLastRst = relSeq;
            }
        }
        else if (len > 0)
        {
            CheckHistory(ref c, fromA, HistDataPacket, 'D');
        }
        else if ((flags & TcpFlags.Ack) != 0)
        {
            CheckHistory(ref c, fromA, HistAckPacket, 'A');
        }
        // A zero-length packet with no flags (a NULL scan) leaves no letter.
    }

    /// <summary>Connection::FlipRoles: the other host becomes the originator; history gets '^'.</summary>
    private static void FlipRoles(ref Connection c)
    {
        c.OriginatorIsA = !c.OriginatorIsA;
        byte seen = c.FirstPacketSeen;
        c.FirstPacketSeen = (byte)(((seen & FirstPacketOriginator) != 0 ? FirstPacketResponder : 0) |
                                   ((seen & FirstPacketResponder) != 0 ? FirstPacketOriginator : 0));
        c.IsPartial = false;
        c.AppendHistory('^');
    }
}
