using System.Runtime.CompilerServices;
using System.Buffers.Binary;
using System.Text;

namespace PcapResetInspector.Core.Capture;

/// <summary>
/// pcapng reader (draft-ietf-opsawg-pcapng): any number of sections in either byte order, Enhanced,
/// Simple and obsolete Packet Blocks; every other block is skipped by its length.
/// </summary>
internal sealed class PcapNgReader : FormatReader
{
    // Block types (§4, §10.1).
    public const uint SectionHeaderType = 0x0A0D0D0A;   // a palindrome: same value in either byte order
    private const uint InterfaceDescriptionType = 1;
    private const uint ObsoletePacketType = 2;
    private const uint SimplePacketType = 3;
    private const uint EnhancedPacketType = 6;

    // Generic block (§3.1): type, total length, body, total length again.
    private const int BlockHeaderLength = 8;
    private const int BlockOverhead = 12;

    // Section Header Block (§4.1): byte-order magic, major, minor, section length (i64), options.
    private const uint ByteOrderMagic = 0x1A2B3C4D;
    private const int ByteOrderMagicOffset = 8;
    private const int MajorOffset = 12;
    private const int MinorOffset = 14;
    private const int SectionHeaderFixedLength = 24;
    private const int MinSectionHeaderLength = SectionHeaderFixedLength + 4;

    // Interface Description Block (§4.2): link type u16, reserved u16, snaplen u32, options.
    private const int IdbLinkTypeOffset = 8;
    private const int IdbSnapLengthOffset = 12;
    private const int IdbOptionsOffset = 16;
    private const int MinIdbLength = IdbOptionsOffset + 4;
    private const ushort OptionIfName = 2;
    private const ushort OptionIfTsResol = 9;
    private const ushort OptionIfFcsLen = 13;
    private const ushort OptionIfTsOffset = 14;

    // Enhanced Packet Block (§4.3) and obsolete Packet Block (Appendix A): interface id, timestamp
    // high and low, captured length, original length, data. The Packet Block's interface id is 16 bits
    // followed by a 16-bit drops count, so the layout is otherwise the same.
    private const int PacketInterfaceOffset = 8;
    private const int PacketTimestampHighOffset = 12;
    private const int PacketTimestampLowOffset = 16;
    private const int PacketCapturedLengthOffset = 20;
    private const int PacketOriginalLengthOffset = 24;
    private const int PacketDataOffset = 28;
    private const int MinPacketBlockLength = PacketDataOffset + 4;

    // Simple Packet Block (§4.4): original length, data.
    private const int SimpleOriginalLengthOffset = 8;
    private const int SimpleDataOffset = 12;
    private const int MinSimplePacketLength = SimpleDataOffset + 4;
    // A packet block holding the largest packet read, with room for its options (epb_flags, hashes, comments).
    private const int MaxPacketBlockLength = CaptureLimits.MaxPacketBytes + 65_536;

    private readonly List<CaptureInterface> _interfaces = [];
    private InterfaceState[] _states = new InterfaceState[4];
    private bool _bigEndian;
    private int _section = -1;
    private int _sectionFirstInterface;
    private long _lastTimestampNanos;
    private bool _warnedAboveSnapLength;
    private bool _warnedAboveOriginalLength;
    private bool _warnedTimestampRange;

    /// <summary>What a packet block needs from its interface, kept apart from the public record so reads stay cheap.</summary>
    private struct InterfaceState
    {
        public int LinkType;
        public uint SnapLength;
        public int FcsLength;
        public TimestampScale Scale;
        public long OffsetSeconds;           // if_tsoffset
        public long OffsetNanos;             // the same in nanoseconds, when it fits
        public bool OffsetBeyondNanos;       // more than about 292 years: only the wide path can add it
    }

    public PcapNgReader(InputBuffer input, ReadContext context)
        : base(input, context)
    {
    }

    public override CaptureFormat Format => CaptureFormat.PcapNg;

    public override IReadOnlyList<CaptureInterface> Interfaces => _interfaces;

