using System.Buffers.Binary;

namespace PcapResetInspector.Core.Capture;

/// <summary>
/// Classic libpcap savefile reader (pcap(5), draft-ietf-opsawg-pcap): all four magics plus the
/// "modified" (Kuznetzov) one, either byte order.
/// </summary>
internal sealed class PcapReader : FormatReader
{
    // File header (draft-ietf-opsawg-pcap §4): magic, major, minor, reserved1 (thiszone), reserved2 (sigfigs),
    // SnapLen, LinkType and additional information.
    private const int FileHeaderLength = 24;
    private const int MajorOffset = 4;
    private const int MinorOffset = 6;
    private const int SnapLengthOffset = 16;
    private const int LinkTypeFieldOffset = 20;

    // Record header (§5): seconds, sub-seconds, captured length, original length.
    private const int RecordHeaderLength = 16;
    private const int ModifiedRecordHeaderLength = 24;   // + ifindex u32, protocol u16, pkt_type u8, pad u8
    private const int FractionOffset = 4;
    private const int CapturedLengthOffset = 8;
    private const int OriginalLengthOffset = 12;

    // LinkType and additional information field (§4): bits 16-25 reserved, bit 26 P (FCS length present),
    // bits 28-31 FCS length in 16-bit words. Bit 27 is also unassigned but libpcap does not reject it.
    private const uint LinkTypeMask = 0x0000_FFFF;
    private const uint ReservedBitsMask = 0x03FF_0000;
    private const uint FcsPresentBit = 0x0400_0000;
    private const int FcsLengthShift = 28;

    public const uint MagicMicro = 0xA1B2C3D4;
    public const uint MagicNano = 0xA1B23C4D;
    public const uint MagicModified = 0xA1B2CD34;

    private readonly bool _bigEndian;
    private readonly bool _nanosecond;
    private readonly int _recordHeaderLength;
    private readonly CaptureInterface[] _interfaces = new CaptureInterface[1];
    private LengthOrder _lengthOrder;
    private uint _snapLength;
    private long _maxCapturedLength;
    private int _linkType;
    private int _fcsLength;
    private bool _warnedAboveSnapLength;
    private bool _warnedAboveOriginalLength;
    private bool _warnedFractionOverflow;

    /// <summary>How old writers filled the two length fields (libpcap sf-pcap.c, lengths_swapped).</summary>
    private enum LengthOrder
    {
        Normal,
        /// <summary>Before version 2.3 the captured and original lengths were written the other way round.</summary>
        Swapped,
        /// <summary>Version 2.3 files exist both ways: swap only when captured &gt; original.</summary>
        MaybeSwapped,
    }

    /// <param name="magic">The first four bytes read big-endian; must be one of the pcap magics either way round.</param>
    public PcapReader(InputBuffer input, ReadContext context, uint magic)
        : base(input, context)
    {
        uint native = magic;
        _bigEndian = magic is MagicMicro or MagicNano or MagicModified;
        if (!_bigEndian)
        {
            native = BinaryPrimitives.ReverseEndianness(magic);
        }

        _nanosecond = native == MagicNano;
        _recordHeaderLength = native == MagicModified ? ModifiedRecordHeaderLength : RecordHeaderLength;
        _interfaces[0] = new CaptureInterface(0, 0, 0, 0, PacketRecord.UnknownFcsLength, (byte)(_nanosecond ? 9 : 6), 0, null);
    }

    public static bool IsMagic(uint magicBigEndian) =>
        magicBigEndian is MagicMicro or MagicNano or MagicModified
        || BinaryPrimitives.ReverseEndianness(magicBigEndian) is MagicMicro or MagicNano or MagicModified;

    public override CaptureFormat Format => CaptureFormat.Pcap;

    public override IReadOnlyList<CaptureInterface> Interfaces => _interfaces;

