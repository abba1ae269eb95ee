using PcapResetInspector.Core.Export;

namespace PcapResetInspector.Core.Tests.Export;

public sealed class AtomicFileWriterTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("pri-atomic-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Fact]
    public void TheTargetAppearsOnlyOnCommit()
    {
        string target = Path.Combine(_scratch, "out.csv");
        using (var writer = new AtomicFileWriter(target))
        {
            writer.Writer.Write("a,b\n");
            writer.Writer.Flush();
            Assert.False(File.Exists(target));
            writer.Commit();
        }
        Assert.Equal("a,b\n", File.ReadAllText(target));
        Assert.Single(Directory.GetFiles(_scratch));
    }

    [Fact]
    public void WithoutCommit_NothingIsLeft_AndAnOldFileStaysAsItWas()
    {
        string target = Path.Combine(_scratch, "out.csv");
        File.WriteAllText(target, "old");
        using (var writer = new AtomicFileWriter(target))
            writer.Writer.Write("half");
        Assert.Equal("old", File.ReadAllText(target));
        Assert.Single(Directory.GetFiles(_scratch));
    }

    [LinuxFact("/dev/null as a target is Unix's; it is tested on Linux")]
    public void DevNull_IsWrittenInPlace_NotReplaced()
    {
        using (var writer = new AtomicFileWriter("/dev/null"))
        {
            writer.Writer.Write("discarded");
            writer.Commit();
        }
        // Had the device been renamed over, /dev/null would now be a file holding the text.
        Assert.Equal("", File.ReadAllText("/dev/null"));
    }
}
