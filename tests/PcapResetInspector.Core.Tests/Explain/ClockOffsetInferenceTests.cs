using PcapResetInspector.Core.Explain;
using PcapResetInspector.Core.Logs;
using static PcapResetInspector.Core.Tests.Explain.ExplainScene;

namespace PcapResetInspector.Core.Tests.Explain;

/// <summary>The log clock's offset found from the lines that name a client, per file, and a daylight-saving change inside a log.</summary>
public class ClockOffsetInferenceTests
{
    /// <summary>Resets by <paramref name="count"/> clients a minute apart, and the lines a log at each given offset writes about them.</summary>
    private static (ExplainScene Scene, List<LogResetLine> Lines) Log(int count, Func<int, TimeSpan> offsetOf, string file = "log.smbd", int firstClient = 1)
    {
        var scene = new ExplainScene();
        var lines = new List<LogResetLine>();
        for (int i = 0; i < count; i++)
        {
            string client = $"10.0.1.{firstClient + i}";
            long reset = scene.ClientReset(client, (ushort)(50_000 + i));
            lines.Add(Line(Local(reset, offsetOf(i)), client, (ushort)(50_000 + i), file: file, number: i + 1));
            scene.Advance(TimeSpan.FromMinutes(1));
        }
        return (scene, lines);
    }

    [Theory]
    [InlineData(60)]
    [InlineData(345)] // Nepal, +05:45
    [InlineData(-210)] // Newfoundland, -03:30
    [InlineData(0)]
    public void The_offset_is_inferred_from_the_lines_naming_a_client(int minutes)
    {
        TimeSpan offset = TimeSpan.FromMinutes(minutes);
        (ExplainScene scene, List<LogResetLine> lines) = Log(6, _ => offset);
        LogMatcher matcher = scene.Matcher();

        IReadOnlyList<LogLineMatch> matches = matcher.Match(lines);

        LogClockOffset clock = matcher.Offsets["log.smbd"];
        Assert.Equal((offset, OffsetSource.Inferred), (clock.Offset, clock.Source));
        Assert.Equal((6, 6), (clock.SupportingLines, clock.LinesTried));
        Assert.Null(clock.Secondary);
        Assert.All(matches, m => Assert.Equal((LogMatchKind.Exact, offset), (m.Kind, m.Offset)));
    }

    [Fact]
    public void A_log_crossing_a_daylight_saving_change_keeps_the_second_offset_for_the_lines_after_it()
    {
        // Eight lines in winter time (+01:00), then the clocks go forward and four more are written at +02:00.
        (ExplainScene scene, List<LogResetLine> lines) = Log(12, i => TimeSpan.FromHours(i < 8 ? 1 : 2));
        LogMatcher matcher = scene.Matcher();

        IReadOnlyList<LogLineMatch> matches = matcher.Match(lines);

        LogClockOffset clock = matcher.Offsets["log.smbd"];
        Assert.Equal(TimeSpan.FromHours(1), clock.Offset);
        Assert.Equal(TimeSpan.FromHours(2), clock.Secondary);
        Assert.Equal((8, 4), (clock.SupportingLines, clock.SecondaryLines));
        Assert.All(matches, m => Assert.Equal(LogMatchKind.Exact, m.Kind));
        Assert.Equal(Enumerable.Repeat(1, 8).Concat(Enumerable.Repeat(2, 4)), matches.Select(m => (int)m.Offset.TotalHours));
    }

    [Fact]
    public void Each_file_gets_its_own_offset_and_a_file_naming_no_client_takes_the_overall_one()
    {
        var scene = new ExplainScene();
        var lines = new List<LogResetLine>();
        for (int i = 0; i < 4; i++)
        {
            long reset = scene.ClientReset($"10.0.1.{i + 1}", (ushort)(50_000 + i));
            lines.Add(Line(Local(reset, TimeSpan.FromHours(1)), $"10.0.1.{i + 1}", (ushort)(50_000 + i), file: "paris/log.smbd", number: i + 1));
            scene.Advance(TimeSpan.FromMinutes(1));
        }
        for (int i = 0; i < 2; i++)
        {
            long reset = scene.ClientReset($"10.0.2.{i + 1}", (ushort)(50_000 + i));
            lines.Add(Line(Local(reset, TimeSpan.FromHours(-5)), $"10.0.2.{i + 1}", (ushort)(50_000 + i), file: "ny/log.smbd", number: i + 1));
            scene.Advance(TimeSpan.FromMinutes(1));
        }
        long unnamed = scene.ClientReset("10.0.3.1", 50_100);
        lines.Add(Line(Local(unnamed, TimeSpan.FromHours(1)), file: "old/log.smbd"));
        LogMatcher matcher = scene.Matcher();

        IReadOnlyList<LogLineMatch> matches = matcher.Match(lines);

        Assert.Equal(TimeSpan.FromHours(1), matcher.Offsets["paris/log.smbd"].Offset);
        Assert.Equal(TimeSpan.FromHours(-5), matcher.Offsets["ny/log.smbd"].Offset);
        Assert.Equal((TimeSpan.FromHours(1), OffsetSource.Inferred), (matcher.Offsets["old/log.smbd"].Offset, matcher.Offsets["old/log.smbd"].Source));
        Assert.All(matches.Take(6), m => Assert.Equal(LogMatchKind.Exact, m.Kind));
        Assert.Equal(LogMatchKind.Time, matches[6].Kind);
    }

    [Fact]
    public void A_given_offset_is_used_as_is_and_nothing_is_inferred()
    {
        (ExplainScene scene, List<LogResetLine> lines) = Log(4, _ => TimeSpan.FromHours(1));
        LogMatcher wrong = scene.Matcher(new LogMatcherOptions { UtcOffset = TimeSpan.FromHours(2) });
        // An hour off puts these lines of a few minutes' capture outside it.
        Assert.All(wrong.Match(lines), m => Assert.Equal((LogMatchKind.None, NoMatchReason.OutsideCapture), (m.Kind, m.Reason)));
        Assert.Equal((TimeSpan.FromHours(2), OffsetSource.Given), (wrong.Offsets["log.smbd"].Offset, wrong.Offsets["log.smbd"].Source));

        LogMatcher right = scene.Matcher(new LogMatcherOptions { UtcOffset = TimeSpan.FromHours(1) });
        Assert.All(right.Match(lines), m => Assert.Equal(LogMatchKind.Exact, m.Kind));
    }

    [Fact]
    public void Lines_that_meet_nothing_at_any_offset_leave_the_clock_assumed_utc()
    {
        (ExplainScene scene, List<LogResetLine> lines) = Log(3, _ => TimeSpan.FromHours(1));
        var strangers = lines.Select(l => l with { ClientAddress = Core.Net.IpAddress128.Parse("10.99.0.1") }).ToList();
        LogMatcher matcher = scene.Matcher();

        IReadOnlyList<LogLineMatch> matches = matcher.Match(strangers);

        LogClockOffset clock = matcher.Offsets["log.smbd"];
        Assert.Equal((TimeSpan.Zero, OffsetSource.Assumed, 3), (clock.Offset, clock.Source, clock.LinesTried));
        Assert.All(matches, m => Assert.Equal(NoMatchReason.OutsideCapture, m.Reason)); // local +01:00 read as UTC
        Assert.All(matches, m => Assert.Contains("taken to be UTC", m.How)); // and the line says the clock may be the reason
    }
}
