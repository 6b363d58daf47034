#!/usr/bin/env python3
"""Per-rule precision and recall of rustreview against clippy: on tests/corpus,
file by file, and on real crates Debian ships as sources (librust-*-dev puts
them under /usr/share/cargo/registry; `sh scripts/deps.sh accuracy` installs
the set in CRATES), crate by crate.

For every corpus file that compiles, clippy-driver runs with the lint that
corresponds to each rule (same name, or the rustc lint listed in RUSTC_LINTS),
and its findings are compared with the file's .expected findings — which
test_corpus checks are exactly what the engine reports. A finding matches
when the rule corresponds and our line lies inside clippy's primary span.

Clippy's answer is the reference here, not the truth: where they disagree on
purpose (documented per rule in `rustreview explain`) the table says so.

Counted once per rule and line on each side. Not counted against either side:
clippy findings on lines a more specific rule reports instead (unwrap_in_result
for unwrap_used/expect_used, transmute_without_safety for the unsafe block), and
on lines silenced by `// rustreview: allow(...)` comments, which clippy does not
read.

Files excluded, because our rules deliberately treat them differently:
tests/, benches/, examples/ and build.rs (test code is exempt from the
production-only rules), and the lines of #[cfg(test)] modules, which clippy
without --test never compiles. In binaries (main.rs, src/bin/) 
the library-only rules (print_stdout, print_stderr, exit, the doc rules) are
not compared.

Crates: each is copied to a scratch directory, its dev-dependencies dropped
(tests and benches are not compared), and built by `cargo clippy --lib` offline
against the Debian registry with every compared lint at warn; the files rustc
read (its dep-info) are the ones compared. rustreview reviews the same copy as
a pull request that adds every file, with the opt-in rules switched on in
.rustreview.toml and the crate's own .clippy.toml/clippy.toml in the base (clippy
reads it too). Lines inside #[cfg(test)] items are not compared (clippy without
--test never compiles them), nor lines of items under a #[cfg(..)] that names
another platform.

Usage: clippy_accuracy.py [--corpus DIR] [--binary build/rustreview]
                          [--no-crates] [--crate NAME].. [--registry DIR] [--verbose]
                          [--show RULE]..
"""
import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict

# Crates Debian ships as sources that the crate comparison builds (scripts/deps.sh
# accuracy installs librust-<name>-dev for each). Chosen for varied, idiomatic
# library code with few dependencies.
CRATES = ["semver", "walkdir", "textwrap", "humantime", "glob", "anyhow", "hex", "base64",
          "either", "strsim", "heck", "log", "smallvec", "shlex", "csv", "url", "regex-syntax",
          "aho-corasick", "toml", "indexmap", "tempfile", "unicode-width", "bstr",
          "getopts", "yaml-rust", "xml-rs", "pulldown-cmark", "similar", "difflib",
          "unicode-bidi", "bit-vec", "linked-hash-map", "vec-map", "md5", "dtoa", "term",
          "petgraph", "tar", "docopt", "rustc-serialize", "itertools", "ordered-float",
          "fastrand", "miniz-oxide"]
REGISTRY = "/usr/share/cargo/registry"

# rules whose clippy counterpart has another name, or is a rustc lint
RUSTC_LINTS = {
    "bidi_chars": ["text_direction_codepoint_in_literal", "text_direction_codepoint_in_comment"],
}
# clippy lints a rule also covers (or_fun_call suggests unwrap_or_default too)
ALSO = {}
# a more specific rule reports instead of these on the same line (one comment per line)
SUPERSEDED_BY = {"unwrap_used": "unwrap_in_result", "expect_used": "unwrap_in_result",
                 "undocumented_unsafe_blocks": "transmute_without_safety"}
LIBRARY_ONLY = {"print_stdout", "print_stderr", "exit", "box_dyn_error_in_public_api",
                "missing_errors_doc", "missing_panics_doc", "missing_safety_doc"}


def rule_ids(binary):
    out = subprocess.run([binary, "rules"], stdout=subprocess.PIPE, text=True, check=True).stdout
    ids = []
    for line in out.splitlines():
        word = line.split()[0] if line.split() else ""
        if word and word.replace("_", "").isalnum() and word.islower() and word != "id":
            ids.append(word)
    return ids


