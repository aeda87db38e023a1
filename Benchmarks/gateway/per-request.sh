#!/usr/bin/env bash
# What one proxied request costs, split the way the issue #5 notes discuss it: user and kernel CPU per request for
# `rampart gateway` and HAProxy on the same variant, the machine's context switches and inter-processor interrupts per
# request with each, and Rampart's allocations (malloc) and reference-count increments
# (swift_retain) per request, counted with perf uprobes. Run Benchmarks/gateway/run.sh first: it leaves the work
# folder (configurations, keys, the backend's nginx configuration) this script reuses.
#   bash Benchmarks/gateway/per-request.sh GW_FOLDER [VARIANT]   # VARIANT: plain (default), ratelimit, full, ...
#   RAMPART=/tmp/old/.build/release/rampart bash Benchmarks/gateway/per-request.sh GW_FOLDER   # another build
set -euo pipefail
cd "$(dirname "$0")/../.."
GW=${1:?usage: per-request.sh GW_FOLDER [VARIANT] (the work folder Benchmarks/gateway/run.sh printed)}
VARIANT=${2:-plain}
DUR=${DUR:-8}
case $VARIANT in plain) hap_port=19020 ;; ratelimit) hap_port=19022 ;; full|guarded) hap_port=19025 ;; *) hap_port=19021 ;; esac
auth=()
case $VARIANT in jwt_rs256|full|guarded) auth=(-H "Authorization: Bearer $(cat "$GW/keys/rs256.good.jwt")") ;; esac

# RAMPART=/path/to/rampart measures another build (an earlier commit's, to compare); by default this tree's release build.
if [ -n "${RAMPART:-}" ]; then
    rampart=$RAMPART
else
    swift build -c release --product rampart >/dev/null
    rampart="$(swift build -c release --show-bin-path)/rampart"
fi
nginx -c "$GW/conf/backend-nginx.conf"
(cd "$GW" && haproxy -D -f "$GW/conf/haproxy.cfg" -p "$GW/haproxy.pid")
(cd "$GW" && exec "$rampart" gateway --config "rampart-$VARIANT.yml" > "$GW/per-request.log" 2>&1) & gw_pid=$!
trap 'kill $gw_pid 2>/dev/null; kill $(cat "$GW/haproxy.pid") 2>/dev/null; nginx -c "$GW/conf/backend-nginx.conf" -s stop 2>/dev/null; true' EXIT
for _ in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:19030/ && break; sleep 0.1; done

# cpu NAME PID PORT: a warm-up, then DUR seconds of wrk -c50 with the process's user and system ticks around it.
cpu() {
    wrk -t1 -c50 -d2s "${auth[@]}" "http://127.0.0.1:$3/api/items" >/dev/null
    read -r u0 s0 < <(awk '{print $14, $15}' "/proc/$2/stat")
    local out; out=$(wrk -t1 -c50 -d"${DUR}s" "${auth[@]}" "http://127.0.0.1:$3/api/items")
    read -r u1 s1 < <(awk '{print $14, $15}' "/proc/$2/stat")
    python3 -c "import sys; n=int(sys.argv[1]); hz=int(sys.argv[6]); u=(int(sys.argv[3])-int(sys.argv[2]))/hz/n*1e6; s=(int(sys.argv[5])-int(sys.argv[4]))/hz/n*1e6
print(f'| $1 | {float(sys.argv[7]):,.0f} | {u:.1f} | {s:.1f} | {u+s:.1f} |')" \
        "$(awk '/requests in/ {print $1}' <<<"$out")" "$u0" "$u1" "$s0" "$s1" "$(getconf CLK_TCK)" "$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
}
echo "| $VARIANT | req/s | user µs/req | kernel µs/req | total µs/req |"
echo "|---|---:|---:|---:|---:|"
cpu rampart $gw_pid 19030
cpu haproxy "$(cat "$GW/haproxy.pid")" $hap_port

# Context switches and inter-processor interrupts per request, machine-wide (the proxy, the backend and wrk wake one
# another; a wake-up that finds the other core idle costs an interrupt, and on a VM an exit to the hypervisor).
switches() {
    perf stat -a -e context-switches,ipi:ipi_send_cpu -- wrk -t1 -c50 -d4s "${auth[@]}" "http://127.0.0.1:$2/api/items" 2>&1 |
        awk -v name="$1" '/requests in/ {n = $1} /context-switches/ {gsub(",", "", $1); s = $1} /ipi_send_cpu/ {gsub(",", "", $1); i = $1}
             END {printf "%s: %.2f context switches and %.3f inter-processor interrupts per request\n", name, s / n, i / n}'
}
echo
switches rampart 19030
switches haproxy $hap_port

# Allocations and reference counts per request (uprobes slow the gateway down; only the counts matter here).
libc=$(ldd "$rampart" | awk '/libc.so.6/ {print $3}')
swiftcore=$(ldd "$rampart" | awk '/libswiftCore.so/ {print $3}')
perf probe -q -x "$libc" malloc 2>/dev/null || true
perf probe -q -x "$swiftcore" swift_retain 2>/dev/null || true
counts=$(perf stat -e probe_libc:malloc,probe_libswiftCore:swift_retain -p $gw_pid -- \
    wrk -t1 -c50 -d3s "${auth[@]}" http://127.0.0.1:19030/api/items 2>&1)
awk '/requests in/ {n = $1} /probe_libc:malloc/ {m = $1} /swift_retain/ {r = $1}
     END {gsub(",", "", m); gsub(",", "", r); printf "\nrampart per request: %.1f malloc, %.0f swift_retain\n", m / n, r / n}' <<<"$counts"

# Who takes the reference counts: the functions that call swift_retain most, with their share of all calls.
perf record -q -e probe_libswiftCore:swift_retain --call-graph fp -p $gw_pid -o "$GW/retain.perf" -- \
    wrk -t1 -c50 -d2s "${auth[@]}" http://127.0.0.1:19030/api/items >/dev/null 2>&1
perf probe -q -d 'probe_libc:malloc' -d 'probe_libswiftCore:swift_retain' 2>/dev/null || true
echo "callers of swift_retain (share of all calls):"
# Each sample is its event line, then its call chain (swift_retain first, its caller second), then a blank line.
perf script -i "$GW/retain.perf" -F ip,sym 2>/dev/null |
    awk 'NF == 0 {line = 0; next} {line++} line == 2 {callers[$2]++; total++}
         END {for (c in callers) printf "%6.1f%% %s\n", 100 * callers[c] / total, c}' |
    sort -rn | head -12 | swift demangle --simplified | cut -c1-140
