using System.Buffers.Binary;
using System.Text;

namespace PcapResetInspector.Core.Capture;

/// <summary>
/// Writes one pcapng section (draft-ietf-opsawg-pcapng): a Section Header Block, then Interface
/// Description Blocks as interfaces are added and one Enhanced Packet Block per packet. Either byte
/// order can be written, since readers must accept both (§3.1, §4.1). Packets go through an internal
/// buffer, so writing one allocates nothing.
/// </summary>
public sealed class PcapNgWriter : IDisposable
{
    public const uint SectionHeaderBlockType = 0x0A0D0D0A;
    public const uint InterfaceDescriptionBlockType = 0x00000001;
    public const uint EnhancedPacketBlockType = 0x00000006;
    public const uint ByteOrderMagic = 0x1A2B3C4D;

    // Option codes (§3.5, §4.1, §4.2).
    private const ushort OptEndOfOpt = 0;
    private const ushort OptShbUserAppl = 4;
    private const ushort OptIfName = 2;
    private const ushort OptIfTsResol = 9;

    private const int EnhancedPacketHeaderLength = 28;

    private readonly CaptureOutputBuffer _output;
    private readonly bool _leaveOpen;
    private readonly List<InterfaceState> _interfaces = [];
    private bool _disposed;

    /// <param name="bigEndian">Write every header field big-endian (the packet bytes are never reordered).</param>
    /// <param name="userApplication">Written as the SHB's shb_userappl option when not null.</param>
    public PcapNgWriter(Stream stream, bool bigEndian = false, bool leaveOpen = false, string? userApplication = null)
    {
        _output = new CaptureOutputBuffer(stream);
        _leaveOpen = leaveOpen;
        BigEndian = bigEndian;

        var options = new OptionList(bigEndian);
        if (userApplication is not null)
        {
            options.Add(OptShbUserAppl, Encoding.UTF8.GetBytes(userApplication));
        }
        byte[] optionBytes = options.ToArray();

        // SHB body: byte-order magic, major 1, minor 0, section length -1 ("not specified", §4.1).
        Span<byte> body = stackalloc byte[16];
        WriteUInt32(body, ByteOrderMagic);
        WriteUInt16(body[4..], 1);
        WriteUInt16(body[6..], 0);
        WriteInt64(body[8..], -1);
        WriteBlock(SectionHeaderBlockType, body, optionBytes);
    }

    public bool BigEndian { get; }

    public int InterfaceCount => _interfaces.Count;

    /// <summary>
    /// Writes an Interface Description Block and returns the interface id that packets refer to.
    /// </summary>
    /// <param name="snapLength">0 means no limit (§4.2); otherwise packets are cut to it.</param>
    /// <param name="tsResolution">
    /// The if_tsresol value (§4.2): MSB clear, 10^-n seconds per unit; MSB set, 2^-n. Written as an
    /// option only when it differs from the default 6 (microseconds).
    /// </param>
    /// <param name="name">Written as the if_name option when not null.</param>
    public int AddInterface(int linkType, int snapLength = 0, byte tsResolution = 6, string? name = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        // The IDB's LinkType field is 16 bits wide.
        ArgumentOutOfRangeException.ThrowIfNegative(linkType);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(linkType, ushort.MaxValue);
        ArgumentOutOfRangeException.ThrowIfNegative(snapLength);
        InterfaceState state = InterfaceState.Create(snapLength, tsResolution);

        var options = new OptionList(BigEndian);
        if (name is not null)
        {
            options.Add(OptIfName, Encoding.UTF8.GetBytes(name));
        }
        if (tsResolution != 6)
        {
            options.Add(OptIfTsResol, [tsResolution]);
        }
        byte[] optionBytes = options.ToArray();

        Span<byte> body = stackalloc byte[8];
        WriteUInt16(body, (ushort)linkType);
        WriteUInt16(body[2..], 0);  // reserved
        WriteUInt32(body[4..], (uint)snapLength);
        WriteBlock(InterfaceDescriptionBlockType, body, optionBytes);

        _interfaces.Add(state);
        return _interfaces.Count - 1;
    }

    /// <summary>
    /// Writes an Enhanced Packet Block (§4.3). The timestamp is converted to the interface's
    /// resolution, rounding down.
    /// </summary>
    public void WritePacket(int interfaceId, long timestampNanos, ReadOnlySpan<byte> data, int originalLength)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if ((uint)interfaceId >= (uint)_interfaces.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(interfaceId), "No interface with that id was added.");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(originalLength);
        // Copied as they are, as tshark -w and editcap do: a captured length over the original length, and a
        // time before 1970, written as the two's complement of its 64-bit count (how a reader that found such
        // a count read it as negative; this project's reader reads it back the same).

        InterfaceState state = _interfaces[interfaceId];
        ulong units = state.ToUnits(timestampNanos);
        ReadOnlySpan<byte> captured = state.SnapLength > 0 && data.Length > state.SnapLength ? data[..state.SnapLength] : data;
        int padding = PaddingFor(captured.Length);
        uint totalLength = (uint)(EnhancedPacketHeaderLength + captured.Length + padding + 4);

        Span<byte> header = stackalloc byte[EnhancedPacketHeaderLength];
        WriteUInt32(header, EnhancedPacketBlockType);
        WriteUInt32(header[4..], totalLength);
        WriteUInt32(header[8..], (uint)interfaceId);
        // The 64-bit timestamp is split upper word first, each word in the section's byte order (§4.3).
        WriteUInt32(header[12..], (uint)(units >> 32));
        WriteUInt32(header[16..], (uint)units);
        WriteUInt32(header[20..], (uint)captured.Length);
        WriteUInt32(header[24..], (uint)originalLength);

