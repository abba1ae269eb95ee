namespace PcapResetInspector.Cli.Tests;

internal sealed record CliResult(int ExitCode, string Output, string Error);

internal static class CliRunner
{
    public static CliResult Run(params string[] args)
    {
        var output = new StringWriter { NewLine = "\n" };
        var error = new StringWriter { NewLine = "\n" };
        int code = CliApplication.Run(args, output, error);
        return new CliResult(code, output.ToString(), error.ToString());
    }
}
