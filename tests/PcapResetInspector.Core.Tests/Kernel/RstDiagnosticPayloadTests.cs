using System.Buffers.Binary;
using PcapResetInspector.Core.Analysis;
using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Decoding;
using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Core.Tests.Kernel;

/// <summary>
/// The RST diagnostic payload of draft-ietf-tcpm-rst-diagnostic-payload-03 §4.1 (0x33AA, reason code, PEN) read
/// from generated captures: into the evidence when whole and valid, nothing when cut or malformed.
/// </summary>
public sealed class RstDiagnosticPayloadTests
{
    private static byte[] Payload(ushort magic, ushort reason, uint pen, int length = RstDiagnosticPayload.Length)
    {
        var bytes = new byte[length];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, magic);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), reason);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4), pen);
        return bytes;
    }

    /// <summary>A RST without data.</summary>
    private static readonly byte[] Bare = [];

    private static byte[] Valid(ushort reason, uint pen = 0) => Payload(RstDiagnosticPayload.Magic, reason, pen);

    /// <summary>A server that answers a request with data, then resets, the RST carrying <paramref name="rstPayloads"/> in turn.</summary>
    private static byte[] Capture(params byte[][] rstPayloads)
    {
        var traffic = new TrafficBuilder();
        TcpConversation c = traffic.Tcp("10.0.0.7", 50412, "10.0.0.2", 443).Handshake()
            .Data(Side.Client, 200).Data(Side.Server, 1200).Ack(Side.Client).Wait(TimeSpan.FromMilliseconds(50));
        foreach (byte[] payload in rstPayloads)
            c.Send(Side.Server, TcpFlags.Rst | TcpFlags.Ack, payload);
        return traffic.ToPcapBytes();
    }

    private static ResetDiagnosis Diagnose(byte[] capture)
    {
        var pipeline = new AnalysisPipeline();
        var rows = new List<ResetDiagnosis>();
        pipeline.Selected += (_, diagnosis) => rows.Add(diagnosis!);
        using (CaptureFileSource source = CaptureFile.Open(new MemoryStream(capture), "rst-diagnostic"))
        {
            while (source.TryReadNext(out PacketRecord packet))
                pipeline.Process(in packet);
        }
        pipeline.Complete();
        return Assert.Single(rows);
    }

    [Theory]
    [InlineData(16, "reason 16, connection timeout")]
    [InlineData(5, "reason 5, ACK segment received in LISTEN state")]
    [InlineData(19, "reason 19, middlebox interference")]
    [InlineData(700, "reason 700, not in the draft's initial registry")]
    public void An_iana_reason_is_read_into_the_evidence_with_the_registrys_words(ushort reason, string words)
    {
        ResetDiagnosis d = Diagnose(Capture(Valid(reason)));
        Assert.Equal(new RstDiagnosticPayload(reason, 0), d.Connection.Responder.RstDiagnostic);
        Assert.Contains("the RST carries a diagnostic payload (draft-ietf-tcpm-rst-diagnostic-payload-03 §4.1): " + words, d.Evidence);
    }

    [Fact]
    public void A_vendors_reason_names_the_enterprise_whose_registry_it_is()
    {
        // The draft's own example (Figure 4): reason 1234 of PEN 32473, the enterprise number for documentation (RFC 5612).
        ResetDiagnosis d = Diagnose(Capture(Valid(1234, 32473)));
        Assert.Equal(new RstDiagnosticPayload(1234, 32473), d.Connection.Responder.RstDiagnostic);
        Assert.Contains("diagnostic payload (draft-ietf-tcpm-rst-diagnostic-payload-03 §4.1): reason 1234 of the registry of enterprise 32473", d.Evidence);
    }

    [Fact]
    public void A_bare_rst_before_the_one_with_the_payload_does_not_hide_it()
    {
        // §6.2: a sender may send several RSTs, only some of them with the payload.
        ResetDiagnosis d = Diagnose(Capture(Bare, Valid(16)));
        Assert.Equal((ushort)16, d.Connection.Responder.RstDiagnostic?.ReasonCode);
    }

    [Fact]
    public void A_rst_without_data_says_nothing()
    {
        ResetDiagnosis d = Diagnose(Capture(Bare));
        Assert.Null(d.Connection.Responder.RstDiagnostic);
        Assert.DoesNotContain("diagnostic payload", d.Evidence);
        Assert.DoesNotContain("of data", d.Evidence);
    }

    /// <summary>tcpdump's and Suricata's test captures of RSTs with data (58 and 13 bytes, as tshark counts them): none is the draft's form.</summary>
    [Decoding.CorpusTheory]
    [InlineData("wellformed/tcpdump__tcp_rst_data.pcap", 58)]
    [InlineData("wellformed/suricata__tcp-rst-with-data.pcap", 13)]
    public void Real_rsts_with_data_say_how_much(string path, int length)
    {
        ResetDiagnosis d = Diagnose(File.ReadAllBytes(Decoding.SharedCorpus.PathOf(path)));
        Assert.DoesNotContain("diagnostic payload", d.Evidence);
        Assert.Contains($"its first RST carries {length} bytes of data", d.Evidence);
    }

    [Fact]
    public void A_valid_payload_is_named_once_not_also_as_data()
    {
        ResetDiagnosis d = Diagnose(Capture(Valid(16)));
        Assert.Contains("diagnostic payload", d.Evidence);
        Assert.DoesNotContain("of data", d.Evidence);
    }

    public static TheoryData<string, byte[]> Malformed => new()
    {
        { "another magic number", Payload(0x33AB, 16, 0) },
        { "the reserved reason 0", Valid(0) },
        { "the magic in a segment longer than 8 bytes", Payload(RstDiagnosticPayload.Magic, 16, 0, length: 9) },
        { "the magic in a segment shorter than 8 bytes", Valid(16)[..6] },
        { "an older draft's free text (0xF317)", [0xF3, 0x17, (byte)'t', (byte)'i', (byte)'m', (byte)'e', (byte)'o', (byte)'u'] },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void A_malformed_payload_is_ignored_and_the_rst_diagnosed_as_without_it(string what, byte[] payload)
    {
        ResetDiagnosis d = Diagnose(Capture(payload));
        Assert.True(d.Connection.Responder.RstDiagnostic is null, what);
        Assert.DoesNotContain("diagnostic payload", d.Evidence);
        // Still data in the RST (RFC 9293 §3.5.3), said by its length.
        Assert.Contains($"its first RST carries {payload.Length} bytes of data", d.Evidence);
        Assert.Equal(Diagnose(Capture(Bare)).Cause, d.Cause);
    }

    /// <summary>Ethernet 14, IPv4 20 and TCP 20 bytes before the RST's payload (the builder's RSTs carry no options).</summary>
    private const int HeadersLength = 54;

    [Theory]
    [InlineData(HeadersLength + 8, true)]
    [InlineData(HeadersLength + 7, false)]
    [InlineData(HeadersLength + 2, false)]
    [InlineData(HeadersLength, false)]
    public void A_payload_the_snapshot_length_cut_says_nothing(int snapLength, bool read)
    {
        byte[] sliced = CaptureSlicer.Slice(Capture(Valid(16)), snapLength);
        ResetDiagnosis d = Diagnose(sliced);
        Assert.Equal(read, d.Connection.Responder.RstDiagnostic is not null);
        Assert.Equal(read, d.Evidence.Contains("diagnostic payload", StringComparison.Ordinal));
        // What was cut off is still there by its length.
        Assert.Equal(!read, d.Evidence.Contains("its first RST carries 8 bytes of data", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(HeadersLength + 4 + 8, true)]
    [InlineData(HeadersLength + 2, false)] // inside the options: the payload would start past the frame's end
    public void A_cut_inside_the_rsts_options_is_no_payload_either(int snapLength, bool read)
    {
        var traffic = new TrafficBuilder();
        traffic.Tcp("10.0.0.7", 50412, "10.0.0.2", 443).Handshake().Data(Side.Client, 200).Wait(TimeSpan.FromMilliseconds(50))
            .Send(Side.Server, TcpFlags.Rst | TcpFlags.Ack, Valid(16), extraOptions: [1, 1, 1, 1]); // four NOPs
        ResetDiagnosis d = Diagnose(CaptureSlicer.Slice(traffic.ToPcapBytes(), snapLength));
        Assert.Equal(read, d.Connection.Responder.RstDiagnostic is not null);
    }

    [Fact]
    public void The_reader_takes_exactly_what_the_draft_allows()
    {
        byte[] valid = Valid(16, 9);
        Assert.True(RstDiagnosticPayload.TryRead(valid, 8, out RstDiagnosticPayload p));
        Assert.Equal(new RstDiagnosticPayload(16, 9), p);
        Assert.False(RstDiagnosticPayload.TryRead(valid, 9, out _)); // SEG.LEN must be 8
        Assert.False(RstDiagnosticPayload.TryRead(valid.AsSpan(0, 7), 8, out p)); // cut by the capture
        Assert.False(p.IsPresent);
        Assert.False(RstDiagnosticPayload.TryRead([], 8, out _));
        Assert.False(RstDiagnosticPayload.TryRead(Valid(0), 8, out _)); // reason 0 is reserved (§4.1)
    }

    [Fact]
    public void A_data_segment_with_the_magic_is_not_a_reason()
    {
        // Only a RST carries a diagnostic payload: the same 8 bytes as ordinary data mean nothing.
        var traffic = new TrafficBuilder();
        traffic.Tcp("10.0.0.7", 50412, "10.0.0.2", 443).Handshake().Data(Side.Server, Valid(16))
            .Wait(TimeSpan.FromMilliseconds(50)).Send(Side.Server, TcpFlags.Rst | TcpFlags.Ack, default);
        ResetDiagnosis d = Diagnose(traffic.ToPcapBytes());
        Assert.Null(d.Connection.Responder.RstDiagnostic);
    }
}
