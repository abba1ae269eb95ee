using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Diagnosis;

/// <summary>
/// The race grouper's books: per (client, server) for 139/445 and per server port for parallel connects,
/// the winners remembered and the losers waiting, both in SYN order. The rules that pair them are in
/// RaceGrouper.Pairing.
/// </summary>
public sealed partial class RaceGrouper
{
    /// <summary>A connection that carried on, remembered as a possible winner.</summary>
    private sealed class Winner(SiblingInfo info)
    {
        public SiblingInfo Info { get; } = info;
        public int GroupId { get; set; }
    }

    /// <summary>Which book a connection belongs to: (client, server) for 139/445, the server port for parallel connects.</summary>
    private readonly record struct BookKey(bool Smb, IpAddress128 Client, IpAddress128 Server, ushort Port)
    {
        public static BookKey For(in ConnectionRoles roles, HoldKind kind) => kind == HoldKind.Smb
            ? new BookKey(true, roles.Client.Address, roles.Server.Address, 0)
            : new BookKey(false, default, default, roles.Server.Port);
    }

    /// <summary>Winners and waiting losers that can pair.</summary>
    private sealed class Book
    {
        // In SYN order, so that a loser looks only at the winners whose SYNs fall in its window and a winner
        // only at such losers (a per-port book under a SYN flood or a scan holds thousands).
        public SynOrderedList<Winner> Winners { get; } = new(static w => w.Info.SynTime);
        public SynOrderedList<Held> Waiting { get; } = new(HeldSyn);
        public int ReleasedWaiting { get; set; }
    }

    private Book BookFor(BookKey key)
    {
        if (!_books.TryGetValue(key, out Book? book))
            _books[key] = book = new Book();
        return book;
    }
}
