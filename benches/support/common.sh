# shellcheck shell=bash disable=SC2034
# Shared by benches/startup.sh and benches/window_throughput.sh (sourced).
# Everything they start is recorded by PID and ended on exit; every wait is
# bounded. Loopback only.

set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
BIN=$TARGET_DIR/release/hookscope
HOST=127.0.0.1
STARTED_PIDS=()
WORK=$(mktemp -d -t hookscope-bench.XXXXXX)

cleanup() {
    local pid
    for pid in "${STARTED_PIDS[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            timeout 5 tail --pid="$pid" -f /dev/null 2>/dev/null || kill -9 "$pid" 2>/dev/null || true
        fi
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

need() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || {
            echo "missing $tool: apt-get install -y xvfb xdotool imagemagick libgl1-mesa-dri libegl1 python3" >&2
            exit 2
        }
    done
}

# The window binary, built in release (a no-op when it is up to date).
build_release() {
    (cd "$REPO" && timeout 3600 cargo build --release --bin hookscope)
}

# A port free right now on loopback.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits (at most $2 s) until 127.0.0.1:$1 accepts a connection.
wait_port() {
    timeout "${2:-30}" bash -c "until (exec 3<>/dev/tcp/$HOST/$1) 2>/dev/null; do sleep 0.02; done"
}

# Starts a private Xvfb on a display it picks itself (no clash with another
# one; -noreset: no reset as the last client leaves, which fails the next
# start) and exports DISPLAY and a fresh XDG_RUNTIME_DIR (0700: Mesa wants it).
start_xvfb() {
    local fifo=$WORK/displayfd display
    mkfifo "$fifo"
    Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp -noreset 3>"$fifo" >/dev/null 2>&1 &
    STARTED_PIDS+=($!)
    display=$(timeout 10 head -n1 <"$fifo") || { echo "Xvfb did not start" >&2; exit 2; }
    export DISPLAY=:$display
    export XDG_RUNTIME_DIR=$WORK/xdg
    mkdir -m 0700 "$XDG_RUNTIME_DIR"
    unset WAYLAND_DISPLAY
}

# CPU seconds (user + system) used so far by PID.
cpu_seconds() {
    awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); print ($12 + $13) / hz }' "/proc/$1/stat"
}
