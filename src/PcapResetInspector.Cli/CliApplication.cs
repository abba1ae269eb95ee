using System.CommandLine;
using PcapResetInspector.Cli.Commands;

namespace PcapResetInspector.Cli;

/// <summary>Builds the command tree and runs it; parse errors get one line each and <see cref="ExitCodes.UsageError"/>.</summary>
public static class CliApplication
{
    public static RootCommand BuildRootCommand(TextWriter output, TextWriter error, Reporting.TerminalInfo? terminal = null)
    {
        var root = new RootCommand(
            "PcapResetInspector: finds the TCP connections in a capture that ended in a reset, says who reset them, " +
            "at which stage and why, and tells the benign (such as Windows' SMB 139/445 race) from the ones to act on.");
        root.Subcommands.Add(AnalyzeCommand.Create(output, error, terminal));
        root.Subcommands.Add(CaptureCommand.Create(output, error, terminal));
        root.Subcommands.Add(ExplainCommand.Create(output, error, terminal));
        root.Subcommands.Add(InterfacesCommand.Create(output, error));
        return root;
    }

    /// <summary>`pcap-reset-inspector -r FILE` works as tshark users type it: no command means `analyze`.</summary>
    internal static string[] WithDefaultCommand(RootCommand root, string[] args)
    {
        if (args.Length == 0)
            return args;
        string first = args[0];
        if (first == "-D" || first == "--list-interfaces")
            return ["interfaces", .. args[1..]];
        if (first is "-h" or "--help" or "-?" or "/?" or "--version" || first.StartsWith('['))
            return args;
        foreach (Command sub in root.Subcommands)
        {
            if (sub.Name == first || sub.Aliases.Contains(first))
                return args;
        }
        // tcpdump -i IFACE: an interface and no file to read means a live capture.
        bool live = args.Any(a => a is "-i" or "--interface" || a.StartsWith("--interface=", StringComparison.Ordinal));
        bool reads = args.Any(a => a is "-r" or "--read");
        return live && !reads ? ["capture", .. args] : ["analyze", .. args];
    }

    /// <param name="terminal">What the writers are; null for writers that are not a terminal (tests).</param>
    public static int Run(string[] args, TextWriter output, TextWriter error, Reporting.TerminalInfo? terminal = null)
    {
        RootCommand root = BuildRootCommand(output, error, terminal);
        ParseResult parse = root.Parse(WithDefaultCommand(root, args));
        if (parse.Errors.Count > 0)
        {
            foreach (var problem in parse.Errors)
                error.WriteLine("pcap-reset-inspector: " + Reporting.SafeText.Escape(problem.Message)); // quotes the arguments
            // Point to the help of the command that was typed (or implied), where its options are listed.
            string command = parse.CommandResult.Command is RootCommand ? "" : parse.CommandResult.Command.Name + " ";
            error.WriteLine($"Try 'pcap-reset-inspector {command}--help' for usage.");
            return ExitCodes.UsageError;
        }
        var configuration = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        try
        {
            return parse.Invoke(configuration);
        }
        catch (IOException e) when (StandardStreams.IsBrokenPipe(e))
        {
            // The reader of standard output left (`| head`): it has what it wanted. Stop quietly, as tcpdump does.
            return ExitCodes.Success;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Never a stack trace for users: one line, and a code that says the tool itself failed.
            error.WriteLine($"pcap-reset-inspector: internal error: {e.GetType().Name}: {Reporting.SafeText.Escape(e.Message)}");
            return ExitCodes.InternalError;
        }
    }
}
