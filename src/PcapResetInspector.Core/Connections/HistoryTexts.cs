namespace PcapResetInspector.Core.Connections;

/// <summary>
/// History strings of up to eight letters, made once and shared: a flood or a scan leaves a million
/// connections with a handful of distinct short histories ("S", "ShR", "Sr"), and one string each would
/// be most of what the tracker allocates per connection. Longer histories get their own string.
/// </summary>
internal sealed class HistoryTexts
{
    private const int MaxShared = 8;
    /// <summary>Distinct short histories kept; past it (an adversarial capture) new ones are made each time.</summary>
    private const int MaxEntries = 4096;
    private readonly Dictionary<ulong, string> _shared = new();

    public string For(in HistoryBuffer buffer, int length)
    {
        if (length > MaxShared)
            return HistoryBuffer.ToText(in buffer, length);
        ReadOnlySpan<byte> letters = buffer;
        // Letters are ASCII, never 0, so the packed bytes name the history exactly.
        ulong key = 0;
        for (int i = 0; i < length; i++)
            key = key << 8 | letters[i];
        if (_shared.TryGetValue(key, out string? text))
            return text;
        text = HistoryBuffer.ToText(in buffer, length);
        if (_shared.Count < MaxEntries)
            _shared[key] = text;
        return text;
    }
}
