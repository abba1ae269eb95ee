using System.Numerics;

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
    public static HistoryLetters Read(ReadOnlySpan<byte> letters) => Read<byte>(letters);

    /// <inheritdoc cref="Read(ReadOnlySpan{byte})"/>
    public static HistoryLetters Read(ReadOnlySpan<char> letters) => Read<char>(letters);

    // The tracker keeps its letters as bytes, a summary as a string: one walk for both.
    private static HistoryLetters Read<T>(ReadOnlySpan<T> letters) where T : unmanaged, IBinaryInteger<T>
    {
        T flip = T.CreateTruncating('^');
        int flipsAfter = letters.Count(flip);
        var reader = new Reader();
        foreach (T letter in letters)
        {
            if (letter == flip)
                flipsAfter--;
            else
                reader.Add((char)ushort.CreateTruncating(letter), flipsAfter % 2 == 1);
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
