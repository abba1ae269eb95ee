using System.Diagnostics;
using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Export;
using PcapResetInspector.Testing.Synthesis;
using PcapResetInspector.Core.Tests.Connections;

namespace PcapResetInspector.Core.Tests.Export;

/// <summary>A fact that runs tshark, skipped with the reason where it is not installed.</summary>
public sealed class TsharkFactAttribute : FactAttribute
{
    public static readonly Lazy<string?> Missing = new(() =>
    {
        try
        {
            var start = new ProcessStartInfo("tshark", "--version") { RedirectStandardOutput = true, RedirectStandardError = true };
            using Process process = Process.Start(start)!;
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? null : "tshark --version failed here";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "tshark is not installed (Debian/Ubuntu: apt-get install tshark)";
        }
    });

    public TsharkFactAttribute()
    {
        if (Missing.Value is { } reason)
            Skip = reason;
    }
}

/// <summary>Issue 21: the filter pairs each address with its own port, so it selects one connection and no other.</summary>
public class WiresharkFilterTests
{
    /// <summary>Two connections between the same hosts with the ports the other way round: ip.addr/tcp.port matches both.</summary>
    private static TrafficBuilder SwappedPorts(string a, string b)
    {
        var builder = new TrafficBuilder();
        builder.Tcp(a, 1000, b, 2000).Handshake().Data(Side.Client, 10).Rst(Side.Server);
        builder.Tcp(a, 2000, b, 1000).Handshake().Data(Side.Client, 20).Data(Side.Server, 30);
        return builder;
    }

    [Fact]
    public void IPv4_SourceAndDestinationPaired_InEitherDirection()
    {
        ConnectionSummary first = ConnectionTestHarness.Track(SwappedPorts("10.0.0.1", "10.0.0.2").ToPcapBytes()).Single(c => c.Originator.Port == 1000);
        Assert.Equal("(ip.src==10.0.0.1 && tcp.srcport==1000 && ip.dst==10.0.0.2 && tcp.dstport==2000) || " +
                     "(ip.src==10.0.0.2 && tcp.srcport==2000 && ip.dst==10.0.0.1 && tcp.dstport==1000)",
            ConnectionText.WiresharkFilter(first));
    }

    [Fact]
    public void IPv6_UsesIpv6Fields_AndTheLongestAddressesFit()
    {
        const string longest = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe";
        var builder = new TrafficBuilder();
        builder.Tcp(longest, 65535, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65534).Syn().Rst(Side.Server);
        ConnectionSummary connection = Assert.Single(ConnectionTestHarness.Track(builder.ToPcapBytes()));
        string filter = ConnectionText.WiresharkFilter(connection);
        Assert.StartsWith($"(ipv6.src=={longest} && tcp.srcport==65535 && ipv6.dst==", filter, StringComparison.Ordinal);
        Assert.Contains(" || (ipv6.src==", filter, StringComparison.Ordinal);
        Assert.True(ConnectionText.TryWriteWiresharkFilter(connection, new char[filter.Length], out int written));
        Assert.Equal(filter.Length, written);
        Assert.InRange(filter.Length, 1, ConnectionText.MaxWiresharkFilterLength);
    }

    [TsharkFact]
    public void Tshark_SelectsTheConnection_AndNotTheOneWithSwappedPorts()
    {
        TrafficBuilder builder = SwappedPorts("10.0.0.1", "10.0.0.2");
        byte[] capture = builder.ToPcapBytes();
        ConnectionSummary first = ConnectionTestHarness.Track(capture).Single(c => c.Originator.Port == 1000);
        string path = Path.Combine(Path.GetTempPath(), $"wireshark-filter-{Guid.NewGuid():N}.pcap");
        File.WriteAllBytes(path, capture);
        try
        {
            var start = new ProcessStartInfo("tshark") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (string arg in new[] { "-n", "-r", path, "-Y", ConnectionText.WiresharkFilter(first), "-T", "fields", "-e", "frame.number" })
                start.ArgumentList.Add(arg);
            using Process process = Process.Start(start)!;
            string output = process.StandardOutput.ReadToEnd();
            process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.Equal(0, process.ExitCode);
            ulong expected = first.Originator.Packets + first.Responder.Packets;
            Assert.Equal((int)expected, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
            Assert.True(expected < (ulong)builder.Frames.Count);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
