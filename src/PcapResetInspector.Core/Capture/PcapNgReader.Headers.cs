using System.Buffers.Binary;
using System.Text;

namespace PcapResetInspector.Core.Capture;

/// <summary>pcapng: the Section Header and Interface Description blocks and their options (§4.1, §4.2).</summary>
internal sealed partial class PcapNgReader
{
    /// <summary>§4.1: sets the byte order and starts a new list of interfaces.</summary>
    private bool ReadSectionHeader()
    {
        long blockOffset = Input.Position;
        bool first = _section < 0;

        // A file cut inside its first section header has nothing readable: an error, not a mere truncation.
        ProblemSeverity truncation = first ? ProblemSeverity.Error : ProblemSeverity.Warning;
        int available = Input.Fill(SectionHeaderFixedLength);
        if (available < ByteOrderMagicOffset + 4)
        {
            StopTruncated(truncation, blockOffset, "section header block", ByteOrderMagicOffset + 4, available);
            return false;
        }

        ReadOnlySpan<byte> header = Input.Window;
        bool sectionBigEndian;
        if (BinaryPrimitives.ReadUInt32BigEndian(header[ByteOrderMagicOffset..]) == ByteOrderMagic)
        {
            sectionBigEndian = true;
        }
        else if (BinaryPrimitives.ReadUInt32LittleEndian(header[ByteOrderMagicOffset..]) == ByteOrderMagic)
        {
            sectionBigEndian = false;
        }
        else
        {
            Context.Stop(CaptureProblemKind.InvalidHeader, ProblemSeverity.Error, blockOffset,
                $"section header block at {Context.At(blockOffset)} has byte-order magic " +
                $"{Convert.ToHexString(header.Slice(ByteOrderMagicOffset, 4))}, not 1A2B3C4D in either byte order");
            return false;
        }

        if (available < MinorOffset + 2)
        {
            StopTruncated(truncation, blockOffset, "section header block", MinorOffset + 2, available);
            return false;
        }

        _bigEndian = sectionBigEndian;
        ushort major = ReadUInt16(header[MajorOffset..]);
        ushort minor = ReadUInt16(header[MinorOffset..]);

        // §4.1: 1.0 is the version; libpcap also reads 1.2, which some writers put there by mistake.
        // Checked before the length, since another version may lay the block out differently.
        if (major != 1 || (minor != 0 && minor != 2))
        {
            Context.Stop(CaptureProblemKind.UnsupportedVersion, ProblemSeverity.Error, blockOffset,
                $"section header block at {Context.At(blockOffset)} has pcapng version {major}.{minor}; " +
                "only 1.0 (and 1.2) are read");
            return false;
        }

        uint totalLength = ReadUInt32(header[4..]);
        if (totalLength < MinSectionHeaderLength)
        {
            Context.Stop(CaptureProblemKind.ImpossibleLength, ProblemSeverity.Error, blockOffset,
                $"section header block at {Context.At(blockOffset)} has total length {totalLength}, " +
                $"less than the {MinSectionHeaderLength} its fixed fields need");
            return false;
        }

        if (!CheckBlockLength(SectionHeaderType, totalLength, blockOffset))
        {
            return false;
        }

        int length = (int)totalLength;
        available = Input.Fill(length);
        if (available < length)
        {
            StopTruncated(truncation, blockOffset, "section header block", length, available);
            return false;
        }

        if (!CheckTrailer(SectionHeaderType, length, blockOffset))
        {
            return false;
        }

        ReadOnlySpan<byte> block = Input.Window[..length];
        var options = new OptionReader(block[SectionHeaderFixedLength..(length - 4)], _bigEndian);
        while (options.Next(out _, out _))
        {
            // No section option changes how packets are read; they are walked only to check their bounds.
        }

        if (options.Malformed)
        {
            StopOptionOverrun(blockOffset, SectionHeaderType, SectionHeaderFixedLength, options);
            return false;
        }

        _section++;
        _sectionFirstInterface = _interfaces.Count;
        Input.Advance(length);
        return true;
    }

    /// <summary>§4.2: one more interface for this section.</summary>
    private bool ReadInterfaceDescription(int length, long blockOffset)
    {
        if (length < MinIdbLength)
        {
            StopTooShort(InterfaceDescriptionType, length, MinIdbLength, blockOffset);
            return false;
        }

        ReadOnlySpan<byte> block = Input.Window[..length];
        var state = new InterfaceState
        {
            LinkType = ReadUInt16(block[IdbLinkTypeOffset..]),
            SnapLength = ReadUInt32(block[IdbSnapLengthOffset..]),
            FcsLength = PacketRecord.UnknownFcsLength,
            Scale = new TimestampScale(TimestampScale.DefaultResolution),
        };
        long offsetSeconds = 0;
        string? name = null;
        var options = new OptionReader(block[IdbOptionsOffset..(length - 4)], _bigEndian);
        while (options.Next(out ushort code, out ReadOnlySpan<byte> value))
        {
            switch (code)
            {
                case OptionIfName:
                    name = Encoding.UTF8.GetString(value.TrimEnd((byte)0));
                    break;
                case OptionIfTsResol when value.Length == 1:
                    state.Scale = new TimestampScale(value[0]);
                    break;
                case OptionIfTsOffset when value.Length == 8:
                    offsetSeconds = _bigEndian ? BinaryPrimitives.ReadInt64BigEndian(value) : BinaryPrimitives.ReadInt64LittleEndian(value);
                    state.OffsetSeconds = offsetSeconds;
                    state.OffsetBeyondNanos = Math.Abs((double)offsetSeconds) * 1e9 >= long.MaxValue;
                    state.OffsetNanos = state.OffsetBeyondNanos ? 0 : offsetSeconds * 1_000_000_000;
                    break;
                case OptionIfFcsLen when value.Length == 1 && value[0] % 8 == 0:
                    // §4.2: if_fcslen counts bits (unlike the byte count in epb_flags).
                    state.FcsLength = value[0] / 8;
                    break;
                case OptionIfTsResol or OptionIfTsOffset:
                    // Every timestamp of the interface depends on these: guessing would make them all wrong.
                    Context.Stop(CaptureProblemKind.CorruptBlock, ProblemSeverity.Error, blockOffset,
                        $"interface description block at {Context.At(blockOffset)}: option {code} has length " +
                        $"{value.Length}, not {(code == OptionIfTsResol ? 1 : 8)}");
                    return false;
                case OptionIfFcsLen:
                    Context.Warn(CaptureProblemKind.SuspiciousRecord, blockOffset,
                        $"interface description block at {Context.At(blockOffset)}: if_fcslen option " +
                        $"({value.Length} bytes{(value.Length == 1 ? ", value " + value[0] : "")}) is not a whole number " +
                        "of bytes; FCS length taken as unknown");
                    break;
            }
        }

        if (options.Malformed)
        {
            StopOptionOverrun(blockOffset, InterfaceDescriptionType, IdbOptionsOffset, options);
            return false;
        }

        if (_interfaces.Count == _states.Length)
        {
            Array.Resize(ref _states, _states.Length * 2);
        }

        _states[_interfaces.Count] = state;
        _interfaces.Add(new CaptureInterface(
            _interfaces.Count, _section, state.LinkType, state.SnapLength, state.FcsLength, state.Scale.Resolution, offsetSeconds, name));
        return true;
    }
}
