using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Net;

namespace PcapResetInspector.Core.Diagnosis;

/// <summary>The race grouping's winners: remembering them, pairing them with waiting losers, choosing one; and the probes of the scan test.</summary>
public sealed partial class RaceGrouper
{
    // ---------------------------------------------------------------- winners

    private void RegisterWinner(string uid, in ConnectionRoles roles, in ConnectionShape shape, RaceKind kind)
    {
        var winner = new Winner(ConnectionFacts.Sibling(uid, in roles, in shape));
        long synTime = roles.ClientSynTime;
        var key = BookKey.For(in roles, kind == RaceKind.Smb139And445 ? HoldKind.Smb : HoldKind.Parallel);
        Book book = BookFor(key);
        // A parallel-connect loser pairs only within the window of the winner's SYN; 139/445 books are
        // per client and server (small), and their "fresh" pairing looks at end times, so they are read whole.
        foreach (Held held in key.Smb ? book.Waiting.All : book.Waiting.Near(synTime, _parallelWindow))
        {
            if (!held.Released && Matches(held, winner))
            {
                held.AddCandidate(winner);
                Schedule(held);
            }
        }

        // Remember it for losers that leave the table later, as long as one still could.
        // The expiry captures the key and the book, not the connection: a remembered winner is only its SiblingInfo.
        long forgetAt = Deadline.After(synTime, Retention(key));
        if (forgetAt > _now)
        {
            book.Winners.Add(winner);
            _expiries.Enqueue(() => ForgetWinners(key, book), forgetAt);
        }
        else
        {
            DropIfEmpty(key, book);
        }
    }

    /// <summary>Drops remembered winners whose retention has passed (the oldest first; a later one keeps an older one a little longer).</summary>
    private long Retention(BookKey key) => key.Smb ? _raceWindow + _siblingRetention : _parallelWindow + _parallelRetention;

    private void ForgetWinners(BookKey key, Book book)
    {
        long retention = Retention(key);
        book.Winners.RemoveSynBefore(_now - retention + 1);
        DropIfEmpty(key, book);
    }

    private void DropIfEmpty(BookKey key, Book book)
    {
        if (book.Winners.Count > 0 || book.Waiting.Count > book.ReleasedWaiting)
            return;
        // Only if the key still maps to this book: an expiry may fire for a book already replaced.
        if (_books.TryGetValue(key, out Book? current) && ReferenceEquals(current, book))
            _books.Remove(key);
    }

    /// <summary>How a waiting loser and a winner pair up; the order is the preference when several winners match.</summary>
    private enum Pairing { None, Fresh, SamePort, Raced }

    /// <summary>
    /// 139/445 (same client and server: the book's key): the other port with SYNs within the race
    /// window (Raced); the same port with SYNs within the parallel-connect window (SamePort, a
    /// parallel-connect race on an SMB port); or a fresh connection starting within the race window
    /// after this one ended (resets.md: both probes closed, then a new connection carries SMB).
    /// Parallel connects: the same server port, SYNs within the parallel window, and the same client
    /// address, or the other address family (RFC 8305 races IPv6 against IPv4).
    /// </summary>
    private Pairing Pair(Held held, Winner winner)
    {
        Pairing pairing = PairByTimeAndPort(held, winner.Info);
        // A connection is never its own sibling. Tested last: a per-port book under a flood holds
        // hundreds of winners, and the time and port tests turn almost all of them away more cheaply.
        return pairing != Pairing.None && winner.Info.Uid == held.Facts.Summary.Uid ? Pairing.None : pairing;
    }

