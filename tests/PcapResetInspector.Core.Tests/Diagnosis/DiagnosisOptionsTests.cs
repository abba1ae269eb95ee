using PcapResetInspector.Core.Diagnosis;

namespace PcapResetInspector.Core.Tests.Diagnosis;

public class DiagnosisOptionsTests
{
    [Fact]
    public void Options_RejectNonsense()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ResetDiagnoser(new DiagnosisOptions { RaceWindow = TimeSpan.FromSeconds(-1) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ResetDiagnoser(new DiagnosisOptions { ScanFanOutPorts = 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RaceGrouper(new DiagnosisList(), new DiagnosisOptions { MaxHeldConnections = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RaceGrouper(new DiagnosisList(), new DiagnosisOptions { RaceHoldLimit = TimeSpan.FromSeconds(-5) }));
    }
}
