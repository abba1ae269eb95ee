using System.Diagnostics;
using System.IO.Compression;
using System.Buffers.Binary;

namespace PcapResetInspector.Cli.Tests.Html;

/// <summary>Runs only where a Chromium is installed (.ci/run installs Debian's); elsewhere it says why it skipped.</summary>
public sealed class NeedsChromiumFactAttribute : FactAttribute
{
    public NeedsChromiumFactAttribute()
    {
        if (Chromium.Path is null)
            Skip = "chromium is not installed here (apt-get install chromium); the HTML report's browser tests need it";
    }
}

/// <summary>Headless Chromium: a screenshot or the DOM after the page's scripts ran, with the console on standard error.</summary>
internal static class Chromium
{
    public static string? Path { get; } = Find();

    private static string? Find()
    {
        foreach (string name in new[] { "chromium", "chromium-browser", "google-chrome", "google-chrome-stable" })
        {
            foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                string candidate = System.IO.Path.Combine(dir, name);
                if (File.Exists(candidate))
                    return candidate;
            }
        }
        return null;
    }

    public sealed record Result(int ExitCode, string Output, string Error, TimeSpan Elapsed);

    /// <summary>The DOM once scripts had <paramref name="budgetMs"/> of virtual time; network off.</summary>
    public static Result DumpDom(string file, string fragment = "", int budgetMs = 5000, TimeSpan? timeout = null) =>
        Run(timeout ?? TimeSpan.FromSeconds(60), "--dump-dom", $"--virtual-time-budget={budgetMs}", Url(file, fragment));

    public static Result Screenshot(string file, string png, int width = 1280, int height = 2000, TimeSpan? timeout = null) =>
        Run(timeout ?? TimeSpan.FromSeconds(60), $"--screenshot={png}", $"--window-size={width},{height}", "--hide-scrollbars",
            "--virtual-time-budget=5000", Url(file, ""));

    public static string Url(string file, string fragment) => new Uri(System.IO.Path.GetFullPath(file)).AbsoluteUri + fragment;

    private static Result Run(TimeSpan timeout, params string[] args)
    {
        string profile = Directory.CreateTempSubdirectory("pri-chromium-").FullName;
        try
        {
            var start = new ProcessStartInfo(Path!)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            // No sandbox: CI runs as root. Every network request fails (a proxy that does not exist), and the
            // console goes to standard error, where a blocked request or a CSP violation would show.
            foreach (string arg in new[] { "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", $"--user-data-dir={profile}",
                         "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>", "--enable-logging=stderr", "--v=0" })
                start.ArgumentList.Add(arg);
            foreach (string arg in args)
                start.ArgumentList.Add(arg);
            var clock = Stopwatch.StartNew();
            using Process process = Process.Start(start)!;
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            Task<string> error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"chromium did not finish within {timeout.TotalSeconds} s: {string.Join(' ', args)}");
            }
            process.WaitForExit();
            return new Result(process.ExitCode, output.Result, error.Result, clock.Elapsed);
        }
        finally
        {
            try { Directory.Delete(profile, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>Console lines that say the page asked for something it may not have, or broke.</summary>
    public static IEnumerable<string> Complaints(string stderr) =>
        stderr.Split('\n').Where(line =>
            line.Contains("Refused to", StringComparison.Ordinal) || line.Contains("Content Security Policy", StringComparison.Ordinal) ||
            line.Contains("net::ERR", StringComparison.Ordinal) || line.Contains("Uncaught", StringComparison.Ordinal) ||
            line.Contains("CONSOLE", StringComparison.Ordinal));
}

/// <summary>Just enough PNG decoding (8-bit RGB or RGBA, not interlaced, as Chromium writes) to look at the pixels.</summary>
internal static class Png
{
    public sealed record Image(int Width, int Height, int NonWhite, int Colours);

    public static Image Read(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        Assert.True(file.AsSpan(0, 8).SequenceEqual(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 }), "not a PNG");
        int width = 0, height = 0, channels = 0;
        using var idat = new MemoryStream();
        for (int at = 8; at < file.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(at));
            string type = System.Text.Encoding.ASCII.GetString(file, at + 4, 4);
            var data = file.AsSpan(at + 8, length);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                Assert.Equal(8, data[8]);
                channels = data[9] switch { 2 => 3, 6 => 4, var t => throw new InvalidDataException($"PNG colour type {t}") };
                Assert.Equal(0, data[12]);
            }
            else if (type == "IDAT")
                idat.Write(data);
            at += 12 + length;
        }
        idat.Position = 0;
        using var inflated = new MemoryStream();
        using (var zlib = new ZLibStream(idat, CompressionMode.Decompress))
            zlib.CopyTo(inflated);
        byte[] raw = inflated.ToArray();
        int stride = width * channels;
        var previous = new byte[stride];
        var row = new byte[stride];
        int nonWhite = 0;
        var colours = new HashSet<int>();
        for (int y = 0; y < height; y++)
        {
            int filter = raw[y * (stride + 1)];
            var line = raw.AsSpan((y * (stride + 1)) + 1, stride);
            for (int x = 0; x < stride; x++)
            {
                int a = x >= channels ? row[x - channels] : 0, b = previous[x], c = x >= channels ? previous[x - channels] : 0;
                row[x] = (byte)(line[x] + filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    _ => Paeth(a, b, c),
                });
            }
            for (int x = 0; x < stride; x += channels)
            {
                if (row[x] < 250 || row[x + 1] < 250 || row[x + 2] < 250)
                    nonWhite++;
                if (colours.Count < 10_000)
                    colours.Add((row[x] << 16) | (row[x + 1] << 8) | row[x + 2]);
            }
            (previous, row) = (row, previous);
        }
        return new Image(width, height, nonWhite, colours.Count);
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