    private Pairing PairByTimeAndPort(Held held, SiblingInfo w)
    {
        ConnectionFacts loser = held.Facts;
        long synGap = Math.Abs(w.SynTime - loser.ClientSynTime);
        if (held.Kind == HoldKind.Smb)
        {
            bool samePort = w.ServerPort == loser.Server.Port;
            if (!samePort && synGap <= _raceWindow)
                return Pairing.Raced;
            if (samePort && synGap <= _parallelWindow && loser.IsGiveUpShape)
                return Pairing.SamePort;
            // The probe's own end (its RST or FIN), not its last packet: the server's answer to a FIN may
            // come after the client's fresh SYN (resets.md: both probes closed, then a new connection).
            long ended = loser.ProbeEndTime;
            bool fresh = w.SynTime >= ended && w.SynTime - ended <= _raceWindow;
            return fresh ? Pairing.Fresh : Pairing.None;
        }
        if (w.ServerPort != loser.Server.Port || synGap > _parallelWindow)
            return Pairing.None;
        bool sameFamily = w.IpVersion == loser.Summary.IpVersion;
        if (!sameFamily)
            return Pairing.SamePort;
        if (w.ClientAddress != loser.Client.Address)
            return Pairing.None;
        if (w.ServerAddress == loser.Server.Address)
            return Pairing.SamePort;
        // Two servers of one family (several addresses of one name, RFC 8305 §4) pair only with the shape a
        // reader would accept: both attempts were pending at once (neither was answered before the other
        // began) and the client dropped this one after the other had started. A client that gave up for
        // its own reasons, before the other attempt existed, is not a race.
        long reset = loser.Summary.FirstRstTime;
        long loserAnswered = loser.Server.FirstPacketTime;
        bool loserPending = loserAnswered == 0 || loserAnswered >= w.SynTime || loser.ClientSynTime > w.SynTime;
        bool winnerPending = loser.ClientSynTime <= w.SynTime || w.ServerFirstPacketTime == 0 || loser.ClientSynTime <= w.ServerFirstPacketTime;
        bool convincing = reset >= w.SynTime && loserPending && winnerPending;
        return convincing ? Pairing.SamePort : Pairing.None;
    }

    private bool Matches(Held held, Winner winner) => Pair(held, winner) != Pairing.None;

    /// <summary>
    /// The sibling that carried on. 139/445: a racing sibling before a same-port one before a fresh
    /// one, then the most client payload, then the longest life, then the earliest SYN. Parallel:
    /// the same client's nearest SYN; across address families only when exactly one candidate
    /// exists (nothing else links them).
    /// </summary>
    private (Winner Winner, RaceKind Kind)? ChooseWinner(Held held) =>
        held.Candidates.Count == 0 ? null : ChooseAmongCandidates(held);

    // Apart from ChooseWinner: the lambdas' captures are allocated on entry, and most held connections have no candidate.
    private (Winner Winner, RaceKind Kind)? ChooseAmongCandidates(Held held)
    {
        ConnectionFacts loser = held.Facts;
        if (held.Kind == HoldKind.Smb)
        {
            Winner best = held.Candidates
                .OrderByDescending(w => Pair(held, w))
                .ThenByDescending(w => w.Info.ClientPayloadBytes)
                .ThenByDescending(w => w.Info.EndTime - w.Info.SynTime)
                .ThenBy(w => w.Info.SynTime)
                .First();
            return (best, Pair(held, best) == Pairing.SamePort ? RaceKind.ParallelConnect : RaceKind.Smb139And445);
        }
        Winner? sameClient = held.Candidates
            .Where(w => w.Info.IpVersion == loser.Summary.IpVersion)
            .OrderBy(w => Math.Abs(w.Info.SynTime - loser.ClientSynTime))
            .FirstOrDefault();
        if (sameClient is not null)
            return (sameClient, RaceKind.ParallelConnect);
        return held.Candidates.Count == 1 ? (held.Candidates[0], RaceKind.ParallelConnect) : null;
    }

    // ---------------------------------------------------------------- scans

    private void RememberProbe(in ConnectionRoles roles)
    {
        ProbeOutcome outcome = (roles.ServerSentSynAck ? ProbeOutcome.Answered : ProbeOutcome.None) |
                               (roles.HasRst ? ProbeOutcome.Reset : ProbeOutcome.None);
        PartyCounters server = roles.Server;
        _scans.Remember(roles.Client.Address, roles.ClientSynTime, server.Address, server.Port, outcome);
    }

    private ScanFanOut? FanOut(Held held) => _scans.FanOut(held.ClientAddress, held.ClientSynTime);
}
