using PcapResetInspector.Core.Explain;
using PcapResetInspector.Core.Logs;
using static PcapResetInspector.Core.Tests.Explain.ExplainScene;

namespace PcapResetInspector.Core.Tests.Explain;

/// <summary>How a line is graded by what it names (address and port, address, nothing), and why a line matches nothing.</summary>
public class LogMatcherTests
{
    private static readonly TimeSpan Utc = TimeSpan.Zero;
    private static readonly LogMatcherOptions InUtc = new() { UtcOffset = Utc };

    [Fact]
    public void A_line_naming_address_and_port_is_exact_and_one_naming_the_address_is_address()
    {
        var scene = new ExplainScene();
        long reset = scene.ClientReset("10.0.0.7", 50412);
        scene.Advance(TimeSpan.FromMinutes(1));
        scene.ClientReset("10.0.0.8", 50413);
        LogMatcher matcher = scene.Matcher(InUtc);

        LogLineMatch exact = Assert.Single(matcher.Match([Line(Local(reset, Utc), "10.0.0.7", 50412)]));
        Assert.Equal(LogMatchKind.Exact, exact.Kind);
        CandidateConnection connection = Assert.Single(exact.Candidates);
        Assert.Equal((ushort)50412, connection.Client.Port);
        Assert.True(connection.ResetByClient);

        LogLineMatch address = Assert.Single(matcher.Match([Line(Local(reset, Utc), "10.0.0.7")]));
        Assert.Equal(LogMatchKind.Address, address.Kind);
        Assert.Equal(connection.Uid, Assert.Single(address.Candidates).Uid);
        Assert.False(address.IsAmbiguous);
    }

    [Fact]
    public void A_line_naming_no_client_is_matched_by_time_to_resets_on_the_service_port()
    {
        var scene = new ExplainScene();
        long reset = scene.ClientReset("10.0.0.7", 50412, serverPort: 445);
        scene.ClientReset("10.0.0.9", 50500, serverPort: 8080); // same second, another service
        scene.Advance(TimeSpan.FromMinutes(1));
        scene.ClientReset("10.0.0.8", 50413, serverPort: 139);
        LogMatcher matcher = scene.Matcher(InUtc);

        LogLineMatch samba = Assert.Single(matcher.Match([Line(Local(reset, Utc))]));
        Assert.Equal(LogMatchKind.Time, samba.Kind);
        Assert.Equal((ushort)445, Assert.Single(samba.Candidates).Server.Port);
        Assert.Contains("445 or 139", samba.How);

        // A generic line tells no service: every client reset at that time fits, all listed.
        LogLineMatch generic = Assert.Single(matcher.Match([Line(Local(reset, Utc), format: LogFormat.Generic, file: "app.log")]));
        Assert.Equal(LogMatchKind.Time, generic.Kind);
        Assert.True(generic.IsAmbiguous);
        Assert.Equal([445, 8080], generic.Candidates.Select(c => (int)c.Server.Port).Order());
    }

    [Fact]
    public void Sshd_and_postgresql_lines_without_a_client_are_narrowed_to_their_ports()
    {
        var scene = new ExplainScene();
        long ssh = scene.ClientReset("10.0.0.7", 50412, serverPort: 22);
        scene.ClientReset("10.0.0.8", 50413, serverPort: 5432);
        LogMatcher matcher = scene.Matcher(InUtc);

        IReadOnlyList<LogLineMatch> matches = matcher.Match(
            [Line(Local(ssh, Utc), format: LogFormat.Sshd, file: "auth.log"), Line(Local(ssh, Utc), format: LogFormat.PostgreSql, file: "pg.log")]);
        Assert.Equal(22, Assert.Single(matches[0].Candidates).Server.Port);
        Assert.Equal(5432, Assert.Single(matches[1].Candidates).Server.Port);
    }

    [Fact]
    public void Two_resets_of_one_client_in_the_window_are_both_listed_as_an_ambiguous_address_match()
    {
        var scene = new ExplainScene();
        long first = scene.ClientReset("10.0.0.7", 50412);
        scene.Advance(TimeSpan.FromMilliseconds(300));
        long second = scene.ClientReset("10.0.0.7", 50414);
        LogMatcher matcher = scene.Matcher(InUtc);

        LogLineMatch match = Assert.Single(matcher.Match([Line(Local(second, Utc), "10.0.0.7")]));
        Assert.Equal(LogMatchKind.Address, match.Kind);
        Assert.True(match.IsAmbiguous);
        Assert.Equal([50412, 50414], match.Candidates.Select(c => (int)c.Client.Port).Order());
        Assert.Contains("ambiguous", match.How);
        Assert.True(second - first < TimeSpan.FromSeconds(1).Ticks * 100);

        // The port tells them apart.
        LogLineMatch exact = Assert.Single(matcher.Match([Line(Local(second, Utc), "10.0.0.7", 50414)]));
        Assert.Equal(LogMatchKind.Exact, exact.Kind);
        Assert.Single(exact.Candidates);
    }

