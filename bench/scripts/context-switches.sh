#!/usr/bin/env bash
# Context switches and system calls per transaction the verifier answered, per process and per kind of thread.
#
#   bench/scripts/context-switches.sh DEVICES [RATE]
#
# Runs `edgeiot up --seconds 32` from the current checkout (built), and counts with `perf stat
# --per-thread` over 14-24 s on every EdgeIoT process and the broker. Needs perf (linux-perf) and root.
# Run it alone on the machine: it counts every EdgeIoT process and every mosquitto it finds.
set -uo pipefail
source "$(dirname "$0")/answered.sh"
devices=$1 rate=${2:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet artifacts/bin/EdgeIoT.Cli/release/edgeiot.dll up --dir "$work/net" --devices "$devices" ${rate:+--rate $rate} \
  --seconds 32 > "$work/up.log" 2>&1 &
up=$!
sleep 14
pids=$(pgrep -f 'EdgeIoT\.(Gateway|Verifier|Functions|DeviceSim)|mosquitto' | paste -sd,)
# Which process each thread belongs to, named by its config (z1-g0, e1, verifier, devicesim) or "mosquitto".
for pid in ${pids//,/ }; do
  name=$(tr '\0' ' ' < /proc/$pid/cmdline | grep -o 'config/[a-z0-9-]*\|mosquitto' | head -1)
  for tid in $(ls /proc/$pid/task); do echo "$tid ${name#config/}"; done
done > "$work/threads"
before=$(answered_now "$work/net")
perf stat -e context-switches,raw_syscalls:sys_enter -p "$pids" --per-thread -o "$work/stat.txt" -- sleep 10 2>/dev/null
after=$(answered_now "$work/net")
wait $up
python3 - "$work" $(( after - before )) <<'PY'
import collections, re, sys
work, tx = sys.argv[1], int(sys.argv[2])
owner = dict(line.split() for line in open(f"{work}/threads"))
switches, calls, by_kind = collections.Counter(), collections.Counter(), collections.Counter()
for line in open(f"{work}/stat.txt"):
    m = re.match(r"\s*(.+)-(\d+)\s+([\d,]+)\s+(\S+)", line)
    if not m: continue
    process, count = owner.get(m.group(2), "?"), int(m.group(3).replace(",", ""))
    if "context" in m.group(4):
        switches[process] += count
        by_kind[(re.sub(r"\d+$", "", process), m.group(1).strip())] += count
    else:
        calls[process] += count
print(f"{tx} transactions answered while counting")
for process in sorted(switches):
    print(f"{process:10s} context switches/tx {switches[process] / tx:6.1f}   system calls/tx {calls[process] / tx:6.1f}")
print("by kind of thread (context switches/tx):")
for (process, thread), count in by_kind.most_common(12):
    print(f"  {process:10s} {thread:20s} {count / tx:6.2f}")
PY
