using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Diagnosis;

/// <summary>
/// What the endpoint that received a RST would have written to its log, so users can match log
/// lines to connections: Samba's messages by version (resets.md, "What Samba logs"), otherwise the
/// socket errors applications report.
/// </summary>
internal static class LogHints
{
    public const string ConnectionReset = "Connection reset by peer (ECONNRESET; Windows WSAECONNRESET 10054)";
    public const string ConnectionRefused = "Connection refused (ECONNREFUSED; Windows WSAECONNREFUSED 10061)";

    /// <summary>smbd reading from a connection its client reset.</summary>
    public static string SambaReadOnReset(EndpointSummary client, bool smbNegotiated)
    {
        string ip = IpAddress128.Format(client.Address);
        string tsocket = (IpAddress128.IsIPv4(client.Address) ? "ipv4:" : "ipv6:") + ip + ":" + EvidenceText.Number(client.Port);
        string recent = smbNegotiated
            ? "4.x after negotiate (level 3): \"Server exit (NT_STATUS_CONNECTION_RESET)\""
            : "4.17+ with SMB2 only (level 3): \"Server exit (failed to receive request length)\"";
        return "smbd reading from it: Samba up to 3.5 (level 0): \"read_fd_with_timeout: client 0.0.0.0 read error = Connection reset by peer.\"; " +
               "3.6.0-3.6.1 (level 1): \"read_smb_length_return_keepalive failed for client " + ip + " read error = NT_STATUS_CONNECTION_RESET.\"; " +
               "3.6.2-4.16, or later with SMB1 (level 1): \"receive_smb_raw_talloc failed for client " + tsocket + " read error = NT_STATUS_CONNECTION_RESET.\"; " +
               recent;
    }

    /// <summary>The log hint for the endpoint that received the RST of a connection judged on its own.</summary>
    public static string ForReceiver(ConnectionFacts facts, bool bothSidesReset)
    {
        if (!facts.HasRst)
            return "none: no RST was seen";
        EndpointSummary receiver = facts.Peer!;
        bool receiverIsServer = facts.ResetterIsClient;
        string who = (receiverIsServer ? "server " : "client ") + IpAddress128.Format(receiver.Address);
        if (bothSidesReset)
            return "both ends: " + ConnectionReset + " on the next read or write";
        if (receiverIsServer && !facts.ClientCompletedHandshake && !facts.DataBeforeRst)
        {
            return "nothing on the " + who + ": the handshake never completed, so no application accepted the connection";
        }
        if (receiverIsServer && facts.IsSmbPort)
            return SambaReadOnReset(facts.Client, SmbNegotiated(facts));
        return who + ": " + ConnectionReset + " on its next read or write";
    }

    /// <summary>The client spoke SMB and the server answered: smbd got past negotiate.</summary>
    public static bool SmbNegotiated(ConnectionFacts facts)
    {
        if (!facts.IsSmbCarrier)
            return false;
        // On 139 the server's first answer is the 0x82 session response; negotiate comes after it.
        ulong needed = facts.Server.Port == ConnectionFacts.NetBiosSessionPort && (facts.FirstClientByte == 0x81 || facts.ClientPayloadUncaptured) ? 2UL : 1UL;
        return facts.Server.DataPackets >= needed;
    }
}
