namespace PcapResetInspector.Core.Capture;

/// <summary>
/// Converts pcapng timestamp ticks to nanoseconds for one if_tsresol value (draft-ietf-opsawg-pcapng §4.2):
/// high bit clear, one tick is 10^-value s; set, 2^-(value &amp; 0x7F) s. Every one of the 256 codes is
/// converted without overflow: the product is 128 bits wide, and only the final fit into a long can fail.
/// </summary>
internal readonly struct TimestampScale
{
    /// <summary>Microseconds: the resolution when an interface has no if_tsresol.</summary>
    public const byte DefaultResolution = 6;

    private readonly ulong _multiplier;   // decimal exponents up to 9: ns = ticks * 10^(9-exponent)
    private readonly ulong _divisor;      // decimal exponents above 9: ns = ticks / 10^(exponent-9); 0 = past 10^19
    private readonly int _shift;          // binary: ns = ticks * 10^9 >> shift
    private readonly Kind _kind;

    private enum Kind : byte
    {
        Multiply,
        Divide,
        Shift,
    }

    public TimestampScale(byte resolution)
    {
        Resolution = resolution;
        _multiplier = 0;
        _divisor = 0;
        _shift = 0;
        if ((resolution & 0x80) != 0)
        {
            _kind = Kind.Shift;
            _shift = resolution & 0x7F;
        }
        else if (resolution <= 9)
        {
            _kind = Kind.Multiply;
            _multiplier = PowerOfTen(9 - resolution);
        }
        else
        {
            // 10^20 exceeds any 64-bit tick count, so from exponent 29 on every timestamp is 0 ns.
            _kind = Kind.Divide;
            _divisor = resolution - 9 <= 19 ? PowerOfTen(resolution - 9) : 0;
        }
    }

    /// <summary>The if_tsresol code this scale was built from.</summary>
    public byte Resolution { get; }

    /// <summary>Nanoseconds for a tick count; exact for every tick count (truncated below a nanosecond).</summary>
    public UInt128 ToNanos(ulong ticks) => _kind switch
    {
        Kind.Multiply => (UInt128)ticks * _multiplier,
        Kind.Divide => _divisor == 0 ? UInt128.Zero : ticks / _divisor,
        _ => ((UInt128)ticks * 1_000_000_000UL) >> _shift,
    };

    /// <summary>
    /// The common case in 64-bit arithmetic: false when the nanoseconds do not fit a long, and then
    /// <see cref="ToNanos"/> gives the exact wide value. Kept apart because code holding a UInt128 is not
    /// precompiled (ReadyToRun), and this runs once per packet.
    /// </summary>
    public bool TryToNanos(ulong ticks, out long nanos)
    {
        ulong high, low;
        switch (_kind)
        {
            case Kind.Multiply:
                high = Math.BigMul(ticks, _multiplier, out low);
                break;
            case Kind.Divide:
                high = 0;
                low = _divisor == 0 ? 0 : ticks / _divisor;
                break;
            default:
                high = Math.BigMul(ticks, 1_000_000_000UL, out low);
                if (_shift >= 64)
                {
                    low = high >> (_shift - 64);
                    high = 0;
                }
                else if (_shift > 0)
                {
                    low = (low >> _shift) | (high << (64 - _shift));
                    high >>= _shift;
                }
                break;
        }

        nanos = (long)low;
        return high == 0 && low <= long.MaxValue;
    }

    private static ulong PowerOfTen(int exponent)
    {
        ulong value = 1;
        for (int i = 0; i < exponent; i++)
        {
            value *= 10;
        }

        return value;
    }
}