    public override bool ReadFileHeader()
    {
        int available = Input.Fill(FileHeaderLength);
        if (available < FileHeaderLength)
        {
            Context.Stop(CaptureProblemKind.TruncatedRecord, ProblemSeverity.Error, 0,
                $"pcap file header cut short: {FileHeaderLength} bytes expected, {available} available");
            return false;
        }

        ReadOnlySpan<byte> header = Input.Window[..FileHeaderLength];
        ushort major = ReadUInt16(header[MajorOffset..]);
        ushort minor = ReadUInt16(header[MinorOffset..]);
        _snapLength = ReadUInt32(header[SnapLengthOffset..]);
        uint linkTypeField = ReadUInt32(header[LinkTypeFieldOffset..]);

        // Only major version 2 has ever been written; libpcap rejects the rest ("archaic" 1.x).
        if (major != 2)
        {
            Context.Stop(CaptureProblemKind.UnsupportedVersion, ProblemSeverity.Error, MajorOffset,
                $"pcap major version {major} unsupported (version {major}.{minor}; only 2.x is read)");
            return false;
        }

        if ((linkTypeField & ReservedBitsMask) != 0)
        {
            Context.Stop(CaptureProblemKind.InvalidHeader, ProblemSeverity.Error, LinkTypeFieldOffset,
                $"pcap link-type field 0x{linkTypeField:X8}: reserved bits not zero (0x{linkTypeField & ReservedBitsMask:X8})");
            return false;
        }

        // Any minor version is read, as tshark does; old ones wrote the two lengths swapped.
        _lengthOrder = minor < 3 ? LengthOrder.Swapped : minor == 3 ? LengthOrder.MaybeSwapped : LengthOrder.Normal;
        _linkType = (int)(linkTypeField & LinkTypeMask);
        _fcsLength = (linkTypeField & FcsPresentBit) != 0
            ? (int)(linkTypeField >> FcsLengthShift) * 2
            : PacketRecord.UnknownFcsLength;   // FCS bits without the P bit carry no meaning: tolerated, ignored
        _maxCapturedLength = Math.Min(Math.Max(_snapLength, CaptureLimits.DefaultMaxSnapLength), CaptureLimits.MaxRecordBytes);
        _interfaces[0] = _interfaces[0] with { LinkType = _linkType, SnapLength = _snapLength, FcsLength = _fcsLength };
        Input.Advance(FileHeaderLength);
        return true;
    }

    public override bool TryRead(out PacketRecord packet)
    {
        bool read;
        while ((read = TryReadRecord(out packet, out bool skipped)) && skipped)
        {
        }

        return read;
    }

