#!/usr/bin/env bash
# CPU per committed transaction, per kind of process, for A/B comparisons on a noisy machine.
#
#   bench/scripts/cpu-per-tx.sh ROUNDS DEVICES TREE [TREE...]
#   RATE=900 bench/scripts/cpu-per-tx.sh 2 50 /work/main /tmp/other-build
#
# Each round runs `edgeiot up --seconds 45` from every TREE in turn (a built checkout: alternate builds in
# one sitting, the machine drifts), reads each process's CPU time from /proc 15 s and 43 s after the
# launch, and prints the transactions the verifier answered in between, CPU µs per transaction per kind and in total, the average
# batch and the latency percentiles of `up --report`. RATE paces the devices (`up --rate`).
# Run it alone on the machine: it counts every EdgeIoT process and every mosquitto it finds.
set -uo pipefail
source "$(dirname "$0")/answered.sh"
rounds=$1 devices=$2; shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

snapshot() {
  for pid in $(pgrep -f 'EdgeIoT\.|mosquitto'); do
    kind=$(tr '\0' ' ' < /proc/$pid/cmdline 2>/dev/null | grep -o 'EdgeIoT\.[A-Za-z]*\|mosquitto' | head -1)
    [ -n "$kind" ] || continue
    # utime + stime, fields 14 and 15 of /proc/PID/stat (12 and 13 after the command name).
    set -- $(sed 's/.*) //' /proc/$pid/stat 2>/dev/null) || continue
    echo "$pid $(( ${12} + ${13} )) $kind"
  done | sort
}


for _ in $(seq 1 "$rounds"); do
  for tree in "$@"; do
    rm -rf "$work/net"
    dotnet "$tree/artifacts/bin/EdgeIoT.Cli/release/edgeiot.dll" up --dir "$work/net" --devices "$devices" ${RATE:+--rate $RATE} \
      --seconds 45 --report "$work/report.json" > "$work/up.log" 2>&1 &
    up=$!
    sleep 15; snapshot > "$work/before"; first=$(answered_now "$work/net"); start=$(date +%s.%N)
    sleep 28; snapshot > "$work/after"; last=$(answered_now "$work/net"); end=$(date +%s.%N)
    wait $up
    tx=$(( last - first ))
    hz=$(getconf CLK_TCK)
    printf "%-24s %6.0f tx/s  " "$(basename "$tree")" "$(awk -v tx="$tx" -v a="$start" -v b="$end" 'BEGIN { print tx / (b - a) }')"
    join "$work/before" "$work/after" | awk -v tx="$tx" -v hz="$hz" '
      { kind = $3; sub("EdgeIoT.", "", kind); us = ($4 - $2) * 1e6 / hz / tx; cpu[kind] += us; total += us }
      END { for (k in cpu) printf "%s %.0f  ", k, cpu[k]; printf "total %.0f µs/tx", total }'
    python3 -c "import json,sys; r=json.load(open(sys.argv[1])); l=r.get('latency_ms',{}); print('  batch %.1f  p50 %s  p90 %s ms' % (r.get('avg_batch_txs',0), l.get('p50'), l.get('p90')))" "$work/report.json"
  done
done
