using System.Globalization;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Diagnosis;

/// <summary>Formatting for evidence sentences: invariant culture, units a reader expects, no locale surprises.</summary>
internal static class EvidenceText
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>"0.342 ms", "38.5 ms", "2.5 s", "700 s".</summary>
    public static string Duration(long nanos) => new DurationText(nanos).ToString();

    /// <summary>A duration as <see cref="Duration"/> writes it, formatted in place inside an interpolated string.</summary>
    public readonly struct DurationText(long nanos) : ISpanFormattable
    {
        private long Nanos { get; } = Math.Max(nanos, 0);

        public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider) =>
            Nanos < 1_000_000 ? destination.TryWrite(Invariant, $"{Nanos / 1e6:0.###} ms", out charsWritten)
            : Nanos < 1_000_000_000 ? destination.TryWrite(Invariant, $"{Nanos / 1e6:0.#} ms", out charsWritten)
            : destination.TryWrite(Invariant, $"{Nanos / 1e9:0.#} s", out charsWritten);

        public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

        public override string ToString()
        {
            Span<char> text = stackalloc char[32];
            return TryFormat(text, out int length, default, Invariant) ? new string(text[..length]) : string.Create(Invariant, $"{Nanos / 1e9:0.#} s");
        }
    }

    public static double Milliseconds(long nanos) => Math.Round(nanos / 1e6, 6);

    public static string Number(long value) => value.ToString(Invariant);

    public static string Number(ulong value) => value.ToString(Invariant);

    public static string Hex16(ushort value) => "0x" + value.ToString("X4", Invariant);

    public static string Address(IpAddress128 address) => IpAddress128.Format(address);

    public static string Address(EndpointSummary endpoint) => IpAddress128.Format(endpoint.Address);

    /// <summary>"10.0.0.1:50113", "[2001:db8::1]:443".</summary>
    public static string AddressAndPort(EndpointSummary endpoint)
    {
        string address = IpAddress128.Format(endpoint.Address);
        string port = endpoint.Port.ToString(Invariant);
        return IpAddress128.IsIPv4(endpoint.Address) ? address + ":" + port : "[" + address + "]:" + port;
    }

    /// <summary>"64" or "62-64".</summary>
    public static string TtlRange(byte min, byte max) =>
        min == max ? min.ToString(Invariant) : min.ToString(Invariant) + "-" + max.ToString(Invariant);

    /// <summary>"1 packet", "12 packets".</summary>
    public static string Count(long count, string singular, string plural) =>
        count.ToString(Invariant) + " " + (count == 1 ? singular : plural);

    public static string RstKind(EndpointSummary resetter) => resetter.RstHadAck ? "RST,ACK" : "bare RST";
}
