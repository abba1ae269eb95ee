using System.Text;

namespace PcapResetInspector.Core.Tests.Capture;

/// <summary>One pcapng option (§3.5), encoded in the byte order of the section it is written into.</summary>
internal sealed record NgOption(ushort Code, Func<bool, byte[]> Encode)
{
    public static NgOption TsResol(byte value) => new(9, _ => [value]);

    public static NgOption TsOffset(long seconds) => new(14, bigEndian => new ByteWriter().U64((ulong)seconds, bigEndian).ToArray());

    public static NgOption FcsLen(byte bits) => new(13, _ => [bits]);

    public static NgOption Name(string name) => new(2, _ => Encoding.UTF8.GetBytes(name));

    public static NgOption Comment(string text) => new(1, _ => Encoding.UTF8.GetBytes(text));

    public static NgOption Bytes(ushort code, params byte[] value) => new(code, _ => value);
}

/// <summary>Writes pcapng files (draft-ietf-opsawg-pcapng) block by block, including broken ones.</summary>
internal sealed class PcapNgBuilder
{
    public const uint ShbType = 0x0A0D0D0A;
    public const uint IdbType = 1;
    public const uint PbType = 2;
    public const uint SpbType = 3;
    public const uint NrbType = 4;
    public const uint IsbType = 5;
    public const uint EpbType = 6;
    public const uint DsbType = 0xA;
    public const uint CustomType = 0xBAD;
    public const uint CustomNoCopyType = 0x40000BAD;

    private readonly ByteWriter _writer = new();
    private bool _bigEndian;

    public int Length => _writer.Length;

    /// <summary>Starts a section (§4.1); the following blocks use its byte order.</summary>
    public PcapNgBuilder Shb(bool bigEndian = false, ushort major = 1, ushort minor = 0, params NgOption[] options)
    {
        _bigEndian = bigEndian;
        var body = new ByteWriter()
            .U32(0x1A2B3C4D, bigEndian)
            .U16(major, bigEndian)
            .U16(minor, bigEndian)
            .U64(ulong.MaxValue, bigEndian);   // section length: not specified
        AppendOptions(body, options);
        return Block(ShbType, body.ToArray());
    }

    /// <summary>Interface Description Block (§4.2).</summary>
    public PcapNgBuilder Idb(ushort linkType, uint snapLength = 0, params NgOption[] options)
    {
        var body = new ByteWriter().U16(linkType, _bigEndian).U16(0, _bigEndian).U32(snapLength, _bigEndian);
        AppendOptions(body, options);
        return Block(IdbType, body.ToArray());
    }

    /// <summary>Enhanced Packet Block (§4.3); the captured length field defaults to the data's length.</summary>
    public PcapNgBuilder Epb(
        uint interfaceId, ulong ticks, byte[] data, uint? originalLength = null, uint? capturedLengthField = null, params NgOption[] options)
    {
        var body = new ByteWriter()
            .U32(interfaceId, _bigEndian)
            .U32((uint)(ticks >> 32), _bigEndian)
            .U32((uint)ticks, _bigEndian)
            .U32(capturedLengthField ?? (uint)data.Length, _bigEndian)
            .U32(originalLength ?? (uint)data.Length, _bigEndian)
            .Bytes(data)
            .PadTo4();
        AppendOptions(body, options);
        return Block(EpbType, body.ToArray());
    }

    /// <summary>Simple Packet Block (§4.4): original length, then the data as stored.</summary>
    public PcapNgBuilder Spb(byte[] data, uint originalLength)
    {
        var body = new ByteWriter().U32(originalLength, _bigEndian).Bytes(data).PadTo4();
        return Block(SpbType, body.ToArray());
    }

    /// <summary>Obsolete Packet Block (Appendix A): 16-bit interface id, 16-bit drops count.</summary>
    public PcapNgBuilder Pb(ushort interfaceId, ulong ticks, byte[] data, uint? originalLength = null)
    {
        var body = new ByteWriter()
            .U16(interfaceId, _bigEndian)
            .U16(0, _bigEndian)
            .U32((uint)(ticks >> 32), _bigEndian)
            .U32((uint)ticks, _bigEndian)
            .U32((uint)data.Length, _bigEndian)
            .U32(originalLength ?? (uint)data.Length, _bigEndian)
            .Bytes(data)
            .PadTo4();
        return Block(PbType, body.ToArray());
    }

    /// <summary>Any block: type, total length, body, total length (each length overridable to break it).</summary>
    public PcapNgBuilder Block(uint type, byte[] body, uint? totalLength = null, uint? trailer = null)
    {
        uint length = (uint)(body.Length + 12);
        _writer.U32(type, _bigEndian).U32(totalLength ?? length, _bigEndian).Bytes(body).U32(trailer ?? totalLength ?? length, _bigEndian);
        return this;
    }

    public PcapNgBuilder Raw(params byte[] bytes)
    {
        _writer.Bytes(bytes);
        return this;
    }

    /// <summary>Bytes of a 32-bit value in the current section's byte order.</summary>
    public byte[] U32(uint value) => new ByteWriter().U32(value, _bigEndian).ToArray();

    public byte[] ToArray() => _writer.ToArray();

    private void AppendOptions(ByteWriter body, NgOption[] options)
    {
        if (options.Length == 0)
        {
            return;
        }

        foreach (NgOption option in options)
        {
            byte[] value = option.Encode(_bigEndian);
            body.U16(option.Code, _bigEndian).U16((ushort)value.Length, _bigEndian).Bytes(value).PadTo4();
        }

        body.U16(0, _bigEndian).U16(0, _bigEndian);   // opt_endofopt
    }
}
