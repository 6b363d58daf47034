#!/bin/sh
# check_forge_names.sh — nothing outside handlers/ names a forge (curl's checksrc
# is the model: a small check run by tests/run.sh, failing `make test`).
#
# Scans the production code outside handlers/ (bot/, review/, common/, scripts/,
# Makefile) for github, gitlab or gitea in any case. A forge is one file in
# handlers/ and one line in handlers/forges.c: settings, URLs, user names,
# header names and suggestion styles all come from struct forge.
#
# Exceptions are in tests/forge_names.allow, one "path<TAB>extended regex" per
# line (with the reason in a comment above it); a line matching one is allowed.
# Tests, fixtures, docs and deploy/ examples are out of scope: they are about
# particular forges by nature.
#
# Usage: sh tests/check_forge_names.sh [--root DIR]   (exit 1 and a list when it fails)
root=.
[ "$1" = "--root" ] && root=$2
allow="$root/tests/forge_names.allow"
[ -f "$allow" ] || allow=/dev/null
cd "$root" || exit 2
hits=$(grep -rniE 'github|gitlab|gitea' bot review common scripts Makefile 2>/dev/null \
	--include='*.c' --include='*.h' --include='*.sh' --include='*.py' --include='Makefile')
bad=$(printf '%s\n' "$hits" | awk -v allow="$allow" '
	BEGIN {
		FS = "\t"
		while ((getline line < allow) > 0) {
			if (line ~ /^#/ || line == "") continue
			split(line, f, "\t"); n++; apath[n] = f[1]; are[n] = f[2]
		}
	}
	$0 == "" { next }
	{
		path = $0; sub(/:.*/, "", path)
		text = $0; sub(/^[^:]*:[0-9]+:/, "", text)
		ok = 0
		for (i = 1; i <= n; i++) if (path == apath[i] && text ~ are[i]) ok = 1
		if (!ok) print
	}')
if [ -n "$bad" ]; then
	echo "check_forge_names: a forge is named outside handlers/ (move it into the forge's"
	echo "file, or add a reasoned exception to tests/forge_names.allow):"
	printf '%s\n' "$bad"
	exit 1
fi
echo "check_forge_names: ok"
