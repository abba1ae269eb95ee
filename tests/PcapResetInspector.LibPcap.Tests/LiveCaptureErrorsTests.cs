using System.Runtime.InteropServices;

namespace PcapResetInspector.LibPcap.Tests;

/// <summary>The messages for failures a test on one machine cannot all provoke (no permission, interface down).</summary>
public class LiveCaptureErrorsTests
{
    private const string Program = "/opt/example/pcap-reset-inspector";
    private static readonly Func<IReadOnlyList<string>> TwoInterfaces = () => ["eth0", "lo"];

    [Fact]
    public void PermissionDenied_OnLinux_GivesTheSetcapLineForThisProgram()
    {
        LiveCaptureException exception = LiveCaptureErrors.ForActivation(
            "eth0", -8, "You don't have permission to perform this capture on that device",
            "socket: Operation not permitted", TwoInterfaces, Program, OSPlatform.Linux);
        Assert.Equal(LiveCaptureErrorKind.PermissionDenied, exception.Kind);
        Assert.Contains("'eth0'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Run as root", exception.Message, StringComparison.Ordinal);
        Assert.Contains("setcap cap_net_raw,cap_net_admin=eip " + Program, exception.Message, StringComparison.Ordinal);
        Assert.Contains("Operation not permitted", exception.Message, StringComparison.Ordinal);
        Assert.Equal("socket: Operation not permitted", exception.LibPcapMessage);
    }

    [Fact]
    public void PromiscuousModeDenied_IsAPermissionProblemThatSuggestsGoingWithout()
    {
        LiveCaptureException exception = LiveCaptureErrors.ForActivation(
            "eth0", -11, "You don't have permission to capture in promiscuous mode", "", TwoInterfaces, null, OSPlatform.Linux);
        Assert.Equal(LiveCaptureErrorKind.PermissionDenied, exception.Kind);
        Assert.Contains("promiscuous", exception.Message, StringComparison.Ordinal);
        Assert.Contains("setcap cap_net_raw,cap_net_admin=eip <path of the pcap-reset-inspector executable>", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PermissionRemedy_NeverSuggestsCapabilitiesForTheSharedDotnetHost()
    {
        string remedy = LiveCaptureErrors.PermissionRemedy("/opt/example/dotnet/dotnet", OSPlatform.Linux);
        Assert.DoesNotContain("/opt/example/dotnet/dotnet", remedy, StringComparison.Ordinal);
        Assert.Contains("pcap-reset-inspector executable", remedy, StringComparison.Ordinal);
    }

    [Fact]
    public void PermissionRemedy_FitsThePlatform()
    {
        Assert.Contains("Administrator", LiveCaptureErrors.PermissionRemedy(Program, OSPlatform.Windows), StringComparison.Ordinal);
        Assert.Contains("/dev/bpf", LiveCaptureErrors.PermissionRemedy(Program, OSPlatform.OSX), StringComparison.Ordinal);
        Assert.DoesNotContain("setcap", LiveCaptureErrors.PermissionRemedy(Program, OSPlatform.OSX), StringComparison.Ordinal);
    }

    [Fact]
    public void NoSuchDevice_ListsTheInterfacesThereAre()
    {
        LiveCaptureException exception = LiveCaptureErrors.ForActivation(
            "eht0", -5, "No such device exists", "SIOCGIFINDEX: No such device", TwoInterfaces, Program, OSPlatform.Linux);
        Assert.Equal(LiveCaptureErrorKind.NoSuchDevice, exception.Kind);
        Assert.Contains("'eht0'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("eth0, lo", exception.Message, StringComparison.Ordinal);

        LiveCaptureException none = LiveCaptureErrors.ForActivation("x", -5, "No such device exists", "", () => [], Program, OSPlatform.Linux);
        Assert.Contains("no interface", none.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InterfaceDown_AndOtherErrors()
    {
        LiveCaptureException down = LiveCaptureErrors.ForActivation("eth1", -9, "That device is not up", "", TwoInterfaces, Program, OSPlatform.Linux);
        Assert.Equal(LiveCaptureErrorKind.InterfaceNotUp, down.Kind);
        Assert.Contains("'eth1' is down", down.Message, StringComparison.Ordinal);

        LiveCaptureException other = LiveCaptureErrors.ForActivation("eth1", -1, "generic error", "can't mmap rx ring: Cannot allocate memory",
            TwoInterfaces, Program, OSPlatform.Linux);
        Assert.Equal(LiveCaptureErrorKind.Other, other.Kind);
        Assert.Contains("can't mmap rx ring", other.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(262_145)]
    public void Options_RejectABadSnapLength(int snapLength)
    {
        var options = new LiveCaptureOptions("lo") { SnapLength = snapLength };
        Assert.Throws<ArgumentOutOfRangeException>(() => LiveCapture.Open(options));
    }

    [Fact]
    public void Options_RejectAZeroTimeoutAndAnEmptyInterface()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LiveCapture.Open(new LiveCaptureOptions("lo") { ReadTimeout = TimeSpan.Zero }));
        Assert.Throws<ArgumentException>(() => LiveCapture.Open(new LiveCaptureOptions(" ")));
        Assert.Throws<ArgumentOutOfRangeException>(() => LiveCapture.Open(new LiveCaptureOptions("lo") { BufferSize = 0 }));
    }

    [Fact]
    public void Options_DefaultsSuitResetAnalysis()
    {
        var options = new LiveCaptureOptions("eth0");
        Assert.Equal(128, options.SnapLength);
        Assert.True(options.Promiscuous);
        Assert.Equal("tcp", options.Filter);
        Assert.Equal(TimeSpan.FromMilliseconds(100), options.ReadTimeout);
        Assert.Null(options.BufferSize);
        Assert.False(options.ImmediateMode);
    }
}
