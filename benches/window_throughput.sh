#!/usr/bin/env bash
# The throughput bench's load against the real window: the release binary
# under a private Xvfb (fresh data dir, port and XDG_RUNTIME_DIR), loaded by
# the same keep-alive client as `cargo bench --bench throughput`, 16 and 64
# connections, next to the bare tiny_http server for the ratio (target
# >= 0.75x bare). Then the window's CPU while it settles, a screenshot (the
# status bar shows the count), `kill -9`, `hookscope recover` and a count of
# the recovered captures against the acknowledged (2xx) requests. Exits 1 if
# any acknowledged request is missing; never on timings.
#
#   benches/window_throughput.sh [quick]     (quick: 3 s per run, else 10 s)
#
# Needs: apt-get install -y xvfb xdotool imagemagick libgl1-mesa-dri libegl1 python3
# Honours CARGO_TARGET_DIR; the screenshot goes to shots/window_throughput.png.
# Loopback only; ends only the processes it starts. A 10 s run journals a few
# GB in a temp dir, removed at the end.

# shellcheck source=support/common.sh
source "$(dirname "$0")/support/common.sh"
need python3 Xvfb xdotool import
QUICK=${1:-}
[[ -z $QUICK || $QUICK == quick ]] || { echo "usage: $0 [quick]" >&2; exit 2; }
SHOTS=$REPO/shots
mkdir -p "$SHOTS"

build_release
# Built before the window starts, so that compiling does not share its CPU.
(cd "$REPO" && timeout 3600 cargo bench --no-run --bench throughput)
start_xvfb

PORT=$(free_port)
DATA=$WORK/data
"$BIN" --bind "$HOST" --port "$PORT" --data-dir "$DATA" >"$WORK/window.log" 2>&1 &
WINDOW=$!
STARTED_PIDS+=("$WINDOW")
wait_port "$PORT" 30 || { echo "the window's port $PORT never accepted" >&2; exit 2; }
timeout 30 bash -c "until xdotool search --onlyvisible --name '^hookscope' >/dev/null 2>&1; do sleep 0.05; done" \
    || echo "no window mapped within 30 s (loading anyway)" >&2
sleep 1
idle0=$(cpu_seconds "$WINDOW")
sleep 5
echo "window pid $WINDOW on $HOST:$PORT, DISPLAY=$DISPLAY; idle before load: $(awk -v a="$idle0" -v b="$(cpu_seconds "$WINDOW")" 'BEGIN { printf "%.1f", (b - a) / 5 * 100 }')% of a core"

before=$(cpu_seconds "$WINDOW")
(cd "$REPO" && timeout 300 cargo bench -q --bench throughput -- --target "$HOST:$PORT" ${QUICK:+"$QUICK"}) | tee "$WORK/load.txt"
after=$(cpu_seconds "$WINDOW")
echo "window CPU during the load: $(awk -v a="$before" -v b="$after" 'BEGIN { printf "%.1f", b - a }') s"

# Let it take in what arrived (bounded), then measure it idle.
settle_start=$(date +%s.%N)
for _ in $(seq 30); do
    a=$(cpu_seconds "$WINDOW"); sleep 1; b=$(cpu_seconds "$WINDOW")
    busy=$(awk -v a="$a" -v b="$b" 'BEGIN { print (b - a) * 100 }')
    awk -v busy="$busy" 'BEGIN { exit !(busy < 5) }' && break
done
echo "settled after $(awk -v s="$settle_start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }') s"
a=$(cpu_seconds "$WINDOW"); sleep 5; b=$(cpu_seconds "$WINDOW")
echo "idle after the load: $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.1f", (b - a) / 5 * 100 }')% of a core; RSS $(awk '/VmRSS/ { printf "%.0f MB", $2 / 1024 }' "/proc/$WINDOW/status")"
timeout 20 import -window root "$SHOTS/window_throughput.png" && echo "screenshot: $SHOTS/window_throughput.png"

# The journal survives a kill by design: it is the window's record.
kill -9 "$WINDOW"
wait "$WINDOW" 2>/dev/null || true
timeout 600 "$BIN" recover --data-dir "$DATA" --out "$WORK/x.json" >"$WORK/recover.log" 2>&1 \
    || { echo "recover failed:"; cat "$WORK/recover.log"; exit 2; }
recovered=$(grep -c '^{"id"' "$WORK/x.json" || true)
read -r acknowledged bound < <(awk '/^acknowledged / { print $2, $4 }' "$WORK/load.txt")
: "${acknowledged:?the load printed no acknowledged count}"
echo "acknowledged $acknowledged (2xx within the windows), recovered from the journal $recovered"
if ((recovered < acknowledged)); then
    echo "MISSING $((acknowledged - recovered)) acknowledged request(s)"
    exit 1
fi
# Up to one request per connection may be answered after a run's window.
echo "all acknowledged requests are in the journal ($((recovered - acknowledged)) answered after the windows; at most $bound expected)"