        Span<byte> trailer = stackalloc byte[4];
        WriteUInt32(trailer, totalLength);

        _output.Append(header);
        _output.Append(captured);
        _output.AppendZeros(padding);
        _output.Append(trailer);
    }

    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _output.FlushAll();
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _output.Close(_leaveOpen);
    }

    private static int PaddingFor(int length) => (4 - (length & 3)) & 3;

    private void WriteBlock(uint blockType, ReadOnlySpan<byte> body, ReadOnlySpan<byte> options)
    {
        uint totalLength = (uint)(12 + body.Length + options.Length);
        Span<byte> word = stackalloc byte[4];
        WriteUInt32(word, blockType);
        _output.Append(word);
        WriteUInt32(word, totalLength);
        _output.Append(word);
        _output.Append(body);
        _output.Append(options);
        _output.Append(word);
    }

    private void WriteUInt16(Span<byte> destination, ushort value)
    {
        if (BigEndian)
        {
            BinaryPrimitives.WriteUInt16BigEndian(destination, value);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(destination, value);
        }
    }

    private void WriteUInt32(Span<byte> destination, uint value)
    {
        if (BigEndian)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(destination, value);
        }
    }

    private void WriteInt64(Span<byte> destination, long value)
    {
        if (BigEndian)
        {
            BinaryPrimitives.WriteInt64BigEndian(destination, value);
        }
        else
        {
            BinaryPrimitives.WriteInt64LittleEndian(destination, value);
        }
    }

    /// <summary>Builds an options list (§3.5): each value padded to 32 bits, closed by opt_endofopt.</summary>
    private sealed class OptionList(bool bigEndian)
    {
        private readonly List<byte> _bytes = [];

        public void Add(ushort code, ReadOnlySpan<byte> value)
        {
            if (value.Length > ushort.MaxValue)
            {
                throw new ArgumentException("An option value is limited to 65535 bytes.", nameof(value));
            }
            AddUInt16(code);
            AddUInt16((ushort)value.Length);
            foreach (byte b in value)
            {
                _bytes.Add(b);
            }
            for (int i = PaddingFor(value.Length); i > 0; i--)
            {
                _bytes.Add(0);
            }
        }

        public byte[] ToArray()
        {
            if (_bytes.Count == 0)
            {
                return [];
            }
            AddUInt16(OptEndOfOpt);
            AddUInt16(0);
            return [.. _bytes];
        }

        private void AddUInt16(ushort value)
        {
            Span<byte> bytes = stackalloc byte[2];
            if (bigEndian)
            {
                BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
            }
            else
            {
                BinaryPrimitives.WriteUInt16LittleEndian(bytes, value);
            }
            _bytes.Add(bytes[0]);
            _bytes.Add(bytes[1]);
        }
    }

    /// <summary>How one interface turns nanoseconds into its timestamp units.</summary>
    private readonly struct InterfaceState
    {
        private readonly ulong _divisor;      // 10^-n with n <= 9: units = ns / divisor
        private readonly ulong _multiplier;   // 10^-n with n > 9: units = ns * multiplier
        private readonly int _binaryExponent; // 2^-n: units = ns * 2^n / 10^9; -1 when decimal

        private InterfaceState(int snapLength, ulong divisor, ulong multiplier, int binaryExponent)
        {
            SnapLength = snapLength;
            _divisor = divisor;
            _multiplier = multiplier;
            _binaryExponent = binaryExponent;
        }

        public int SnapLength { get; }

        public static InterfaceState Create(int snapLength, byte tsResolution)
        {
            int exponent = tsResolution & 0x7F;
            if ((tsResolution & 0x80) != 0)
            {
                // Beyond 2^-63 not even one second fits the 64-bit timestamp.
                if (exponent > 63)
                {
                    throw new ArgumentOutOfRangeException(nameof(tsResolution), "Binary resolutions finer than 2^-63 s are not supported.");
                }
                return new InterfaceState(snapLength, 0, 0, exponent);
            }
            // 10^19 units per second is the last power of ten below 2^64.
            if (exponent > 19)
            {
                throw new ArgumentOutOfRangeException(nameof(tsResolution), "Decimal resolutions finer than 10^-19 s are not supported.");
            }
            return exponent <= 9
                ? new InterfaceState(snapLength, Pow10(9 - exponent), 0, -1)
                : new InterfaceState(snapLength, 0, Pow10(exponent - 9), -1);
        }

        public ulong ToUnits(long nanos)
        {
            // Before 1970: the count of the time's distance from 1970, negated in 64 bits.
            if (nanos < 0)
                return unchecked(0UL - ToUnits(nanos == long.MinValue ? long.MaxValue : -nanos));
            UInt128 units;
            if (_binaryExponent >= 0)
            {
                units = ((UInt128)(ulong)nanos << _binaryExponent) / 1_000_000_000u;
            }
            else if (_divisor != 0)
            {
                return (ulong)nanos / _divisor;
            }
            else
            {
                units = (UInt128)(ulong)nanos * _multiplier;
            }
            if (units > ulong.MaxValue)
            {
                throw new ArgumentOutOfRangeException(nameof(nanos), "The timestamp does not fit in 64 bits at this interface's resolution.");
            }
            return (ulong)units;
        }

        private static ulong Pow10(int exponent)
        {
            ulong value = 1;
            for (int i = 0; i < exponent; i++)
            {
                value *= 10;
            }
            return value;
        }
    }
}
