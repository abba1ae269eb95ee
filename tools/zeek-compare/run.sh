#!/bin/sh
# Build the tool (Release) and compare its conn.log with Zeek's btest baselines.
#   tools/zeek-compare/run.sh ZEEK_TESTING_DIR [compare.py options, e.g. --out /tmp/zeek-compare/report.tsv]
set -e
[ $# -ge 1 ] || { echo "usage: $0 ZEEK_TESTING_DIR [compare.py options]" >&2; exit 64; }
testing=$1; shift
cd "$(dirname "$0")/../.."
dotnet build PcapResetInspector.sln -c Release -nologo -v q
exec python3 tools/zeek-compare/compare.py --zeek-testing "$testing" "$@"
