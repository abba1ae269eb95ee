using System.Globalization;
using PcapResetInspector.Core.Decoding;

namespace PcapResetInspector.Core.Diagnosis;

/// <summary>
/// Words for the reason codes of a RST's diagnostic payload: the initial "TCP Failure Causes" registry of
/// draft-ietf-tcpm-rst-diagnostic-payload-03 §9.1 (Table 2). The draft renumbered it between -02 and -03, and
/// IANA's registry is the authority once it exists, so a code is always given with its number.
/// </summary>
public static class RstDiagnosticReasons
{
    /// <summary>Where the format and the table come from, as the evidence cites it.</summary>
    public const string Source = "draft-ietf-tcpm-rst-diagnostic-payload-03";

    private static readonly string[] Initial =
    [
        "reserved",
        "illegal option length",
        "data available or received when the application cannot read data anymore",
        "ABORT process",
        "segment received in CLOSED state",
        "ACK segment received in LISTEN state",
        "ACK segment received in SYN-SENT state and SEG.ACK is not acceptable",
        "ACK segment received in SYN-RECEIVED state and SEG.ACK is not acceptable",
        "in-window SYN received in a synchronized state without RFC 5961 support",
        "unexpected security compartment",
        "malformed message",
        "not authorized",
        "resource exceeded",
        "network failure",
        "reset received from the peer",
        "destination unreachable",
        "connection timeout",
        "too much outstanding data",
        "unacceptable performance",
        "middlebox interference",
    ];

    /// <summary>The registry's words for an IANA code (PEN 0), or null for a code the draft's table does not list.</summary>
    public static string? Describe(ushort reasonCode) => reasonCode > 0 && reasonCode < Initial.Length ? Initial[reasonCode] : null;

    /// <summary>The evidence clause: "the RST carries a diagnostic payload (...): reason 16, connection timeout".</summary>
    public static string Evidence(RstDiagnosticPayload payload)
    {
        string code = payload.ReasonCode.ToString(CultureInfo.InvariantCulture);
        string what = payload.EnterpriseNumber != 0
            // §4.1: a non-zero PEN names the registry of that enterprise, which this tool cannot read.
            ? $"reason {code} of the registry of enterprise {payload.EnterpriseNumber.ToString(CultureInfo.InvariantCulture)}"
            : Describe(payload.ReasonCode) is { } words
                ? $"reason {code}, {words}"
                : $"reason {code}, not in the draft's initial registry";
        return $"the RST carries a diagnostic payload ({Source} §4.1): {what}";
    }

    /// <summary>
    /// The clause for a RST that carries data in no form this tool reads. RFC 9293 §3.5.3 (SHLD-2) lets a RST carry
    /// diagnostic data, and stacks and middleboxes have put text there. The length comes from the IP lengths, so it
    /// holds when a snapshot length cut the bytes off.
    /// </summary>
    public static string DataEvidence(int length) =>
        $"its first RST carries {length.ToString(CultureInfo.InvariantCulture)} byte{(length == 1 ? "" : "s")} of data " +
        "(RFC 9293 §3.5.3 allows diagnostic data in a RST; open the packet to read it)";
}
