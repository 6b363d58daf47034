#!/bin/sh
# Installs what `make bench` needs, only when something is missing: Debian
# packages by name (scripts/deps.sh bench: wrk, hyperfine, GNU time), and the npm packages
# pinned in tests/bench/package.json + package-lock.json (npm ci) into
# tests/bench/node_modules. clippy-driver comes from the Rust toolchain;
# without it the bench stops with a message.
set -eu
here=$(cd "$(dirname "$0")" && pwd)

sh "$here/../../scripts/deps.sh" bench

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
