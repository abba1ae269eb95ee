using PcapResetInspector.Core.Export;

namespace PcapResetInspector.Core.Tests.Export;

public class CsvConnectionWriterTests
{
    [Theory]
    [InlineData("=HYPERLINK(\"x\")", true)]
    [InlineData("+1+2", true)]
    [InlineData("-cmd|' /C calc'!A0", true)]
    [InlineData("@SUM(A1)", true)]
    [InlineData("\tx", true)]
    [InlineData("-1", false)]
    [InlineData("+3.5", false)]
    [InlineData("10.0.0.1", false)]
    [InlineData("", false)]
    [InlineData("ShADadR", false)]
    public void FormulaLikeText_IsNeutralised_NumbersAreNot(string value, bool neutralised)
    {
        Assert.Equal(neutralised, CsvConnectionWriter.NeedsNeutralising(value));
    }

    [Fact]
    public void HeaderIsTheDocumentedColumns_WithCrLf()
    {
        var text = new StringWriter();
        using (new CsvConnectionWriter(text, leaveOpen: true))
        {
        }
        Assert.Equal(string.Join(",", CsvConnectionWriter.Columns) + "\r\n", text.ToString());
        Assert.Equal(CsvConnectionWriter.Columns.Length, CsvConnectionWriter.Columns.Distinct().Count());
    }
}
