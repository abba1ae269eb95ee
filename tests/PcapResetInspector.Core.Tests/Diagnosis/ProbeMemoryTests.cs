using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Tests.Diagnosis;

/// <summary>The probe ring against a plain list doing the same: remembering, the cap, forgetting by time, growth and draining a source.</summary>
public class ProbeMemoryTests
{
    private const long Window = 1_000;

    [Theory]
    [InlineData(1, 5, 3_000)]        // cap of one: every probe replaces the last
    [InlineData(50, 7, 5_000)]       // cap reached often, the ring wraps
    [InlineData(3_000, 40, 6_000)]   // below the cap: the ring grows past 1,024 with probes in it
    public void Matches_a_list_that_does_the_same(int cap, int sources, int steps)
    {
        var random = new Random(cap * 31 + sources);
        var memory = new ProbeMemory(cap);
        var model = new List<(IpAddress128 Client, long Syn, IpAddress128 Server, ushort Port, long ForgetAt, bool Drained)>();
        long now = 0;
        for (int step = 0; step < steps; step++)
        {
            now += random.Next(0, 40);
            if (random.Next(10) < 8)
            {
                IpAddress128 client = IpAddress128.FromIPv4(0x0A000000u + (uint)random.Next(sources));
                IpAddress128 server = IpAddress128.FromIPv4(0xC0A80000u + (uint)random.Next(8));
                var port = (ushort)random.Next(20, 30);
                long syn = now - random.Next(0, 50);
                long forgetAt = syn + random.Next(500, 3_000);
                memory.Remember(client, syn, server, port, ProbeOutcome.Reset, forgetAt);
                model.Add((client, syn, server, port, forgetAt, false));
                while (model.Count > cap)
                    model.RemoveAt(0);
            }
            else
            {
                memory.ForgetDue(now);
                while (model.Count > 0 && model[0].ForgetAt <= now)
                    model.RemoveAt(0);
            }

            Assert.Equal(model.Count, memory.Count);
            Assert.Equal(model.Where(p => !p.Drained).Select(p => p.Client).Distinct().Count(), memory.Sources);
            if (step % 17 == 0)
            {
                // Draining hands over the source's probes newest first and forgets the source; the drained probes
                // keep their ring slots until they age out or the cap pushes them.
                IpAddress128 client = IpAddress128.FromIPv4(0x0A000000u + (uint)random.Next(sources));
                var drained = new List<RememberedProbe>();
                memory.Drain(client, drained.Add);
                var expected = model.Where(p => p.Client == client && !p.Drained).Reverse().Select(p => (p.Syn, p.Server, p.Port)).ToList();
                Assert.Equal(expected, drained.Select(p => (p.SynTime, p.Server, p.Port)).ToList());
                Assert.False(memory.Has(client));
                for (int i = 0; i < model.Count; i++)
                {
                    if (model[i].Client == client)
                        model[i] = model[i] with { Drained = true };
                }
                Assert.Equal(model.Where(p => !p.Drained).Select(p => p.Client).Distinct().Count(), memory.Sources);
            }
        }
    }

    [Fact]
    public void Clear_forgets_every_source()
    {
        var memory = new ProbeMemory(10);
        IpAddress128 client = IpAddress128.Parse("10.0.0.1");
        for (ushort port = 1; port <= 5; port++)
            memory.Remember(client, 100, IpAddress128.Parse("10.0.0.2"), port, ProbeOutcome.None, 10_000);
        Assert.True(memory.Has(client));
        memory.Clear();
        Assert.Equal(0, memory.Count);
        Assert.Equal(0, memory.Sources);
        Assert.False(memory.Has(client));
    }
}
