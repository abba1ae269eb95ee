using PcapResetInspector.Core.Explain;
using PcapResetInspector.Core.Logs;
using static PcapResetInspector.Core.Tests.Explain.ExplainScene;

namespace PcapResetInspector.Core.Tests.Explain;

/// <summary>What explain keeps is bounded by what the log lines can ask for.</summary>
public sealed class CandidateCollectorTests
{
    private static readonly TimeSpan Utc = TimeSpan.Zero;

    private static ExplainScene Scene(out long reset)
    {
        var scene = new ExplainScene();
        reset = scene.ClientReset("10.0.0.7", 50412, 445);
        scene.Advance(TimeSpan.FromSeconds(5));
        scene.ClientReset("10.0.0.8", 50500, 445);
        scene.Advance(TimeSpan.FromSeconds(5));
        scene.ClientReset("10.0.0.9", 50600, 8080);
        scene.Advance(TimeSpan.FromSeconds(5));
        scene.CleanClose("10.0.0.7", 50700, 445);
        return scene;
    }

    [Fact]
    public void Lines_that_name_their_client_keep_only_that_clients_connections()
    {
        ExplainScene scene = Scene(out long reset);
        IReadOnlyList<CandidateConnection> kept = scene.CandidatesFor([Line(Local(reset, Utc), "10.0.0.7", 50412)]);
        Assert.All(kept, c => Assert.Equal("10.0.0.7", c.Client.Address.ToString()));
        Assert.Equal(2, kept.Count); // its reset and its clean close
    }

    [Fact]
    public void A_samba_line_without_a_client_adds_the_resets_on_smb_ports_and_a_generic_one_every_reset()
    {
        ExplainScene scene = Scene(out long reset);
        IReadOnlyList<CandidateConnection> samba = scene.CandidatesFor([Line(Local(reset, Utc))]);
        Assert.Equal(["10.0.0.7", "10.0.0.8"], samba.Select(c => c.Client.Address.ToString()).Order());
        IReadOnlyList<CandidateConnection> generic = scene.CandidatesFor([Line(Local(reset, Utc), format: LogFormat.Generic, file: "app.log")]);
        Assert.Equal(3, generic.Count);
    }
}