    [Fact]
    public void A_client_with_no_connection_in_the_capture_is_peer_not_in_capture()
    {
        var scene = new ExplainScene();
        long reset = scene.ClientReset("10.0.0.7", 50412);
        LogMatcher matcher = scene.Matcher(InUtc);

        LogLineMatch match = Assert.Single(matcher.Match([Line(Local(reset, Utc), "10.99.0.1", 50000)]));
        Assert.Equal(LogMatchKind.None, match.Kind);
        Assert.Equal(NoMatchReason.PeerNotInCapture, match.Reason);
        Assert.Empty(match.Candidates);
        Assert.Contains("10.99.0.1", match.How);
    }

    [Fact]
    public void A_line_after_the_capture_ended_is_outside_capture_and_one_far_from_its_client_is_nothing_near_time()
    {
        var scene = new ExplainScene();
        long reset = scene.ClientReset("10.0.0.7", 50412);
        scene.Advance(TimeSpan.FromMinutes(5));
        scene.ClientReset("10.0.0.8", 50413);
        LogMatcher matcher = scene.Matcher(InUtc);

        IReadOnlyList<LogLineMatch> matches = matcher.Match(
        [
            Line(Local(reset + TimeSpan.FromHours(1).Ticks * 100, Utc), "10.0.0.7", 50412),
            Line(Local(reset + TimeSpan.FromMinutes(2).Ticks * 100, Utc), "10.0.0.7", 50412, number: 2),
        ]);
        Assert.Equal((LogMatchKind.None, NoMatchReason.OutsideCapture), (matches[0].Kind, matches[0].Reason));
        Assert.Contains("outside the capture's time range", matches[0].How);
        Assert.DoesNotContain("Z UTC", matches[0].How);
        Assert.DoesNotContain("--log-utc-offset", matches[0].How); // the offset was given
        Assert.Equal((LogMatchKind.None, NoMatchReason.NothingNearTime), (matches[1].Kind, matches[1].Reason));
        Assert.Contains("nearest", matches[1].How);
    }

    [Fact]
    public void A_proxy_line_naming_its_upstream_matches_the_proxy_own_connection_on_the_server_side()
    {
        var scene = new ExplainScene();
        scene.ClientReset("10.0.0.7", 50412, serverPort: 80);
        long reset = scene.UpstreamReset("10.0.0.2", 40000, "10.0.0.9", 8080);
        LogMatcher matcher = scene.Matcher(InUtc);

        LogLineMatch match = Assert.Single(matcher.Match([Line(Local(reset, Utc), format: LogFormat.Nginx, file: "error.log", server: "10.0.0.9", serverPort: 8080)]));
        Assert.Equal(LogMatchKind.Exact, match.Kind);
        CandidateConnection connection = Assert.Single(match.Candidates);
        Assert.Equal("10.0.0.2", Core.Net.IpAddress128.Format(connection.Client.Address));
        Assert.Equal((ushort)8080, connection.Server.Port);
        Assert.True(connection.ResetByServer);
        Assert.Contains("upstream server 10.0.0.9:8080", match.How);
    }

    [Fact]
    public void A_line_with_its_own_zone_uses_it_over_the_given_offset()
    {
        var scene = new ExplainScene();
        long reset = scene.ClientReset("10.0.0.7", 50412);
        TimeSpan zone = TimeSpan.FromHours(3);
        LogMatcher matcher = scene.Matcher(new LogMatcherOptions { UtcOffset = TimeSpan.FromHours(-7) });

        IReadOnlyList<LogLineMatch> matches = matcher.Match(
            [Line(Local(reset, zone), "10.0.0.7", 50412, zone: zone), Line(Local(reset, zone), "10.0.0.7", 50412, number: 2)]);
        Assert.Equal(LogMatchKind.Exact, matches[0].Kind);
        Assert.Equal(zone, matches[0].Offset);
        Assert.Equal(LogMatchKind.None, matches[1].Kind); // the same time without a zone is read at -07:00
        Assert.Equal(TimeSpan.FromHours(-7), matches[1].Offset);
        Assert.Equal(OffsetSource.Given, matcher.Offsets["log.smbd"].Source);
    }
}
