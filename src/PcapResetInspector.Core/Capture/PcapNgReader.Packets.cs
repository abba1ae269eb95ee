using System.Runtime.CompilerServices;

namespace PcapResetInspector.Core.Capture;

/// <summary>pcapng: Enhanced, obsolete and Simple Packet Blocks (§4.3, §4.4, Appendix A) and their timestamps.</summary>
internal sealed partial class PcapNgReader
{
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
}
