using PcapResetInspector.Cli.Options;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Cli.Tests;

/// <summary>analyze --start/--end (a window over the packets) and --time-zone (the zone of the report's times).</summary>
public sealed class TimeWindowTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("pri-window-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    private (string Path, IReadOnlyList<BuiltFrame> Frames) Capture()
    {
        TrafficBuilder builder = new SambaOfficeDay(clients: 40, TimeSpan.Zero, seed: 3).Build();
        string path = Path.Combine(_scratch, "office.pcap");
        File.WriteAllBytes(path, builder.ToPcapBytes());
        return (path, builder.Frames);
    }

    [Fact]
    public void A_relative_window_keeps_exactly_the_packets_inside_it()
    {
        (string path, IReadOnlyList<BuiltFrame> frames) = Capture();
        long first = frames.Min(f => f.TimestampNanos);
        int inside = frames.Count(f => f.TimestampNanos >= first + 2_000_000_000 && f.TimestampNanos <= first + 5_000_000_000);
        CliResult result = CliRunner.Run("analyze", path, "--start", "+2s", "--end", "+5s");
        Assert.Contains($"Packets:       {inside:N0} ", result.Output);
        Assert.Contains($"--start/--end left out {frames.Count - inside:N0} of {frames.Count:N0} packets read", result.Output);
        Assert.True(inside > 0 && inside < frames.Count);
    }

    [Fact]
    public void An_absolute_window_with_a_zone_is_the_same_instant_as_in_UTC()
    {
        (string path, IReadOnlyList<BuiltFrame> frames) = Capture();
        long first = frames.Min(f => f.TimestampNanos);
        DateTime start = DateTime.UnixEpoch.AddTicks((first + 3_000_000_000) / 100);
        string utc = CliRunner.Run("analyze", path, "--start", start.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'")).Output;
        string shifted = CliRunner.Run("analyze", path, "--start", start.AddHours(2).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff") + "+02:00").Output;
        string local = CliRunner.Run("analyze", path, "--time-zone", "-03:30", "--start", start.AddHours(-3.5).ToString("yyyy-MM-dd HH:mm:ss.ffffff")).Output;
        string Packets(string report) => report.Split("\n").First(l => l.StartsWith("Packets:")).Split(" from ")[0];
        Assert.Equal(Packets(utc), Packets(shifted));
        Assert.Equal(Packets(utc), Packets(local));
        Assert.DoesNotContain("Packets:       0 ", utc);
    }

    [Fact]
    public void The_report_prints_its_times_in_the_zone_asked_for()
    {
        (string path, _) = Capture();
        string utc = CliRunner.Run("analyze", path).Output;
        string plusOne = CliRunner.Run("analyze", path, "--time-zone", "+01:00").Output;
        Assert.Contains("Time span:     2024-03-11T07:58:00.000000Z", utc);
        Assert.Contains("Time span:     2024-03-11T08:58:00.000000+01:00", plusOne);
    }

    [Theory]
    [InlineData("--start", "yesterday")]
    [InlineData("--end", "+-5s")]
    [InlineData("--time-zone", "+15:00")]
    [InlineData("--time-zone", "Mars/Olympus")]
    public void Values_that_are_not_times_are_usage_errors(string option, string value)
    {
        (string path, _) = Capture();
        CliResult result = CliRunner.Run("analyze", path, option, value);
        Assert.Equal(ExitCodes.UsageError, result.ExitCode);
        Assert.Contains(option, result.Error);
    }

    [Fact]
    public void An_end_before_the_start_is_refused()
    {
        (string path, _) = Capture();
        CliResult result = CliRunner.Run("analyze", path, "--start", "+5s", "--end", "+2s");
        Assert.Equal(ExitCodes.UsageError, result.ExitCode);
        Assert.Contains("--end is before --start", result.Error);
    }

    [Theory]
    [InlineData("+01:00", 60)]
    [InlineData("-0530", -330)]
    [InlineData("+5", 300)]
    [InlineData("+05:45", 345)]
    [InlineData("Z", 0)]
    public void Offsets_are_read_as_people_write_them(string text, int minutes)
    {
        Assert.True(TimeOptions.TryParseOffset(text, out TimeSpan offset));
        Assert.Equal(TimeSpan.FromMinutes(minutes), offset);
    }

    [Theory]
    [InlineData("1710144000.5", 1_710_144_000_500_000_000L, false)]
    [InlineData("2024-03-11T08:00:00Z", 1_710_144_000_000_000_000L, false)]
    [InlineData("2024-03-11T09:00:00+01:00", 1_710_144_000_000_000_000L, false)]
    [InlineData("2024-03-11 08:00:00", 1_710_144_000_000_000_000L, false)]
    [InlineData("+90s", 90_000_000_000L, true)]
    public void Bounds_are_absolute_or_relative(string text, long nanos, bool relative)
    {
        Assert.True(TimeOptions.TryParseBound(text, null, out long parsed, out bool isRelative));
        Assert.Equal(nanos, parsed);
        Assert.Equal(relative, isRelative);
    }
}
