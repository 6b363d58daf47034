#!/bin/sh
# Fetches the SARIF 2.1.0 JSON schema, pinned, from the npm registry into the
# build dir (the tests validate `check --format sarif` against it):
#   sarif-schema.sh <dest-file>
# npm's @microsoft/jest-sarif ships it as lib/schemas/sarif-2.1.0-rtm.5.json;
# the file's SHA-256 is checked, so a changed package fails loudly.
set -eu
dest="$1"
pkg="@microsoft/jest-sarif@1.0.0-beta.0"
sha256="2d99159ae54a3eea97f81781cff48780548657c35949f4b7f25e99a2ba4de4f8"
if [ -f "$dest" ] && echo "$sha256  $dest" | sha256sum -c --status; then exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
( cd "$tmp" && npm pack --silent "$pkg" >/dev/null )
tar -xzf "$tmp"/*.tgz -C "$tmp" package/lib/schemas/sarif-2.1.0-rtm.5.json
if ! echo "$sha256  $tmp/package/lib/schemas/sarif-2.1.0-rtm.5.json" | sha256sum -c --status; then
	echo "sarif-schema: $pkg: sarif-2.1.0-rtm.5.json does not have the pinned SHA-256" >&2
	exit 1
fi
mkdir -p "$(dirname "$dest")"
cp "$tmp/package/lib/schemas/sarif-2.1.0-rtm.5.json" "$dest"
echo "sarif-schema: $pkg -> $dest"
