"""Running our tool: one run per (trace, checksum mode, BPF filter), or the logs of an earlier run."""

import collections
import concurrent.futures
import hashlib
import json
import os
import shlex
import subprocess
import sys
import time


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def build_command(tool, trace, out, verify, bpf, checksum_opt):
    extra = []
    if verify and checksum_opt:
        extra.append(checksum_opt)
    if bpf:
        extra += ['-f', bpf]
    if '{trace}' in tool:
        cmd = tool.format(trace=shlex.quote(trace), out=shlex.quote(out), extra=' '.join(shlex.quote(x) for x in extra))
        return cmd
    return '%s analyze %s --all --format zeek -o %s %s' % (
        tool, shlex.quote(trace), shlex.quote(out), ' '.join(shlex.quote(x) for x in extra))


def run_tool(job):
    cmd, out, cwd, timeout = job
    t0 = time.time()
    try:
        if os.path.exists(out):
            os.remove(out)
        p = subprocess.run(cmd, shell=True, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
        rc, err = p.returncode, p.stderr.decode('utf-8', 'replace')
        # the summary (on stdout beside -o) says what was not analysed, e.g. an unsupported link type
        for line in p.stdout.decode('utf-8', 'replace').splitlines():
            if line.startswith('Not analysed:'):
                err = (line.split(':', 1)[1].strip() + ('; ' + err if err.strip() else ''))
                break
    except subprocess.TimeoutExpired:
        rc, err = 'timeout', ''
    return rc, err.strip().replace('\n', ' | ')[:500], time.time() - t0


def plan_runs(units, work, tool, checksum_option):
    """One tool run per (trace, verify, filter), keyed by it; its conn.log goes to work."""
    runs = collections.OrderedDict()
    for u in units:
        key = (u.trace, u.verify, u.bpf)
        if key not in runs:
            h = hashlib.sha1(repr(key).encode()).hexdigest()[:10]
            out = os.path.join(work, '%s.%s.conn.log' % (os.path.basename(u.trace), h))
            runs[key] = {'out': out, 'cmd': build_command(tool, u.trace, out, u.verify, u.bpf, checksum_option)}
    return runs


def execute_runs(runs, cwd, timeout, workers, work):
    """Runs the tool; records exit code, error and time in each run and in work/runs.json (for --reuse)."""
    jobs = [(r['cmd'], r['out'], cwd, timeout) for r in runs.values()]
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, workers)) as ex:
        for n, (r, res) in enumerate(zip(runs.values(), ex.map(run_tool, jobs)), 1):
            r['rc'], r['err'], r['secs'] = res
            if n % 25 == 0 or n == len(jobs):
                log('  ran %d/%d' % (n, len(jobs)))
    with open(os.path.join(work, 'runs.json'), 'w') as f:
        json.dump([[list(k), v] for k, v in runs.items()], f)


def load_saved_runs(runs, work):
    """--reuse: exit code, error and time of each run from work/runs.json (defaults if absent)."""
    saved = {}
    try:
        for k, v in json.load(open(os.path.join(work, 'runs.json'))):
            saved[tuple(k)] = v
    except OSError:
        pass
    for k, r in runs.items():
        s = saved.get(k, {})
        r['rc'], r['err'], r['secs'] = s.get('rc', 0), s.get('err', ''), s.get('secs', 0.0)
