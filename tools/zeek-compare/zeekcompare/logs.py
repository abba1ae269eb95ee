"""Zeek log parsing (TSV with #fields header, zeek-cut -m output with a bare header line, JSON lines)."""

import json

FIELD_ALIASES = {
    'src': 'id.orig_h', 'src_ip': 'id.orig_h', 'id_orig_h': 'id.orig_h', 'orig_h': 'id.orig_h',
    'src_port': 'id.orig_p', 'id_orig_p': 'id.orig_p', 'orig_p': 'id.orig_p',
    'dst': 'id.resp_h', 'dst_ip': 'id.resp_h', 'id_resp_h': 'id.resp_h', 'resp_h': 'id.resp_h',
    'dst_port': 'id.resp_p', 'id_resp_p': 'id.resp_p', 'resp_p': 'id.resp_p',
}
TUPLE = ('id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p')
TCP_HISTORY_LETTERS = set('SsHhAaFfRrGgQqTtWwIi')


def norm_field(name):
    return FIELD_ALIASES.get(name, name)


def parse_log(path):
    """Returns (fields, rows, meta).  rows are dicts keyed by normalised field names."""
    fields, rows, meta = None, [], {'path': None, 'json': False, 'unset': '-', 'empty': '(empty)'}
    sep = '\t'
    with open(path, encoding='utf-8', errors='replace') as f:
        for line in f:
            line = line.rstrip('\r\n')
            if not line:
                continue
            if line.startswith('###'):
                continue
            if line.startswith('#'):
                if line.startswith('#separator'):
                    sp = line.split(None, 1)
                    s = sp[1].strip() if len(sp) > 1 and sp[1].strip() else '\\x09'
                    sep = bytes(s, 'ascii').decode('unicode_escape') if s.startswith('\\x') else s
                    continue
                parts = line.split(sep)
                tag = parts[0]
                if tag == '#fields':
                    fields = [norm_field(x) for x in parts[1:]]
                elif tag == '#path' and len(parts) > 1:
                    meta['path'] = parts[1]
                elif tag == '#unset_field' and len(parts) > 1:
                    meta['unset'] = parts[1]
                elif tag == '#empty_field' and len(parts) > 1:
                    meta['empty'] = parts[1]
                continue
            if line.startswith('{'):
                try:
                    obj = json.loads(line)
                except ValueError:
                    continue
                meta['json'] = True
                flat = {}

                def walk(prefix, o):
                    for k, v in o.items():
                        key = prefix + k
                        if isinstance(v, dict):
                            walk(key + '.', v)
                        else:
                            flat[norm_field(key)] = v
                walk('', obj)
                row = {}
                for k, v in flat.items():
                    if isinstance(v, list):
                        v = ','.join(str(x) for x in v) if v else meta['empty']
                    elif isinstance(v, bool):
                        v = 'T' if v else 'F'
                    row[k] = str(v)
                rows.append(row)
                if fields is None:
                    fields = list(row.keys())
                else:
                    fields.extend(k for k in row if k not in fields)
                continue
            parts = line.split(sep)
            if fields is None:
                # zeek-cut -m: the first line names the columns.
                fields = [norm_field(x) for x in parts]
                continue
            row = {}
            for name, value in zip(fields, parts):
                row[name] = value   # a repeated column name keeps its last value
            rows.append(row)
    return fields or [], rows, meta


def is_conn_like(path, fname):
    try:
        fields, rows, meta = parse_log(path)
    except OSError:
        return False, None
    fs = set(fields)
    if not (fs & {'conn_state', 'history'}):
        return False, None
    if meta['path'] is not None:
        return meta['path'] == 'conn', (fields, rows, meta)
    if 'conn' not in fname:
        return False, None
    return True, (fields, rows, meta)


def num(v):
    if v is None:
        return None
    try:
        return float(v)
    except ValueError:
        return None


def port(v):
    if v is None:
        return None
    return v.split('/')[0]


class Row:
    __slots__ = ('idx', 'oh', 'op', 'rh', 'rp', 'proto', 'state', 'hist', 'tp', 'ts', 'dur', 'opk', 'rpk', 'uid')

    def __init__(self, idx, d, unset):
        def g(k):
            v = d.get(k)
            return None if v is None else v
        self.idx = idx
        self.oh, self.op, self.rh, self.rp = g('id.orig_h'), port(g('id.orig_p')), g('id.resp_h'), port(g('id.resp_p'))
        self.proto = g('proto')
        self.state = g('conn_state')
        self.hist = g('history')
        if self.hist == unset:
            self.hist = ''
        self.tp = g('tunnel_parents')
        self.ts = num(g('ts'))
        self.dur = num(g('duration'))
        self.opk = num(g('orig_pkts'))
        self.rpk = num(g('resp_pkts'))
        self.uid = g('uid')

    def tuple_str(self):
        return '%s:%s > %s:%s' % (self.oh or '?', self.op or '?', self.rh or '?', self.rp or '?')

    def tp_set(self):
        return self.tp not in (None, '-', '(empty)', '')


def tcp_rows(fields, rows, meta):
    """Zeek rows that are TCP, or may be (no proto column, TCP letters in the history)."""
    out, maybe = [], []
    has_proto = 'proto' in fields
    for i, d in enumerate(rows):
        r = Row(i, d, meta['unset'])
        if has_proto:
            if r.proto == 'tcp':
                out.append(r)
        else:
            if r.hist and set(r.hist) & TCP_HISTORY_LETTERS:
                out.append(r)
            else:
                maybe.append(r)
    return out, maybe
