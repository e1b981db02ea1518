#!/bin/sh
# `make demo`: ./hello.py and ./hello.lisp run through dotslash, each in a
# Debian rootfs of its own, without sudo and without installing Python or
# Lisp on this machine.
#
# usage: examples/demo.sh [BIN_DIR]
#   BIN_DIR holds dotslash and dotslash-runner (default: $DOTSLASH_BIN_DIR,
#   else the bin path of `swift build -c release --static-swift-stdlib`,
#   which is what `make build` builds).
#
# Everything the demo makes lives in build/demo/ (`make clean` removes it;
# DOTSLASH_DEMO_DIR chooses another directory):
#   python.tar.zst, clisp.tar.zst  rootfs tarballs, built once with mmdebstrap
#                                  from this machine's own apt sources
#   languages.d/demo.yaml          the manifest: file:// URLs and their sha256
#   state/                         dotslash's store (downloads, trees, runners)
# Languages are registered only in the private binfmt_misc of
# `dotslash shell` (Linux 6.7 or later), which disappears with it.
#
# As root mmdebstrap builds directly. As a normal user it uses
# `--mode=unshare` when the user has subordinate ids (a line for them in
# /etc/subuid and /etc/subgid, and newuidmap/newgidmap from the uidmap
# package), else `--mode=chrootless`, which needs no privilege at all for
# these trees (see Tests/Support/make-language-rootfs).
set -eu

repo=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
demo=${DOTSLASH_DEMO_DIR:-$repo/build/demo}
# How messages name it: relative to the repository when it is inside.
shown=${demo#"$repo/"}
started=$(date +%s.%N)
built=""

step() { printf '==> %s\n' "$*"; }
# Seconds since $1 (a `date +%s.%N`), to a tenth.
since() { awk -v from="$1" -v to="$(date +%s.%N)" 'BEGIN { printf "%.1f", to - from }'; }
die() { printf 'demo: error: %s\n' "$*" >&2; exit 1; }

bin=${1:-${DOTSLASH_BIN_DIR:-}}
if [ -z "$bin" ]; then
    bin=$(cd "$repo" && swift build -c release --static-swift-stdlib --show-bin-path)
fi
[ -x "$bin/dotslash" ] && [ -x "$bin/dotslash-runner" ] ||
    die "no dotslash and dotslash-runner in $bin; run \`make build\` first"

release=$(uname -r)
major=${release%%.*}
minor=${release#*.}
minor=${minor%%[!0-9]*}
if [ "$major" -lt 6 ] || { [ "$major" -eq 6 ] && [ "${minor:-0}" -lt 7 ]; }; then
    die "this kernel is $release; dotslash shell needs Linux 6.7 or later (a binfmt_misc per user namespace). On older kernels, \`sudo dotslash apply\` registers languages system-wide."
fi

# build_rootfs NAME WHAT SECONDS: $demo/NAME.tar.zst, unless it exists.
build_rootfs() {
    tarball=$demo/$1.tar.zst
    if [ -f "$tarball" ]; then
        step "reusing the $2 rootfs: $shown/$1.tar.zst"
        return
    fi
    command -v mmdebstrap >/dev/null || die "mmdebstrap is missing; \`make deps\` installs it"
    step "building the $2 rootfs with mmdebstrap from this machine's apt sources (first run only, ~$3 s)"
    from=$(date +%s.%N)
    "$repo/Tests/Support/make-language-rootfs" "$1" "$tarball"
    echo "    $shown/$1.tar.zst: $(du -h "$tarball" | cut -f1) in $(since "$from") s"
    built=yes
}

mkdir -p "$demo/languages.d"
build_rootfs python "Python (python3-minimal)" 10
build_rootfs clisp "Common Lisp (clisp)" 10

sha256() { sha256sum "$1" | cut -c1-64; }
# The file:// URL of a path: every byte outside [A-Za-z0-9/._~-] percent-encoded.
file_url() {
    printf '%s' "$1" | od -An -v -tx1 | awk '
        BEGIN { printf "file://"; for (i = 33; i < 127; i++) char[sprintf("%02x", i)] = sprintf("%c", i) }
        { for (i = 1; i <= NF; i++) if (char[$i] ~ /^[A-Za-z0-9\/._~-]$/) printf "%s", char[$i]; else printf "%%%s", toupper($i) }'
}
step "writing $shown/languages.d/demo.yaml (file:// URLs pinned by sha256)"
cat > "$demo/languages.d/demo.yaml.partial" <<EOF
# Written by examples/demo.sh.
languages:
  python:
    description: CPython from Debian (python3-minimal)
    extensions: [py]
    rootfs:
      url: "$(file_url "$demo/python.tar.zst")"
      sha256: $(sha256 "$demo/python.tar.zst")
    interpreter: [/usr/bin/python3]
  lisp:
    description: GNU CLISP from Debian
    extensions: [lisp]
    rootfs:
      url: "$(file_url "$demo/clisp.tar.zst")"
      sha256: $(sha256 "$demo/clisp.tar.zst")
    interpreter: [/usr/bin/clisp]
EOF
mv "$demo/languages.d/demo.yaml.partial" "$demo/languages.d/demo.yaml"

export DOTSLASH_CONFIG="$demo/languages.d" DOTSLASH_STATE_DIR="$demo/state"
if command -v clisp >/dev/null; then
    host_lisp="this machine has $(command -v clisp), but the demo runs the rootfs' own"
else
    host_lisp="this machine has no clisp"
fi
step "dotslash shell as $(id -un 2>/dev/null || id -u), no sudo: python and lisp in a private binfmt_misc ($host_lisp)"
cd "$repo/examples"
"$bin/dotslash" shell -- sh -c '
    echo "==> registered in this shell: $(cd /proc/sys/fs/binfmt_misc && echo dotslash-*)"
    echo "==> ./hello.py world \"from dotslash\""
    ./hello.py world "from dotslash"
    echo "==> ./hello.lisp 1 2 3"
    ./hello.lisp 1 2 3
'
if [ -n "$built" ]; then
    step "done in $(since "$started") s; run it again: it reuses $shown and takes a second"
else
    step "done in $(since "$started") s"
fi
