#!/bin/sh
# Fetches a pinned tree-sitter grammar from the npm registry into the build dir:
#   grammar.sh <npm-package@version> <dest-dir>
# Only src/ is kept; the grammar's sources are never committed.
set -eu
pkg="$1"; dest="$2"
if [ -f "$dest/src/parser.c" ]; then exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
( cd "$tmp" && npm pack --silent "$pkg" >/dev/null )
mkdir -p "$dest"
tar -xzf "$tmp"/*.tgz -C "$tmp"
rm -rf "$dest/src"
cp -r "$tmp/package/src" "$dest/src"
echo "grammar: $pkg -> $dest"
