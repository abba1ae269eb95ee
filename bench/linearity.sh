#!/usr/bin/env bash
# Is the analysis linear in the input whatever its shape? Times the CLI on three generated captures of
# the same packet count and rate: one scanner sweeping all 65,535 ports of one host (portsweep), one
# 4-tuple reused 65,535 times (reusedtuple), and the same probes spread over unrelated sources
# (spreadprobes). Prints median wall time and peak RSS, and each shape's ratio to the spread one,
# which should be near 1 (a per-probe walk over a source's earlier probes makes it tens).
#
#   bench/linearity.sh [--scratch DIR] [--runs N] [--probes N]
#
# SCRATCH, RUNS (default 5) and PROBES (default 65535) may also come from the environment.
set -euo pipefail
export LC_ALL=C

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCRATCH="${SCRATCH:-${TMPDIR:-/tmp}/pcap-reset-inspector-bench}"
RUNS="${RUNS:-5}"
PROBES="${PROBES:-65535}"
while [ $# -gt 0 ]; do
    case "$1" in
        --scratch) SCRATCH="$2"; shift 2 ;;
        --runs) RUNS="$2"; shift 2 ;;
        --probes) PROBES="$2"; shift 2 ;;
        -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "linearity.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
if [ ! -x /usr/bin/time ]; then
    echo "linearity.sh: /usr/bin/time is missing (apt-get install -y time)" >&2
    exit 1
fi

mkdir -p "$SCRATCH/captures" "$SCRATCH/out"
publish="$SCRATCH/publish"
echo "== Building"
dotnet publish "$repo/src/PcapResetInspector.Cli" -c Release -r linux-x64 --self-contained false \
    -p:PublishReadyToRun=true -o "$publish" --nologo -v quiet
dotnet build "$repo/bench/CaptureGen" -c Release --nologo -v quiet

echo "== Captures ($PROBES probes each)"
for profile in spreadprobes portsweep reusedtuple; do
    file="$SCRATCH/captures/$profile-$PROBES.pcap"
    if [ ! -s "$file" ]; then
        dotnet run --no-build --project "$repo/bench/CaptureGen" -c Release -- \
            --profile "$profile" --connections "$PROBES" -o "$file.partial"
        mv "$file.partial" "$file"
    fi
done

# Median of the numbers on standard input.
median() {
    sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "== Runs (median of $RUNS)"
printf '%-14s %10s %12s %8s\n' capture "wall s" "peak RSS MB" ratio
spread_wall=""
for profile in spreadprobes portsweep reusedtuple; do
    file="$SCRATCH/captures/$profile-$PROBES.pcap"
    : > "$SCRATCH/out/walls"; : > "$SCRATCH/out/rss"
    for _ in $(seq "$RUNS"); do
        set +e
        /usr/bin/time -f '%e %M' -o "$SCRATCH/out/time" \
            "$publish/pcap-reset-inspector" analyze "$file" --format csv -q -o "$SCRATCH/out/linearity.csv"
        status=$?
        set -e
        # Exit 1 only says that resets worth a look were found.
        if [ "$status" -gt 1 ]; then
            echo "linearity.sh: the analysis of $file failed (exit $status)" >&2
            exit 1
        fi
        read -r wall rss < <(tail -n 1 "$SCRATCH/out/time")
        echo "$wall" >> "$SCRATCH/out/walls"
        echo "$rss" >> "$SCRATCH/out/rss"
    done
    wall=$(median < "$SCRATCH/out/walls")
    rss=$(median < "$SCRATCH/out/rss")
    [ -z "$spread_wall" ] && spread_wall="$wall"
    ratio=$(awk -v a="$wall" -v b="$spread_wall" 'BEGIN { printf "%.2f", a / b }')
    printf '%-14s %10s %12.0f %8s\n' "$profile" "$wall" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" "$ratio"
done
