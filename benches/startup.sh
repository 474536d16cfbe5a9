#!/usr/bin/env bash
# Start-up time of the release binary, 5 fresh starts each (new data dir,
# new port): `hookscope listen` exec -> TCP accept, and the window under a
# private Xvfb, exec -> TCP accept and exec -> window mapped. Prints medians.
# Targets: accepting < 20 ms, window < 250 ms (median of 5). Prints figures,
# asserts nothing about speed.
#
#   benches/startup.sh [RUNS]          (from anywhere; builds release if needed)
#
# Needs: apt-get install -y xvfb xdotool libgl1-mesa-dri libegl1 python3
# Honours CARGO_TARGET_DIR. Loopback only; ends only the processes it starts.

# shellcheck source=support/common.sh
source "$(dirname "$0")/support/common.sh"
need python3 Xvfb xdotool
RUNS=${1:-5}
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [RUNS]" >&2; exit 2; }
PROBE=$REPO/benches/startup_probe.py

build_release
start_xvfb
echo "hookscope $BIN, $RUNS fresh starts each, DISPLAY=$DISPLAY"

# Each probe ends the process it started (SIGTERM, SIGKILL after 5 s).
probe() {
    local name=$1 port
    shift
    port=$(free_port)
    timeout 90 python3 "$PROBE" --host "$HOST" --port "$port" --timeout 60 --kill \
        --log "$WORK/$name.log" "$@" -- "${CMD[@]/@PORT@/$port}" \
        >>"$WORK/$name.jsonl" || echo "  $name: a start failed" >&2
}

for _ in $(seq "$RUNS"); do
    data=$(mktemp -d -p "$WORK")
    CMD=("$BIN" listen --bind "$HOST" --port @PORT@ --out "$data/out.json" --data-dir "$data")
    probe listen
    data=$(mktemp -d -p "$WORK")
    CMD=("$BIN" --bind "$HOST" --port @PORT@ --data-dir "$data")
    probe window --window-name '^hookscope'
done

python3 - "$WORK" <<'EOF'
import json, statistics, sys, pathlib
work = pathlib.Path(sys.argv[1])
def runs(name):
    p = work / f"{name}.jsonl"
    return [json.loads(l) for l in p.read_text().splitlines() if l.strip()] if p.exists() else []
def show(label, values, target):
    got = [v for v in values if v is not None]
    if not got:
        print(f"{label:32} no figure ({len(values)} runs)")
        return
    med = statistics.median(got)
    print(f"{label:32} median {med:7.1f} ms  (runs: {', '.join(f'{v:.1f}' for v in got)}; "
          f"{len(values) - len(got)} failed)  target < {target} ms")
listen, window = runs("listen"), runs("window")
show("listen: exec -> TCP accept", [r.get("t_tcp_ms") for r in listen], 20)
show("window: exec -> TCP accept", [r.get("t_tcp_ms") for r in window], 20)
show("window: exec -> window mapped", [r.get("t_window_ms") for r in window], 250)
for r in listen + window:
    if "exited_early_rc" in r:
        print(f"  exited early (rc {r['exited_early_rc']}): {' '.join(r['cmd'][:2])}")
EOF
for log in "$WORK"/*.log; do
    if grep -qiE 'panic|error' "$log"; then
        echo "--- $(basename "$log") mentions errors:"
        grep -iE 'panic|error' "$log" | sort | uniq -c | head -5
    fi
done
