using PcapResetInspector.Core.Analysis;
using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Kernel;

/// <summary>MPTCP's MP_TCPRST (RFC 8684 §3.6): the reason a RST carries on the wire, into the evidence and the kernel vocabulary.</summary>
public sealed class MptcpResetReasonTests
{
    /// <summary>Kind 30, length 4, subtype 0x8 with the T flag (transient), the reason; no padding needed.</summary>
    private static byte[] MpTcpRst(byte reason) => [30, 4, 0x81, reason];

    private static ResetDiagnosis DiagnoseFile(Stream capture, string name)
    {
        var pipeline = new AnalysisPipeline();
        var rows = new List<ResetDiagnosis>();
        pipeline.Selected += (_, diagnosis) => rows.Add(diagnosis!);
        using (CaptureFileSource source = CaptureFile.Open(capture, name))
        {
            while (source.TryReadNext(out PacketRecord packet))
                pipeline.Process(in packet);
        }
        pipeline.Complete();
        return Assert.Single(rows);
    }

    /// <summary>tcpdump's test capture: two RST,ACKs of one connection, carrying reasons 0 then 1 (as tshark decodes them).</summary>
    [Decoding.CorpusFact]
    public void A_real_mptcp_reset_is_read_as_tshark_reads_it()
    {
        using FileStream file = File.OpenRead(Decoding.SharedCorpus.PathOf("wellformed/tcpdump__mptcp-tcprst.pcap"));
        ResetDiagnosis d = DiagnoseFile(file, "tcpdump__mptcp-tcprst.pcap");
        // The first RST of the side is the one kept, as for every other RST field.
        Assert.Equal(0, d.Connection.Originator.RstMptcpReason);
        Assert.Contains("MP_TCPRST reason 0 (unspecified error", d.Evidence);
        Assert.Equal("MPTCP_RST_EUNSPEC", d.InferredKernelReason);
    }

    private static ResetDiagnosis Diagnose(byte[]? rstOptions)
    {
        var traffic = new TrafficBuilder();
        TcpConversation c = traffic.Tcp("10.0.0.7", 50412, "10.0.0.2", 443).Handshake()
            .Data(Side.Client, 200).Data(Side.Server, 1200).Ack(Side.Client).Wait(TimeSpan.FromMilliseconds(50));
        c.Send(Side.Server, TcpFlags.Rst | TcpFlags.Ack, default, extraOptions: rstOptions);
        return DiagnoseFile(new MemoryStream(traffic.ToPcapBytes()), "mptcp");
    }

    [Theory]
    [InlineData(6, "MPTCP_RST_EMIDDLEBOX", "middlebox interference")]
    [InlineData(2, "MPTCP_RST_ERESOURCE", "lack of resources")]
    [InlineData(0, "MPTCP_RST_EUNSPEC", "unspecified error")]
    public void The_reason_on_the_wire_is_in_the_evidence_and_names_the_kernel_reason(byte reason, string kernel, string words)
    {
        ResetDiagnosis d = Diagnose(MpTcpRst(reason));
        Assert.Equal(reason, d.Connection.Responder.RstMptcpReason);
        Assert.Contains($"MP_TCPRST reason {reason} ({words}, RFC 8684 §3.6)", d.Evidence);
        Assert.Equal(kernel, d.InferredKernelReason);
    }

    [Fact]
    public void A_reset_without_the_option_keeps_the_reason_its_shape_implies()
    {
        ResetDiagnosis d = Diagnose(null);
        Assert.Null(d.Connection.Responder.RstMptcpReason);
        Assert.DoesNotContain("MP_TCPRST", d.Evidence);
        Assert.Equal(PcapResetInspector.Core.Kernel.KernelVocabulary.Inferred(d.Cause), d.InferredKernelReason);
    }

    [Fact]
    public void Other_mptcp_subtypes_and_a_wrong_length_are_not_read_as_a_reason()
    {
        // MP_CAPABLE (subtype 0) of length 4, then an MP_TCPRST claiming length 6.
        ResetDiagnosis d = Diagnose([30, 4, 0x01, 0x06, 30, 6, 0x80, 0x06, 1, 1, 1, 1]);
        Assert.Null(d.Connection.Responder.RstMptcpReason);
    }
}
