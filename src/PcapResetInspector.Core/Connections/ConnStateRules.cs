namespace PcapResetInspector.Core.Connections;

/// <summary>
/// Zeek's conn_state: a pure function of the two final endpoint states, the two sizes and the
/// history (base/protocols/conn/main.zeek conn_state(); zeek-conn-semantics §3.1). Rows are tried
/// top to bottom; the first match wins.
/// </summary>
public static class ConnStateRules
{
    public static string Decide(EndpointState orig, EndpointState resp, ulong origSize, ulong respSize, ReadOnlySpan<char> history)
    {
        if (resp == EndpointState.Reset)
        {
            if (orig is EndpointState.SynSent or EndpointState.SynAckSent)
                return "REJ";
            if (orig == EndpointState.Reset && origSize == 0 && respSize == 0)
                return "REJ";
            if (orig.IsInactiveOrPartial())
                return "RSTRH";
            return "RSTR";
        }

        if (orig == EndpointState.Reset)
        {
            if (resp.IsInactiveOrPartial())
                return MatchesRstos0(history) ? "RSTOS0" : "OTH";
            return "RSTO";
        }

        if (orig == EndpointState.Closed && resp == EndpointState.Closed)
            return "SF";
        if (orig == EndpointState.Closed)
            return resp.IsInactiveOrPartial() ? "SH" : "S2";
        if (resp == EndpointState.Closed)
            return orig.IsInactiveOrPartial() ? "SHR" : "S3";
        if (resp == EndpointState.Inactive && orig == EndpointState.SynSent)
            return "S0";
        if (resp == EndpointState.Established && orig == EndpointState.Established)
            return "S1";
        return "OTH";
    }

    /// <summary>
    /// The anchored, case-sensitive pattern /^?S[^HAFGIQ]*R.*/ (Zeek commit a16bd47bf7, GH-1164):
    /// an optional '^', then 'S', then no originator H/A/F/G/I/Q before an originator 'R'.
    /// </summary>
    public static bool MatchesRstos0(ReadOnlySpan<char> history)
    {
        int i = 0;
        if (i < history.Length && history[i] == '^')
            i++;
        if (i >= history.Length || history[i] != 'S')
            return false;
        for (i++; i < history.Length; i++)
        {
            char c = history[i];
            if (c == 'R')
                return true;
            if (c is 'H' or 'A' or 'F' or 'G' or 'I' or 'Q')
                return false;
        }
        return false;
    }
}