    private int SectionInterfaceCount => _interfaces.Count - _sectionFirstInterface;

    public override bool ReadFileHeader() => ReadSectionHeader();

    public override bool TryRead(out PacketRecord packet)
    {
        packet = default;
        while (true)
        {
            long blockOffset = Input.Position;
            int available = Input.Fill(BlockHeaderLength);
            if (available < BlockHeaderLength)
            {
                if (available > 0)
                {
                    Context.Stop(CaptureProblemKind.TruncatedRecord, ProblemSeverity.Warning, blockOffset,
                        $"file ends inside the block header at {Context.At(blockOffset)}: " +
                        $"{BlockHeaderLength} bytes expected, {available} available");
                }

                return false;
            }

            uint type = ReadUInt32(Input.Window);
            if (type == SectionHeaderType)
            {
                if (!ReadSectionHeader())
                {
                    return false;
                }

                continue;
            }

            uint totalLength = ReadUInt32(Input.Window[4..]);
            if (!CheckBlockLength(type, totalLength, blockOffset))
            {
                return false;
            }

            int length = (int)totalLength;
            if (type is EnhancedPacketType or ObsoletePacketType or SimplePacketType && length > MaxPacketBlockLength)
            {
                // Larger than any packet tcpdump or tshark read: skipped unbuffered, as they refuse it.
                Context.Warn(CaptureProblemKind.ImpossibleLength, blockOffset,
                    $"{BlockName(type)} at {Context.At(blockOffset)} is {length} bytes long, more than a packet of at most " +
                    $"{CaptureLimits.MaxPacketBytes} bytes needs: skipped");
                if (!SkipBlock(type, length, blockOffset))
                {
                    return false;
                }

                continue;
            }

            if (type == InterfaceDescriptionType && _interfaces.Count >= CaptureLimits.MaxInterfaces)
            {
                Context.Stop(CaptureProblemKind.ImpossibleLength, ProblemSeverity.Error, blockOffset,
                    $"interface description block at {Context.At(blockOffset)} would be interface {_interfaces.Count + 1}: " +
                    $"this tool keeps at most {CaptureLimits.MaxInterfaces} per file");
                return false;
            }

            bool handled = type switch
            {
                EnhancedPacketType or ObsoletePacketType or SimplePacketType or InterfaceDescriptionType =>
                    FillBlock(type, length, blockOffset),
                _ => SkipBlock(type, length, blockOffset),
            };
            if (!handled)
            {
                return false;
            }

            switch (type)
            {
                case EnhancedPacketType:
                case ObsoletePacketType:
                    if (!ReadPacketBlock(type, length, blockOffset, out packet))
                    {
                        return false;
                    }

                    Input.Advance(length);
                    return true;
                case SimplePacketType:
                    if (!ReadSimplePacketBlock(length, blockOffset, out packet))
                    {
                        return false;
                    }

                    Input.Advance(length);
                    return true;
                case InterfaceDescriptionType:
                    if (!ReadInterfaceDescription(length, blockOffset))
                    {
                        return false;
                    }

                    Input.Advance(length);
                    break;
            }
        }
    }

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

