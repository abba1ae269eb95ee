using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using PcapResetInspector.Testing.Synthesis;

namespace PcapResetInspector.Benchmarks;

/// <summary>Adds MB/s (captured frame bytes) and packets/s, computed from the mean time per packet.</summary>
public sealed class ThroughputConfig : ManualConfig
{
    public ThroughputConfig()
    {
        AddColumn(new ThroughputColumn(megabytes: true), new ThroughputColumn(megabytes: false));
        // Results go to bench/results/, which git ignores, wherever the run was started from.
        if (FindProjectDirectory() is { } project)
            ArtifactsPath = Path.GetFullPath(Path.Combine(project, "..", "results"));
    }

    private static string? FindProjectDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "PcapResetInspector.Benchmarks.csproj")))
                return directory.FullName;
        }
        return null;
    }

    private sealed class ThroughputColumn(bool megabytes) : IColumn
    {
        public string Id => megabytes ? "MBps" : "PacketsPerSecond";
        public string ColumnName => megabytes ? "MB/s" : "Mpackets/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => megabytes ? 0 : 1;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => megabytes
            ? "Captured frame bytes per second, in millions (the mean time per packet applied to the capture's mean frame size)"
            : "Packets per second, in millions";

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public bool IsAvailable(Summary summary) => true;

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            double? nanosPerPacket = summary[benchmarkCase]?.ResultStatistics?.Mean;
            if (nanosPerPacket is not > 0)
                return "-";
            var profile = (CaptureProfile)benchmarkCase.Parameters["Profile"];
            BenchmarkCapture capture = BenchmarkCapture.For(profile);
            double packetsPerSecond = 1e9 / nanosPerPacket.Value;
            double value = megabytes
                ? packetsPerSecond * capture.CapturedBytes / capture.Frames.Length / 1e6
                : packetsPerSecond / 1e6;
            return value.ToString(megabytes ? "F0" : "F2", CultureInfo.InvariantCulture);
        }
    }
}
