# Shared by bench/fetch and bench/extract: the release build of store-probe,
# a scratch directory, and the local HTTP server, all cleaned up on exit.
set -eu
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
command -v hyperfine >/dev/null || { echo "bench: hyperfine is missing (apt-get install hyperfine)" >&2; exit 1; }

swift build -c release --product store-probe --package-path "$ROOT" >&2
PROBE="$(swift build -c release --show-bin-path --package-path "$ROOT")/store-probe"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/dotslash-bench.XXXXXX")"
SERVER_PID=""

cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    chmod -R u+rwX "$WORK" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# start_server DIR: serves DIR on 127.0.0.1; sets PORT.
start_server() {
    mkfifo "$WORK/port"
    python3 "$ROOT/Tests/Support/httpserver.py" --root "$1" >"$WORK/port" &
    SERVER_PID=$!
    read -r _ PORT <"$WORK/port"
}

describe_machine() {
    echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(awk '/MemTotal/ {printf "%.0f GiB RAM", $2/1048576}' /proc/meminfo), kernel $(uname -r)"
    echo "filesystem of the scratch dir: $(df -T "$WORK" | awk 'NR==2 {print $2}'); libcurl $(curl --version | head -1 | cut -d' ' -f2); $(tar --version | head -1)"
}
