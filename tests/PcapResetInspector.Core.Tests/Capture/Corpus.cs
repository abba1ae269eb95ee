namespace PcapResetInspector.Core.Tests.Capture;

/// <summary>One line of a corpus MANIFEST.tsv (see shared/corpus/README.md).</summary>
internal sealed record CorpusEntry(string FileName, string Path, string Format, string Frames, string FileProblems, string TsharkMessage)
{
    /// <summary>The manifest's frame count (empty when tshark could not open the file: 0).</summary>
    public int FrameCount => int.TryParse(Frames, out int frames) ? frames : 0;

    public bool TsharkReportsProblem => TsharkMessage is not ("" or "-");

    /// <summary>How many blocks of a kind the manifest's "blocks=SHB:1,IDB:2,..." lists.</summary>
    public int BlockCount(string kind)
    {
        int start = Format.IndexOf("blocks=", StringComparison.Ordinal);
        if (start < 0)
        {
            return 0;
        }

        string list = Format[(start + "blocks=".Length)..].Split(' ')[0];
        foreach (string item in list.Split(','))
        {
            string[] parts = item.Split(':');
            if (parts.Length == 2 && parts[0] == kind)
            {
                return int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}

/// <summary>
/// The shared corpus of real captures, found by walking up from the test assembly to a folder holding
/// shared/corpus. Absent on machines without it: the tests using it are then skipped with that reason.
/// </summary>
internal static class Corpus
{
    public const string Placeholder = "(corpus missing)";

    public static readonly string? Directory = Find();

    public static string SkipReason =>
        $"shared/corpus not found in any folder above {AppContext.BaseDirectory}; the corpus tests need it";

    public static IReadOnlyList<CorpusEntry> Wellformed => Load("wellformed");

    public static IReadOnlyList<CorpusEntry> Malformed => Load("malformed");

    public static CorpusEntry Get(string folder, string fileName) => Load(folder).Single(entry => entry.FileName == fileName);

    /// <summary>File names as theory data; one placeholder when the corpus is missing (the theory is skipped then).</summary>
    public static TheoryData<string> Names(string folder)
    {
        var data = new TheoryData<string>();
        if (Directory is null)
        {
            data.Add(Placeholder);
            return data;
        }

        foreach (CorpusEntry entry in Load(folder))
        {
            data.Add(entry.FileName);
        }

        return data;
    }

    private static List<CorpusEntry> Load(string folder)
    {
        string root = Directory ?? throw new InvalidOperationException(SkipReason);
        string folderPath = System.IO.Path.Combine(root, folder);
        string[] lines = File.ReadAllLines(System.IO.Path.Combine(folderPath, "MANIFEST.tsv"));
        string[] columns = lines[0].Split('\t');
        int Column(string name) => Array.IndexOf(columns, name) is int index and >= 0
            ? index
            : throw new InvalidOperationException($"MANIFEST.tsv has no column {name}");
        int fileName = Column("filename"), format = Column("format"), frames = Column("frames");
        int fileProblems = Column("file_problems"), tsharkMessage = Column("tshark_msg");
        return lines.Skip(1)
            .Where(line => line.Length > 0)
            .Select(line => line.Split('\t'))
            .Select(fields => new CorpusEntry(
                fields[fileName],
                System.IO.Path.Combine(folderPath, fields[fileName]),
                fields[format],
                fields[frames],
                fields[fileProblems],
                fields[tsharkMessage]))
            .ToList();
    }

    private static string? Find()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string candidate = System.IO.Path.Combine(directory.FullName, "shared", "corpus");
            if (File.Exists(System.IO.Path.Combine(candidate, "wellformed", "MANIFEST.tsv")))
            {
                return candidate;
            }
        }

        return null;
    }
}

/// <summary>A theory that is skipped, with the reason, when the shared corpus is not there.</summary>
public sealed class CorpusTheoryAttribute : TheoryAttribute
{
    public CorpusTheoryAttribute()
    {
        if (Corpus.Directory is null)
        {
            Skip = Corpus.SkipReason;
        }
    }
}

/// <summary>A fact that is skipped, with the reason, when the shared corpus is not there.</summary>
public sealed class CorpusFactAttribute : FactAttribute
{
    public CorpusFactAttribute()
    {
        if (Corpus.Directory is null)
        {
            Skip = Corpus.SkipReason;
        }
    }
}
