using System.Buffers.Binary;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Synthesis;

public class SmbPayloadsTests
{
    [Fact]
    public void SessionRequest_EncodesBothNetBiosNames()
    {
        byte[] request = SmbPayloads.NetBiosSessionRequest("samba", 0x20, "WIN11-B", 0x00);

        Assert.Equal(new byte[] { 0x81, 0x00, 0x00, 68 }, request[..4]);
        Assert.Equal(72, request.Length);
        // RFC 1001 §14.1: 'S' = 0x53 -> "FD", 'A' = 0x41 -> "EB", space -> "CA", suffix 0x20 -> "CA".
        Assert.Equal(32, request[4]);
        Assert.Equal("FDEBENECEBCACACACACACACACACACACA"u8.ToArray(), request[5..37]);
        Assert.Equal(0, request[37]);
        Assert.Equal("AA"u8.ToArray(), request[(38 + 31)..(38 + 33)]);   // calling name suffix 0x00
    }

    [Fact]
    public void PositiveResponse_IsAnEmptyType82Packet()
    {
        Assert.Equal(new byte[] { 0x82, 0, 0, 0 }, SmbPayloads.NetBiosPositiveSessionResponse());
    }

    [Fact]
    public void NegotiateRequestAndResponse_AreSmb2InASessionMessage()
    {
        byte[] request = SmbPayloads.Smb2NegotiateRequest(Guid.Empty);
        Assert.Equal(0x00, request[0]);
        Assert.Equal(request.Length - 4, BinaryPrimitives.ReadUInt16BigEndian(request.AsSpan(2)));
        Assert.Equal(new byte[] { 0xFE, (byte)'S', (byte)'M', (byte)'B', 64, 0 }, request[4..10]);
        Assert.Equal(36, BinaryPrimitives.ReadUInt16LittleEndian(request.AsSpan(4 + 64)));
        Assert.Equal(4, BinaryPrimitives.ReadUInt16LittleEndian(request.AsSpan(4 + 66)));

        byte[] response = SmbPayloads.Smb2NegotiateResponse(Guid.Empty, 0);
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(response.AsSpan(4 + 16)));       // from the server
        Assert.Equal(65, BinaryPrimitives.ReadUInt16LittleEndian(response.AsSpan(4 + 64)));
        Assert.Equal(0x0302, BinaryPrimitives.ReadUInt16LittleEndian(response.AsSpan(4 + 68)));
        // Security buffer offset (from the SMB2 header) and length point at the end of the message.
        int offset = BinaryPrimitives.ReadUInt16LittleEndian(response.AsSpan(4 + 64 + 56));
        int length = BinaryPrimitives.ReadUInt16LittleEndian(response.AsSpan(4 + 64 + 58));
        Assert.Equal(response.Length - 4, offset + length);
        Assert.Equal(0x60, response[4 + offset]);
        // SystemTime of the Unix epoch in FILETIME units.
        Assert.Equal(116_444_736_000_000_000, BinaryPrimitives.ReadInt64LittleEndian(response.AsSpan(4 + 64 + 40)));
    }
}
