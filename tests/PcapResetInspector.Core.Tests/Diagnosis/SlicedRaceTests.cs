using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Diagnosis;

/// <summary>
/// The 139/445 race captured with small snaplens or headers only (every payload byte sliced off, the IP
/// lengths and sequence numbers intact): the grouping, causes and verdicts must agree with the full capture.
/// </summary>
public class SlicedRaceTests
{
    /// <summary>0 stands for headers only: each frame cut at the end of its TCP header.</summary>
    public static TheoryData<SmbRaceVariant, ushort, int> Cases()
    {
        var data = new TheoryData<SmbRaceVariant, ushort, int>();
        foreach (SmbRaceVariant variant in Enum.GetValues<SmbRaceVariant>())
        {
            foreach (ushort winnerPort in new ushort[] { 445, 139 })
            {
                if (variant == SmbRaceVariant.C && winnerPort == 139)
                    continue; // the session request is a 139 loser's shape
                foreach (int snaplen in new[] { 54, 64, 68, 96, 0 })
                    data.Add(variant, winnerPort, snaplen);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SlicedCapture_GroupsAsTheFullOne(SmbRaceVariant variant, ushort winnerPort, int snaplen)
    {
        TrafficBuilder full = SmbRaceTests.Race(variant, winnerPort, loserSynFirst: false).Builder;
        DiagnosisRun whole = DiagnosisHarness.Run(full);
        DiagnosisRun sliced = DiagnosisHarness.Run(Slice(full, snaplen));

        Assert.NotEmpty(whole.Diagnoses);
        Assert.Equal(Outcomes(whole), Outcomes(sliced));
        ResetDiagnosis loser = Assert.Single(sliced.Diagnoses);
        Assert.Equal((ResetCause.SmbRaceLoser, variant), (loser.Cause, loser.RaceVariant));
        if (snaplen is 0 or 54)
            Assert.Contains("not captured", loser.Evidence); // said, and the confidence lowered rather than the verdict
    }

    private static List<(string Uid, ResetCause Cause, Verdict Verdict, int? Group, SmbRaceVariant? Variant, string? Sibling)> Outcomes(DiagnosisRun run) =>
        run.Diagnoses.Select(d => (d.Uid, d.Cause, d.Verdict, d.RaceGroupId, d.RaceVariant, d.SiblingUid)).OrderBy(o => o.Uid, StringComparer.Ordinal).ToList();

    /// <summary>A copy whose frames keep <paramref name="snaplen"/> bytes, or (0) only the headers up to the end of TCP's.</summary>
    internal static TrafficBuilder Slice(TrafficBuilder source, int snaplen)
    {
        var sliced = new TrafficBuilder();
        foreach (BuiltFrame frame in source.Frames)
        {
            int keep = snaplen;
            if (snaplen == 0)
            {
                Assert.Equal(DecodeStatus.Tcp, PacketDecoder.Decode(frame.Data, frame.LinkType, frame.TimestampNanos, out TcpSegment segment));
                keep = segment.PayloadOffset;
            }
            sliced.AddRawFrame(frame.TimestampNanos, frame.Data[..Math.Min(keep, frame.Data.Length)]);
        }
        return sliced;
    }
}
