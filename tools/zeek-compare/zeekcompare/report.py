"""Report files (rows, summary, units, skipped) beside --out, and the console summary."""

import collections
import os
import re

COLS = ['traces', 'baselines', 'zeek_rows', 'matched', 'state_eq', 'hist_eq', 'both_eq', 'only_zeek', 'only_ours',
        'ours_rows', 'state_cmp', 'hist_cmp', 'hist_eq_noX', 'flipped', 'tp_cmp', 'tp_eq', 'no_tuple']


def ordered(cs):
    # tcp, checksum and tunnel first, then the link types alphabetically
    return sorted(cs, key=lambda c: (c != 'tcp', c != 'checksum', c != 'tunnel', c))


def totals(cs):
    t = collections.Counter()
    for c in cs.values():
        t.update(c)
    return t


def write_reports(out_arg, row_lines, unit_lines, cats, vcats, skipped):
    """Writes OUT and OUT's .summary.tsv, .units.tsv and .skipped.tsv; returns (out, stem)."""
    out = os.path.abspath(out_arg)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    stem = out[:-4] if out.endswith('.tsv') else out
    with open(out, 'w') as f:
        f.write('\t'.join(['status', 'category', 'trace', 'flags', 'zeek_tuple', 'our_tuple', 'zeek_state', 'zeek_history',
                           'our_state', 'our_history', 'history_letters', 'zeek_tunnel_parents', 'our_tunnel_parents',
                           'zeek_ts', 'our_ts', 'match_or_hint', 'linktype', 'notes', 'tests']) + '\n')
        for l in row_lines:
            f.write('\t'.join(str(x) for x in l) + '\n')
    with open(stem + '.summary.tsv', 'w') as f:
        f.write('table\tcategory\t' + '\t'.join(COLS) + '\n')
        for name, cs in (('main', cats), ('variants', vcats)):
            for c in ordered(cs) + ['TOTAL']:
                s_ = totals(cs) if c == 'TOTAL' else cs[c]
                f.write(name + '\t' + c + '\t' + '\t'.join(str(s_[k]) for k in COLS) + '\n')
    with open(stem + '.units.tsv', 'w') as f:
        f.write('\t'.join(['category', 'trace', 'flags', 'linktype', 'zeek_tcp_rows', 'our_rows', 'matched', 'both_equal',
                           'only_zeek', 'only_ours', 'tool_rc', 'tool_secs', 'notes', 'tests', 'baselines', 'command']) + '\n')
        for l in unit_lines:
            f.write('\t'.join(str(x) for x in l) + '\n')
    with open(stem + '.skipped.tsv', 'w') as f:
        f.write('test\tbaseline\ttrace\treason\n')
        for s in skipped:
            f.write('\t'.join(s) + '\n')
    return out, stem


def pct(a, b):
    return '%5.1f%%' % (100.0 * a / b) if b else '    -'


def table(cs, title):
    print(title)
    hdr = '%-20s %6s %6s %7s %14s %14s %14s %14s %6s %6s %5s' % (
        'category', 'traces', 'zeek', 'matched', 'state equal', 'history equal', 'hist eq w/o X',
        'both equal', 'onlyZ', 'onlyUs', 'flip')
    print(hdr)
    print('-' * len(hdr))
    t = totals(cs)
    for c in ordered(cs) + ['TOTAL']:
        s_ = t if c == 'TOTAL' else cs[c]
        if c == 'TOTAL':
            print('-' * len(hdr))
        print('%-20s %6d %6d %7d %6d %s %6d %s %6d %s %6d %s %6d %6d %5d' % (
            c, s_['traces'], s_['zeek_rows'], s_['matched'], s_['state_eq'], pct(s_['state_eq'], s_['state_cmp']),
            s_['hist_eq'], pct(s_['hist_eq'], s_['hist_cmp']), s_['hist_eq_noX'], pct(s_['hist_eq_noX'], s_['hist_cmp']),
            s_['both_eq'], pct(s_['both_eq'], s_['matched']), s_['only_zeek'], s_['only_ours'], s_['flipped']))


def print_summary(btest_dir, cats, vcats, skipped, row_lines, out, stem):
    """The tables, the skip reasons and every differing row (long runs of one cause folded into one line)."""
    print('\nZeek btest conn.log comparison (%s)' % btest_dir)
    table(cats, '\nOne baseline per distinct (trace, flags) (percentages: of matched rows whose baseline has the column)')
    if vcats:
        table(vcats, '\nFurther baselines of the same (trace, flags) that disagree with the first (other zeek scripts loaded)')
    reasons = collections.Counter(re.sub(r' \(.*', '', s[3]) if s[3].startswith('trace missing') else s[3] for s in skipped)
    print('\nSkipped baselines: %d' % len(skipped))
    for k, v in reasons.most_common():
        print('  %4d  %s' % (v, k))
    diffs = sorted((l for l in row_lines if l[0] != 'equal'), key=lambda l: (l[0] in ('only-zeek', 'only-ours'), l[0], l[1], l[2]))
    print('\nDiffering rows: %d (status, category, trace, zeek tuple, zeek state/history -> ours)' % len(diffs))
    shown = collections.Counter()
    groups = collections.Counter((l[0], l[2], l[15]) for l in diffs if l[0] in ('only-zeek', 'only-ours'))
    for l in diffs:
        g = (l[0], l[2], l[15])
        if g in groups and groups[g] > 5:
            shown[g] += 1
            if shown[g] == 1:
                print('  %-14s %-10s %s  %d rows, e.g. %s %s %s  [%s]' % (l[0], l[1], l[2], groups[g], l[4] or l[5],
                                                                  l[6] or l[8], l[7] or l[9], l[15]))
            continue
        if l[0] == 'only-zeek':
            print('  %-14s %-10s %s  %s  %s %s  [%s]' % (l[0], l[1], l[2], l[4], l[6], l[7], l[15]))
        elif l[0] == 'only-ours':
            print('  %-14s %-10s %s  %s  -> %s %s  [%s]' % (l[0], l[1], l[2], l[5], l[8], l[9], l[15]))
        else:
            print('  %-14s %-10s %s  %s  %s %s -> %s %s %s' % (l[0], l[1], l[2], l[4], l[6], l[7], l[8], l[9],
                                                              ('(' + l[10] + ')') if l[10] else ''))
    print('\nWrote %s, %s.summary.tsv, %s.units.tsv, %s.skipped.tsv' % (out, stem, stem, stem))
