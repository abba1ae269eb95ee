"""Collecting the comparisons to make: one Unit per conn baseline we can reproduce, deduplicated."""

import collections
import os
import re

from .btest_exec import simulate
from .btest_files import find_tests, split_test, strip_comments
from .logs import TUPLE, is_conn_like, tcp_rows

# Policy: what in a test's scripts or command line changes conn.log in a way we cannot imitate.
# (regex, reason).  Matched against the test's own script text (comments removed), the files it
# defines with @TEST-START-FILE, `-e` code and `name=value` arguments on zeek's command line.
SKIP_POLICY = [
    (r'\bTunnel::', 'tunnel settings (Tunnel::...)'),
    (r'\bPacketAnalyzer::', 'packet analyzer configuration (PacketAnalyzer::...)'),
    (r'\bignore_checksums_nets\b', 'ignore_checksums_nets (checksums ignored for some networks only)'),
    (r'\blikely_server_ports\b', 'likely_server_ports changed (role-flip heuristic)'),
    (r'\btcp_[A-Za-z_]+\s*(\+|-)?=', 'TCP analyzer setting redefined (tcp_*)'),
    (r'\b(partial_connection_ok|tcp_SYN_ack_ok|dpd_reassemble_first_packets)\b',
     'TCP reassembly/partial-connection setting changed'),
    (r'\bmax_timer_expires\b', 'timer expiry limit changed (max_timer_expires)'),
    (r'(\bPacketFilter::|\bPcap::|install_pcap_filter|\bcapture_filters\b|\brestrict_filters\b|\bNetControl::)',
     'packet filter installed by the script'),
    (r'\b(skip_further_processing|set_inactivity_timeout|terminate_session)\b',
     'script alters connection processing at run time'),
    (r'\bsize_threshold\s*=', 'GridFTP size_threshold lowered (the data channel is then skip_further_processing-ed)'),
    (r'\bAnalyzer::disable_all\b', 'all protocol analyzers disabled (Analyzer::disable_all)'),
    (r'(\bConnKey::|\bvlan_fivetuple\b)', 'connection key changed'),
]
# Kept, but flagged in the notes column: may influence service/gaps, unlikely to change state/history.
NOTE_POLICY = [
    (r'\b(Analyzer::|DPD::|dpd_)', 'analyzer config'),
    (r'\bdisable_analyzer\b', 'disable_analyzer'),
    (r'\bConn::', 'Conn:: config'),
    (r'\budp_[A-Za-z_]+\s*=', 'udp setting'),
    (r'\breport_gaps_for_partial\b', 'report_gaps_for_partial (content_gap events only)'),
]


class Unit:
    """One (trace, zeek flags) pair with one baseline (plus the tests that share it)."""

    def __init__(self, trace, verify, bpf, baseline, fields, rows, meta, test, origin):
        self.trace, self.verify, self.bpf = trace, verify, bpf
        self.baseline, self.fields, self.rows, self.meta = baseline, fields, rows, meta
        self.tests = [test]
        self.baselines = [baseline]
        self.origin = origin
        self.notes = set()
        self.category = None
        self.linktype = None

    def richness(self):
        f = set(self.fields)
        return (len(f & set(TUPLE)) + (1 if 'proto' in f else 0) + (2 if 'conn_state' in f else 0)
                + (2 if 'history' in f else 0) + (1 if 'tunnel_parents' in f else 0), not self.origin['bare'])


def policy_text(origin, part_text, files_text, test_text):
    # the part's own script plus every file the test defines (conservative: they may be @load-ed)
    texts = [strip_comments(part_text)]
    for body in files_text.values():
        texts.append(strip_comments(body))
    texts.extend(origin['code'])
    texts.extend(origin['assign'])
    return '\n'.join(texts)


