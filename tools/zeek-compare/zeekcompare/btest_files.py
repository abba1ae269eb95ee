"""btest test files: which tests the suite has, and their @TEST-EXEC lines, parts and files."""

import os
import re

DEFAULT_TEST_DIRS = ('af_packet doc bifs language core scripts coverage signatures plugins broker spicy '
                     'supervisor telemetry javascript misc opt dns_mgr cluster tools').split()


def read_btest_cfg(btest_dir):
    dirs = list(DEFAULT_TEST_DIRS)
    cfg = os.path.join(btest_dir, 'btest.cfg')
    if os.path.exists(cfg):
        for line in open(cfg, errors='replace'):
            m = re.match(r'\s*TestDirs\s*=\s*(.*)', line)
            if m:
                dirs = m.group(1).split()
    return dirs


def find_tests(btest_dir):
    tests = {}
    for d in read_btest_cfg(btest_dir):
        top = os.path.join(btest_dir, d)
        for root, ds, fs in os.walk(top):
            ds[:] = sorted(x for x in ds if x not in ('.svn', 'CVS', '.tmp'))
            for f in sorted(fs):
                if f.endswith(('.tmp', '.swp', '.pcap')) or f.startswith('#') or f == '.DS_Store':
                    continue
                p = os.path.join(root, f)
                try:
                    text = open(p, encoding='utf-8', errors='replace').read()
                except OSError:
                    continue
                if '@TEST-EXEC' not in text:
                    continue
                rel = os.path.relpath(p, btest_dir)
                name = os.path.splitext(rel)[0].replace(os.sep, '.')
                tests[name] = (p, text)
    return tests


def split_test(text):
    """Returns (exec_commands, parts, files, directives); parts[i] is the %INPUT text of part i+1."""
    execs, files, directives = [], {}, []
    parts, cur = [], []
    infile = None
    for line in text.splitlines():
        if infile is not None:
            if '@TEST-END-FILE' in line:
                infile = None
            else:
                files[infile].append(line)
            continue
        m = re.search(r'@TEST-START-FILE\s+(\S+)', line)
        if m:
            infile = m.group(1)
            files[infile] = []
            continue
        if '@TEST-START-NEXT' in line:
            parts.append('\n'.join(cur))
            cur = []
            continue
        m = re.search(r'@TEST-EXEC(-FAIL)?:\s*(.*)', line)
        if m and not parts:
            execs.append((m.group(1) is not None, m.group(2).strip()))
        m = re.search(r'@TEST-(IGNORE|KNOWN-FAILURE|REQUIRES|ALTERNATIVE|PORT)\b:?\s*(.*)', line)
        if m:
            directives.append((m.group(1), m.group(2).strip()))
        cur.append(line)
    parts.append('\n'.join(cur))
    return execs, parts, {k: '\n'.join(v) for k, v in files.items()}, directives


def strip_comments(text):
    out = []
    for line in text.splitlines():
        s = line.lstrip()
        if s.startswith('#'):
            continue
        # drop trailing comments outside strings (approximate)
        if '#' in line and '"' not in line:
            line = line.split('#', 1)[0]
        out.append(line)
    return '\n'.join(out)
