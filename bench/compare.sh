#!/usr/bin/env bash
# Whole-process comparison of pcap-reset-inspector with tcpdump, tshark and tcptrace on generated
# captures: wall time, throughput and peak RSS, medians over several runs.
#
#   bench/compare.sh [--scratch DIR] [--size SIZE] [--flood-connections N] [--scan-connections N]
#                    [--runs N] [--tools "LIST"]
#
# Each option has an environment variable of the same meaning:
#   SCRATCH            where the published CLI, the captures and outputs go
#                      (default ${TMPDIR:-/tmp}/pcap-reset-inspector-bench; never inside the repository)
#   SIZE               size of the mixed capture (default 1GB; K, M, G are powers of 1024)
#   FLOOD_CONNECTIONS  connections in the SYN-flood capture (default 1000000)
#   SCAN_CONNECTIONS   connections in the scan capture (default 1240000: about 1.5 GB, 3.7 M packets,
#                      half refused, most of the rest unanswered SYNs, 20,000 new connections a second)
#   RUNS               timed runs per tool and file (default 5)
#   TOOLS              which tools to run, of: ours tcpdump tshark tcptrace (default all four).
#                      tshark takes minutes per run on 1 GB: TOOLS="ours tcpdump tcptrace" leaves it out.
#   SEED               generator seed (default 1)
# A quick run: SIZE=100MB FLOOD_CONNECTIONS=100000 SCAN_CONNECTIONS=100000 RUNS=3 bench/compare.sh
# Captures are generated only when absent, so later runs reuse them.
set -euo pipefail
export LC_ALL=C   # decimal points in awk and the shell clock

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCRATCH="${SCRATCH:-${TMPDIR:-/tmp}/pcap-reset-inspector-bench}"
SIZE="${SIZE:-1GB}"
FLOOD_CONNECTIONS="${FLOOD_CONNECTIONS:-1000000}"
SCAN_CONNECTIONS="${SCAN_CONNECTIONS:-1240000}"
RUNS="${RUNS:-5}"
TOOLS="${TOOLS:-ours tcpdump tshark tcptrace}"
SEED="${SEED:-1}"

while [ $# -gt 0 ]; do
    case "$1" in
        --scratch) SCRATCH="$2"; shift 2 ;;
        --size) SIZE="$2"; shift 2 ;;
        --flood-connections) FLOOD_CONNECTIONS="$2"; shift 2 ;;
        --scan-connections) SCAN_CONNECTIONS="$2"; shift 2 ;;
        --runs) RUNS="$2"; shift 2 ;;
        --tools) TOOLS="$2"; shift 2 ;;
        --seed) SEED="$2"; shift 2 ;;
        -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "compare.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

if [ ! -x /usr/bin/time ]; then
    echo "compare.sh: /usr/bin/time is missing (apt-get install -y time)" >&2
    exit 1
fi
mkdir -p "$SCRATCH/captures" "$SCRATCH/out"
publish="$SCRATCH/publish"
ours="$publish/pcap-reset-inspector"

echo "== Building"
dotnet publish "$repo/src/PcapResetInspector.Cli" -c Release -r linux-x64 --self-contained false \
    -p:PublishReadyToRun=true -o "$publish" --nologo -v quiet
dotnet build "$repo/bench/CaptureGen" -c Release --nologo -v quiet
generator=(dotnet run --no-build --project "$repo/bench/CaptureGen" -c Release --)

# Generated into a temporary name first, so an interrupted run leaves no short file behind.
generate() {
    local file="$1"; shift
    if [ -s "$file" ]; then
        echo "   $file (already there)"
        return
    fi
    "${generator[@]}" "$@" -o "$file.partial"
    mv "$file.partial" "$file"
}

mixed="$SCRATCH/captures/mixed-$SIZE-seed$SEED.pcap"
flood="$SCRATCH/captures/synflood-$FLOOD_CONNECTIONS-seed$SEED.pcap"
scan="$SCRATCH/captures/scan-$SCAN_CONNECTIONS-seed$SEED.pcap"
echo "== Captures"
generate "$mixed" --profile mixed --size "$SIZE" --seed "$SEED"
generate "$flood" --profile synflood --connections "$FLOOD_CONNECTIONS" --seed "$SEED"
generate "$scan" --profile scan --connections "$SCAN_CONNECTIONS" --seed "$SEED"

# CSV output is being added to the CLI; until it is accepted, the Zeek TSV stands in for it.
format=csv
format_note=""
set +e
"$ours" analyze --format csv "$SCRATCH/no-such-file.pcap" >/dev/null 2>&1
probe=$?
set -e
if [ "$probe" -eq 64 ]; then
    format=zeek
    format_note="(--format csv is not accepted by this build yet: timed with --format zeek instead)"
fi