    /// <summary>§4.3 Enhanced Packet Block, or the obsolete Packet Block of Appendix A.</summary>
    private bool ReadPacketBlock(uint type, int length, long blockOffset, out PacketRecord packet)
    {
        packet = default;
        if (length < MinPacketBlockLength)
        {
            StopTooShort(type, length, MinPacketBlockLength, blockOffset);
            return false;
        }

        ReadOnlySpan<byte> block = Input.Window[..length];
        uint localInterface = type == EnhancedPacketType
            ? ReadUInt32(block[PacketInterfaceOffset..])
            : ReadUInt16(block[PacketInterfaceOffset..]);
        if (localInterface >= (uint)SectionInterfaceCount)
        {
            StopUndescribedInterface(type, localInterface, blockOffset);
            return false;
        }

        uint capturedLength = ReadUInt32(block[PacketCapturedLengthOffset..]);
        uint originalLength = ReadUInt32(block[PacketOriginalLengthOffset..]);
        if (capturedLength > (uint)(length - MinPacketBlockLength))
        {
            Context.Stop(CaptureProblemKind.CorruptBlock, ProblemSeverity.Error, blockOffset,
                $"{BlockName(type)} at {Context.At(blockOffset)}: total block length {length} is too small for " +
                $"{capturedLength} bytes of packet data");
            return false;
        }

        int interfaceId = _sectionFirstInterface + (int)localInterface;
        ref readonly InterfaceState state = ref _states[interfaceId];
        CheckLengths(capturedLength, originalLength, state.SnapLength, blockOffset);
        ulong ticks = ((ulong)ReadUInt32(block[PacketTimestampHighOffset..]) << 32) | ReadUInt32(block[PacketTimestampLowOffset..]);
        _lastTimestampNanos = ToNanos(state, ticks, blockOffset);
        packet = new PacketRecord(
            block.Slice(PacketDataOffset, (int)capturedLength),
            _lastTimestampNanos,
            (int)Math.Min(originalLength, int.MaxValue),
            state.LinkType,
            interfaceId,
            state.FcsLength);
        return true;
    }

    /// <summary>
    /// §4.4: interface 0 of the section, no timestamp (the previous packet's is the best guess), and a
    /// captured length that is the smallest of the original length, the snapshot length and the block.
    /// </summary>
    private bool ReadSimplePacketBlock(int length, long blockOffset, out PacketRecord packet)
    {
        packet = default;
        if (length < MinSimplePacketLength)
        {
            StopTooShort(SimplePacketType, length, MinSimplePacketLength, blockOffset);
            return false;
        }

        if (SectionInterfaceCount == 0)
        {
            StopUndescribedInterface(SimplePacketType, 0, blockOffset);
            return false;
        }

        ReadOnlySpan<byte> block = Input.Window[..length];
        ref readonly InterfaceState state = ref _states[_sectionFirstInterface];
        uint originalLength = ReadUInt32(block[SimpleOriginalLengthOffset..]);
        uint capturedLength = Math.Min(originalLength, (uint)(length - MinSimplePacketLength));
        if (state.SnapLength != 0)
        {
            capturedLength = Math.Min(capturedLength, state.SnapLength);
        }

        packet = new PacketRecord(
            block.Slice(SimpleDataOffset, (int)capturedLength),
            _lastTimestampNanos,
            (int)Math.Min(originalLength, int.MaxValue),
            state.LinkType,
            _sectionFirstInterface,
            state.FcsLength);
        return true;
    }

