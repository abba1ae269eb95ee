using System.Buffers.Binary;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Export;

/// <summary>
/// The Community ID flow hash, version 1 (corelight/community-id-spec), so rows can be joined with
/// Zeek, Suricata, Arkime and Elastic records of the same connection. The hash input is
/// seed (16 bit), source address, destination address, protocol, one zero byte, source port,
/// destination port, all in network byte order, with the endpoints ordered so that both directions
/// give the same value; the result is "1:" and the base64 of its SHA-1.
/// </summary>
public static class CommunityId
{
    public const byte ProtocolTcp = 6;

    /// <summary>Length of the text: "1:" and the base64 of a 20-byte digest.</summary>
    public const int TextLength = 2 + 28;

    public static string Compute(IpAddress128 addressA, ushort portA, IpAddress128 addressB, ushort portB, byte protocol = ProtocolTcp, ushort seed = 0)
    {
        Span<char> text = stackalloc char[TextLength];
        TryCompute(addressA, portA, addressB, portB, text, out int length, protocol, seed);
        return new string(text[..length]);
    }

    public static bool TryCompute(IpAddress128 addressA, ushort portA, IpAddress128 addressB, ushort portB, Span<char> destination, out int charsWritten,
        byte protocol = ProtocolTcp, ushort seed = 0)
    {
        // The lower endpoint goes first: by address, then by port (the spec's flow-tuple ordering).
        if (addressA > addressB || (addressA == addressB && portA > portB))
        {
            (addressA, addressB) = (addressB, addressA);
            (portA, portB) = (portB, portA);
        }

        Span<byte> input = stackalloc byte[2 + (2 * 16) + 2 + 4];
        int offset = 0;
        BinaryPrimitives.WriteUInt16BigEndian(input[offset..], seed);
        offset += 2;
        offset += IpAddress128.WriteBytes(addressA, input[offset..]);
        offset += IpAddress128.WriteBytes(addressB, input[offset..]);
        input[offset++] = protocol;
        input[offset++] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(input[offset..], portA);
        offset += 2;
        BinaryPrimitives.WriteUInt16BigEndian(input[offset..], portB);
        offset += 2;

        Span<byte> digest = stackalloc byte[Sha1.HashSizeInBytes];
        Sha1.HashData(input[..offset], digest);
        charsWritten = 0;
        if (destination.Length < TextLength || !Convert.TryToBase64Chars(digest, destination[2..], out int written))
            return false;
        destination[0] = '1';
        destination[1] = ':';
        charsWritten = 2 + written;
        return true;
    }
}
