using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Net;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Diagnosis;

/// <summary>Floods and reflection as one finding each, with their near misses.</summary>
public class HostFindingTests
{
    private const string Victim = "192.0.2.1";
    private const string Target = "10.0.0.5";

    /// <summary>SYN-ACKs from <paramref name="reflectors"/> sources to a victim that never sent a SYN; every third answered by its bare RST.</summary>
    private static TrafficBuilder Reflection(int reflectors)
    {
        var b = new TrafficBuilder();
        for (int i = 0; i < reflectors; i++)
        {
            var conv = b.Tcp(Victim, (ushort)(20000 + i), $"198.51.{i / 250}.{(i % 250) + 1}", 443);
            conv.Send(Side.Server, TcpFlags.Syn | TcpFlags.Ack, default, ack: 12345);
            if (i % 3 == 0)
                conv.Send(Side.Client, TcpFlags.Rst, default, seq: 12345);
            b.Advance(TimeSpan.FromMilliseconds(20));
        }
        return b;
    }

    [Fact]
    public void SynAcksToAHostThatSentNoSyn_AreOneReflectionFinding()
    {
        DiagnosisRun run = DiagnosisHarness.Run(Reflection(60));
        HostFinding finding = Assert.Single(run.Grouper.Findings);
        Assert.Equal((FindingKind.SynAckReflection, 60L, 60L, 60L, 20L), (finding.Kind, finding.Connections, finding.Packets, finding.DistinctPeers, finding.Resets));
        Assert.Equal("SYN-ACK reflection aimed at 192.0.2.1: 60 SYN-ACKs from 60 sources in 1.3 s (48 a second) for SYNs it never sent (its address was spoofed), 20 answered by its RST",
            finding.Summary);
        Assert.Equal(20, run.Diagnoses.Count);
        Assert.All(run.Diagnoses, d =>
        {
            Assert.Equal((ResetCause.SynAckReflection, Verdict.Suspicious, finding.Id), (d.Cause, d.Verdict, d.FindingId));
            Assert.StartsWith("nothing: no application on 192.0.2.1", d.LogHint);
        });
    }

    [Fact]
    public void AFewStraySynAcks_AreNotReflection()
    {
        // Below the thresholds (a capture that began between a SYN and its SYN-ACK, say): no finding, judged alone.
        DiagnosisRun run = DiagnosisHarness.Run(Reflection(6));
        Assert.Empty(run.Grouper.Findings);
        Assert.Equal(2, run.Diagnoses.Count);
        Assert.All(run.Diagnoses, d =>
        {
            Assert.Equal((ResetCause.SynAckReflection, DiagnosisConfidence.Low, (string?)null), (d.Cause, d.Confidence, d.FindingId));
            Assert.EndsWith("too few from other sources at the time to call it a reflection attack", d.Evidence);
        });
    }

    [Fact]
    public void ARstToASynAckOfItsOwnSyn_IsNotReflection_EvenDuringOne()
    {
        TrafficBuilder b = Reflection(60);
        // The victim itself connects and gives up on the answer: it sent the SYN, so this is no stray SYN-ACK.
        b.Tcp(Victim, 30000, "203.0.113.9", 443).Syn().SynAck().Rst(Side.Client);
        DiagnosisRun run = DiagnosisHarness.Run(b);
        ResetDiagnosis own = run.For(30000, 443);
        Assert.NotEqual(ResetCause.SynAckReflection, own.Cause);
        Assert.Null(own.FindingId);
    }

    private static TrafficBuilder Flood(int attempts, int sources)
    {
        var b = new TrafficBuilder();
        for (int i = 0; i < attempts; i++)
        {
            int source = i % sources;
            b.Tcp($"100.{64 + source / 60000}.{source / 250 % 240}.{(source % 250) + 1}", (ushort)(1024 + i), Target, 80).Syn();
            b.Advance(TimeSpan.FromMilliseconds(0.7));
        }
        return b;
    }

