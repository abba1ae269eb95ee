#!/usr/bin/env python3
"""Compare our Zeek conn.log with the conn.log baselines of Zeek's own btest suite.

For every btest test whose conn.log baseline was produced by one `zeek -r TRACE` run, the trace
is analysed with this repository's tool (`analyze TRACE --all --format zeek`), both logs are parsed,
TCP rows are paired by their 4-tuple (either orientation) and the closest timestamp / duration /
packet counts, and conn_state, history and the emptiness of tunnel_parents are compared.

Python 3 standard library only.  See README.md beside this file.
"""
# The work is done by the modules of zeekcompare/ beside this file; this is the command line.

import argparse
import os
import sys
import time

# a run from the repository should not leave __pycache__ beside the modules
sys.dont_write_bytecode = True

from zeekcompare.comparison import compare_units
from zeekcompare.report import print_summary, write_reports
from zeekcompare.runner import execute_runs, load_saved_runs, log, plan_runs
from zeekcompare.units import collect, dedupe, drop_units_without_tcp

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, '..', '..'))   # the tool runs from the repository root
DEFAULT_TOOL = 'dotnet run --project src/PcapResetInspector.Cli -c Release --no-build --'


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--zeek-testing', required=True,
                    help="Zeek's testing directory (or testing/btest) extracted from a zeek checkout")
    ap.add_argument('--tool', default=DEFAULT_TOOL,
                    help='command prefix run before "analyze TRACE --all --format zeek -q -o OUT [extra]" '
                         '(run from the repository root); or a template with {trace}, {out} and {extra}. '
                         'Default: %(default)s')
    ap.add_argument('--checksum-option', default='--verify-checksums',
                    help='option passed when the test ran zeek without -C (empty string: never)')
    ap.add_argument('--out', default='zeek-compare-report.tsv',
                    help='TSV of every compared row; .summary.tsv, .units.tsv and .skipped.tsv beside it')
    ap.add_argument('--work', default='/tmp/zeek-compare-work', help='where our conn.logs are written')
    ap.add_argument('-j', '--jobs', type=int, default=2, help='parallel tool runs (default 2)')
    ap.add_argument('--max-trace-mb', type=float, default=200.0, help='skip traces larger than this (MB)')
    ap.add_argument('--timeout', type=float, default=600.0, help='seconds per tool run')
    ap.add_argument('--only', default=None, help='only traces whose path contains this substring')
    ap.add_argument('--reuse', action='store_true', help='reuse conn.logs already in --work (no tool runs)')
    return ap.parse_args()


def main():
    args = parse_args()

    t_start = time.time()
    btest_dir = os.path.abspath(args.zeek_testing)
    if os.path.isdir(os.path.join(btest_dir, 'btest')):
        btest_dir = os.path.join(btest_dir, 'btest')
    if not os.path.isdir(os.path.join(btest_dir, 'Baseline')):
        sys.exit('no Baseline directory under %s' % btest_dir)
    os.makedirs(args.work, exist_ok=True)

    units, skipped = collect(btest_dir, int(args.max_trace_mb * 1024 * 1024))
    if args.only:
        units = [u for u in units if args.only in u.trace]
    units = dedupe(units)
    units = drop_units_without_tcp(units, skipped, btest_dir)

    runs = plan_runs(units, args.work, args.tool, args.checksum_option)
    log('%d comparisons (distinct trace/flags/baseline), %d tool runs, %d baselines skipped' % (len(units), len(runs), len(skipped)))
    t_tool = time.time()
    if not args.reuse:
        execute_runs(runs, REPO, args.timeout, args.jobs, args.work)
    else:
        load_saved_runs(runs, args.work)
    tool_secs = time.time() - t_tool

    cats, vcats, row_lines, unit_lines = compare_units(units, runs, btest_dir, skipped)
    out, stem = write_reports(args.out, row_lines, unit_lines, cats, vcats, skipped)
    print_summary(btest_dir, cats, vcats, skipped, row_lines, out, stem)
    print('Runtime: %.1f s (tool runs %.1f s, %d runs, %d jobs)' % (time.time() - t_start, tool_secs, len(runs), args.jobs))


if __name__ == '__main__':
    main()
