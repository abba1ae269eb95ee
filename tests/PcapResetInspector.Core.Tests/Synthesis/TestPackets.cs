using System.Buffers.Binary;
using PcapResetInspector.Core.Capture;

namespace PcapResetInspector.Core.Tests.Synthesis;

/// <summary>
/// A deliberately small, independent reading of the builder's frames (not the project's decoder), so
/// the tests check the bytes against the RFC layouts rather than against the code that wrote them.
/// </summary>
internal sealed class TestPacket
{
    public TestPacket(byte[] frame, int linkType)
    {
        Frame = frame;
        IpOffset = linkType switch
        {
            LinkTypes.Ethernet => EthernetIpOffset(frame),
            LinkTypes.Raw => 0,
            LinkTypes.LinuxSll => 16,
            LinkTypes.LinuxSll2 => 20,
            LinkTypes.Null => 4,
            _ => throw new NotSupportedException(),
        };
        IpVersion = frame[IpOffset] >> 4;
        TcpOffset = IpOffset + (IpVersion == 4 ? (frame[IpOffset] & 0x0F) * 4 : 40);
        IpEnd = IpVersion == 4
            ? IpOffset + BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(IpOffset + 2))
            : TcpOffset + BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(IpOffset + 4));
    }

    public byte[] Frame { get; }
    public int IpOffset { get; }
    public int TcpOffset { get; }
    public int IpEnd { get; }
    public int IpVersion { get; }

    public Span<byte> Ip => Frame.AsSpan(IpOffset, IpEnd - IpOffset);
    public Span<byte> Tcp => Frame.AsSpan(TcpOffset, IpEnd - TcpOffset);
    public Span<byte> SourceAddress => IpVersion == 4 ? Frame.AsSpan(IpOffset + 12, 4) : Frame.AsSpan(IpOffset + 8, 16);
    public Span<byte> DestinationAddress => IpVersion == 4 ? Frame.AsSpan(IpOffset + 16, 4) : Frame.AsSpan(IpOffset + 24, 16);

    public byte Ttl => IpVersion == 4 ? Frame[IpOffset + 8] : Frame[IpOffset + 7];
    public ushort IpId => BinaryPrimitives.ReadUInt16BigEndian(Frame.AsSpan(IpOffset + 4));
    public ushort SourcePort => BinaryPrimitives.ReadUInt16BigEndian(Tcp);
    public ushort DestinationPort => BinaryPrimitives.ReadUInt16BigEndian(Tcp[2..]);
    public uint Seq => BinaryPrimitives.ReadUInt32BigEndian(Tcp[4..]);
    public uint Ack => BinaryPrimitives.ReadUInt32BigEndian(Tcp[8..]);
    public int TcpHeaderLength => (Tcp[12] >> 4) * 4;
    public int Flags => ((Tcp[12] & 1) << 8) | Tcp[13];
    public ushort Window => BinaryPrimitives.ReadUInt16BigEndian(Tcp[14..]);
    public ushort TcpChecksum => BinaryPrimitives.ReadUInt16BigEndian(Tcp[16..]);
    public byte[] Options => Tcp[20..TcpHeaderLength].ToArray();
    public byte[] Payload => Tcp[TcpHeaderLength..].ToArray();

    /// <summary>The TS option's (TSval, TSecr), or null when the segment has none.</summary>
    public (uint Value, uint Echo)? Timestamps
    {
        get
        {
            byte[] options = Options;
            for (int i = 0; i < options.Length;)
            {
                byte kind = options[i];
                if (kind == 0)
                {
                    break;
                }
                if (kind == 1)
                {
                    i++;
                    continue;
                }
                if (kind == 8)
                {
                    return (BinaryPrimitives.ReadUInt32BigEndian(options.AsSpan(i + 2)), BinaryPrimitives.ReadUInt32BigEndian(options.AsSpan(i + 6)));
                }
                i += options[i + 1];
            }
            return null;
        }
    }

    private static int EthernetIpOffset(byte[] frame)
    {
        int offset = 12;
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(offset));
        while (type is 0x8100 or 0x88A8)
        {
            offset += 4;
            type = BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(offset));
        }
        return offset + 2;
    }
}

/// <summary>RFC 1071 sums written out longhand for the tests.</summary>
internal static class ReferenceChecksum
{
    public static ushort OnesComplementSum(IEnumerable<byte> bytes)
    {
        long sum = 0;
        byte[] data = bytes.ToArray();
        for (int i = 0; i < data.Length; i += 2)
        {
            int high = data[i];
            int low = i + 1 < data.Length ? data[i + 1] : 0;
            sum += (high << 8) + low;
        }
        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (ushort)sum;
    }

    /// <summary>The checksum the TCP header should hold: computed with its own field taken as zero.</summary>
    public static ushort ExpectedTcpChecksum(TestPacket packet)
    {
        byte[] segment = packet.Tcp.ToArray();
        segment[16] = 0;
        segment[17] = 0;
        var pseudo = new List<byte>();
        pseudo.AddRange(packet.SourceAddress.ToArray());
        pseudo.AddRange(packet.DestinationAddress.ToArray());
        if (packet.IpVersion == 4)
        {
            // RFC 9293 §3.1: zero, PTCL, TCP length (16 bits).
            pseudo.Add(0);
            pseudo.Add(6);
            pseudo.Add((byte)(segment.Length >> 8));
            pseudo.Add((byte)segment.Length);
        }
        else
        {
            // RFC 8200 §8.1: upper-layer length (32 bits), three zero bytes, next header.
            pseudo.AddRange([(byte)(segment.Length >> 24), (byte)(segment.Length >> 16), (byte)(segment.Length >> 8), (byte)segment.Length]);
            pseudo.AddRange([0, 0, 0, 6]);
        }
        return (ushort)~OnesComplementSum(pseudo.Concat(segment));
    }

    public static ushort ExpectedIPv4HeaderChecksum(TestPacket packet)
    {
        byte[] header = packet.Ip[..20].ToArray();
        header[10] = 0;
        header[11] = 0;
        return (ushort)~OnesComplementSum(header);
    }
}