    /// <summary>Reads one record; <paramref name="skipped"/> when it was too large to read and was passed over.</summary>
    private bool TryReadRecord(out PacketRecord packet, out bool skipped)
    {
        packet = default;
        skipped = false;
        long recordOffset = Input.Position;
        int available = Input.Fill(_recordHeaderLength);
        if (available < _recordHeaderLength)
        {
            if (available > 0)
            {
                Context.Stop(CaptureProblemKind.TruncatedRecord, ProblemSeverity.Warning, recordOffset,
                    $"file ends inside the record header at {Context.At(recordOffset)}: " +
                    $"{_recordHeaderLength} bytes expected, {available} available");
            }

            return false;
        }

        ReadOnlySpan<byte> header = Input.Window;
        uint seconds = ReadUInt32(header);
        uint fraction = ReadUInt32(header[FractionOffset..]);
        uint capturedLength = ReadUInt32(header[CapturedLengthOffset..]);
        uint originalLength = ReadUInt32(header[OriginalLengthOffset..]);
        if (_lengthOrder == LengthOrder.Swapped
            || (_lengthOrder == LengthOrder.MaybeSwapped && capturedLength > originalLength))
        {
            (capturedLength, originalLength) = (originalLength, capturedLength);
        }

        if (capturedLength > _maxCapturedLength)
        {
            Context.Stop(CaptureProblemKind.ImpossibleLength, ProblemSeverity.Error, recordOffset,
                $"record header at {Context.At(recordOffset)} claims {capturedLength} captured bytes, more than " +
                $"the maximum of {_maxCapturedLength} (snapshot length {_snapLength})");
            return false;
        }

        CheckTolerated(recordOffset, seconds, fraction, capturedLength, originalLength);

        int recordLength = _recordHeaderLength + (int)capturedLength;
        if (capturedLength > CaptureLimits.MaxPacketBytes)
        {
            // Allowed by a large snapshot length, but larger than tcpdump or tshark read: skipped, never buffered.
            Context.Warn(CaptureProblemKind.ImpossibleLength, recordOffset,
                $"record at {Context.At(recordOffset)} has {capturedLength} captured bytes, more than the {CaptureLimits.MaxPacketBytes} " +
                "this tool reads in one packet: skipped");
            long passed = Input.Skip(recordLength);
            if (passed < recordLength)
            {
                Context.Stop(CaptureProblemKind.TruncatedRecord, ProblemSeverity.Warning, recordOffset,
                    $"file ends inside the record at {Context.At(recordOffset)}: {capturedLength} captured bytes " +
                    $"expected after the {_recordHeaderLength}-byte header, {Math.Max(0, passed - _recordHeaderLength)} available");
                return false;
            }

            skipped = true;
            return true;
        }
        available = Input.Fill(recordLength);
        if (available < recordLength)
        {
            Context.Stop(CaptureProblemKind.TruncatedRecord, ProblemSeverity.Warning, recordOffset,
                $"file ends inside the record at {Context.At(recordOffset)}: {capturedLength} captured bytes " +
                $"expected after the {_recordHeaderLength}-byte header, {available - _recordHeaderLength} available");
            return false;
        }

        // Seconds are unsigned (draft-ietf-opsawg-pcap §5), so dates up to 2106 come out right; a
        // sub-second field past one second is added as it is, which is what it most likely meant.
        long nanos = seconds * 1_000_000_000L + (_nanosecond ? fraction : fraction * 1_000L);
        packet = new PacketRecord(
            Input.Window.Slice(_recordHeaderLength, (int)capturedLength),
            nanos,
            (int)Math.Min(originalLength, int.MaxValue),
            _linkType,
            0,
            _fcsLength);
        Input.Advance(recordLength);
        return true;
    }

    /// <summary>Fields out of range that readers accept anyway: one warning of each kind per file.</summary>
    private void CheckTolerated(long recordOffset, uint seconds, uint fraction, uint capturedLength, uint originalLength)
    {
        if (capturedLength > _snapLength && !_warnedAboveSnapLength)
        {
            _warnedAboveSnapLength = true;
            Context.Warn(CaptureProblemKind.SuspiciousRecord, recordOffset,
                $"record at {Context.At(recordOffset)} has {capturedLength} captured bytes, more than the snapshot " +
                $"length {_snapLength} (read anyway; later such records are not reported)");
        }

        if (capturedLength > originalLength && !_warnedAboveOriginalLength)
        {
            _warnedAboveOriginalLength = true;
            Context.Warn(CaptureProblemKind.SuspiciousRecord, recordOffset,
                $"record at {Context.At(recordOffset)} has {capturedLength} captured bytes, more than its original " +
                $"length {originalLength} (read anyway; later such records are not reported)");
        }

        if (fraction >= (_nanosecond ? 1_000_000_000u : 1_000_000u) && !_warnedFractionOverflow)
        {
            _warnedFractionOverflow = true;
            Context.Warn(CaptureProblemKind.SuspiciousRecord, recordOffset,
                $"record at {Context.At(recordOffset)} has {fraction} {(_nanosecond ? "nanoseconds" : "microseconds")} " +
                $"past second {seconds}, more than one second (added as is; later such records are not reported)");
        }
    }

    private ushort ReadUInt16(ReadOnlySpan<byte> bytes) =>
        _bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(bytes) : BinaryPrimitives.ReadUInt16LittleEndian(bytes);

    private uint ReadUInt32(ReadOnlySpan<byte> bytes) =>
        _bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : BinaryPrimitives.ReadUInt32LittleEndian(bytes);
}
