using System.Buffers.Binary;
using System.Text;

namespace PcapResetInspector.Testing.Synthesis;

/// <summary>
/// Just enough NetBIOS session service (RFC 1002 §4.3) and SMB2 (MS-SMB2) to make the sample
/// captures decode as a real client and Samba would have them: a session request on 139 and an
/// SMB2 NEGOTIATE exchange.
/// </summary>
public static class SmbPayloads
{
    // NBSS packet types (RFC 1002 §4.3.1).
    public const byte SessionMessage = 0x00;
    public const byte SessionRequest = 0x81;
    public const byte PositiveSessionResponse = 0x82;

    private const int Smb2HeaderLength = 64;

    /// <summary>NBSS SESSION REQUEST: called and calling names, each first-level encoded (RFC 1001 §14.1).</summary>
    public static byte[] NetBiosSessionRequest(string calledName, byte calledSuffix, string callingName, byte callingSuffix)
    {
        var body = new List<byte>(68);
        body.AddRange(EncodeNetBiosName(calledName, calledSuffix));
        body.AddRange(EncodeNetBiosName(callingName, callingSuffix));
        return NbssFrame(SessionRequest, [.. body]);
    }

    /// <summary>NBSS POSITIVE SESSION RESPONSE: a bare header with length 0.</summary>
    public static byte[] NetBiosPositiveSessionResponse() => NbssFrame(PositiveSessionResponse, []);

    /// <summary>SMB2 NEGOTIATE request (MS-SMB2 2.2.3) offering 2.0.2 to 3.0.2, in an NBSS session message.</summary>
    public static byte[] Smb2NegotiateRequest(Guid clientGuid)
    {
        ushort[] dialects = [0x0202, 0x0210, 0x0300, 0x0302];
        var message = new byte[Smb2HeaderLength + 36 + dialects.Length * 2];
        WriteSmb2Header(message, command: 0, isResponse: false);
        Span<byte> body = message.AsSpan(Smb2HeaderLength);
        BinaryPrimitives.WriteUInt16LittleEndian(body, 36);                       // StructureSize
        BinaryPrimitives.WriteUInt16LittleEndian(body[2..], (ushort)dialects.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(body[4..], 0x0001);              // signing enabled
        BinaryPrimitives.WriteUInt32LittleEndian(body[8..], 0x0000007F);          // capabilities
        clientGuid.TryWriteBytes(body[12..28]);
        // ClientStartTime (body[28..36]) stays 0: no 3.1.1 dialect, so no negotiate contexts.
        for (int i = 0; i < dialects.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(body[(36 + i * 2)..], dialects[i]);
        }
        return NbssFrame(SessionMessage, message);
    }

    /// <summary>
    /// SMB2 NEGOTIATE response (MS-SMB2 2.2.4) choosing 3.0.2, with a SPNEGO negTokenInit that
    /// offers NTLMSSP as its security buffer.
    /// </summary>
    public static byte[] Smb2NegotiateResponse(Guid serverGuid, long timestampNanos)
    {
        ReadOnlySpan<byte> spnego =
        [
            0x60, 0x1C,                                     // [APPLICATION 0] InitialContextToken (RFC 2743 §3.1)
            0x06, 0x06, 0x2B, 0x06, 0x01, 0x05, 0x05, 0x02, // OID 1.3.6.1.5.5.2 SPNEGO
            0xA0, 0x12,                                     // negTokenInit (RFC 4178 §4.2)
            0x30, 0x10,
            0xA0, 0x0E,                                     // mechTypes
            0x30, 0x0C,
            0x06, 0x0A, 0x2B, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0A, // NTLMSSP
        ];
        const int FixedLength = 64;
        var message = new byte[Smb2HeaderLength + FixedLength + spnego.Length];
        WriteSmb2Header(message, command: 0, isResponse: true);
        Span<byte> body = message.AsSpan(Smb2HeaderLength);
        BinaryPrimitives.WriteUInt16LittleEndian(body, 65);                       // StructureSize
        BinaryPrimitives.WriteUInt16LittleEndian(body[2..], 0x0001);              // signing enabled
        BinaryPrimitives.WriteUInt16LittleEndian(body[4..], 0x0302);              // dialect chosen
        serverGuid.TryWriteBytes(body[8..24]);
        BinaryPrimitives.WriteUInt32LittleEndian(body[24..], 0x00000007);         // DFS, leasing, large MTU
        BinaryPrimitives.WriteUInt32LittleEndian(body[28..], 8 * 1024 * 1024);    // MaxTransactSize
        BinaryPrimitives.WriteUInt32LittleEndian(body[32..], 8 * 1024 * 1024);    // MaxReadSize
        BinaryPrimitives.WriteUInt32LittleEndian(body[36..], 8 * 1024 * 1024);    // MaxWriteSize
        BinaryPrimitives.WriteInt64LittleEndian(body[40..], ToFileTime(timestampNanos)); // SystemTime
        // ServerStartTime (body[48..56]) stays 0, as Samba sends it.
        BinaryPrimitives.WriteUInt16LittleEndian(body[56..], Smb2HeaderLength + FixedLength);
        BinaryPrimitives.WriteUInt16LittleEndian(body[58..], (ushort)spnego.Length);
        spnego.CopyTo(body[FixedLength..]);
        return NbssFrame(SessionMessage, message);
    }

    /// <summary>Sync SMB2 header (MS-SMB2 2.2.1.2) for the first message of a connection: MessageId 0, no session.</summary>
    private static void WriteSmb2Header(Span<byte> header, ushort command, bool isResponse)
    {
        header[0] = 0xFE;
        header[1] = (byte)'S';
        header[2] = (byte)'M';
        header[3] = (byte)'B';
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], Smb2HeaderLength);
        BinaryPrimitives.WriteUInt16LittleEndian(header[12..], command);
        BinaryPrimitives.WriteUInt16LittleEndian(header[14..], 1);               // credits requested / granted
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], isResponse ? 1u : 0u); // SMB2_FLAGS_SERVER_TO_REDIR
    }

    /// <summary>The NBSS header: type, then a 17-bit length in the flags byte's low bit and two more bytes (RFC 1002 §4.3.1).</summary>
    private static byte[] NbssFrame(byte type, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[4 + payload.Length];
        frame[0] = type;
        frame[1] = (byte)((payload.Length >> 16) & 1);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payload.Length);
        payload.CopyTo(frame.AsSpan(4));
        return frame;
    }

    /// <summary>
    /// Name padded to 15 characters with spaces plus a suffix byte, each byte split into two
    /// nibbles written as 'A' + nibble, preceded by the length 32 and ended by the empty scope.
    /// </summary>
    private static byte[] EncodeNetBiosName(string name, byte suffix)
    {
        var raw = new byte[16];
        Encoding.ASCII.GetBytes(name.ToUpperInvariant().PadRight(15).AsSpan(0, 15), raw);
        raw[15] = suffix;
        var encoded = new byte[34];
        encoded[0] = 32;
        for (int i = 0; i < 16; i++)
        {
            encoded[1 + i * 2] = (byte)('A' + (raw[i] >> 4));
            encoded[2 + i * 2] = (byte)('A' + (raw[i] & 0x0F));
        }
        return encoded;
    }

    /// <summary>Windows FILETIME: 100 ns units since 1601-01-01 UTC.</summary>
    private static long ToFileTime(long unixNanos) => unixNanos / 100 + 116_444_736_000_000_000;
}
