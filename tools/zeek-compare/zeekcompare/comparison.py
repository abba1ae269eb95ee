"""Comparing paired rows: per-category counts, one report line per row and per comparison."""

import collections
import os
import re

from .captures import link_types, linktype_name
from .logs import Row, parse_log
from .matching import letter_diff, match, mirror_equal, strip_x


def categorise(u, btest_dir):
    """tunnel, fddi, link:TYPE (not Ethernet), checksum or tcp; also sets u.linktype."""
    types, fmt = link_types(u.trace)
    u.linktype = linktype_name(types) if types is not None else 'unreadable'
    rel_trace = os.path.relpath(u.trace, btest_dir)
    tunnel = ('tunnels/' in rel_trace or any('tunnels' in t.split('.') for t in u.tests)
              or any(Row(0, d, u.meta['unset']).tp_set() for d in u.rows if 'tunnel_parents' in d))
    if tunnel:
        return 'tunnel'
    if types and types != {1}:
        nonether = sorted(t for t in types if t != 1)
        if 10 in types:
            return 'fddi'
        return 'link:' + linktype_name(set(nonether))
    base = os.path.basename(u.trace).lower()
    if u.verify or 'chksum' in base or 'checksum' in base:
        return 'checksum'
    return 'tcp'


def compare_units(units, runs, btest_dir, skipped):
    """Returns (cats, vcats, row_lines, unit_lines); units found to have no TCP rows go to skipped."""
    cats = collections.OrderedDict()     # first (richest) baseline of each (trace, flags)
    vcats = collections.OrderedDict()    # further baselines of the same (trace, flags) that disagree with it
    row_lines = []
    unit_lines = []
    for u in units:
        u.category = categorise(u, btest_dir)
        r = runs[(u.trace, u.verify, u.bpf)]
        rel_trace = os.path.relpath(u.trace, btest_dir)
        orows = []
        if os.path.exists(r['out']):
            ofields, odicts, ometa = parse_log(r['out'])
            orows = [Row(i, d, ometa['unset']) for i, d in enumerate(odicts) if d.get('proto', 'tcp') == 'tcp']
        pairs, only_z, only_o = match(u.zrows, u.zmaybe, orows, u.fields)
        if not u.zrows and not pairs:
            for t, b in zip(u.tests, u.baselines):
                skipped.append((t, b, rel_trace, 'baseline has no TCP rows'))
            continue
        if 'id.orig_h' not in u.fields:
            u.notes.add('no tuple in baseline')
        st = (cats if u.variant == 0 else vcats).setdefault(u.category, collections.Counter())
        st['traces'] += 1
        st['baselines'] += len(u.baselines)
        has_state = 'conn_state' in u.fields
        has_hist = 'history' in u.fields
        has_tp = 'tunnel_parents' in u.fields
        n_zeek = len(u.zrows) + sum(1 for p in pairs if p[0] in u.zmaybe)
        st['zeek_rows'] += n_zeek
        st['ours_rows'] += len(orows)
        st['matched'] += len(pairs)
        st['only_zeek'] += len(only_z)
        st['only_ours'] += len(only_o)
        ustat = collections.Counter()
        flags = ('-C' if not u.verify else 'verify') + (' -f %s' % u.bpf if u.bpf else '')
        notes = sorted(u.notes)
        if u.variant:
            notes.insert(0, 'variant baseline %d' % u.variant)
        if r.get('rc') not in (0, None):
            notes.append('tool exit %s: %s' % (r.get('rc'), r.get('err', '')[:200]))
        elif r.get('err') and re.search(r'link type|tunnels not followed|unsupported', r['err']):
            notes.append('tool did not analyse: %s' % r['err'][:200])
        for z, o, flip, how in pairs:
            se = (z.state == o.state) if has_state else None
            he = (z.hist == o.hist) if has_hist else None
            te = (z.tp_set() == o.tp_set()) if has_tp else None
            if se is not None:
                st['state_cmp'] += 1
                st['state_eq'] += se
            if he is not None:
                st['hist_cmp'] += 1
                st['hist_eq'] += he
                st['hist_eq_noX'] += (strip_x(z.hist) == strip_x(o.hist))
            both = all(x for x in (se, he) if x is not None)
            st['both_eq'] += both
            st['flipped'] += flip
            if te is not None:
                st['tp_cmp'] += 1
                st['tp_eq'] += te
            ustat['matched'] += 1
            ustat['both_eq'] += both
            kinds = []
            if flip:
                kinds.append('roles-flipped')
            if se is False:
                kinds.append('state')
            if he is False:
                kinds.append('history')
            if te is False:
                kinds.append('tunnel_parents')
            status = 'equal' if not kinds else '+'.join(kinds)
            if flip and mirror_equal(z.hist, o.hist):
                how += '; same events, roles swapped'
            if flip and u.origin['bare']:
                how += '; zeek -b: likely_server_ports holds only the loaded analyzers\' ports'
            if 'id.orig_h' not in u.fields:
                st['no_tuple'] += 1
            row_lines.append([status, u.category, rel_trace, flags, z.tuple_str() if z.oh else '(%s)' % o.tuple_str(), o.tuple_str(),
                              z.state or '', z.hist if z.hist is not None else '', o.state or '', o.hist or '',
                              letter_diff(z.hist, o.hist) if he is False else '',
                              'set' if z.tp_set() else ('-' if has_tp else ''), 'set' if o.tp_set() else '-',
                              '' if z.ts is None else '%.6f' % z.ts, '%.6f' % o.ts if o.ts is not None else '',
                              how, u.linktype, ','.join(notes), ','.join(u.tests)])
        # only-in-Zeek rows: guess why
        otuples = collections.Counter(frozenset((o.oh, o.op, o.rh, o.rp)) for o in orows)
        for z in only_z:
            if r.get('rc') not in (0, None) and not orows:
                hint = 'tool failed (exit %s)' % r.get('rc')
            elif not orows:
                hint = 'no TCP connection found by the tool (encapsulation or link layer not decoded?)'
                if u.category == 'tunnel' or z.tp_set():
                    hint = 'tunnel not decoded'
                elif u.category.startswith('link:') or u.category == 'fddi':
                    hint = 'link type not decoded (%s)' % u.linktype
                if r.get('err'):
                    hint += '; tool: not analysed %s' % r['err'][:120]
            elif frozenset((z.oh, z.op, z.rh, z.rp)) in otuples:
                hint = 'same tuple in ours: connections split/merged differently'
            elif z.tp_set():
                hint = 'tunnelled connection not found'
            else:
                hint = 'not found by the tool'
            row_lines.append(['only-zeek', u.category, rel_trace, flags, z.tuple_str(), '', z.state or '',
                              z.hist if z.hist is not None else '', '', '', '', 'set' if z.tp_set() else ('-' if has_tp else ''), '',
                              '' if z.ts is None else '%.6f' % z.ts, '', hint, u.linktype, ','.join(notes), ','.join(u.tests)])
        ztuples = collections.Counter(frozenset((z.oh, z.op, z.rh, z.rp)) for z in u.zrows)
        for o in only_o:
            hint = 'same tuple in zeek: connections split/merged differently' if frozenset((o.oh, o.op, o.rh, o.rp)) in ztuples else 'not in zeek'
            if 'id.orig_h' not in u.fields:
                hint = 'baseline has no tuple'
            row_lines.append(['only-ours', u.category, rel_trace, flags, '', o.tuple_str(), '', '', o.state or '', o.hist or '',
                              '', '', 'set' if o.tp_set() else '-', '', '%.6f' % o.ts if o.ts is not None else '', hint,
                              u.linktype, ','.join(notes), ','.join(u.tests)])
        unit_lines.append([u.category, rel_trace, flags, u.linktype, n_zeek, len(orows), ustat['matched'], ustat['both_eq'],
                           len(only_z), len(only_o), r.get('rc'), '%.2f' % (r.get('secs') or 0), ','.join(notes),
                           ','.join(u.tests), ','.join(u.baselines), r['cmd']])
    return cats, vcats, row_lines, unit_lines