    private long ToNanos(in InterfaceState state, ulong ticks, long blockOffset)
    {
        if (!state.OffsetBeyondNanos && state.Scale.TryToNanos(ticks, out long nanos))
        {
            long shifted = unchecked(nanos + state.OffsetNanos);
            // Overflow only when both have the same sign and the sum has the other.
            if (((nanos ^ shifted) & (state.OffsetNanos ^ shifted)) >= 0)
            {
                return shifted;
            }
        }

        return ToNanosOutOfRange(state, ticks, blockOffset);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private long ToNanosOutOfRange(in InterfaceState state, ulong ticks, long blockOffset)
    {
        Int128 offsetNanos = (Int128)state.OffsetSeconds * 1_000_000_000;
        Int128 nanos = (Int128)state.Scale.ToNanos(ticks) + offsetNanos;
        if (nanos >= long.MinValue && nanos <= long.MaxValue)
        {
            return (long)nanos;
        }

        // Outside what a long can hold. A tick count with the top bit set is most likely a negative time written
        // by a buggy writer (dumpcap 1.99 did so): read as two's complement, it keeps the packets' spacing.
        string reading;
        if ((long)ticks < 0)
        {
            nanos = -(Int128)state.Scale.ToNanos(unchecked((ulong)-(long)ticks)) + offsetNanos;
            reading = $"read as the negative count {(long)ticks}";
        }
        else
        {
            reading = "clamped";
        }

        bool fits = nanos >= long.MinValue && nanos <= long.MaxValue;
        if (!_warnedTimestampRange)
        {
            _warnedTimestampRange = true;
            Context.Warn(CaptureProblemKind.SuspiciousRecord, blockOffset,
                $"packet block at {Context.At(blockOffset)}: timestamp of {ticks} ticks (resolution code " +
                $"0x{state.Scale.Resolution:X2}) is outside the years 1677-2262 that nanoseconds since 1970 can hold; " +
                $"{(fits ? reading : "clamped")} (later such packets are not reported)");
        }

        return fits ? (long)nanos : nanos < 0 ? long.MinValue : long.MaxValue;
    }

    private void CheckLengths(uint capturedLength, uint originalLength, uint snapLength, long blockOffset)
    {
        if (snapLength != 0 && capturedLength > snapLength && !_warnedAboveSnapLength)
        {
            _warnedAboveSnapLength = true;
            Context.Warn(CaptureProblemKind.SuspiciousRecord, blockOffset,
                $"packet block at {Context.At(blockOffset)} has {capturedLength} captured bytes, more than the " +
                $"interface's snapshot length {snapLength} (read anyway; later such blocks are not reported)");
        }

        if (capturedLength > originalLength && !_warnedAboveOriginalLength)
        {
            _warnedAboveOriginalLength = true;
            Context.Warn(CaptureProblemKind.SuspiciousRecord, blockOffset,
                $"packet block at {Context.At(blockOffset)} has {capturedLength} captured bytes, more than its " +
                $"original length {originalLength} (read anyway; later such blocks are not reported)");
        }
    }

    /// <summary>§3.1: a total length is at least 12, a multiple of 4, and (our bound) at most 256 MiB.</summary>
    private bool CheckBlockLength(uint type, uint totalLength, long blockOffset)
    {
        if (totalLength < BlockOverhead || totalLength % 4 != 0 || totalLength > CaptureLimits.MaxRecordBytes)
        {
            string why = totalLength < BlockOverhead ? $"less than the minimum of {BlockOverhead}"
                : totalLength % 4 != 0 ? "not a multiple of 4"
                : $"more than the maximum of {CaptureLimits.MaxRecordBytes}";
            Context.Stop(CaptureProblemKind.ImpossibleLength, ProblemSeverity.Error, blockOffset,
                $"{BlockName(type)} at {Context.At(blockOffset)} has total length {totalLength}: {why}");
            return false;
        }

        return true;
    }

    /// <summary>Brings a whole block into the buffer and checks its trailing length.</summary>
    private bool FillBlock(uint type, int length, long blockOffset)
    {
        int available = Input.Fill(length);
        if (available < length)
        {
            StopTruncated(ProblemSeverity.Warning, blockOffset, BlockName(type), length, available);
            return false;
        }

        return CheckTrailer(type, length, blockOffset);
    }

    /// <summary>Reads past a block nobody needs without buffering it whole, then checks its trailing length.</summary>
    private bool SkipBlock(uint type, int length, long blockOffset)
    {
        long skipped = Input.Skip(length - 4);
        int trailerAvailable = skipped == length - 4 ? Input.Fill(4) : 0;
        if (trailerAvailable < 4)
        {
            StopTruncated(ProblemSeverity.Warning, blockOffset, BlockName(type), length, (int)skipped + trailerAvailable);
            return false;
        }

        uint trailer = ReadUInt32(Input.Window);
        if (trailer != (uint)length)
        {
            StopTrailerMismatch(type, length, trailer, blockOffset);
            return false;
        }

        Input.Advance(4);
        return true;
    }

    private bool CheckTrailer(uint type, int length, long blockOffset)
    {
        uint trailer = ReadUInt32(Input.Window[(length - 4)..]);
        if (trailer != (uint)length)
        {
            StopTrailerMismatch(type, length, trailer, blockOffset);
            return false;
        }

        return true;
    }

    private void StopTrailerMismatch(uint type, int length, uint trailer, long blockOffset) =>
        Context.Stop(CaptureProblemKind.CorruptBlock, ProblemSeverity.Error, blockOffset,
            $"{BlockName(type)} at {Context.At(blockOffset)}: total length {length} at its start but {trailer} at its end");

    private void StopTruncated(ProblemSeverity severity, long blockOffset, string blockName, int expected, int available) =>
        Context.Stop(CaptureProblemKind.TruncatedRecord, severity, blockOffset,
            $"file ends inside the {blockName} at {Context.At(blockOffset)}: {expected} bytes expected, {available} available");

    private void StopTooShort(uint type, int length, int minimum, long blockOffset) =>
        Context.Stop(CaptureProblemKind.CorruptBlock, ProblemSeverity.Error, blockOffset,
            $"{BlockName(type)} at {Context.At(blockOffset)} has total length {length}, less than the {minimum} its fixed fields need");

    private void StopUndescribedInterface(uint type, uint localInterface, long blockOffset) =>
        Context.Stop(CaptureProblemKind.CorruptBlock, ProblemSeverity.Error, blockOffset,
            $"{BlockName(type)} at {Context.At(blockOffset)} names interface {localInterface}, but its section " +
            $"describes {SectionInterfaceCount} interface{(SectionInterfaceCount == 1 ? "" : "s")}");

    private void StopOptionOverrun(long blockOffset, uint type, int optionsStart, in OptionReader options) =>
        Context.Stop(CaptureProblemKind.CorruptBlock, ProblemSeverity.Error, blockOffset,
            $"{BlockName(type)} at {Context.At(blockOffset)}: option {options.Code} of length {options.Length} at block " +
            $"byte {optionsStart + options.Consumed} runs past the end of the block's options");

    private static string BlockName(uint type) => type switch
    {
        SectionHeaderType => "section header block",
        InterfaceDescriptionType => "interface description block",
        ObsoletePacketType => "packet block",
        SimplePacketType => "simple packet block",
        EnhancedPacketType => "enhanced packet block",
        _ => $"block of type 0x{type:X8}",
    };

    private ushort ReadUInt16(ReadOnlySpan<byte> bytes) =>
        _bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(bytes) : BinaryPrimitives.ReadUInt16LittleEndian(bytes);

    private uint ReadUInt32(ReadOnlySpan<byte> bytes) =>
        _bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : BinaryPrimitives.ReadUInt32LittleEndian(bytes);

    /// <summary>
    /// Walks the options of a block (§3.5): code u16, length u16, value padded to 32 bits, up to
    /// opt_endofopt or the end of the options area. An option running past the area is malformed.
    /// </summary>
    private ref struct OptionReader
    {
        private readonly bool _bigEndian;
        private ReadOnlySpan<byte> _remaining;

        public OptionReader(ReadOnlySpan<byte> options, bool bigEndian)
        {
            _remaining = options;
            _bigEndian = bigEndian;
        }

        /// <summary>Bytes of options consumed before the current one.</summary>
        public int Consumed { get; private set; }

        public ushort Code { get; private set; }

        public int Length { get; private set; }

        public bool Malformed { get; private set; }

        public bool Next(out ushort code, out ReadOnlySpan<byte> value)
        {
            code = 0;
            value = default;
            if (_remaining.IsEmpty)
            {
                return false;
            }

            if (_remaining.Length < 4)
            {
                Code = 0;
                Length = _remaining.Length;
                Malformed = true;
                return false;
            }

            code = _bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(_remaining) : BinaryPrimitives.ReadUInt16LittleEndian(_remaining);
            int length = _bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(_remaining[2..]) : BinaryPrimitives.ReadUInt16LittleEndian(_remaining[2..]);
            Code = code;
            Length = length;
            if (code == 0)
            {
                return false;   // opt_endofopt
            }

            int padded = (length + 3) & ~3;
            if (4 + padded > _remaining.Length)
            {
                Malformed = true;
                return false;
            }

            value = _remaining.Slice(4, length);
            _remaining = _remaining[(4 + padded)..];
            Consumed += 4 + padded;
            return true;
        }
    }
}
