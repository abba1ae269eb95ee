using PcapResetInspector.Core.Decoding;

namespace PcapResetInspector.Testing.Synthesis;

/// <summary>
/// The packet descriptions scripts yield: each returns a step, and nothing changes until it is
/// written. Most take their fields from the connection's state at that moment; the last ones set
/// header fields themselves (off-path injections, answers to another incarnation of the 4-tuple).
/// </summary>
internal sealed partial class SyntheticConnection
{
    public Step Syn(long delay) => Make(delay, Side.Client, TcpFlags.Syn);

    /// <summary>The SYN again: same ISN and options.</summary>
    public Step SynRetransmit(long delay) => WithSeq(Make(delay, Side.Client, TcpFlags.Syn), _client.Isn);

    public Step SynAck(long delay) => Make(delay, Side.Server, TcpFlags.Syn | TcpFlags.Ack);

    public Step SynAckRetransmit(long delay) => WithSeq(Make(delay, Side.Server, TcpFlags.Syn | TcpFlags.Ack), _server.Isn);

    public Step Ack(Side from, long delay) => Make(delay, from, TcpFlags.Ack);

    /// <summary>An ACK of a chosen sequence number (a receiver behind the sender, or a duplicate ACK).</summary>
    public Step AckOf(Side from, long delay, uint ack)
    {
        Step step = Make(delay, from, TcpFlags.Ack);
        step.Ack = ack;
        step.Overrides |= StepOverrides.Ack;
        return step;
    }

    /// <summary>
    /// One segment of an application message: <paramref name="length"/> bytes from <paramref name="offset"/>;
    /// PSH on the segment that ends the message, as stacks set it at the end of a write.
    /// </summary>
    public Step Data(Side from, long delay, PayloadKind kind, int messageLength, int offset, int length, byte[]? bytes = null)
    {
        TcpFlags flags = offset + length == messageLength ? TcpFlags.Psh | TcpFlags.Ack : TcpFlags.Ack;
        Step step = Make(delay, from, flags);
        step.Kind = kind;
        step.MessageLength = messageLength;
        step.MessageOffset = offset;
        step.Length = length;
        step.Bytes = bytes;
        return step;
    }

    /// <summary>A segment sent again at its first sequence number.</summary>
    public Step Retransmit(Side from, long delay, uint seq, PayloadKind kind, int messageLength, int offset, int length, byte[]? bytes = null) =>
        WithSeq(Data(from, delay, kind, messageLength, offset, length, bytes), seq);

    public Step Fin(Side from, long delay) => Make(delay, from, TcpFlags.Fin | TcpFlags.Ack);

    /// <summary>
    /// RST at the side's SND.NXT: with ACK, an application's abort (RFC 9293 §3.10.4); without, the
    /// bare &lt;SEQ=SEG.ACK&gt;&lt;CTL=RST&gt; a stack sends for a connection it no longer has.
    /// </summary>
    public Step Rst(Side from, long delay, bool withAck) => Make(delay, from, withAck ? TcpFlags.Rst | TcpFlags.Ack : TcpFlags.Rst);

    /// <summary>A closed port: &lt;SEQ=0&gt;&lt;ACK=ISN+1&gt;&lt;CTL=RST,ACK&gt; (RFC 9293 §3.10.7.1).</summary>
    public Step Refuse(long delay)
    {
        Step step = WithSeq(Make(delay, Side.Server, TcpFlags.Rst | TcpFlags.Ack), 0);
        step.Ack = _client.Isn + 1;
        step.Overrides |= StepOverrides.Ack;
        return step;
    }

    /// <summary>A keep-alive probe: seq = SND.NXT - 1 with no data, or one garbage byte from Windows.</summary>
    public Step KeepAlive(Side from, long delay)
    {
        ref Endpoint sender = ref End(from);
        Step step = WithSeq(Make(delay, from, TcpFlags.Ack), sender.NextSeq - 1);
        if (sender.Host.Traits.KeepAliveByte)
        {
            step.Kind = PayloadKind.Explicit;
            step.Bytes = KeepAliveGarbage;
            step.Length = 1;
            step.MessageLength = 1;
        }
        return step;
    }

    private static readonly byte[] KeepAliveGarbage = [0];

    /// <summary>
    /// A RST that a middlebox sends in a side's name (firewall or load-balancer idle timeout): the
    /// right sequence numbers, but the middlebox's TTL and an IP-ID of 0.
    /// </summary>
    public Step ForgedRst(Side inNameOf, long delay, byte ttl)
    {
        Step step = Make(delay, inNameOf, TcpFlags.Rst | TcpFlags.Ack);
        step.Ttl = ttl;
        step.IpId = 0;
        step.Overrides |= StepOverrides.Ttl | StepOverrides.IpId;
        return step;
    }

    private Step Make(long delay, Side from, TcpFlags flags) => new()
    {
        Delay = Math.Max(0, delay),
        Connection = this,
        From = from,
        Flags = flags,
    };

    private static Step WithSeq(Step step, uint seq)
    {
        step.Seq = seq;
        step.Overrides |= StepOverrides.Seq;
        return step;
    }

    /// <summary>The IP-ID the side's last written packet carried (0 before its first, and always on IPv6).</summary>
    public ushort LastIpId(Side side) => End(side).LastIpId;

    /// <summary>
    /// A segment an off-path injector sends in a side's name: every field the receiver might check
    /// (seq, ack, TTL, IP-ID, the reserved bits) is the injector's choice, and the side's own
    /// state (SND.NXT, IP-ID counter) is left alone.
    /// </summary>
    public Step Forged(Side inNameOf, long delay, TcpFlags flags, uint seq, uint ack, byte ttl, ushort ipId, byte reserved = 0)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(reserved, (byte)0x0F);
        Step step = Make(delay, inNameOf, flags);
        step.Seq = seq;
        step.Ack = ack;
        step.Ttl = ttl;
        step.IpId = ipId;
        step.Reserved = reserved;
        step.Overrides |= StepOverrides.Seq | StepOverrides.Ack | StepOverrides.Ttl | StepOverrides.IpId | StepOverrides.Reserved;
        return step;
    }

    /// <summary>
    /// A bare RST at a chosen sequence number: &lt;SEQ=SEG.ACK&gt;&lt;CTL=RST&gt; answering a segment
    /// whose ACK the side cannot accept (RFC 9293 §3.10.7.3), such as an ACK that belongs to an
    /// earlier connection on the same 4-tuple.
    /// </summary>
    public Step RstAt(Side from, long delay, uint seq) => WithSeq(Make(delay, from, TcpFlags.Rst), seq);
}
