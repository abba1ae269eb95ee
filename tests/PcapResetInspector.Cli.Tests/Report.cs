namespace PcapResetInspector.Cli.Tests;

/// <summary>Reads the "Label:   value" lines of the report, whatever the alignment.</summary>
internal static class Report
{
    public static string Value(string report, string label)
    {
        foreach (string line in report.Split('\n'))
        {
            if (line.StartsWith(label + ":", StringComparison.Ordinal))
                return line[(label.Length + 1)..].Trim();
        }
        throw new Xunit.Sdk.XunitException($"no '{label}:' line in the report:\n{report}");
    }
}
