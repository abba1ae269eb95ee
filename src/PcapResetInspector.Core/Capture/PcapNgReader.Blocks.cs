using System.Buffers.Binary;

namespace PcapResetInspector.Core.Capture;

/// <summary>pcapng: block framing (§3.1), the problems a damaged block is reported with, and the option walker (§3.5).</summary>
internal sealed partial class PcapNgReader
{
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