# Our CLI writes -o FILE under a temporary name and renames it into place, so it is given a file in
# the scratch directory, never /dev/null (renaming over /dev/null would replace the device).
# One argument per line, so the BPF expression stays one argument.
command_for() {
    local tool="$1" file="$2"
    case "$tool" in
        ours) printf '%s\n' "$ours" analyze "$file" --format "$format" -o "$SCRATCH/out/ours.$format" ;;
        tcpdump) printf '%s\n' tcpdump -r "$file" -w /dev/null 'tcp[tcpflags] & tcp-rst != 0' ;;
        tshark) printf '%s\n' tshark -r "$file" -q -z conv,tcp ;;
        tcptrace) printf '%s\n' tcptrace -n -l "$file" ;;
    esac
}

installed() {
    case "$1" in
        ours) [ -x "$ours" ] ;;
        *) command -v "$1" >/dev/null 2>&1 ;;
    esac
}

install_hint() {
    case "$1" in
        tshark) echo "DEBIAN_FRONTEND=noninteractive apt-get install -y tshark" ;;
        *) echo "apt-get install -y $1" ;;
    esac
}

median() {
    sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit; if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Runs one tool RUNS times on one file under /usr/bin/time -f '%e %M'; prints "wall_seconds rss_kb"
# medians, or "failed".
measure() {
    local tool="$1" file="$2" times="$SCRATCH/out/times.txt" run
    local -a cmd
    mapfile -t cmd < <(command_for "$tool" "$file")
    : > "$SCRATCH/out/walls" ; : > "$SCRATCH/out/rss"
    for run in $(seq "$RUNS"); do
        set +e
        local start=$EPOCHREALTIME
        /usr/bin/time -f '%e %M' -o "$times" "${cmd[@]}" >/dev/null 2>"$SCRATCH/out/$tool.stderr"
        local status=$? end=$EPOCHREALTIME
        set -e
        # Our CLI exits 1 when it found resets worth a look; anything else non-zero is a failure.
        if [ "$status" -ne 0 ] && ! { [ "$tool" = ours ] && [ "$status" -eq 1 ]; }; then
            echo "failed (exit $status; see $SCRATCH/out/$tool.stderr)"
            return
        fi
        # %e has 10 ms steps, too coarse for tcpdump on small files: the wall time comes from the
        # shell's microsecond clock around the same run (it adds /usr/bin/time's own start, ~1 ms).
        local elapsed rss
        read -r elapsed rss < <(tail -n 1 "$times")
        awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f\n", b - a }' >> "$SCRATCH/out/walls"
        echo "$rss" >> "$SCRATCH/out/rss"
    done
    echo "$(median < "$SCRATCH/out/walls") $(median < "$SCRATCH/out/rss")"
}

echo
echo "== Machine: $(nproc) cores ($(uname -m)), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) memory"
echo "   pcap-reset-inspector: ReadyToRun publish $format_note"
for tool in tcpdump tshark tcptrace; do
    if installed "$tool"; then
        case "$tool" in
            tcpdump) echo "   $(tcpdump --version 2>&1 | head -n 1)" ;;
            tshark) echo "   $(tshark --version 2>/dev/null | head -n 1)" ;;
            tcptrace) echo "   $(tcptrace -v 2>&1 | grep -m 1 -i version || echo tcptrace)" ;;
        esac
    fi
done
echo "   $RUNS runs per tool and file, medians; page cache warmed before each file"

for file in "$mixed" "$flood" "$scan"; do
    size_bytes=$(stat -L -c %s "$file")
    size_mb=$(awk -v b="$size_bytes" 'BEGIN { printf "%.1f", b / 1e6 }')
    echo
    echo "== $(basename "$file") ($size_mb MB)"
    cat "$file" > /dev/null
    printf '   %-22s %9s %9s %9s %12s %12s\n' tool "wall s" "MB/s" "RSS MB" "time/ours" "RSS/ours"
    ours_wall="" ours_rss=""
    for tool in $TOOLS; do
        name="$tool"
        [ "$tool" = ours ] && name="pcap-reset-inspector"
        if ! installed "$tool"; then
            printf '   %-22s not installed (%s)\n' "$name" "$(install_hint "$tool")"
            continue
        fi
        result=$(measure "$tool" "$file")
        if [[ "$result" == failed* ]]; then
            printf '   %-22s %s\n' "$name" "$result"
            continue
        fi
        read -r wall rss <<< "$result"
        [ "$tool" = ours ] && { ours_wall="$wall"; ours_rss="$rss"; }
        awk -v name="$name" -v wall="$wall" -v rss="$rss" -v mb="$size_mb" -v ow="$ours_wall" -v orss="$ours_rss" 'BEGIN {
            rate = wall > 0 ? sprintf("%.0f", mb / wall) : "-"
            tr = (ow != "" && ow > 0) ? sprintf("%.2fx", wall / ow) : "-"
            rr = (orss != "" && orss > 0) ? sprintf("%.2fx", rss / orss) : "-"
            printf "   %-22s %9.3f %9s %9.0f %12s %12s\n", name, wall, rate, rss / 1024, tr, rr
        }'
    done
done
echo
echo "Commands timed (FILE is the capture):"
for tool in $TOOLS; do
    mapfile -t cmd < <(command_for "$tool" FILE)
    printf '   %s\n' "$(printf '%q ' "${cmd[@]}")"
done