    [Fact]
    public void SpoofedSynFlood_WithNoAnswer_IsAFinding_ThoughNoRstWasSeen()
    {
        DiagnosisRun run = DiagnosisHarness.Run(Flood(1500, 1500));
        Assert.Empty(run.Diagnoses);
        HostFinding flood = Assert.Single(run.Grouper.Findings);
        Assert.Equal((FindingKind.SynFlood, 80, 1500L, 0L, true), (flood.Kind, flood.Port, flood.Connections, flood.Answered, flood.PeersEstimated));
        Assert.InRange(flood.DistinctPeers, 1455, 1500);
        Assert.StartsWith("SYN flood aimed at 10.0.0.5 port 80: 1,500 SYNs from about ", flood.Summary);
        Assert.EndsWith("none answered, no handshake completed", flood.Summary);
    }

    [Fact]
    public void ManySynsFromFewSources_AreNotAFlood()
    {
        DiagnosisRun run = DiagnosisHarness.Run(Flood(1500, 5));
        Assert.DoesNotContain(run.Grouper.Findings, f => f.Kind == FindingKind.SynFlood);
    }

    [Fact]
    public void DistinctCounter_IsExactToAThousand_AndWithinTwoPercentBeyond()
    {
        var counter = new DistinctCounter();
        for (uint i = 0; i < 1000; i++)
            counter.Add(IpAddress128.FromIPv4(0x0A000000 + i));
        counter.Add(IpAddress128.FromIPv4(0x0A000000));
        Assert.Equal((1000L, false), (counter.Count, counter.IsEstimate));
        for (uint i = 1000; i < 200_000; i++)
            counter.Add(IpAddress128.FromIPv4(0x0A000000 + i));
        Assert.True(counter.IsEstimate);
        Assert.InRange(counter.Count, 196_000, 204_000);
    }
}

/// <summary>A scan is one finding while its probes keep coming, though they leave the connection table out of order.</summary>
public class ScanFindingTests
{
    private static TrafficBuilder Bursts(TimeSpan pause)
    {
        var b = new TrafficBuilder();
        ushort port = 1000;
        for (int burst = 0; burst < 2; burst++)
        {
            for (int i = 0; i < 10; i++)
            {
                b.Tcp("203.0.113.66", (ushort)(40000 + port), "10.0.0.5", port).Syn().RefuseWithRst();
                port++;
            }
            b.Advance(pause);
        }
        return b;
    }

    [Fact]
    public void TwoBurstsAFewSecondsApart_AreOneScan()
    {
        // Longer than the 1 s scan window, shorter than the window plus the time probes take to leave the table.
        DiagnosisRun run = DiagnosisHarness.Run(Bursts(TimeSpan.FromSeconds(3)));
        HostFinding scan = Assert.Single(run.Grouper.Findings);
        Assert.Equal((FindingKind.PortScan, 20L, 20), (scan.Kind, scan.Connections, scan.DistinctPorts));
        Assert.All(run.Diagnoses, d => Assert.Equal(scan.Id, d.FindingId));
    }

    [Fact]
    public void OpenPortsLeavingTheTableLast_StillCountForTheirScan()
    {
        // A SYN scan: closed ports refused at once, open ports answered by SYN-ACKs the scanner never acknowledges;
        // those stay in the table until the input ends, long after the scan's other probes were forgotten.
        var b = new TrafficBuilder();
        for (ushort port = 1; port <= 10; port++)
            b.Tcp("172.16.0.8", (ushort)(36000 + port), "64.13.134.52", port).Syn().RefuseWithRst();
        foreach (ushort port in new ushort[] { 22, 53, 80 })
            b.Tcp("172.16.0.8", (ushort)(37000 + port), "64.13.134.52", port).Syn().SynAck();
        b.Advance(TimeSpan.FromSeconds(40));
        b.Tcp("10.9.9.9", 50000, "10.9.9.10", 443).Handshake().Fin(Side.Client).Fin(Side.Server).Ack();
        DiagnosisRun run = DiagnosisHarness.Run(b);

        HostFinding scan = Assert.Single(run.Grouper.Findings);
        Assert.Equal((13L, 13, 3L, 10L), (scan.Connections, scan.DistinctPorts, scan.Answered, scan.Resets));
    }

    [Fact]
    public void BurstsAMinuteApart_AreTwoScans()
    {
        DiagnosisRun run = DiagnosisHarness.Run(Bursts(TimeSpan.FromMinutes(1)));
        Assert.Equal([10L, 10L], run.Grouper.Findings.Select(f => f.Connections));
    }
}
