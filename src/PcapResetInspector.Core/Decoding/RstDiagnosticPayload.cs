using System.Buffers.Binary;

namespace PcapResetInspector.Core.Decoding;

/// <summary>
/// The reason a RST carries in its payload, as draft-ietf-tcpm-rst-diagnostic-payload-03 §4.1 lays it out: the
/// magic number 0x33AA, a 16-bit reason code, a 32-bit Private Enterprise Number (0: the IANA "TCP Failure
/// Causes" registry, else the registry of that enterprise), all in network byte order, and nothing else. The
/// default value (reason code 0, which §4.1 reserves) means no payload was read.
/// </summary>
public readonly record struct RstDiagnosticPayload(ushort ReasonCode, uint EnterpriseNumber)
{
    /// <summary>§4.1: "The magic number MUST be set to 0x33AA".</summary>
    public const ushort Magic = 0x33AA;

    /// <summary>§4.1: "SEG.LEN MUST be 8 for an RST with diagnostic payload".</summary>
    public const int Length = 8;

    public bool IsPresent => ReasonCode != 0;

    /// <summary>
    /// Reads the payload of a RST. Only what the draft allows is taken: a segment of another length, another
    /// magic number or the reserved reason code 0 is malformed and ignored (§4.2: "silently ignored by the
    /// receiver"), and a payload the capture cut short (a snapshot length, a headers-only capture point) says
    /// nothing either way. The work is a fixed 8 bytes whatever the segment claims.
    /// </summary>
    /// <param name="captured">The payload bytes in the frame, possibly fewer than the segment carried.</param>
    /// <param name="segmentLength">The payload length from the IP lengths (SEG.LEN).</param>
    public static bool TryRead(ReadOnlySpan<byte> captured, int segmentLength, out RstDiagnosticPayload payload)
    {
        payload = default;
        if (segmentLength != Length || captured.Length < Length)
            return false;
        if (BinaryPrimitives.ReadUInt16BigEndian(captured) != Magic)
            return false;
        ushort reason = BinaryPrimitives.ReadUInt16BigEndian(captured[2..]);
        if (reason == 0)
            return false;
        payload = new RstDiagnosticPayload(reason, BinaryPrimitives.ReadUInt32BigEndian(captured[4..]));
        return true;
    }
}
