using System.Text;
using PcapResetInspector.Cli;
using PcapResetInspector.Cli.Reporting;

StandardStreams.InspectAtStart(); // before anything can open a descriptor that lands on a closed 0

// Standard output is buffered (Console.Out flushes every write, which made a million-row export
// take seconds of system time); whatever streams rows live flushes them itself.
var output = new StreamWriter(StandardStreams.OpenOutput(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 16)
{
    AutoFlush = false,
    NewLine = "\n",
};
int code = CliApplication.Run(args, output, Console.Error, TerminalInfo.ForConsole());
try
{
    output.Flush();
}
catch (IOException)
{
    // The reader went away (`| head`): what it wanted was written; nothing to report.
}
return code;
