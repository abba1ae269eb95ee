using ScriptRun = PcapResetInspector.Testing.Synthesis.CaptureGenerator.ScriptRun;

namespace PcapResetInspector.Testing.Synthesis;

/// <summary>A script the model starts: its scenario name (for the summary) and its packets.</summary>
internal readonly record struct ScriptStart(string Scenario, IEnumerable<Step> Steps);

/// <summary>
/// A profile's network: its hosts, when scripts start and which. Also the building blocks scripts
/// share (handshake, an application message as paced segments with delayed ACKs, the FIN close).
/// The capture point sits by the clients: their packets are seen when sent, the server's a round
/// trip after what they answer.
/// </summary>
internal abstract class TrafficModel(GeneratorRandom random)
{
    private string[] _deck = [];
    private int _dealt;

    protected GeneratorRandom Random { get; } = random;

    /// <summary>Deal only this scenario (one of the profile's names), for a capture of one shape; null deals the profile's mix.</summary>
    public string? OnlyScenario { get; set; }

    /// <summary>Nanoseconds until the next script starts.</summary>
    public abstract long NextStartGap();

    public abstract ScriptStart Start(ScriptRun run);

    /// <summary>
    /// The next scenario from a shuffled deck holding each one as often as its share says. Dealing
    /// from a deck instead of drawing at random puts every scenario, even a rare one, into every
    /// deck's worth of scripts, so small captures hold the same mix as large ones.
    /// </summary>
    protected string Deal(IReadOnlyList<(string Scenario, int Count)> shares)
    {
        if (OnlyScenario is not null)
            return OnlyScenario;
        if (_dealt == _deck.Length)
        {
            if (_deck.Length == 0)
                _deck = [.. shares.SelectMany(share => Enumerable.Repeat(share.Scenario, share.Count))];
            Random.Shuffle(_deck.AsSpan());
            _dealt = 0;
        }
        return _deck[_dealt++];
    }

    protected static byte[] V4(byte a, byte b, byte c, byte d) => [a, b, c, d];

    /// <summary>2001:db8:&lt;site&gt;:&lt;subnet&gt;::&lt;id&gt; in the documentation prefix (RFC 3849).</summary>
    protected static byte[] V6(ushort site, ushort subnet, ushort id) =>
        [0x20, 0x01, 0x0d, 0xb8, (byte)(site >> 8), (byte)site, (byte)(subnet >> 8), (byte)subnet, 0, 0, 0, 0, 0, 0, (byte)(id >> 8), (byte)id];

    /// <summary>Time a client's stack takes to ACK what it just received.</summary>
    protected long AckDelay() => Random.Micros(4, 40);

    /// <summary>Time between full segments of one transfer: the bottleneck link, or the window over the round trip.</summary>
    protected long Spacing(SyntheticConnection c)
    {
        long link = Math.Max(c.Client.SegmentTime, c.Server.SegmentTime);
        long window = c.Rtt / 160;
        return (long)(Math.Max(link, window) * (0.85 + 0.3 * Random.NextDouble()));
    }

    /// <summary>SYN, SYN-ACK, ACK; now and then the SYN is lost and retried after the client's first retry gap.</summary>
    protected IEnumerable<Step> Handshake(SyntheticConnection c, long firstDelay)
    {
        yield return c.Syn(firstDelay);
        int[] retries = c.Client.Traits.SynRetryGapsMicros;
        if (retries.Length > 0 && Random.Chance(0.004))
            yield return c.SynRetransmit(retries[0] * 1000L);
        yield return c.SynAck(c.Rtt);
        yield return c.Ack(Side.Client, AckDelay());
    }