def collect(btest_dir, max_bytes):
    traces_dir = os.path.join(btest_dir, 'Traces')
    baseline_dir = os.path.join(btest_dir, 'Baseline')
    tests = find_tests(btest_dir)
    units = []
    skipped = []   # (test, baseline file, trace, reason)
    for name, (path, text) in sorted(tests.items()):
        execs, parts, files_text, directives = split_test(text)
        if not any('btest-diff' in c for _, c in execs):
            continue
        ignored = [d for d in directives if d[0] == 'IGNORE']
        for pi, part in enumerate(parts):
            tname = name if pi == 0 else '%s-%d' % (name, pi + 1)
            bdir = os.path.join(baseline_dir, tname)
            if not os.path.isdir(bdir):
                continue
            ctx = {'traces': traces_dir, 'testdir': os.path.dirname(path), 'cmd': '', 'env': {}}
            targets = simulate(execs, ctx)
            for f, base, origin, note in targets:
                bpath = os.path.join(bdir, base)
                if not os.path.exists(bpath):
                    continue
                ok, parsed = is_conn_like(bpath, base)
                if not ok:
                    continue
                fields, rows, meta = parsed
                rel_b = os.path.relpath(bpath, btest_dir)

                def skip(reason, trace=''):
                    skipped.append((tname, rel_b, os.path.relpath(trace, btest_dir) if trace.startswith(btest_dir) else trace, reason))
                if ignored:
                    skip('test marked @TEST-IGNORE')
                    continue
                if note:
                    skip(note)
                    continue
                if origin is None:
                    skip('conn log not produced by a zeek run the script can follow')
                    continue
                if origin.get('kind') != 'zeek':
                    skip('conn log %s' % origin.get('why', 'of unknown origin'))
                    continue
                if origin['iface'] is not None:
                    skip('live capture (zeek -i)')
                    continue
                if not origin['traces']:
                    skip('zeek run without -r')
                    continue
                if len(origin['traces']) > 1:
                    skip('several traces read (multi-trace)')
                    continue
                trace = origin['traces'][0]
                if 'ZEEK_PLUGIN_PATH' in origin['env'] and origin['env']['ZEEK_PLUGIN_PATH']:
                    skip('needs a zeek plugin built by the test', trace)
                    continue
                if not trace.startswith(traces_dir + os.sep):
                    skip('not a trace of the suite (packet source plugin, stdin or generated file)', trace)
                    continue
                if not os.path.isfile(trace):
                    skip('trace missing (not in the snapshot, e.g. Git LFS)', trace)
                    continue
                if os.path.getsize(trace) > max_bytes:
                    skip('trace larger than the size limit', trace)
                    continue
                with open(trace, 'rb') as tf:
                    if tf.read(40).startswith(b'version https://git-lfs'):
                        skip('trace is a Git LFS pointer', trace)
                        continue
                ptext = policy_text(origin, part, files_text, text)
                reason = None
                for rx, why in SKIP_POLICY:
                    if re.search(rx, ptext):
                        reason = why
                        break
                if reason:
                    skip('non-default policy: ' + reason, trace)
                    continue
                fs = set(fields)
                if not (fs & {'conn_state', 'history'}):
                    skip('baseline has neither conn_state nor history', trace)
                    continue
                verify = not origin['ignore_checksums']
                if re.search(r'\bignore_checksums\s*=\s*T\b', ptext):
                    verify = False
                u = Unit(trace, verify, origin['filter'], rel_b, fields, rows, meta, tname, origin)
                for rx, why in NOTE_POLICY:
                    if re.search(rx, ptext):
                        u.notes.add(why)
                if origin.get('cut'):
                    u.notes.add('zeek-cut columns')
                if origin['bare']:
                    u.notes.add('zeek -b')
                u.testfile = os.path.relpath(path, btest_dir)
                units.append(u)
    return units, skipped


def content_key(fields, zrows):
    """What a baseline says about TCP rows on the compared fields, for deduplication."""
    items = []
    for r in zrows:
        items.append((r.oh, r.op, r.rh, r.rp, r.state if 'conn_state' in fields else None,
                      r.hist if 'history' in fields else None))
    return items


def subsumes(a_fields, a_rows, b_fields, b_rows):
    """True if every TCP row of baseline b agrees with some row of a on the fields both have."""
    shared = [x for x in ('oh', 'op', 'rh', 'rp', 'state', 'hist')
              if {'oh': 'id.orig_h', 'op': 'id.orig_p', 'rh': 'id.resp_h', 'rp': 'id.resp_p',
                  'state': 'conn_state', 'hist': 'history'}[x] in a_fields and
              {'oh': 'id.orig_h', 'op': 'id.orig_p', 'rh': 'id.resp_h', 'rp': 'id.resp_p',
               'state': 'conn_state', 'hist': 'history'}[x] in b_fields]
    if not shared:
        return False
    pool = collections.Counter(tuple(getattr(r, x) for x in shared) for r in a_rows)
    for r in b_rows:
        k = tuple(getattr(r, x) for x in shared)
        if pool[k] <= 0:
            return False
        pool[k] -= 1
    return True


def dedupe(units):
    """Group by (trace, verify, filter); keep the richest baseline, fold consistent ones into it."""
    groups = collections.OrderedDict()
    for u in units:
        u.zrows, u.zmaybe = tcp_rows(u.fields, u.rows, u.meta)
        groups.setdefault((u.trace, u.verify, u.bpf), []).append(u)
    result = []
    for key, us in groups.items():
        us.sort(key=lambda u: u.richness(), reverse=True)
        kept = []
        for u in us:
            for k in kept:
                if (content_key(k.fields, k.zrows) == content_key(u.fields, u.zrows) and set(u.fields) <= set(k.fields)) \
                        or subsumes(k.fields, k.zrows, u.fields, u.zrows):
                    k.tests.extend(u.tests)
                    k.baselines.extend(u.baselines)
                    break
            else:
                kept.append(u)
        for i, k in enumerate(kept):
            k.variant = i
        result.extend(kept)
    return result


def drop_units_without_tcp(units, skipped, btest_dir):
    """Baselines without TCP rows are not compared; they are added to skipped."""
    kept = []
    for u in units:
        if not u.zrows and not u.zmaybe:
            for t, b in zip(u.tests, u.baselines):
                skipped.append((t, b, os.path.relpath(u.trace, btest_dir), 'baseline has no TCP rows'))
            continue
        if not u.zrows and 'proto' in u.fields:
            continue
        kept.append(u)
    return kept
