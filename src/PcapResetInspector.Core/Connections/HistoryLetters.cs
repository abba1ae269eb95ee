namespace PcapResetInspector.Core.Connections;

/// <summary>
/// Which of the letters S, H, A, D, F each side has in a connection's history, in the final roles, overall
/// and before the first RST letter (R, r, I, i), and how many RST letters each side has. Read once from
/// the letters when the connection leaves the table, so that nothing downstream parses the history.
/// </summary>
public readonly record struct HistoryLetters
{
    private const int ResponderShift = 8;
    private readonly ushort _seen, _seenBeforeRst;

    private HistoryLetters(ushort seen, ushort seenBeforeRst, int originatorRstLetters, int responderRstLetters)
    {
        _seen = seen;
        _seenBeforeRst = seenBeforeRst;
        OriginatorRstLetters = originatorRstLetters;
        ResponderRstLetters = responderRstLetters;
    }

    /// <summary>R and I letters: Zeek adds one per originator RST with a new sequence number.</summary>
    public int OriginatorRstLetters { get; }
    /// <summary>r and i letters.</summary>
    public int ResponderRstLetters { get; }

    /// <summary>The side has the letter (given in upper case) anywhere in the history.</summary>
    public bool Has(bool originator, char letter) => (_seen & Bit(originator, letter)) != 0;

    /// <summary>The side has the letter (given in upper case) before the first RST letter of either side.</summary>
    public bool HasBeforeRst(bool originator, char letter) => (_seenBeforeRst & Bit(originator, letter)) != 0;

    /// <summary>
    /// Zeek appends a letter in the roles of the moment; each '^' swaps the roles for the letters after it,
    /// so a letter followed by an odd number of '^' belongs to the other side in the final roles.
    /// </summary>
    public static HistoryLetters Read(ReadOnlySpan<byte> letters)
    {
        int flipsAfter = letters.Count((byte)'^');
        var reader = new Reader();
        foreach (byte letter in letters)
        {
            if (letter == '^')
                flipsAfter--;
            else
                reader.Add((char)letter, flipsAfter % 2 == 1);
        }
        return reader.Result();
    }

    /// <inheritdoc cref="Read(ReadOnlySpan{byte})"/>
    public static HistoryLetters Read(ReadOnlySpan<char> letters)
    {
        int flipsAfter = letters.Count('^');
        var reader = new Reader();
        foreach (char letter in letters)
        {
            if (letter == '^')
                flipsAfter--;
            else
                reader.Add(letter, flipsAfter % 2 == 1);
        }
        return reader.Result();
    }

    private static ushort Bit(bool originator, char letter)
    {
        int index = letter switch { 'S' => 0, 'H' => 1, 'A' => 2, 'D' => 3, 'F' => 4, _ => -1 };
        return index < 0 ? (ushort)0 : (ushort)(1 << (index + (originator ? 0 : ResponderShift)));
    }

    private struct Reader
    {
        private ushort _seen, _seenBeforeRst;
        private bool _rstSeen;
        private int _originatorRsts, _responderRsts;

        public void Add(char letter, bool swapRoles)
        {
            bool upper = letter is >= 'A' and <= 'Z';
            bool originator = upper != swapRoles;
            char kind = upper ? letter : char.ToUpperInvariant(letter);
            if (kind is 'R' or 'I')
            {
                _rstSeen = true;
                if (originator)
                    _originatorRsts++;
                else
                    _responderRsts++;
                return;
            }
            ushort bit = Bit(originator, kind);
            _seen |= bit;
            if (!_rstSeen)
                _seenBeforeRst |= bit;
        }

        public readonly HistoryLetters Result() => new(_seen, _seenBeforeRst, _originatorRsts, _responderRsts);
    }
}
