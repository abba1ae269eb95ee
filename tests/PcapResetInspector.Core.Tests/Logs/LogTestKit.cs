using PcapResetInspector.Core.Logs;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Tests.Logs;

internal static class LogTestKit
{
    public static readonly DateTime Reference = new(2024, 6, 1, 12, 0, 0);

    public static LogReadResult Read(string text, string fileName = "test.log") =>
        ResetLogReader.Read(new StringReader(text), fileName, Reference);

    public static LogResetLine Single(string text, string fileName = "test.log")
    {
        LogReadResult result = Read(text, fileName);
        Assert.Null(result.Problem);
        return Assert.Single(result.Resets);
    }

    public static IpAddress128 Ip(string text) => IpAddress128.Parse(text);
}
