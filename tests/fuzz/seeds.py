#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets from the test fixtures and the
rule corpus (standard library only):  seeds.py OUTDIR

  OUTDIR/fuzz_github_webhook/  event byte + each GitHub payload fixture
  OUTDIR/fuzz_jsonscan/        each GitHub payload fixture as is
  OUTDIR/fuzz_forge_webhooks/  forge/event byte + each GitLab and Gitea payload fixture
  OUTDIR/fuzz_signature/       "secret\\nheader\\nbody" from signature-vectors.json
  OUTDIR/fuzz_engine/          path byte + each tests/corpus .rs file
  OUTDIR/fuzz_diff/            flags byte + "old\\0new" pairs of corpus files
  OUTDIR/fuzz_config/          selector byte + .rustreview.toml / Cargo.toml texts
  OUTDIR/fuzz_ranged/          selector byte + 8 seed bytes + each tests/corpus .rs file and
                               real files of the hyper and ripgrep corpora (../shared/corpora,
                               cloned to a temporary directory; skipped with a message if absent)
"""
import glob
import hashlib
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
CORPUS = os.path.join(ROOT, "tests", "corpus")


def put(outdir, target, data):
    d = os.path.join(outdir, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def main(outdir):
    for path in sorted(glob.glob(os.path.join(FIXTURES, "github", "*.json"))):
        body = read(path)
        event = 3 if "ping" in os.path.basename(path) else 0
        put(outdir, "fuzz_github_webhook", bytes([event]) + body)
        put(outdir, "fuzz_jsonscan", body)
    for forge_bit, forge in ((0, "gitlab"), (1, "gitea")):
        for path in sorted(glob.glob(os.path.join(FIXTURES, forge, "*.json"))):
            put(outdir, "fuzz_forge_webhooks", bytes([forge_bit]) + read(path))
    with open(os.path.join(FIXTURES, "signature-vectors.json")) as f:
        vectors = json.load(f)
    for v in vectors.get("github", []):
        if "payload" in v:
            body = v["payload"].encode()
        elif "payload_file" in v:
            body = read(os.path.join(FIXTURES, v["payload_file"]))
        else:
            continue
        sig = v.get("expected", "")
        put(outdir, "fuzz_signature", v["secret"].encode() + b"\n" + str(sig).encode() + b"\n" + body)
    rust = [read(p) for p in sorted(glob.glob(os.path.join(CORPUS, "**", "*.rs"), recursive=True))]
    for i, src in enumerate(rust):
        put(outdir, "fuzz_engine", bytes([i % 6]) + src)
        half = src[: len(src) // 2]
        put(outdir, "fuzz_diff", bytes([i % 4]) + half + b"\0" + src)
        put(outdir, "fuzz_diff", bytes([0]) + src)
    configs = [read(p) for p in sorted(glob.glob(os.path.join(CORPUS, "**", ".rustreview.toml"),
                                                  recursive=True))]
    configs += [
        b'fail_on = "error"\nmax_comments = 20\nexclude = ["generated/**", "**/*_pb.rs", \'vendor/\']\n'
        b'[rules]\nunwrap_used = "off"\nmissing_panics_doc = "note"\n',
        b'[package]\nname = "x"\nversion = "0.1.0"\nworkspace = ".."\n\n[lints.clippy]\n'
        b'unwrap_used = "allow"\nall = { level = "deny", priority = -1 }\n[lints.rust]\n'
        b'unsafe_code = "forbid"\n',
        b'[workspace]\nmembers = ["a", "b"]\n[workspace.lints.clippy]\npedantic = "warn"\n'
        b'[lints]\nworkspace = true\n',
        b'a = """multi\nline"""\nb = \'lit\'\nc = 0x1f\nd = 1e3\ne = 1979-05-27T07:32:00Z\n'
        b'[[t]]\nx = { y = [1, [2, 3]] }\n"quoted.key".z = true\n',
    ]
    for i, text in enumerate(configs):
        for sel in range(3):
            put(outdir, "fuzz_config", bytes([sel]) + text)
    for i, src in enumerate(rust + corpora_files()):
        put(outdir, "fuzz_ranged", bytes([i % 8]) + hashlib.sha1(src).digest()[:8] + src)
    return 0


RANGED_FILES, RANGED_MAX_BYTES = 60, 48 * 1024


def corpora_files():
    """Up to RANGED_FILES .rs files (each under RANGED_MAX_BYTES) of the corpora's bundles."""
    import shutil
    import subprocess
    import tempfile
    for cand in (os.path.join(ROOT, "..", "shared", "corpora"),
                 os.path.join(ROOT, "..", "..", "shared", "corpora")):
        if os.path.isdir(cand):
            break
    else:
        sys.stderr.write("seeds: no ../shared/corpora: fuzz_ranged seeded from tests/corpus only\n")
        return []
    tmp = tempfile.mkdtemp(prefix="rr-seeds-")
    out = []
    try:
        for name in ("hyper", "ripgrep"):
            repo = os.path.join(tmp, name)
            if subprocess.run(["git", "clone", "-q", os.path.join(cand, name + ".bundle"), repo],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode:
                sys.stderr.write("seeds: cannot clone %s.bundle: skipped\n" % name)
                continue
            paths = sorted(glob.glob(os.path.join(repo, "**", "*.rs"), recursive=True))
            paths = [p for p in paths if os.path.getsize(p) <= RANGED_MAX_BYTES]
            step = max(1, len(paths) // (RANGED_FILES // 2))
            out += [read(p) for p in paths[::step][: RANGED_FILES // 2]]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
