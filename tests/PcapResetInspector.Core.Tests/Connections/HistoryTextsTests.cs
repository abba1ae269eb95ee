using PcapResetInspector.Core.Connections;

namespace PcapResetInspector.Core.Tests.Connections;

/// <summary>Short history strings are made once and shared; long ones are made each time; all read as their letters.</summary>
public class HistoryTextsTests
{
    private static HistoryBuffer Buffer(string letters)
    {
        var buffer = new HistoryBuffer();
        Span<byte> bytes = buffer;
        for (int i = 0; i < letters.Length; i++)
            bytes[i] = (byte)letters[i];
        return buffer;
    }

    [Theory]
    [InlineData("S")]
    [InlineData("ShR")]
    [InlineData("ShADadFf")]
    public void A_short_history_is_one_shared_string(string letters)
    {
        var texts = new HistoryTexts();
        HistoryBuffer first = Buffer(letters), second = Buffer(letters);

        string a = texts.For(in first, letters.Length);
        string b = texts.For(in second, letters.Length);

        Assert.Equal(letters, a);
        Assert.Same(a, b);
    }

    [Fact]
    public void Histories_that_differ_in_one_letter_or_in_length_get_their_own_strings()
    {
        var texts = new HistoryTexts();
        HistoryBuffer buffer = Buffer("ShADadFf");

        Assert.Equal("ShADadF", texts.For(in buffer, 7));
        Assert.Equal("ShADadFf", texts.For(in buffer, 8));
        HistoryBuffer other = Buffer("ShADadFr");
        Assert.Equal("ShADadFr", texts.For(in other, 8));
        Assert.Equal("", texts.For(in buffer, 0));
    }

    [Fact]
    public void A_long_history_reads_as_its_letters()
    {
        const string Long = "ShADadFfRrRrRr";
        var texts = new HistoryTexts();
        HistoryBuffer buffer = Buffer(Long);

        Assert.Equal(Long, texts.For(in buffer, Long.Length));
    }
}
