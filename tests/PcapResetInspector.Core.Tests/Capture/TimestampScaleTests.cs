using PcapResetInspector.Core.Capture;

namespace PcapResetInspector.Core.Tests.Capture;

public class TimestampScaleTests
{
    private static readonly ulong[] Ticks =
    [
        0, 1, 999, 1_000_000, 1_700_000_000_123_456, (ulong)long.MaxValue / 1000, (ulong)long.MaxValue,
        (ulong)long.MaxValue + 1, ulong.MaxValue / 3, ulong.MaxValue,
    ];

    /// <summary>
    /// The 64-bit path used per packet agrees with the exact 128-bit conversion for every if_tsresol
    /// code, and declines exactly when the nanoseconds do not fit a long.
    /// </summary>
    [Fact]
    public void Fast_path_agrees_with_the_exact_conversion_for_every_resolution_code()
    {
        for (int code = 0; code < 256; code++)
        {
            var scale = new TimestampScale((byte)code);
            foreach (ulong ticks in Ticks)
            {
                UInt128 exact = scale.ToNanos(ticks);
                bool fits = exact <= (UInt128)long.MaxValue;
                Assert.Equal(fits, scale.TryToNanos(ticks, out long nanos));
                if (fits)
                    Assert.Equal((long)exact, nanos);
            }
        }
    }
}
