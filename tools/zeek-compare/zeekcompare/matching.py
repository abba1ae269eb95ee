"""Pairing baseline rows with ours: by 4-tuple in either orientation, or without a tuple."""

import collections


def compatible(z, o, flip):
    if not flip:
        pairs = ((z.oh, o.oh), (z.op, o.op), (z.rh, o.rh), (z.rp, o.rp))
    else:
        pairs = ((z.oh, o.rh), (z.op, o.rp), (z.rh, o.oh), (z.rp, o.op))
    return all(a is None or a == b for a, b in pairs)


def pair_cost(z, o, flip, zrank, orank):
    c = 1e6 if flip else 0.0
    if z.ts is not None and o.ts is not None:
        c += abs(z.ts - o.ts) * 1000.0
    else:
        if z.dur is not None and o.dur is not None:
            c += abs(z.dur - o.dur) * 100.0
        elif (z.dur is None) != (o.dur is None):
            c += 5.0
        zo, zr = (z.opk, z.rpk) if not flip else (z.rpk, z.opk)
        if zo is not None and o.opk is not None:
            c += abs(zo - o.opk)
        if zr is not None and o.rpk is not None:
            c += abs(zr - o.rpk)
        c += 0.01 * abs(zrank - orank)
    # last-resort tie-breaker among otherwise identical candidates
    if z.state is not None and z.state != o.state:
        c += 0.0001
    if z.hist is not None and z.hist != o.hist:
        c += 0.0001
    return c


def match(zrows, zmaybe, orows, fields):
    """Returns (pairs [(z, o, flip, how)], only_zeek, only_ours)."""
    have_addr = 'id.orig_h' in fields and 'id.resp_h' in fields
    if not have_addr:
        return match_without_tuple(zrows, zmaybe, orows, fields)
    idx = collections.defaultdict(list)
    for o in orows:
        idx[frozenset((o.oh, o.rh))].append(o)
    # ranks within a tuple group, in file order
    zrank, orank = {}, {}
    cnt = collections.Counter()
    for z in zrows + zmaybe:
        k = frozenset((z.oh, z.rh, z.op, z.rp))
        zrank[id(z)] = cnt[k]
        cnt[k] += 1
    cnt = collections.Counter()
    for o in orows:
        k = frozenset((o.oh, o.rh, o.op, o.rp))
        orank[id(o)] = cnt[k]
        cnt[k] += 1
    cands = []
    for z in zrows + zmaybe:
        for o in idx.get(frozenset((z.oh, z.rh)), ()):
            for flip in (False, True):
                if compatible(z, o, flip):
                    cands.append((pair_cost(z, o, flip, zrank[id(z)], orank[id(o)]), z.idx, o.idx, flip, z, o))
    cands.sort(key=lambda c: c[:4])
    used_z, used_o, pairs = set(), set(), []
    for cost, _, _, flip, z, o in cands:
        if id(z) in used_z or id(o) in used_o:
            continue
        used_z.add(id(z))
        used_o.add(id(o))
        pairs.append((z, o, flip, 'tuple'))
    only_z = [z for z in zrows if id(z) not in used_z]
    only_o = [o for o in orows if id(o) not in used_o]
    return pairs, only_z, only_o


def strip_x(h):
    return None if h is None else h.replace('X', '').replace('x', '')


def mirror_equal(zh, oh):
    """True if the two histories are the same events with the roles swapped (one side flipped)."""
    if zh is None or oh is None:
        return False
    return zh.replace('^', '').swapcase() == oh.replace('^', '') or oh.replace('^', '').swapcase() == zh.replace('^', '')


def match_without_tuple(zrows, zmaybe, orows, fields):
    """Baselines cut down to e.g. uid/service/history: no tuple to pair rows by.  A single row pairs
    with our single row; otherwise rows are paired as a multiset: equal (conn_state, history) first,
    then the rest in file order.  Such pairs are marked 'no tuple' and are only as good as that."""
    if len(zrows) + len(zmaybe) == 1 and len(orows) == 1:
        z = (zrows + zmaybe)[0]
        return [(z, orows[0], False, 'only row')], [], []
    has_state, has_hist = 'conn_state' in fields, 'history' in fields

    def key(r):
        # 'X'/'x' (analysis partial: an application-layer limit) is left out: we never write it
        return (r.state if has_state else None, strip_x(r.hist) if has_hist else None)
    pairs, free_o = [], list(orows)
    rest_z = []
    for z in zrows + zmaybe:
        for o in free_o:
            if key(o) == key(z):
                pairs.append((z, o, False, 'no tuple: equal values'))
                free_o.remove(o)
                break
        else:
            rest_z.append(z)
    # the remaining certain-TCP rows pair in file order; unmatched 'maybe' rows (D-only histories,
    # e.g. the outer UDP connection of a tunnel) are not TCP as far as we can tell and are dropped
    only_z = []
    for z in rest_z:
        if z in zmaybe:
            continue
        if free_o:
            pairs.append((z, free_o.pop(0), False, 'no tuple: file order'))
        else:
            only_z.append(z)
    return pairs, only_z, free_o


def letter_diff(a, b):
    ca, cb = collections.Counter(a or ''), collections.Counter(b or '')
    minus = ''.join(sorted((ca - cb).elements()))
    plus = ''.join(sorted((cb - ca).elements()))
    if not minus and not plus:
        return 'order'
    return ('-' + minus if minus else '') + (' ' if minus and plus else '') + ('+' + plus if plus else '')
