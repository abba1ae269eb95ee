using PcapResetInspector.LibPcap;

namespace PcapResetInspector.Cli.Tests;

/// <summary>A Fact that runs only where libpcap loads (CI installs it); elsewhere it says why it skipped.</summary>
public sealed class NeedsLibPcapFactAttribute : FactAttribute
{
    public NeedsLibPcapFactAttribute()
    {
        if (!LibPcapRuntime.IsAvailable)
            Skip = "libpcap is not installed here (" + LibPcapLibrary.InstallHint(LibPcapLibrary.CurrentPlatform) + ")";
    }
}

/// <summary>-f/--filter on saved files, compiled by libpcap.</summary>
public sealed class FilterOptionTests
{
    private static string Sample(string name) => Path.Combine(RepositoryPaths.Captures, name);

    [NeedsLibPcapFact]
    public void Filter_KeepsOnlyMatchingPackets_AndSaysHowMany()
    {
        CliResult r = CliRunner.Run("analyze", Sample("refused.pcap"), "-f", "tcp port 110");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("\"tcp port 110\" kept 6 of 16 packets", Report.Value(r.Output, "Filter"));
        Assert.StartsWith("3, of which 3 saw a RST", Report.Value(r.Output, "Connections"), StringComparison.Ordinal);

        CliResult rstOnly = CliRunner.Run("analyze", Sample("refused.pcap"), "--filter", "tcp[tcpflags] & tcp-rst != 0", "--all", "--format", "csv", "-q");
        Assert.Equal(0, rstOnly.ExitCode);
        Assert.Contains(",OTH,", rstOnly.Output, StringComparison.Ordinal);
    }

    [NeedsLibPcapFact]
    public void Ipv6Filter_SeesTheIpv6Session()
    {
        CliResult r = CliRunner.Run("analyze", Sample("normal-session.pcap"), "-f", "ip6");
        Assert.Equal("\"ip6\" kept 11 of 22 packets", Report.Value(r.Output, "Filter"));
    }

    [NeedsLibPcapFact]
    public void BadFilter_IsExitCode4_WithLibpcapsMessage_InOneLine()
    {
        CliResult r = CliRunner.Run("analyze", Sample("refused.pcap"), "-f", "port 99999");
        Assert.Equal(ExitCodes.InvalidFilter, r.ExitCode);
        Assert.Equal("pcap-reset-inspector: invalid capture filter \"port 99999\": illegal port number 99999 > 65535\n", r.Error);
        Assert.Equal("", r.Output);

        CliResult syntax = CliRunner.Run("analyze", Sample("refused.pcap"), "-f", "hots 10.0.0.1");
        Assert.Equal(ExitCodes.InvalidFilter, syntax.ExitCode);
        Assert.Contains("syntax error", syntax.Error, StringComparison.Ordinal);
    }
}
