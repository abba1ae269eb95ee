using System.IO.Compression;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Fuzz;

/// <summary>
/// Writes the seed corpus: small captures from the project's own generator and sample scripts, in
/// every container the reader knows (pcap in µs and ns, pcapng, gzip of each), so the fuzzer starts
/// from inputs that reach deep into the analysis instead of dying at the magic number.
/// </summary>
internal static class SeedCorpus
{
    /// <summary>AFL works best on small seeds; a larger one only slows every execution.</summary>
    private const int MaxSeedBytes = 64 * 1024;

    public static int Write(string folder)
    {
        Directory.CreateDirectory(folder);
        int written = 0;
        for (ulong seed = 1; seed <= 16; seed++)
        {
            byte[] pcap = CaptureGenerator.Generate(new CaptureGeneratorOptions { Seed = seed, MaxPackets = 50 });
            written += Save(folder, $"mixed-{seed:D2}.pcap", pcap);
            if (seed % 4 == 0)
                written += Save(folder, $"mixed-{seed:D2}.pcap.gz", Gzip(pcap));
        }
        // Headers only: each frame is cut after TCP, as a capture with a short snap length would be.
        for (ulong seed = 17; seed <= 20; seed++)
        {
            byte[] pcap = CaptureGenerator.Generate(new CaptureGeneratorOptions { Seed = seed, MaxPackets = 50, HeadersOnly = true });
            written += Save(folder, $"mixed-headers-{seed:D2}.pcap", pcap);
        }
        foreach (CaptureProfile profile in new[] { CaptureProfile.Synflood, CaptureProfile.Reflection, CaptureProfile.ReusedTuple })
        {
            byte[] pcap = CaptureGenerator.Generate(new CaptureGeneratorOptions { Profile = profile, Seed = 1, MaxPackets = 40 });
            written += Save(folder, $"{profile.ToString().ToLowerInvariant()}.pcap", pcap);
        }
        foreach (SampleCapture sample in SampleCaptures.All)
        {
            string stem = Path.GetFileNameWithoutExtension(sample.FileName);
            TrafficBuilder builder = sample.Build();
            byte[] pcapng = builder.ToPcapNgBytes();
            written += Save(folder, stem + ".pcap", builder.ToPcapBytes());
            written += Save(folder, stem + "-ns.pcap", builder.ToPcapBytes(nanosecondResolution: true));
            written += Save(folder, stem + ".pcapng", pcapng);
            written += Save(folder, stem + ".pcapng.gz", Gzip(pcapng));
        }
        return written;
    }

    private static int Save(string folder, string name, byte[] data)
    {
        if (data.Length > MaxSeedBytes)
            return 0;
        File.WriteAllBytes(Path.Combine(folder, name), data);
        return 1;
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
            gzip.Write(data);
        return output.ToArray();
    }
}
