#!/bin/sh
# Installs what building and testing rustreview needs on Debian 12, by package
# name, only when something is missing. Safe to run again; a no-op when all is there.
#   deps.sh        what `make test` needs (gcc; SANITIZE=1 needs nothing more)
#   deps.sh fuzz   also clang and its libFuzzer runtime, for `make fuzz`
#   deps.sh memcheck  also valgrind, for `make memcheck`
#   deps.sh bench  also wrk, hyperfine and GNU time, for `make bench` (tests/bench/deps.sh)
#   deps.sh build  only what building the binary needs (the Dockerfile's build stage)
#   deps.sh accuracy  also the crate sources `make accuracy` compares with clippy
#                  (librust-*-dev put them under /usr/share/cargo/registry); clippy
#                  itself (cargo clippy, clippy-driver) is the Rust toolchain's
set -eu

PKGS="gcc make pkg-config libc6-dev git python3 openssl ca-certificates sqlite3
libmicrohttpd-dev libcurl4-openssl-dev libjansson-dev libgit2-dev libssl-dev
libtree-sitter-dev libsqlite3-dev libcmocka-dev libpq-dev"
# The deployment and output checks of `make test`: YAML manifests and the SARIF
# schema (Debian's python3), systemd-analyze and systemd-sysusers, promtool.
# `deps.sh build` (the Dockerfile's build stage) leaves them out.
[ "${1:-}" = build ] || PKGS="$PKGS python3-yaml python3-jsonschema systemd prometheus binutils postgresql strace"
case "${1:-}" in
fuzz) PKGS="$PKGS clang libclang-rt-14-dev" ;;
memcheck) PKGS="$PKGS valgrind" ;;
bench) PKGS="$PKGS wrk hyperfine time" ;;
accuracy) for c in semver walkdir textwrap humantime glob anyhow hex base64 either strsim heck \
	log smallvec shlex csv url regex-syntax aho-corasick toml indexmap tempfile unicode-width \
	bstr getopts yaml-rust xml-rs pulldown-cmark similar difflib unicode-bidi bit-vec \
	linked-hash-map vec-map md5 dtoa term petgraph tar docopt rustc-serialize itertools \
	ordered-float fastrand miniz-oxide; do PKGS="$PKGS librust-$c-dev"; done ;;
esac

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
command -v npm >/dev/null 2>&1 || missing="$missing npm"

if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "deps: missing Debian packages:$missing — run as root or install them" >&2
		exit 1
	fi
	echo "deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