    /// <summary>
    /// One application message as MSS-sized segments. Server data is ACKed by the client every second
    /// segment as it passes; client data is ACKed by the server a round trip late. With
    /// <paramref name="loss"/>, a segment is now and then lost: before the capture point for server
    /// data (a hole, duplicate ACKs, the retransmission a round trip later), after it for client data
    /// (the original seen, duplicate ACKs, the same segment again).
    /// </summary>
    protected IEnumerable<Step> Message(
        SyntheticConnection c, Side from, PayloadKind kind, int length, long firstDelay,
        byte[]? bytes = null, double loss = 0, bool finalAck = true)
    {
        Side to = SyntheticConnection.Other(from);
        int mss = c.SegmentSize(from);
        long spacing = Spacing(c);
        bool upload = from == Side.Client;
        int lag = upload ? (int)Math.Clamp(c.Rtt / spacing, 1, 160) : 0;
        uint start = c.NextSeq(from);
        long delay = firstDelay;
        // Windows ACKs every second segment; Linux, coalescing received segments (GRO), often fewer.
        int ackEvery = c.Client.Traits.SequentialPorts || upload ? 2 : Random.Between(2, 4);
        int offset = 0, sent = 0, unacked = 0;
        int lostIndex = -1, lostOffset = 0, lostLength = 0;
        uint lostSeq = 0;

        while (offset < length)
        {
            int segment = Math.Min(mss, length - offset);
            bool lose = loss > 0 && lostIndex < 0 && length - offset > 5 * mss && Random.Chance(loss);
            if (lose && !upload)
            {
                uint hole = c.NextSeq(from);
                int holeOffset = offset;
                c.SkipSequence(from, segment);
                offset += segment;
                sent++;
                for (int i = 0; i < 3; i++)
                {
                    int next = Math.Min(mss, length - offset);
                    yield return c.Data(from, delay, kind, length, offset, next, bytes);
                    offset += next;
                    sent++;
                    yield return c.AckOf(to, AckDelay(), hole);
                    delay = spacing;
                }
                yield return c.Retransmit(from, c.Rtt, hole, kind, length, holeOffset, segment, bytes);
                yield return c.Ack(to, AckDelay());
                unacked = 0;
                delay = spacing;
                continue;
            }

            if (lose)
            {
                lostIndex = sent;
                lostSeq = c.NextSeq(from);
                lostOffset = offset;
                lostLength = segment;
            }
            yield return c.Data(from, delay, kind, length, offset, segment, bytes);
            offset += segment;
            sent++;
            unacked++;
            delay = spacing;
            if (unacked < ackEvery)
                continue;

            long ackDelay = Math.Min(AckDelay(), spacing / 2);
            if (!upload)
            {
                yield return c.Ack(to, ackDelay);
                unacked = 0;
                delay = spacing - ackDelay;
            }
            else if (sent > lag)
            {
                int ackedSegments = sent - lag;
                if (lostIndex >= 0 && ackedSegments > lostIndex)
                {
                    // The server's ACKs stop at the lost segment until the client sends it again.
                    foreach (Step step in UploadRecovery(c, from, lostSeq, kind, length, lostOffset, lostLength, bytes, ackDelay))
                        yield return step;
                    lostIndex = -1;
                }
                else
                {
                    yield return c.AckOf(to, ackDelay, start + (uint)(ackedSegments * mss));
                }
                unacked = 0;
                delay = spacing - ackDelay;
            }
        }

        if (lostIndex >= 0)
        {
            foreach (Step step in UploadRecovery(c, from, lostSeq, kind, length, lostOffset, lostLength, bytes, c.Rtt))
                yield return step;
        }
        if (finalAck && (unacked > 0 || upload))
            yield return c.Ack(to, upload ? c.Rtt : AckDelay());
    }

    private IEnumerable<Step> UploadRecovery(
        SyntheticConnection c, Side from, uint lostSeq, PayloadKind kind, int length, int offset, int segment, byte[]? bytes, long firstDelay)
    {
        Side to = SyntheticConnection.Other(from);
        yield return c.AckOf(to, firstDelay, lostSeq);
        yield return c.AckOf(to, AckDelay(), lostSeq);
        yield return c.AckOf(to, AckDelay(), lostSeq);
        yield return c.Retransmit(from, AckDelay(), lostSeq, kind, length, offset, segment, bytes);
    }

    /// <summary>FIN from one side, the other's FIN a moment or a round trip later (now and then after a separate ACK), the last ACK.</summary>
    protected IEnumerable<Step> Close(SyntheticConnection c, Side first, long firstDelay)
    {
        Side second = SyntheticConnection.Other(first);
        yield return c.Fin(first, firstDelay);
        // Whichever FIN comes from the server is seen a round trip after the client's packet.
        long answer = first == Side.Client ? c.Rtt : AckDelay();
        if (Random.Chance(0.3))
        {
            yield return c.Ack(second, answer);
            answer = Random.MicrosLog(20, 20_000);
        }
        yield return c.Fin(second, answer);
        yield return c.Ack(first, first == Side.Client ? AckDelay() : c.Rtt);
    }

