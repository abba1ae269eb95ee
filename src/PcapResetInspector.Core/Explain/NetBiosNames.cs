using System.Text;
using PcapResetInspector.Core.Analysis;
using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Explain;

/// <summary>
/// Learns client NetBIOS names from NetBIOS session requests on port 139 (RFC 1002 §4.3.2), so that a
/// Samba log named after the client's name (log file = log.%m) can be tied to the client's address.
/// </summary>
public sealed class NetBiosNames : ISegmentObserver
{
    private const ushort SessionServicePort = 139;
    private const byte SessionRequest = 0x81;
    // Type, flags and a 16-bit length, then the called and the calling name, each a 32-character
    // first-level encoded name in a DNS-style label: length 32, the characters, then the end label.
    private const int HeaderLength = 4;
    private const int EncodedNameLength = 32;

    private readonly Dictionary<string, IpAddress128> _addresses = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Client name to address; a name seen from several addresses keeps the latest.</summary>
    public IReadOnlyDictionary<string, IpAddress128> Addresses => _addresses;

    public void Observe(in TcpSegment segment, ReadOnlySpan<byte> frame)
    {
        if (segment.DestinationPort != SessionServicePort || segment.CapturedPayloadLength < HeaderLength + 2 * (EncodedNameLength + 2))
            return;
        int end = Math.Min(frame.Length, segment.PayloadOffset + segment.CapturedPayloadLength);
        if (segment.PayloadOffset >= end)
            return;
        ReadOnlySpan<byte> payload = frame[segment.PayloadOffset..end];
        if (payload[0] != SessionRequest)
            return;
        ReadOnlySpan<byte> names = payload[HeaderLength..];
        int calledLength = LabelsLength(names);
        if (calledLength < 0 || TryDecode(names[calledLength..]) is not { } calling)
            return;
        _addresses[calling] = segment.SourceAddress;
    }

    /// <summary>Length of an encoded name with its labels and end label, or -1 if malformed.</summary>
    private static int LabelsLength(ReadOnlySpan<byte> data)
    {
        int at = 0;
        while (at < data.Length && at < 255)
        {
            int label = data[at];
            if (label == 0)
                return at + 1;
            if (label > 63)
                return -1;
            at += 1 + label;
        }
        return -1;
    }

    /// <summary>The first label decoded (RFC 1001 §14.1: each byte as two letters 'A'+high, 'A'+low nibble), padding removed.</summary>
    internal static string? TryDecode(ReadOnlySpan<byte> label)
    {
        if (label.Length < 1 + EncodedNameLength || label[0] != EncodedNameLength)
            return null;
        Span<byte> name = stackalloc byte[EncodedNameLength / 2];
        for (int i = 0; i < name.Length; i++)
        {
            int high = label[1 + (2 * i)] - 'A', low = label[2 + (2 * i)] - 'A';
            if ((uint)high > 15 || (uint)low > 15)
                return null;
            name[i] = (byte)((high << 4) | low);
        }
        // Fifteen characters padded with spaces, then the suffix byte (the service type).
        string text = Encoding.ASCII.GetString(name[..15]).TrimEnd(' ', '\0');
        return text.Length == 0 || text.Any(char.IsControl) ? null : text;
    }
}
