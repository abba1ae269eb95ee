using PcapResetInspector.Core.Diagnosis;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Tests.Diagnosis;

/// <summary>The probe ring against a plain list doing the same: remembering, the cap, forgetting by time, growth and fan-out.</summary>
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
        var model = new List<(IpAddress128 Client, long Syn, IpAddress128 Server, ushort Port, long ForgetAt)>();
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
                memory.Remember(client, syn, server, port, forgetAt);
                model.Add((client, syn, server, port, forgetAt));
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
            Assert.Equal(model.Select(p => p.Client).Distinct().Count(), memory.Sources);
            if (step % 17 == 0)
            {
                for (uint s = 0; s < sources; s++)
                {
                    IpAddress128 client = IpAddress128.FromIPv4(0x0A000000u + s);
                    Assert.Equal(ModelFanOut(model, client, now), memory.FanOut(client, now, Window, 3, 3));
                }
            }
        }
    }

    [Fact]
    public void Clear_forgets_every_source()
    {
        var memory = new ProbeMemory(10);
        IpAddress128 client = IpAddress128.Parse("10.0.0.1");
        for (ushort port = 1; port <= 5; port++)
            memory.Remember(client, 100, IpAddress128.Parse("10.0.0.2"), port, 10_000);
        Assert.NotNull(memory.FanOut(client, 100, Window, 5, 5));
        memory.Clear();
        Assert.Equal(0, memory.Count);
        Assert.Equal(0, memory.Sources);
        Assert.Null(memory.FanOut(client, 100, Window, 1, 1));
    }

    private static ScanFanOut? ModelFanOut(List<(IpAddress128 Client, long Syn, IpAddress128 Server, ushort Port, long ForgetAt)> model,
        IpAddress128 client, long syn)
    {
        var near = model.Where(p => p.Client == client && Math.Abs(p.Syn - syn) <= Window).ToList();
        if (!model.Any(p => p.Client == client))
            return null;
        int ports = near.Select(p => p.Port).Distinct().Count();
        int hosts = near.Select(p => p.Server).Distinct().Count();
        if (ports < 3 && hosts < 3)
            return null;
        return new ScanFanOut(near.Count, ports, hosts, near.Min(p => p.Syn), near.Max(p => p.Syn));
    }
}
