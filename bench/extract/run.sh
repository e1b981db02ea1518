#!/bin/sh
# Extraction time: `store-probe extract` (libarchive with the secure flags,
# into tmp/, syncfs, rename) against `tar -xf` of the same tarball, in one run.
#
# usage: bench/extract/run.sh [TREE]
#   TREE: a directory to pack as the tarball (default: this machine's
#   python3 standard library, /usr/lib/python3.11 or the newest /usr/lib/python3.*).
. "$(dirname "$0")/../lib.sh"
TREE="${1:-$(ls -d /usr/lib/python3.* | sort -V | tail -1)}"

mkdir -p "$WORK/state/blobs/sha256"
tar -C "$(dirname "$TREE")" -czf "$WORK/tree.tar.gz" "$(basename "$TREE")"
python3 "$ROOT/Tests/Support/make-tarball.py" many "$WORK/many.tar.gz" 20000
describe_machine

for tarball in tree.tar.gz many.tar.gz; do
    HEX="$(sha256sum "$WORK/$tarball" | cut -d' ' -f1)"
    cp "$WORK/$tarball" "$WORK/state/blobs/sha256/$HEX"
    chmod 0444 "$WORK/state/blobs/sha256/$HEX"
    echo "tarball $tarball: $(du -h "$WORK/$tarball" | cut -f1) compressed, $(tar -tzf "$WORK/$tarball" | wc -l) members"
    hyperfine --warmup 1 --runs "${RUNS:-15}" --export-markdown "$WORK/$tarball.md" \
        --prepare "chmod -R u+rwX $WORK/state/rootfs $WORK/tar-out 2>/dev/null; rm -rf $WORK/state/rootfs/$HEX $WORK/tar-out; mkdir -p $WORK/tar-out; sync" \
        -n "dotslash extract ($tarball)" \
        "DOTSLASH_PROGRESS=none $PROBE extract --state $WORK/state --sha256 $HEX" \
        -n "tar -xf ($tarball)" \
        "tar -xf $WORK/$tarball -C $WORK/tar-out" \
        -n "tar -xf, then sync ($tarball)" \
        "tar -xf $WORK/$tarball -C $WORK/tar-out && sync -f $WORK/tar-out"
    cat "$WORK/$tarball.md"
done
