using System.Buffers.Binary;

namespace PcapResetInspector.Core.Decoding;

/// <summary>
/// Reads the TCP options that matter for reset diagnosis into a <see cref="TcpSegment"/>
/// (RFC 9293 §3.2, RFC 7323, RFC 2018). Options are hints, not structure: a bad length ends the
/// parse but never fails the segment, and a snaplen cut keeps what was read before it.
/// </summary>
internal static class TcpOptionsParser
{
    private const byte EndOfOptionList = 0;
    private const byte NoOperation = 1;
    private const byte MaximumSegmentSize = 2;
    private const byte WindowScale = 3;
    private const byte SackPermitted = 4;
    private const byte Sack = 5;
    private const byte Timestamps = 8;
    private const byte Mptcp = 30;
    /// <summary>RFC 8684 §3.6: MP_TCPRST is subtype 0x8, in the high nibble of the option's first byte.</summary>
    private const byte MpTcpRstSubtype = 0x8;
    private const int MpTcpRstLength = 4;

    private const int MaximumSegmentSizeLength = 4;
    private const int WindowScaleLength = 3;
    private const int SackPermittedLength = 2;
    private const int TimestampsLength = 10;
    private const int SackBlockLength = 8;
    /// <summary>Kind and length bytes: the smallest valid length of any option but EOL and NOP.</summary>
    private const int KindAndLengthSize = 2;

    /// <param name="options">The option bytes in the frame: the header after its 20 fixed bytes, cut at the capture's end.</param>
    public static void Parse(ReadOnlySpan<byte> options, ref TcpSegment segment)
    {
        int position = 0;
        while (position < options.Length)
        {
            byte kind = options[position];
            if (kind == EndOfOptionList)
            {
                return;
            }
            if (kind == NoOperation)
            {
                position++;
                continue;
            }
            if (options.Length - position < KindAndLengthSize)
            {
                return; // cut between kind and length
            }
            int length = options[position + 1];
            if (length < KindAndLengthSize || length > options.Length - position)
            {
                return; // impossible length, or the option runs past the header or the capture
            }
            ReadOnlySpan<byte> value = options.Slice(position + KindAndLengthSize, length - KindAndLengthSize);
            if (!TryRead(kind, length, value, ref segment))
            {
                return;
            }
            position += length;
        }
    }

    /// <summary>Records one option; false when a known kind has a length its RFC does not allow.</summary>
    private static bool TryRead(byte kind, int length, ReadOnlySpan<byte> value, ref TcpSegment segment)
    {
        switch (kind)
        {
            case MaximumSegmentSize:
                if (length != MaximumSegmentSizeLength)
                {
                    return false;
                }
                segment.Mss = BinaryPrimitives.ReadUInt16BigEndian(value);
                segment.Options |= TcpOptionsSeen.Mss;
                return true;
            case WindowScale:
                if (length != WindowScaleLength)
                {
                    return false;
                }
                // Kept as sent: RFC 7323 §2.3 says a receiver treats shifts above 14 as 14, but the raw value is evidence.
                segment.WindowScale = value[0];
                segment.Options |= TcpOptionsSeen.WindowScale;
                return true;
            case SackPermitted:
                if (length != SackPermittedLength)
                {
                    return false;
                }
                segment.Options |= TcpOptionsSeen.SackPermitted;
                return true;
            case Sack:
                // RFC 2018 §3: one or more 8-byte blocks of left and right edge.
                if (length < KindAndLengthSize + SackBlockLength || (length - KindAndLengthSize) % SackBlockLength != 0)
                {
                    return false;
                }
                segment.Options |= TcpOptionsSeen.Sack;
                return true;
            case Timestamps:
                if (length != TimestampsLength)
                {
                    return false;
                }
                segment.TimestampValue = BinaryPrimitives.ReadUInt32BigEndian(value);
                segment.TimestampEcho = BinaryPrimitives.ReadUInt32BigEndian(value[4..]);
                segment.Options |= TcpOptionsSeen.Timestamps;
                return true;
            case Mptcp:
                // Kind, length 4, subtype and the U/V/W/T flags, then the reason (RFC 8684 §3.6); other subtypes are skipped.
                if (length == MpTcpRstLength && value[0] >> 4 == MpTcpRstSubtype)
                {
                    segment.MptcpResetReason = value[1];
                    segment.Options |= TcpOptionsSeen.MptcpReset;
                }
                return true;
            default:
                return true; // other MPTCP subtypes, TCP-AO, TFO, experiments...: skipped by their length
        }
    }
}
