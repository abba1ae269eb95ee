namespace PcapResetInspector.Core.Capture;

/// <summary>
/// pcapng reader (draft-ietf-opsawg-pcapng): any number of sections in either byte order, Enhanced,
/// Simple and obsolete Packet Blocks; every other block is skipped by its length.
/// </summary>
internal sealed partial class PcapNgReader : FormatReader
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
}
