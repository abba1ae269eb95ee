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
        public static BookKey For(ConnectionFacts facts, HoldKind kind) => For(in facts.Roles, kind);

        public static BookKey For(in ConnectionRoles roles, HoldKind kind) => kind == HoldKind.Smb
            ? new BookKey(true, roles.Client.Address, roles.Server.Address, 0)
            : new BookKey(false, default, default, roles.Server.Port);
    }

    /// <summary>
    /// Remembered winners in SYN order, so that a loser looks only at those whose SYNs fall in its window
    /// (a per-port book under a SYN flood holds thousands) and the oldest are forgotten from the front.
    /// </summary>
    private sealed class WinnersBySyn
    {
        private readonly List<Winner> _items = [];
        private int _head; // winners before it are forgotten

        public int Count => _items.Count - _head;

        public Winner this[int index] => _items[index];

        /// <summary>Index range of every remembered winner.</summary>
        public (int First, int End) All => (_head, _items.Count);

        /// <summary>Index range of the winners whose SYN is within <paramref name="window"/> of <paramref name="syn"/>.</summary>
        public (int First, int End) WithSynNear(long syn, long window) => SynOrder.Near(_items, _head, syn, window, SynOf);

        public void Add(Winner winner) => SynOrder.Insert(_items, _head, winner, SynOf);

        public void ForgetSynBefore(long time)
        {
            while (_head < _items.Count && _items[_head].Info.SynTime < time)
                _items[_head++] = null!;
            if (_head == _items.Count || (_head >= 64 && _head * 2 >= _items.Count))
            {
                _items.RemoveRange(0, _head);
                _head = 0;
            }
        }

        private static readonly Func<Winner, long> SynOf = static w => w.Info.SynTime;
    }

    /// <summary>
    /// Lists kept in SYN order: books' waiting losers and remembered winners. Both arrive as connections
    /// leave the table, nearly in SYN order, so an insert is almost always at the end.
    /// </summary>
    private static class SynOrder
    {
        public static void Insert<T>(List<T> list, int first, T item, Func<T, long> synOf)
        {
            long syn = synOf(item);
            int at = list.Count;
            while (at > first && synOf(list[at - 1]) > syn)
                at--;
            list.Insert(at, item);
        }

        /// <summary>Index range, from <paramref name="first"/> on, of the items whose SYN is within <paramref name="window"/> of <paramref name="syn"/>.</summary>
        public static (int First, int End) Near<T>(List<T> list, int first, long syn, long window, Func<T, long> synOf)
        {
            int from = FirstAtOrAfter(list, first, syn - window, synOf);
            long last = Deadline.After(syn, window);
            int end = last == Deadline.Never ? list.Count : FirstAtOrAfter(list, first, last + 1, synOf);
            return (from, end);
        }

        /// <summary>Binary search: the first index at or after <paramref name="first"/> whose SYN is at or after <paramref name="syn"/>.</summary>
        private static int FirstAtOrAfter<T>(List<T> list, int first, long syn, Func<T, long> synOf)
        {
            int low = first, high = list.Count;
            while (low < high)
            {
                int middle = (low + high) >>> 1;
                if (synOf(list[middle]) < syn)
                    low = middle + 1;
                else
                    high = middle;
            }
            return low;
        }
    }

    /// <summary>Winners and waiting losers that can pair.</summary>
    private sealed class Book
    {
        public WinnersBySyn Winners { get; } = new();
        public List<Held> Waiting { get; } = [];
        public int ReleasedWaiting { get; set; }
    }

    private Book BookFor(BookKey key)
    {
        if (!_books.TryGetValue(key, out Book? book))
            _books[key] = book = new Book();
        return book;
    }
}