    /// <summary>
    /// A request/response session: handshake, a few exchanges (HTTP keep-alive, a database's queries),
    /// then a FIN close by either side. On TLS ports some clients close first and answer the server's
    /// late close_notify with a RST (data after close, the FIN-then-RST teardown).
    /// </summary>
    protected IEnumerable<Step> Session(SyntheticConnection c, ServiceShape shape, double loss)
    {
        foreach (Step step in Handshake(c, 0))
            yield return step;

        int rounds = Math.Min(shape.MaxRounds, 1 + Geometric(shape.MoreRounds));
        for (int round = 0; round < rounds; round++)
        {
            long think = round == 0 ? Random.Micros(30, 400) : Random.MicrosLog(1_000, 2_000_000);
            int request = SyntheticPayload.Fit(shape.RequestKind, (int)Random.LogUniform(shape.RequestMin, shape.RequestMax));
            int response = SyntheticPayload.Fit(shape.ResponseKind, (int)Random.LogUniform(shape.ResponseMin, shape.ResponseMax));
            long serverTime = Random.MicrosLog(80, 60_000);
            bool delayedAck = serverTime > 40_000_000;
            foreach (Step step in Message(c, Side.Client, shape.RequestKind, request, think, finalAck: false))
                yield return step;
            long responseDelay = c.Rtt + serverTime;
            if (delayedAck)
            {
                // The server's delayed ACK (40 ms) comes before a slow answer.
                yield return c.Ack(Side.Server, c.Rtt + 40_000_000);
                responseDelay = serverTime - 40_000_000;
            }
            foreach (Step step in Message(c, Side.Server, shape.ResponseKind, response, responseDelay, loss: loss))
                yield return step;
        }

        bool clientCloses = Random.Chance(0.6);
        long idle = clientCloses ? Random.MicrosLog(200, 3_000_000) : Random.MicrosLog(1_000_000, 15_000_000);
        if (shape.ResponseKind == PayloadKind.Tls && clientCloses && Random.Chance(0.15))
        {
            yield return c.Fin(Side.Client, idle);
            yield return c.Data(Side.Server, c.Rtt, PayloadKind.Tls, 31, 0, 31);
            yield return c.Fin(Side.Server, Random.Micros(5, 50));
            yield return c.Rst(Side.Client, AckDelay(), withAck: false);
            yield break;
        }
        foreach (Step step in Close(c, clientCloses ? Side.Client : Side.Server, idle))
            yield return step;
    }

    /// <summary>Request and response sizes by service port.</summary>
    protected static ServiceShape ShapeOf(ushort port) => port switch
    {
        80 or 8080 => new(PayloadKind.HttpRequest, 300, 900, PayloadKind.HttpResponse, 200, 30_000, 0.45, 12),
        443 or 636 or 993 or 587 => new(PayloadKind.Tls, 120, 1_200, PayloadKind.Tls, 100, 30_000, 0.45, 12),
        53 => new(PayloadKind.DnsQuery, 35, 35, PayloadKind.DnsResponse, 60, 1_400, 0.3, 4),
        389 or 3268 => new(PayloadKind.Letters, 80, 400, PayloadKind.Letters, 100, 6_000, 0.6, 8),
        88 => new(PayloadKind.Letters, 200, 1_800, PayloadKind.Letters, 300, 2_000, 0, 1),
        5432 or 3306 or 1433 => new(PayloadKind.Letters, 40, 600, PayloadKind.Letters, 60, 16_000, 0.8, 30),
        _ => new(PayloadKind.Letters, 40, 500, PayloadKind.Letters, 40, 4_000, 0.5, 6),
    };

    /// <summary>Extra rounds after the first: geometric with the given chance of one more.</summary>
    protected int Geometric(double more)
    {
        int n = 0;
        while (n < 1000 && Random.Chance(more))
            n++;
        return n;
    }
}

/// <summary>Sizes and framing of one service's request/response exchanges.</summary>
internal sealed record ServiceShape(
    PayloadKind RequestKind, int RequestMin, int RequestMax,
    PayloadKind ResponseKind, int ResponseMin, int ResponseMax,
    double MoreRounds, int MaxRounds);
