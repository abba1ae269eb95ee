using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Decoding;

namespace PcapResetInspector.Testing.Synthesis;

/// <summary>
/// Rewrites a classic pcap with less of each frame captured, the way a smaller snapshot length
/// would have captured it: each record keeps its timestamp and original (wire) length, only its
/// captured bytes shrink. <see cref="Slice"/> keeps the first N bytes of every record (tcpdump -s N,
/// editcap -s N); <see cref="HeadersOnly"/> cuts every TCP packet exactly where its TCP header ends,
/// so no payload byte is left while IP lengths, sequence numbers and options stay whole. Input may
/// be gzip-compressed or of either byte order; output is little-endian pcap with the input's
/// timestamp resolution and link-type field.
/// </summary>
public static class CaptureSlicer
{
    /// <summary>IPv6 next-header number of the fragment header (IANA protocol numbers registry).</summary>
    private const byte Ipv6FragmentHeader = 44;

    /// <summary>Cuts every record to at most <paramref name="snapLength"/> bytes; the file header's snaplen becomes that value.</summary>
    public static CaptureSliceSummary Slice(Stream input, Stream output, int snapLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(snapLength);
        return Rewrite(input, output, snapLength, (in PacketRecord packet, int linkType, ref Counts counts) =>
            Math.Min(packet.Data.Length, snapLength));
    }

    /// <summary>
    /// Cuts every TCP packet (Ethernet with 802.1Q/QinQ tags, Linux cooked, raw IP, null; IPv4 and
    /// IPv6 with extension headers) at the end of its TCP header, and every non-first fragment of
    /// a TCP datagram at the end of its IP headers. Frames that carry no TCP (ARP, UDP, ICMP) and
    /// frames whose headers are cut or malformed already are kept as they are. The file header
    /// keeps the input's snaplen.
    /// </summary>
    public static CaptureSliceSummary HeadersOnly(Stream input, Stream output) =>
        Rewrite(input, output, snapLength: null, (in PacketRecord packet, int linkType, ref Counts counts) =>
        {
            DecodeStatus status = PacketDecoder.Decode(packet.Data, linkType, packet.TimestampNanos, out TcpSegment segment);
            switch (status)
            {
                case DecodeStatus.Tcp:
                    counts.Tcp++;
                    return Math.Min(packet.Data.Length, segment.PayloadOffset);
                case DecodeStatus.Fragment:
                    counts.Fragments++;
                    return Math.Min(packet.Data.Length, FragmentHeadersEnd(packet.Data, segment));
                default:
                    counts.KeptWhole++;
                    return packet.Data.Length;
            }
        });

    /// <summary><see cref="Slice(Stream, Stream, int)"/> in memory.</summary>
    public static byte[] Slice(byte[] capture, int snapLength) => InMemory(capture, (input, output) => Slice(input, output, snapLength));

    /// <summary><see cref="HeadersOnly(Stream, Stream)"/> in memory.</summary>
    public static byte[] HeadersOnly(byte[] capture) => InMemory(capture, HeadersOnly);

    private static byte[] InMemory(byte[] capture, Func<Stream, Stream, CaptureSliceSummary> rewrite)
    {
        ArgumentNullException.ThrowIfNull(capture);
        using var input = new MemoryStream(capture, writable: false);
        using var output = new MemoryStream();
        rewrite(input, output);
        return output.ToArray();
    }

    private delegate int CutPoint(in PacketRecord packet, int linkType, ref Counts counts);

    private struct Counts
    {
        public long Tcp;
        public long Fragments;
        public long KeptWhole;
    }

    private static CaptureSliceSummary Rewrite(Stream input, Stream output, int? snapLength, CutPoint cut)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        using CaptureFileSource source = CaptureFile.Open(input, "input", leaveOpen: true);
        if (source.Format != CaptureFormat.Pcap || source.Interfaces.Count != 1)
        {
            string why = source.StopProblem?.Message ?? $"a {source.Format} file";
            throw new InvalidDataException($"Only classic pcap files can be sliced; this is {why}.");
        }

        CaptureInterface face = source.Interfaces[0];
        // The pcap link-type field also holds the FCS length (draft-ietf-opsawg-pcap §5): keep it.
        int linkTypeField = face.FcsLength >= 0 ? face.LinkType | 0x0400_0000 | ((face.FcsLength / 2) << 28) : face.LinkType;
        int headerSnapLength = snapLength ?? (face.SnapLength is > 0 and <= int.MaxValue ? (int)face.SnapLength : CaptureLimits.DefaultMaxSnapLength);
        var counts = new Counts();
        long packets = 0, before = 0, after = 0;
        using (var writer = new PcapWriter(output, linkTypeField, headerSnapLength, nanosecondResolution: face.TimestampResolution == 9, leaveOpen: true))
        {
            while (source.TryReadNext(out PacketRecord packet))
            {
                int keep = cut(in packet, face.LinkType, ref counts);
                // A record that claims less on the wire than was captured is written as captured.
                writer.WritePacket(packet.TimestampNanos, packet.Data[..keep], Math.Max(packet.OriginalLength, keep));
                packets++;
                before += packet.Data.Length;
                after += Math.Min(keep, headerSnapLength);
            }
        }
        if (source.StopProblem is { Severity: ProblemSeverity.Error } problem)
            throw new InvalidDataException("The input stopped being readable: " + problem.Message);

        return new CaptureSliceSummary
        {
            Packets = packets,
            TcpPackets = counts.Tcp,
            Fragments = counts.Fragments,
            KeptWhole = counts.KeptWhole,
            CapturedBytesBefore = before,
            CapturedBytesAfter = after,
            Warnings = [.. source.Problems.Select(p => p.ToString())],
        };
    }

    /// <summary>
    /// Where the IP headers of a non-first fragment end: IPv4's own header, or IPv6's fixed header
    /// and its extension headers up to and including the fragment header.
    /// </summary>
    private static int FragmentHeadersEnd(ReadOnlySpan<byte> frame, in TcpSegment segment)
    {
        int ip = segment.IpHeaderOffset;
        if (segment.IpVersion == 4)
            return ip + (frame[ip] & 0x0F) * 4;
        int position = ip + 40;
        byte next = frame[ip + 6];
        while (position + 2 <= frame.Length && PacketDecoder.IsExtensionHeader(next))
        {
            int length = PacketDecoder.ExtensionHeaderLength(next, frame[position + 1]);
            byte following = frame[position];
            position += length;
            if (next == Ipv6FragmentHeader)
                break;
            next = following;
        }
        return position;
    }
}

/// <summary>What <see cref="CaptureSlicer"/> did.</summary>
public sealed class CaptureSliceSummary
{
    public required long Packets { get; init; }
    /// <summary>Frames decoded as TCP (cut at the end of the TCP header in headers-only mode; 0 in snaplen mode).</summary>
    public required long TcpPackets { get; init; }
    /// <summary>Non-first fragments of TCP datagrams, cut at the end of their IP headers.</summary>
    public required long Fragments { get; init; }
    /// <summary>Frames without TCP left whole in headers-only mode.</summary>
    public required long KeptWhole { get; init; }
    public required long CapturedBytesBefore { get; init; }
    public required long CapturedBytesAfter { get; init; }
    /// <summary>What the reader noticed on the way (a file ending inside a record, ...).</summary>
    public required IReadOnlyList<string> Warnings { get; init; }
}
