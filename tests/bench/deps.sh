#!/bin/sh
# Installs what `make bench` needs, only when something is missing: Debian
# packages by name (wrk, hyperfine, GNU time; npm if absent), and the npm packages
# pinned in tests/bench/package.json + package-lock.json (npm ci) into
# tests/bench/node_modules. clippy-driver comes from the Rust toolchain;
# without it the bench stops with a message.
set -eu
here=$(cd "$(dirname "$0")" && pwd)

PKGS="wrk hyperfine time python3 git"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
command -v npm >/dev/null 2>&1 || missing="$missing npm"
if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "bench deps: missing Debian packages:$missing — run as root or install them" >&2
		exit 1
	fi
	echo "bench deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# @octokit/webhooks 14 needs Node 20 or newer.
if [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -lt 20 ]; then
	echo "bench deps: Node.js 20 or newer is needed for @octokit/webhooks 14" >&2
	exit 1
fi

if [ ! -x "$here/node_modules/.bin/ast-grep" ] || [ ! -d "$here/node_modules/@octokit/webhooks" ] ||
   [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
	echo "bench deps: npm ci (pinned @ast-grep/cli, @octokit/webhooks)"
	( cd "$here" && npm ci --silent --no-audit --no-fund )
fi

if ! command -v clippy-driver >/dev/null 2>&1; then
	echo "bench deps: clippy-driver not found (install the Rust toolchain with clippy)" >&2
	exit 1
fi
