# dotslash: build, test, install and demo. Every target that needs a Debian
# package depends on `deps`, which installs what is missing (as root) or
# prints the exact apt-get command (otherwise).

PREFIX  ?= /usr/local
DESTDIR ?=
SWIFT   ?= swift
CONFIG  ?= release
# Installed binaries must not need the toolchain's shared Swift runtime.
SWIFT_FLAGS ?= --static-swift-stdlib

# Building: the C libraries behind the SwiftPM system-library targets, and
# their static archives for the runner.
BUILD_PACKAGES = pkg-config libyaml-dev libcurl4-openssl-dev libarchive-dev libssl-dev \
                 libzstd-dev liblzma-dev libbz2-dev zlib1g-dev
# Testing and the demo: real rootfs trees, a local HTTP server and registry,
# namespaces and the peers the benchmarks compare against.
TEST_PACKAGES  = mmdebstrap busybox-static python3 util-linux uidmap file binutils \
                 ca-certificates zstd xz-utils bzip2 curl bubblewrap hyperfine systemd \
                 docker-registry skopeo openssl
PACKAGES = $(BUILD_PACKAGES) $(TEST_PACKAGES)

BIN_DIR = $(shell $(SWIFT) build -c $(CONFIG) $(SWIFT_FLAGS) --show-bin-path 2>/dev/null)

.PHONY: all deps build test demo bench install uninstall clean

all: build

deps:
	@command -v $(SWIFT) >/dev/null || { echo "error: the Swift toolchain (swift) is not on PATH; install it from swift.org first" >&2; exit 1; }
	@missing=""; for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "==> installing:$$missing"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	else \
	  echo "error: missing Debian packages:$$missing" >&2; \
	  echo "run:   sudo apt-get install -y$$missing" >&2; \
	  exit 1; \
	fi

build: deps
	$(SWIFT) build -c $(CONFIG) $(SWIFT_FLAGS)

test: deps
	$(SWIFT) build
	DOTSLASH_BIN_DIR="$$($(SWIFT) build --show-bin-path)" $(SWIFT) test

install: build
	install -d "$(DESTDIR)$(PREFIX)/bin" "$(DESTDIR)$(PREFIX)/libexec/dotslash" \
	    "$(DESTDIR)$(PREFIX)/share/man/man1" "$(DESTDIR)$(PREFIX)/share/bash-completion/completions" \
	    "$(DESTDIR)$(PREFIX)/share/zsh/site-functions"
	install -m 0755 -s "$(BIN_DIR)/dotslash" "$(DESTDIR)$(PREFIX)/bin/dotslash"
	install -m 0755 -s "$(BIN_DIR)/dotslash-runner" "$(DESTDIR)$(PREFIX)/libexec/dotslash/dotslash-runner"
	install -m 0644 docs/man/dotslash.1 "$(DESTDIR)$(PREFIX)/share/man/man1/dotslash.1"
	install -m 0644 completions/dotslash.bash "$(DESTDIR)$(PREFIX)/share/bash-completion/completions/dotslash"
	install -m 0644 completions/_dotslash "$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_dotslash"

uninstall:
	rm -f "$(DESTDIR)$(PREFIX)/bin/dotslash" "$(DESTDIR)$(PREFIX)/libexec/dotslash/dotslash-runner" \
	    "$(DESTDIR)$(PREFIX)/share/man/man1/dotslash.1" \
	    "$(DESTDIR)$(PREFIX)/share/bash-completion/completions/dotslash" \
	    "$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_dotslash"
	-rmdir "$(DESTDIR)$(PREFIX)/libexec/dotslash"

demo: build
	examples/demo.sh "$(BIN_DIR)"

bench: build
	bench/run-all "$(BIN_DIR)"

clean:
	rm -rf .build build
