using System.Runtime.CompilerServices;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Connections;

/// <summary>
/// The canonical bidirectional 5-tuple (protocol is always TCP here): the two (address, port)
/// pairs in a fixed order, so both directions of a connection map to one key. VLAN is part of the
/// key only when asked for (Zeek's vlan_fivetuple conn-key plugin); by default it is 0.
/// </summary>
public readonly struct ConnectionKey : IEquatable<ConnectionKey>
{
    public readonly IpAddress128 LowAddress;
    public readonly IpAddress128 HighAddress;
    public readonly ushort LowPort;
    public readonly ushort HighPort;
    public readonly uint VlanKey;

    private ConnectionKey(IpAddress128 lowAddress, ushort lowPort, IpAddress128 highAddress, ushort highPort, uint vlanKey)
    {
        LowAddress = lowAddress;
        LowPort = lowPort;
        HighAddress = highAddress;
        HighPort = highPort;
        VlanKey = vlanKey;
    }

    /// <summary>Builds the key and says whether the packet's source is the "low" side.</summary>
    public static ConnectionKey Create(IpAddress128 source, ushort sourcePort, IpAddress128 destination, ushort destinationPort, uint vlanKey, out bool sourceIsLow)
    {
        sourceIsLow = source < destination || (source == destination && sourcePort <= destinationPort);
        return sourceIsLow
            ? new ConnectionKey(source, sourcePort, destination, destinationPort, vlanKey)
            : new ConnectionKey(destination, destinationPort, source, sourcePort, vlanKey);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Equals(ConnectionKey other) =>
        LowAddress == other.LowAddress && HighAddress == other.HighAddress &&
        LowPort == other.LowPort && HighPort == other.HighPort && VlanKey == other.VlanKey;

    public override bool Equals(object? obj) => obj is ConnectionKey other && Equals(other);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override int GetHashCode()
    {
        // A cheap multiplicative mix of the 64-bit halves; HashCode.Combine would do too but costs more.
        ulong h = LowAddress.Low ^ (LowAddress.High * 0x9E3779B97F4A7C15UL);
        h = (h ^ HighAddress.Low) * 0xBF58476D1CE4E5B9UL;
        h = (h ^ HighAddress.High) * 0x94D049BB133111EBUL;
        h ^= ((ulong)LowPort << 32) | ((ulong)HighPort << 16) | VlanKey;
        h *= 0x9E3779B97F4A7C15UL;
        return (int)(h ^ (h >> 32));
    }
}
