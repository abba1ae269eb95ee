namespace PcapResetInspector.Cli.Reporting;

/// <summary>
/// What the process writes to: whether standard output and error are terminals, and how wide.
/// Colour follows NO_COLOR (https://no-color.org): set to anything non-empty, no colour at all.
/// </summary>
public sealed record TerminalInfo(bool OutputIsTerminal, bool ErrorIsTerminal, int Width, bool ColourAllowed)
{
    /// <summary>For writers that are not the console (tests, files): no terminal, no colour.</summary>
    public static TerminalInfo None { get; } = new(false, false, 120, false);

    /// <summary>The process's own standard output and error.</summary>
    public static TerminalInfo ForConsole()
    {
        bool outputIsConsole = !Console.IsOutputRedirected;
        bool errorIsConsole = !Console.IsErrorRedirected;
        int width = 120;
        if (outputIsConsole || errorIsConsole)
        {
            try
            {
                width = Math.Max(60, Console.WindowWidth);
            }
            catch (IOException)
            {
            }
        }
        bool colour = string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")) &&
                      Environment.GetEnvironmentVariable("TERM") != "dumb";
        return new TerminalInfo(outputIsConsole, errorIsConsole, width, colour);
    }
}
