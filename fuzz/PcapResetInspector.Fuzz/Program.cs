using System.Diagnostics;
using PcapResetInspector.Fuzz;
using SharpFuzz;

const string Usage = """
    usage: PcapResetInspector.Fuzz afl                 run under afl-fuzz (input on the fork server's stream)
           PcapResetInspector.Fuzz [libfuzzer]         run under libfuzzer-dotnet (it passes no argument)
           PcapResetInspector.Fuzz replay PATH...      run every file (folders: every file in them) once
           PcapResetInspector.Fuzz seeds FOLDER        write the seed corpus into FOLDER
    """;

// libfuzzer-dotnet starts the target with one argument, the dll, so its variable chooses the mode.
bool underLibFuzzer = Environment.GetEnvironmentVariable("__LIBFUZZER_SHM_ID") is not null;
switch (underLibFuzzer ? "libfuzzer" : args.FirstOrDefault())
{
    case "afl":
        // In-process persistent mode: SharpFuzz's fork server runs the action once per input.
        Fuzzer.Run(stream =>
        {
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            AnalysisTarget.Run(copy.ToArray());
        });
        return 0;
    case "libfuzzer" when underLibFuzzer:
        Fuzzer.LibFuzzer.Run(span => AnalysisTarget.Run(span.ToArray()));
        return 0;
    case "replay" when args.Length > 1:
        return Replay(args.Skip(1));
    case "seeds" when args.Length == 2:
        Console.WriteLine($"{SeedCorpus.Write(args[1])} seed files written");
        return 0;
    default:
        Console.Error.WriteLine(Usage);
        return 2;
}

// Replaying reports each failing input and goes on, so one run sorts a whole crashes/ folder.
static int Replay(IEnumerable<string> paths)
{
    List<string> files = [];
    foreach (string path in paths)
    {
        if (Directory.Exists(path))
            files.AddRange(Directory.EnumerateFiles(path).Where(f => Path.GetFileName(f) != "README.txt").Order(StringComparer.Ordinal));
        else
            files.Add(path);
    }
    int failed = 0;
    foreach (string file in files)
    {
        var stopwatch = Stopwatch.StartNew();
        try
        {
            AnalysisTarget.Run(File.ReadAllBytes(file));
            Console.WriteLine($"ok    {stopwatch.ElapsedMilliseconds,6} ms  {file}");
        }
        catch (Exception e)
        {
            failed++;
            Console.WriteLine($"FAIL  {stopwatch.ElapsedMilliseconds,6} ms  {file}");
            Console.WriteLine(e);
        }
    }
    Console.WriteLine($"{files.Count - failed} passed, {failed} failed");
    return failed == 0 ? 0 : 1;
}
