#!/usr/bin/env bash
# Fuzzes the whole analysis with AFL++ through SharpFuzz for DURATION (seconds, or e.g. 25m, 1h),
# following SharpFuzz's fuzz script: publish, instrument the library under test, afl-fuzz on dotnet.
# Scratch, findings included, goes under ${TMPDIR:-/tmp}/pcap-reset-inspector-fuzz (or WORK_DIR);
# a second run resumes the first one's findings. One afl-fuzz instance, niced: one core.
set -euo pipefail

usage="usage: fuzz/run-afl.sh DURATION [WORK_DIR]   (DURATION: 3600, 25m, 1h)"
duration=${1:?$usage}
case "$duration" in
    *h) seconds=$(( ${duration%h} * 3600 )) ;;
    *m) seconds=$(( ${duration%m} * 60 )) ;;
    *s) seconds=${duration%s} ;;
    *) seconds=$duration ;;
esac
[[ "$seconds" =~ ^[0-9]+$ && "$seconds" -gt 0 ]] || { echo "$usage" >&2; exit 2; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=${2:-${TMPDIR:-/tmp}/pcap-reset-inspector-fuzz}
sharpfuzz_version=2.3.0   # the same as the SharpFuzz package the harness references
mkdir -p "$work"

if ! command -v afl-fuzz >/dev/null; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q afl++
    else
        echo "afl-fuzz not found: install AFL++ (Debian: apt-get install afl++)" >&2
        exit 1
    fi
fi

sharpfuzz="$work/tools/sharpfuzz"
if [[ ! -x "$sharpfuzz" ]]; then
    dotnet tool install --tool-path "$work/tools" SharpFuzz.CommandLine --version "$sharpfuzz_version"
fi

# A private build: instrumenting rewrites the Core assembly in place, which must never touch the
# repository's own bin/ (nor race with someone else's build of it).
rm -rf "$work/bin"
dotnet publish "$here/PcapResetInspector.Fuzz/PcapResetInspector.Fuzz.csproj" -c Release \
    --artifacts-path "$work/artifacts" -o "$work/bin" -v quiet -nologo
harness="$work/bin/PcapResetInspector.Fuzz.dll"

# Seeds from the uninstrumented build; afl-fuzz refuses to start if one of them crashes.
rm -rf "$work/seeds"
dotnet "$harness" seeds "$work/seeds"
"$sharpfuzz" "$work/bin/PcapResetInspector.Core.dll"

# AFL_SKIP_BIN_CHECK: the target is dotnet, not an afl-compiled binary; SharpFuzz speaks the fork
# server protocol from inside the process. -t and -m none as SharpFuzz's script: the runtime's
# start-up and address space are large. The rest keep afl-fuzz quiet and off other people's cores.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_AUTORESUME=1
export AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export DOTNET_CLI_TELEMETRY_OPTOUT=1
echo "afl-fuzz for ${seconds}s; findings in $work/findings, log in $work/afl.log"
status=0
timeout $(( seconds + 300 )) nice -n 10 afl-fuzz -V "$seconds" -i "$work/seeds" -o "$work/findings" \
    -t "${FUZZ_TIMEOUT_MS:-10000}" -m none -- dotnet "$harness" afl > "$work/afl.log" 2>&1 || status=$?
if [[ $status -ne 0 ]]; then
    tail -n 30 "$work/afl.log" >&2
    echo "afl-fuzz exited with $status" >&2
    exit "$status"
fi

stats="$work/findings/default/fuzzer_stats"
grep -E '^(run_time|execs_done|execs_per_sec|corpus_count|corpus_found|stability|bitmap_cvg|saved_crashes|saved_hangs) ' "$stats"
crashes=("$work/findings/default/crashes"/id*)
if [[ -e "${crashes[0]}" ]]; then
    echo "crashes found; replaying them (fuzz: replay mode):"
    dotnet "$harness" replay "${crashes[@]}" || true
fi
