#!/bin/sh
# Download + verify throughput: `store-probe fetch` (libcurl, SHA-256 while
# streaming, fsync, rename) against `curl -o` followed by `sha256sum`, from
# the same local HTTP server in one run.
#
# usage: bench/fetch/run.sh [MiB]   (default 512)
. "$(dirname "$0")/../lib.sh"
SIZE_MIB="${1:-512}"

mkdir -p "$WORK/served"
python3 "$ROOT/Tests/Support/make-tarball.py" big "$WORK/served/big.tar" "$SIZE_MIB"
HEX="$(sha256sum "$WORK/served/big.tar" | cut -d' ' -f1)"
start_server "$WORK/served"
URL="http://127.0.0.1:$PORT/files/big.tar"
describe_machine
echo "payload: $SIZE_MIB MiB + tar header, served with sendfile by Tests/Support/httpserver.py"

hyperfine --warmup 1 --runs "${RUNS:-15}" --export-markdown "$WORK/fetch.md" \
    --prepare "rm -rf $WORK/state $WORK/curl.out; sync" \
    -n "dotslash fetch (download + sha256 in one pass + fsync)" \
    "DOTSLASH_PROGRESS=none $PROBE fetch --state $WORK/state --url $URL --sha256 $HEX" \
    -n "curl -o, then sha256sum" \
    "curl -sS -o $WORK/curl.out $URL && sha256sum $WORK/curl.out" \
    -n "curl -o, then sha256sum, then sync" \
    "curl -sS -o $WORK/curl.out $URL && sha256sum $WORK/curl.out && sync -f $WORK/curl.out"
cat "$WORK/fetch.md"