def lints_for(rule, known_clippy):
    if rule in RUSTC_LINTS:
        return RUSTC_LINTS[rule]
    if rule in known_clippy:
        return ["clippy::" + rule] + ALSO.get(rule, [])
    return []


def known_clippy_lints(candidates, workdir):
    """Which of the candidate names clippy knows (unknown ones draw a warning)."""
    src = os.path.join(workdir, "probe.rs")
    with open(src, "w") as f:
        f.write("pub fn f() {}\n")
    args = ["clippy-driver", "--edition", "2021", "--crate-type", "lib", "--error-format=json",
            "--emit=metadata", "--out-dir", workdir]
    for c in candidates:
        args += ["-W", "clippy::" + c]
    p = subprocess.run(args + [src], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    unknown = set()
    for line in p.stderr.splitlines():
        try:
            d = json.loads(line)
        except ValueError:
            continue
        if d.get("message", "").startswith("unknown lint"):
            for c in candidates:
                if "clippy::%s`" % c in d["message"]:
                    unknown.add(c)
    return set(candidates) - unknown


def classify(rel):
    parts = rel.split("/")
    test = any(p in ("tests", "benches", "examples") for p in parts[:-1]) or parts[-1] == "build.rs"
    binary = parts[-1] == "main.rs" or "bin" in parts[:-1]
    return test, binary


def run_clippy(path, binary_crate, lints, workdir):
    args = ["clippy-driver", "--edition", "2021", "--crate-type", "bin" if binary_crate else "lib",
            "--error-format=json", "--emit=metadata", "--out-dir", workdir, "--cap-lints", "warn"]
    for l in lints:
        args += ["-W", l]
    p = subprocess.run(args + [path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    diags, errors = [], []
    for line in p.stderr.splitlines():
        try:
            d = json.loads(line)
        except ValueError:
            continue
        if d.get("level") == "error":
            errors.append(d.get("message", ""))
            continue
        code = (d.get("code") or {}).get("code")
        if not code:
            continue
        for s in d.get("spans", []):
            if s.get("is_primary") and s.get("file_name") == path:
                diags.append((code, s["line_start"], s["line_end"]))
    return diags, errors


def cfg_test_lines(path):
    """Lines of `#[cfg(test)] mod x { ... }` blocks: clippy without --test never
    compiles them, so neither side is compared there. Brace matching is
    naive (our own corpus keeps braces out of strings in those modules)."""
    with open(path, errors="replace") as f:
        lines = f.read().split("\n")
    out, i = set(), 0
    while i < len(lines):
        if lines[i].strip().startswith("#[cfg(test)]"):
            depth, j, opened = 0, i, False
            while j < len(lines):
                depth += lines[j].count("{") - lines[j].count("}")
                opened = opened or "{" in lines[j]
                out.add(j + 1)
                if opened and depth <= 0:
                    break
                j += 1
            i = j
        i += 1
    return out


def allow_comment_lines(path):
    """{line: rules} silenced by `// rustreview: allow(a, b)` (clippy does not
    read them): the comment's own line, and the next line when it stands alone."""
    out = {}
    with open(path, errors="replace") as f:
        lines = f.read().split("\n")
    for i, line in enumerate(lines, 1):
        m = re.search(r"rustreview: allow\(([^)]*)\)", line)
        if not m:
            continue
        before = line[:m.start()]
        slash = before.find("//")
        if slash < 0 or before[:slash].count('"') % 2:   # not a comment (e.g. in a string)
            continue
        rules = {r.strip().replace("clippy::", "") for r in m.group(1).split(",")}
        out.setdefault(i, set()).update(rules)
        if line.strip().startswith("//"):
            out.setdefault(i + 1, set()).update(rules)
    return out


def ours(expected_path):
    found = []
    with open(expected_path) as f:
        for line in f:
            head = line.split(": ", 2)
            if len(head) < 2:
                continue
            loc = head[0].split(":")
            rule = head[1][head[1].index("[") + 1:head[1].index("]")]
            found.append((rule, int(loc[1])))
    return found


def crate_dir(registry, name):
    """The newest registry directory of a crate (librust-foo-bar-dev is foo-bar or foo_bar)."""
    cands = []
    for n in {name, name.replace("-", "_")}:
        cands += [d for d in glob.glob(os.path.join(registry, n + "-*"))
                  if re.fullmatch(re.escape(n) + r"-\d+\.\d+\.\d+.*", os.path.basename(d))]
    return sorted(cands)[-1] if cands else None


def strip_dev_dependencies(manifest):
    """Drops [dev-dependencies] tables (and their target-specific forms): the
    registry need not hold what only tests and benches use."""
    with open(manifest) as f:
        lines = f.read().split("\n")
    out, skip = [], False
    for line in lines:
        m = re.match(r"\s*\[([^\]]+)\]\s*$", line)
        if m:
            skip = "dev-dependencies" in m.group(1) or m.group(1).startswith(("bench", "test", "example"))
        if not skip:
            out.append(line)
    with open(manifest, "w") as f:
        f.write("\n".join(out))


def git(cwd, *args):
    subprocess.run(["git", "-c", "user.name=a", "-c", "user.email=a@b", "-c", "commit.gpgsign=false"]
                   + list(args), cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


OPT_IN = "[rules]\nmissing_panics_doc = \"note\"\nmissing_errors_doc = \"note\"\n"


def ours_on_tree(binary, tree, configs):
    """rustreview's findings on every file of tree, reviewed as a pull request
    that adds them all; configs (name -> text) are in the base commit."""
    repo = tree + ".git-review"
    shutil.copytree(tree, repo, ignore=shutil.ignore_patterns("target", ".cargo"))
    for name in configs:
        if os.path.exists(os.path.join(repo, name)):
            os.rename(os.path.join(repo, name), os.path.join(repo, name + ".keep"))
    git(repo, "init", "-q")
    for name, text in configs.items():
        with open(os.path.join(repo, name), "w") as f:
            f.write(text)
    git(repo, "add", "-A", "--", *configs.keys()) if configs else None
    git(repo, "commit", "-q", "--allow-empty", "-m", "base")
    base = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, stdout=subprocess.PIPE,
                          text=True, check=True).stdout.strip()
    for name in configs:
        if os.path.exists(os.path.join(repo, name + ".keep")):
            os.replace(os.path.join(repo, name + ".keep"), os.path.join(repo, name))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "head")
    p = subprocess.run([binary, "check", "--repo", repo, "--format", "json", base, "HEAD"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode not in (0, 1):
        raise RuntimeError("rustreview check failed: " + p.stderr.strip()[:300])
    return [(f["path"], f["rule"], f["line"]) for f in json.loads(p.stdout)["findings"]]


def cargo_clippy(tree, lints, target_dir):
    """(diagnostics [(file, code, line_start, line_end)], compiled .rs files, error)."""
    cmd = ["cargo", "clippy", "--lib", "--message-format=json", "--offline", "-q", "--",
           "--cap-lints", "warn"]
    for l in lints:
        cmd += ["-W", l]
    env = dict(os.environ, CARGO_TARGET_DIR=target_dir)
    p = subprocess.run(cmd, cwd=tree, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       env=env)
    diags, files, errors = [], set(), []
    for line in p.stdout.splitlines():
        try:
            d = json.loads(line)
        except ValueError:
            continue
        if d.get("reason") == "compiler-artifact" and d.get("manifest_path", "").startswith(tree):
            for fn in d.get("filenames", []):
                if fn.endswith(".rmeta"):
                    files |= dep_info_sources(fn, tree)
        if d.get("reason") != "compiler-message" or not d.get("manifest_path", "").startswith(tree):
            continue
        m = d["message"]
        code = (m.get("code") or {}).get("code")
        if m.get("level") == "error" and (not code or re.fullmatch(r"E\d+", code)):
            errors.append(m.get("message", ""))
            continue
        for sp in m.get("spans", []):
            if sp.get("is_primary") and code:
                diags.append((sp["file_name"], code, sp["line_start"], sp["line_end"]))
    if p.returncode != 0 and not errors:
        errors.append(p.stderr.strip().split("\n")[-1][:200])
    return diags, files, errors


def dep_info_sources(rmeta, tree):
    """The crate's own .rs files rustc read, from the dep-info beside the rmeta."""
    d = re.sub(r"lib([^/]*)\.rmeta$", r"\1.d", rmeta)
    out = set()
    if not os.path.exists(d):
        return out
    with open(d) as f:
        first = f.readline()
    for tok in first.split(":", 1)[-1].split():
        path = tok if os.path.isabs(tok) else os.path.join(tree, tok)
        if path.endswith(".rs") and os.path.realpath(path).startswith(os.path.realpath(tree)):
            out.add(os.path.relpath(os.path.realpath(path), os.path.realpath(tree)))
    return out


# cfg predicates that hold for `cargo clippy --lib` on Linux x86_64 with the
# default features: items under any other #[cfg(..)] may not be compiled.
TRUE_CFG = re.compile(r"#\[cfg\((unix|not\(windows\)|not\(test\)|target_os\s*=\s*\"linux\"|"
                      r"target_pointer_width\s*=\s*\"64\"|target_arch\s*=\s*\"x86_64\"|"
                      r"feature\s*=\s*\"(std|alloc|default)\")\)\]")


def hidden_lines(path):
    """Lines of #[test] fns and of items under #[cfg(test)] or another #[cfg(..)]
    that may not hold (features, other platforms, custom cfgs): clippy (no --test, Linux,
    default features) may never compile them, so neither side is compared
    there. Brace matching is naive (strings holding braces inside such items
    can end an item early)."""
    with open(path, errors="replace") as f:
        lines = f.read().split("\n")
    out, i = set(), 0
    while i < len(lines):
        s = lines[i].strip()
        if (s.startswith("#[cfg(") and not TRUE_CFG.match(s)) or s in ("#[test]", "#[bench]"):
            depth, j, opened = 0, i, False
            while j < len(lines):
                code = lines[j].split("//")[0]
                depth += code.count("{") - code.count("}")
                opened = opened or "{" in code
                out.add(j + 1)
                if (opened and depth <= 0) or (not opened and code.rstrip().endswith(";") and j > i):
                    break
                j += 1
            i = j
        i += 1
    return out


def compare(stats, mismatches, label, mine, theirs, show=()):
    """Counts one file's agreements: mine [(rule, line)], theirs [(rule, l0, l1)];
    agreements of the rules in show are listed too."""
    used = [False] * len(theirs)
    for r, l in mine:
        hit = next((i for i, t in enumerate(theirs)
                    if not used[i] and t[0] == r and t[1] <= l <= t[2]), None)
        if hit is None:
            stats[r]["fp"] += 1
            mismatches.append("%s:%d %s: rustreview only" % (label, l, r))
        else:
            used[hit] = True
            stats[r]["tp"] += 1
            if r in show:
                mismatches.append("%s:%d %s: both" % (label, l, r))
    for i, t in enumerate(theirs):
        if not used[i]:
            stats[t[0]]["fn"] += 1
            mismatches.append("%s:%d %s: clippy only" % (label, t[1], t[0]))


def run_crates(args, rules, compared, lint_to_rule, stats, mismatches, notes, work):
    target = os.path.join(work, "target")
    done = 0
    for name in args.crate or CRATES:
        src = crate_dir(args.registry, name)
        if not src:
            notes.append("crate %s not installed (sh scripts/deps.sh accuracy)" % name)
            continue
        tree = os.path.join(work, "crates", os.path.basename(src))
        shutil.copytree(src, tree, ignore=shutil.ignore_patterns(".cargo-checksum.json", "target"))
        os.makedirs(os.path.join(tree, ".cargo"), exist_ok=True)
        with open(os.path.join(tree, ".cargo", "config.toml"), "w") as f:
            f.write('[source.crates-io]\nreplace-with = "debian"\n[source.debian]\n'
                    'directory = "%s"\n[net]\noffline = true\n' % args.registry)
        strip_dev_dependencies(os.path.join(tree, "Cargo.toml"))
        diags, files, errors = cargo_clippy(tree, sorted(lint_to_rule), target)
        if errors:
            notes.append("crate %s skipped (does not build: %s)" % (name, errors[0][:100]))
            continue
        configs = {".rustreview.toml": OPT_IN}
        for c in (".clippy.toml", "clippy.toml"):
            if os.path.exists(os.path.join(tree, c)):
                with open(os.path.join(tree, c)) as f:
                    configs[c] = f.read()
        try:
            found = ours_on_tree(args.binary, tree, configs)
        except RuntimeError as e:
            notes.append("crate %s skipped (%s)" % (name, e))
            continue
        done += 1
        per_file_theirs = defaultdict(set)
        for fn, code, a, b in diags:
            rel = os.path.relpath(os.path.join(tree, fn), tree) if not os.path.isabs(fn) else \
                os.path.relpath(fn, tree)
            if code in lint_to_rule:
                per_file_theirs[rel].add((lint_to_rule[code], a, b))
        per_file_mine = defaultdict(set)
        for path, rule, line in found:
            if rule in compared:
                per_file_mine[path].add((rule, line))
        for rel in sorted(files):
            hidden = hidden_lines(os.path.join(tree, rel))
            all_mine = per_file_mine.get(rel, set())
            mine = sorted((r, l) for r, l in all_mine if l not in hidden)
            theirs = sorted(t for t in per_file_theirs.get(rel, set()) if t[1] not in hidden
                            and not any((SUPERSEDED_BY.get(t[0]), l) in all_mine
                                        for l in range(t[1], t[2] + 1)))
            compare(stats, mismatches, "%s/%s" % (os.path.basename(src), rel), mine, theirs,
                    args.show)
        notes.append("crate %s: %d files compared" % (os.path.basename(src), len(files)))
    return done


def print_table(title, compared, stats, claims):
    print("### " + title)
    print()
    print("| rule | scope | reference lint | agree | rustreview only | clippy only | precision | recall |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |")
    tot = {"tp": 0, "fp": 0, "fn": 0}
    for r in sorted(compared):
        s = stats[r]
        for k in tot:
            tot[k] += s[k]
        p = s["tp"] / (s["tp"] + s["fp"]) if s["tp"] + s["fp"] else float("nan")
        rc = s["tp"] / (s["tp"] + s["fn"]) if s["tp"] + s["fn"] else float("nan")
        print("| `%s` | %s | %s | %d | %d | %d | %s | %s |" % (
            r, claims.get(r) or "—", ", ".join("`%s`" % l for l in compared[r]), s["tp"], s["fp"],
            s["fn"], "—" if p != p else "%.2f" % p, "—" if rc != rc else "%.2f" % rc))
    p = tot["tp"] / (tot["tp"] + tot["fp"]) if tot["tp"] + tot["fp"] else 0
    rc = tot["tp"] / (tot["tp"] + tot["fn"]) if tot["tp"] + tot["fn"] else 0
    print("| **all** | | | %d | %d | %d | %.3f | %.3f |" % (tot["tp"], tot["fp"], tot["fn"], p, rc))
    print()


def rule_claims(binary):
    out = subprocess.run([binary, "rules", "--format", "json"], stdout=subprocess.PIPE, text=True,
                         check=True).stdout
    return {r["id"]: r["scope"] for r in json.loads(out)}


def run_corpus(args, compared, lint_to_rule, stats, mismatches, skipped, work):
    for root, _, files in os.walk(args.corpus):
        for name in sorted(files):
            if not name.endswith(".rs"):
                continue
            path = os.path.join(root, name)
            rel = os.path.relpath(path, args.corpus)
            test, binary = classify(rel)
            if test:
                skipped.append((rel, "test/example/build code"))
                continue
            exp = path[:-3] + ".expected"
            if not os.path.exists(exp):
                skipped.append((rel, "no .expected"))
                continue
            diags, errors = run_clippy(path, binary, sorted(lint_to_rule), work)
            if errors:
                skipped.append((rel, "does not compile: " + errors[0][:80]))
                continue
            hidden = cfg_test_lines(path)
            allowed = allow_comment_lines(path)
            all_mine = set(ours(exp))
            # One finding per rule and line on each side: rustc reports one
            # diagnostic per literal where a rule reports each character.
            theirs = sorted({(lint_to_rule[c], a, b) for c, a, b in diags
                             if c in lint_to_rule and a not in hidden
                             and not allowed.get(a, set()) & {lint_to_rule[c], "all"}
                             and (SUPERSEDED_BY.get(lint_to_rule[c]), a) not in all_mine})
            mine = sorted({(r, l) for r, l in all_mine if r in compared and l not in hidden})
            if binary:
                theirs = [t for t in theirs if t[0] not in LIBRARY_ONLY]
                mine = [m for m in mine if m[0] not in LIBRARY_ONLY]
            compare(stats, mismatches, rel, mine, theirs, args.show)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=os.path.join(os.path.dirname(os.path.abspath(__file__))))
    ap.add_argument("--binary", default=os.path.join("build", "rustreview"))
    ap.add_argument("--registry", default=REGISTRY)
    ap.add_argument("--no-crates", action="store_true", help="only tests/corpus")
    ap.add_argument("--verbose", action="store_true", help="list every disagreement")
    ap.add_argument("--show", action="append", default=[], metavar="RULE",
                    help="also list this rule's agreements (repeatable)")
    ap.add_argument("--crate", action="append", default=[], metavar="NAME",
                    help="compare this crate of the registry instead of the CRATES set (repeatable): "
                         "a held-out check that a change does not fit only the set")
    args = ap.parse_args()
    args.binary = os.path.abspath(args.binary)
    rules = rule_ids(args.binary)
    claims = rule_claims(args.binary)
    corpus_stats = defaultdict(lambda: {"tp": 0, "fp": 0, "fn": 0})
    crate_stats = defaultdict(lambda: {"tp": 0, "fp": 0, "fn": 0})
    skipped, corpus_mismatch, crate_mismatch, notes = [], [], [], []
    with tempfile.TemporaryDirectory() as work:
        known = known_clippy_lints([r for r in rules if r not in RUSTC_LINTS], work)
        compared = {r: lints_for(r, known) for r in rules}
        compared = {r: l for r, l in compared.items() if l}
        lint_to_rule = {l: r for r, ls in compared.items() for l in ls}
        run_corpus(args, compared, lint_to_rule, corpus_stats, corpus_mismatch, skipped, work)
        n_crates = 0
        if not args.no_crates:
            n_crates = run_crates(args, rules, compared, lint_to_rule, crate_stats,
                                  crate_mismatch, notes, work)
    print_table("tests/corpus (%s)" % os.path.relpath(args.corpus), compared, corpus_stats, claims)
    if n_crates:
        print_table("%d crates Debian ships as sources" % n_crates, compared, crate_stats, claims)
        total = defaultdict(lambda: {"tp": 0, "fp": 0, "fn": 0})
        for st in (corpus_stats, crate_stats):
            for r, s in st.items():
                for k in s:
                    total[r][k] += s[k]
        print_table("both", compared, total, claims)
        misses = []
        for r in sorted(compared):
            s = crate_stats[r]
            p = s["tp"] / (s["tp"] + s["fp"]) if s["tp"] + s["fp"] else 1.0
            rc = s["tp"] / (s["tp"] + s["fn"]) if s["tp"] + s["fn"] else 1.0
            if p < 0.98:
                misses.append("%s: precision %.2f on the crates (target 0.98)" % (r, p))
            if claims.get(r) == "same" and rc < 0.90:
                misses.append("%s: recall %.2f on the crates (target 0.90 for `same`)" % (r, rc))
        print("Targets missed on the crates: %s" % ("; ".join(misses) if misses else "none"))
        print()
    print("Rules without a clippy or rustc counterpart: %s" %
          (", ".join(sorted(set(rules) - set(compared))) or "none"))
    for rel, why in skipped:
        print("- skipped %s (%s)" % (rel, why))
    for n in notes:
        print("- " + n)
    if corpus_mismatch:
        print("\nDisagreements on tests/corpus:")
        for m in corpus_mismatch:
            print("- " + m)
    if crate_mismatch:
        print("\nDisagreements on the crates%s:" % ("" if args.verbose else " (first 60; --verbose for all)"))
        for m in crate_mismatch if args.verbose else crate_mismatch[:60]:
            print("- " + m)


if __name__ == "__main__":
    sys.exit(main())
