using PcapResetInspector.Core.Capture;

namespace PcapResetInspector.Testing.Synthesis;

/// <summary>
/// Generates large, realistic classic pcap captures (Ethernet, microsecond timestamps) from a seed,
/// for benchmarks and tests. The capture streams out: scripts of a few packets up to whole bulk
/// transfers run side by side, a priority queue hands out their next packets in time order, and
/// only the scripts under way are in memory, whatever the file size. The same options give the
/// same bytes.
/// </summary>
public static class CaptureGenerator
{
    /// <summary>Writes the capture to <paramref name="stream"/>, which is left open.</summary>
    public static CaptureGenerationSummary Write(Stream stream, CaptureGeneratorOptions options)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var engine = new Engine(options);
        return engine.Run(stream);
    }

    /// <summary>The names a profile's scripts are counted by in <see cref="CaptureGenerationSummary.Scenarios"/>, each a valid <see cref="CaptureGeneratorOptions.Scenario"/>.</summary>
    public static IReadOnlyList<string> ScenarioNames(CaptureProfile profile) => profile switch
    {
        CaptureProfile.Mixed => [.. MixedTraffic.ScenarioNames],
        CaptureProfile.Synflood => [.. SynFloodTraffic.ScenarioNames],
        CaptureProfile.Reflection => [.. ReflectionTraffic.ScenarioNames],
        CaptureProfile.SpoofedSynFlood => [.. SpoofedSynFloodTraffic.ScenarioNames],
        CaptureProfile.Scan => [.. ScanTraffic.ScenarioNames],
        CaptureProfile.PortSweep or CaptureProfile.SpreadProbes or CaptureProfile.ReusedTuple => [ProbeBenchmarkTraffic.ScenarioOf(profile)],
        _ => throw new ArgumentOutOfRangeException(nameof(profile)),
    };

    /// <summary>The capture as a byte array: for tests and in-memory benchmarks, so keep the limits small.</summary>
    public static byte[] Generate(CaptureGeneratorOptions options)
    {
        using var stream = new MemoryStream();
        Write(stream, options);
        return stream.ToArray();
    }

    private sealed class Engine(CaptureGeneratorOptions options)
    {
        private readonly GeneratorRandom _random = new(options.Seed);
        private readonly SortedDictionary<string, long> _scenarios = new(StringComparer.Ordinal);
        private readonly ConnectionCounter _counter = new();

        public CaptureGenerationSummary Run(Stream stream)
        {
            TrafficModel model = options.Profile switch
            {
                CaptureProfile.Synflood => new SynFloodTraffic(_random),
                CaptureProfile.Reflection => new ReflectionTraffic(_random),
                CaptureProfile.SpoofedSynFlood => new SpoofedSynFloodTraffic(_random),
                CaptureProfile.Scan => new ScanTraffic(_random),
                CaptureProfile.PortSweep or CaptureProfile.SpreadProbes or CaptureProfile.ReusedTuple => new ProbeBenchmarkTraffic(_random, options.Profile),
                _ => new MixedTraffic(_random),
            };
            model.OnlyScenario = options.Scenario;
            long maxBytes = options.MaxBytes ?? long.MaxValue;
            long maxPackets = options.MaxPackets ?? long.MaxValue;
            long maxConnections = options.MaxConnections ?? long.MaxValue;

            // Ties in time go to the script queued first, so the order never depends on the heap's layout.
            var queue = new PriorityQueue<ScriptRun, (long Time, long Order)>();
            long order = 0;
            long nextStart = options.StartNanos;
            var frame = new byte[SyntheticConnection.MaxFrameLength];
            long bytes = PcapWriter.FileHeaderLength;
            long packets = 0;
            long first = 0, last = 0;
            bool cutShort = false;
            int peak = 0;

            bool headersOnly = options.HeadersOnly;
            using (var writer = new PcapWriter(stream, LinkTypes.Ethernet, leaveOpen: true))
            {
                while (true)
                {
                    bool starting = _counter.Opened < maxConnections;
                    if (starting && (queue.Count == 0 || nextStart <= PeekTime(queue)))
                    {
                        var run = new ScriptRun(_random, _counter, nextStart);
                        ScriptStart start = model.Start(run);
                        _scenarios[start.Scenario] = _scenarios.GetValueOrDefault(start.Scenario) + 1;
                        run.Steps = start.Steps.GetEnumerator();
                        if (run.Advance())
                        {
                            run.Time = nextStart + run.Pending.Delay;
                            queue.Enqueue(run, (run.Time, order++));
                            peak = Math.Max(peak, queue.Count);
                        }
                        else
                        {
                            run.Release();
                        }
                        nextStart += Math.Max(1000, model.NextStartGap());
                        continue;
                    }

                    if (!queue.TryDequeue(out ScriptRun? current, out _))
                        break;
                    int length = current.Pending.Connection.Write(in current.Pending, current.Time, frame, out int headersLength);
                    int captured = headersOnly ? headersLength : length;
                    if (packets >= maxPackets || bytes + PcapWriter.RecordHeaderLength + captured > maxBytes)
                    {
                        cutShort = true;
                        break;
                    }
                    // The file keeps microseconds; the summary reports what the file holds.
                    long stamp = current.Time - current.Time % 1000;
                    writer.WritePacket(stamp, frame.AsSpan(0, captured), length);
                    packets++;
                    bytes += PcapWriter.RecordHeaderLength + captured;
                    if (packets == 1)
                        first = stamp;
                    last = stamp;

                    if (current.Advance())
                    {
                        current.Time += current.Pending.Delay;
                        queue.Enqueue(current, (current.Time, order++));
                    }
                    else
                    {
                        current.Release();
                    }
                }
            }

            return new CaptureGenerationSummary
            {
                Packets = packets,
                Bytes = bytes,
                Connections = _counter.Opened,
                Scenarios = _scenarios,
                FirstTimestampNanos = first,
                LastTimestampNanos = last,
                CutShort = cutShort,
                PeakActiveScripts = peak,
            };
        }

        private static long PeekTime(PriorityQueue<ScriptRun, (long Time, long Order)> queue)
        {
            queue.TryPeek(out _, out (long Time, long Order) priority);
            return priority.Time;
        }
    }

    internal sealed class ConnectionCounter
    {
        public long Opened;
    }

    /// <summary>One script under way: its steps, the packet it sends next, and the ports it holds.</summary>
    internal sealed class ScriptRun
    {
        private readonly GeneratorRandom _random;
        private readonly ConnectionCounter _counter;
        private List<(SyntheticHost Host, ushort Port)>? _ports;

        internal ScriptRun(GeneratorRandom random, ConnectionCounter counter, long startNanos)
        {
            _random = random;
            _counter = counter;
            StartNanos = startNanos;
        }

        public long StartNanos { get; }
        public IEnumerator<Step>? Steps { get; set; }
        public Step Pending;
        public long Time { get; set; }

        /// <summary>A connection from a fresh ephemeral port of the client, held until the script ends.</summary>
        public SyntheticConnection Open(SyntheticHost client, SyntheticHost server, ushort serverPort, bool ipv6 = false) =>
            Open(client, TakePort(client), server, serverPort, ipv6);

        /// <summary>A connection from a given client port (a scanner's fixed port, a spoofed source).</summary>
        public SyntheticConnection Open(SyntheticHost client, ushort clientPort, SyntheticHost server, ushort serverPort, bool ipv6 = false)
        {
            _counter.Opened++;
            return new SyntheticConnection(client, clientPort, server, serverPort, ipv6, StartNanos, _random);
        }

        public ushort TakePort(SyntheticHost host)
        {
            ushort port = host.AllocatePort(_random);
            (_ports ??= []).Add((host, port));
            return port;
        }

        public bool Advance()
        {
            if (!Steps!.MoveNext())
                return false;
            Pending = Steps.Current;
            return true;
        }

        public void Release()
        {
            Steps?.Dispose();
            if (_ports is null)
                return;
            foreach ((SyntheticHost host, ushort port) in _ports)
                host.ReleasePort(port);
            _ports = null;
        }
    }
}
