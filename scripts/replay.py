#!/usr/bin/env python3
"""make replay: what rustreview would post on real pull requests.

Replays the corpora in ../shared/corpora (see its README): each listed commit C
of a bundle is treated as a pull request from C^ to C and reviewed with
`rustreview check --repo DIR --format json C^ C`. Writes one markdown file a
person can read through, build/replay/replay.md: every comment that would be
posted, with a few lines of code around it, then counts per rule, per pull
request, and the time taken. Also build/replay/findings.tsv (one finding a
line, the key used by tests/replay/judgements.tsv).

Grouping of repeats is done by the forge publisher, not by `check`: the counts
here are what `check` reports, plus what grouping would leave (more than
GROUP_THRESHOLD findings of one rule in one file become one comment; at most
RULE_BUDGET comments of one rule per pull request, the rest only counted in
the summary), computed here.

When tests/replay/judgements.tsv exists, each comment shows its verdict
(worth / unwelcome / wrong) and the per-rule table counts them; a comment with
no verdict yet is counted as "unjudged".

Standard library only. The corpora are measurement data: nothing from them is
copied into the project's tree.
"""
import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

GROUP_THRESHOLD = 3
RULE_BUDGET = 10
CONTEXT_LINES = 3
VERDICTS = ("worth", "unwelcome", "wrong")


def git(repo, *args, check=True):
    r = subprocess.run(["git", "-C", repo, *args], capture_output=True)
    if check and r.returncode != 0:
        raise RuntimeError("git %s: %s" % (" ".join(args), r.stderr.decode(errors="replace")))
    return r.stdout


def clone(bundle, dest):
    subprocess.run(["git", "clone", "-q", bundle, dest], check=True)


class Blobs:
    """The text of path at commit, cached (several findings share a file)."""

    def __init__(self, repo):
        self.repo = repo
        self.cache = {}

    def lines(self, commit, path):
        key = (commit, path)
        if key not in self.cache:
            out = git(self.repo, "show", "%s:%s" % (commit, path), check=False)
            self.cache[key] = out.decode("utf-8", errors="replace").split("\n")
        return self.cache[key]


def load_judgements(path):
    """key -> (verdict, note). Lines: corpus commit path line rule verdict note
    [after [round2 round2-note [round3 round3-note]]]: `after` is the verdict of
    the comment as the first round's rules worded it, when that differs from the
    verdict at the start; `round2` / `round3` the verdict of the comment as
    posted after the second round (branch quality2) / the third (quality3), with
    its note. The latest verdict given wins; a row new in a later round has "-"
    as its first verdict."""
    j = {}
    if not os.path.exists(path):
        return j
    with open(path, encoding="utf-8") as f:
        for raw in f:
            raw = raw.rstrip("\n")
            if not raw or raw.startswith("#"):
                continue
            parts = raw.split("\t")
            if len(parts) < 6:
                continue
            parts += [""] * (12 - len(parts))
            key = tuple(parts[:5])
            verdict, note = parts[5], parts[6]
            if parts[7]:
                verdict = parts[7]
            if parts[8]:
                verdict, note = parts[8], parts[9]
            if parts[10]:
                verdict, note = parts[10], parts[11]
            if verdict in VERDICTS:
                j[key] = (verdict, note)
    return j


def finding_key(corpus, commit, f):
    return (corpus, commit[:12], f["path"], str(f["line"]), f["rule"])


def group(findings):
    """The comments grouping would post: (kept, grouped_away, over_budget).

    findings: one PR's findings. A rule with more than GROUP_THRESHOLD findings
    in one file posts one comment (at its first finding) for all of them; then
    at most RULE_BUDGET comments per rule for the PR.
    """
    by_rule_file = collections.OrderedDict()
    for f in findings:
        by_rule_file.setdefault((f["rule"], f["path"]), []).append(f)
    comments = []
    grouped_away = 0
    for (_rule, _path), fs in by_rule_file.items():
        if len(fs) > GROUP_THRESHOLD:
            comments.append(fs[0])
            grouped_away += len(fs) - 1
        else:
            comments.extend(fs)
    per_rule = collections.Counter()
    kept, over = [], 0
    for f in comments:
        per_rule[f["rule"]] += 1
        if per_rule[f["rule"]] <= RULE_BUDGET:
            kept.append(f)
        else:
            over += 1
    return kept, grouped_away, over


def posted(corpus, commit, findings, judgements):
    """The comments the publisher would post for one PR, each with a verdict:
    [(finding, verdict, members)]. A grouped comment (more than GROUP_THRESHOLD
    of one rule in one file) is judged as one: wrong if any member is wrong,
    else worth if its first finding is, else the first finding's verdict."""
    by_rule_file = collections.OrderedDict()
    for f in findings:
        by_rule_file.setdefault((f["rule"], f["path"]), []).append(f)
    kept, _grouped, _over = group(findings)
    out = []
    for f in kept:
        members = by_rule_file[(f["rule"], f["path"])]
        if len(members) <= GROUP_THRESHOLD:
            members = [f]
        verdicts = [judgements.get(finding_key(corpus, commit, m), ("unjudged", ""))[0]
                    for m in members]
        verdict = "wrong" if "wrong" in verdicts else verdicts[0]
        out.append((f, verdict, len(members)))
    return out


def replay_corpus(binary, corpus, bundle, commits, workdir, limit):
    repo = os.path.join(workdir, corpus)
    if not os.path.isdir(os.path.join(repo, ".git")):
        clone(bundle, repo)
    blobs = Blobs(repo)
    prs = []
    for c in commits[:limit] if limit else commits:
        t0 = time.monotonic()
        r = subprocess.run([binary, "check", "--repo", repo, "--format", "json",
                            c + "^", c], capture_output=True)
        elapsed = time.monotonic() - t0
        if r.returncode not in (0, 1):
            prs.append({"commit": c, "error": "exit %d: %s" % (r.returncode, r.stderr.decode(errors="replace").strip()),
                        "findings": [], "elapsed": elapsed, "subject": ""})
            continue
        findings = json.loads(r.stdout.decode())["findings"]
        subject = git(repo, "log", "-1", "--format=%s", c).decode(errors="replace").strip()
        prs.append({"commit": c, "findings": findings, "elapsed": elapsed,
                    "subject": subject, "error": None})
    return repo, blobs, prs


def context_block(blobs, commit, f):
    lines = blobs.lines(commit, f["path"])
    lo = max(1, f["line"] - CONTEXT_LINES)
    hi = min(len(lines), max(f["end_line"], f["line"]) + CONTEXT_LINES)
    out = []
    for n in range(lo, hi + 1):
        mark = "*" if f["line"] <= n <= max(f["end_line"], f["line"]) else " "
        out.append("%s%5d | %s" % (mark, n, lines[n - 1]))
    return "\n".join(out)


def corpus_row(corpus, v):
    """A row of the per-corpus tables: the verdict counts v and worth % of judged."""
    judged = v["worth"] + v["unwelcome"] + v["wrong"]
    return "| %s | %d | %d | %d | %d | %d | %s |" % (
        corpus, sum(v.values()), v["worth"], v["unwelcome"], v["wrong"], v["unjudged"],
        ("%.0f %%" % (100.0 * v["worth"] / judged)) if judged else "-")


def write_report(out, results, judgements, total_time):
    md = []
    tsv = ["corpus\tcommit\tpath\tline\trule\tverdict\tmessage"]
    rule_counts = collections.Counter()
    rule_kept = collections.Counter()
    rule_verdicts = collections.defaultdict(collections.Counter)
    corpus_verdicts = collections.defaultdict(collections.Counter)
    posted_rule = collections.defaultdict(collections.Counter)
    posted_corpus = collections.defaultdict(collections.Counter)
    pr_rows = []
    n_comments = 0
    for corpus, (_repo, blobs, prs) in results.items():
        for pr in prs:
            kept, grouped, over = group(pr["findings"])
            pr_rows.append((corpus, pr["commit"][:12], len(pr["findings"]), len(kept),
                            grouped, over, pr["elapsed"], pr["error"]))
            for f in pr["findings"]:
                rule_counts[f["rule"]] += 1
            for f in kept:
                rule_kept[f["rule"]] += 1
            for f, verdict, _n in posted(corpus, pr["commit"], pr["findings"], judgements):
                posted_rule[f["rule"]][verdict] += 1
                posted_corpus[corpus][verdict] += 1
    md.append("# rustreview replay\n")
    md.append("Each listed commit C reviewed as a pull request C^..C with "
              "`rustreview check --format json`. Total time %.1f s.\n" % total_time)
    for corpus, (_repo, _blobs, prs) in results.items():
        n = sum(len(p["findings"]) for p in prs)
        with_f = sum(1 for p in prs if p["findings"])
        t = sum(p["elapsed"] for p in prs)
        errs = sum(1 for p in prs if p["error"])
        kept = sum(len(group(p["findings"])[0]) for p in prs)
        md.append("- **%s**: %d pull requests, %d findings on %d of them, %d comments after "
                  "grouping (threshold %d, budget %d), %d errors, check time %.1f s "
                  "(%.0f ms per PR)" % (corpus, len(prs), n, with_f, kept, GROUP_THRESHOLD,
                                         RULE_BUDGET, errs, t, 1000 * t / max(1, len(prs))))
    md.append("")
    # Comments, grouped by PR.
    md.append("## Comments\n")
    for corpus, (_repo, blobs, prs) in results.items():
        for pr in prs:
            if pr["error"]:
                md.append("### %s %s: ERROR\n\n```\n%s\n```\n" % (corpus, pr["commit"][:12],
                                                                   pr["error"]))
                continue
            if not pr["findings"]:
                continue
            md.append("### %s %s — %s\n" % (corpus, pr["commit"][:12], pr["subject"]))
            for f in pr["findings"]:
                n_comments += 1
                key = finding_key(corpus, pr["commit"], f)
                verdict, note = judgements.get(key, ("unjudged", ""))
                rule_verdicts[f["rule"]][verdict] += 1
                corpus_verdicts[corpus][verdict] += 1
                md.append("#### C%d `%s` %s:%d:%d — **%s**%s\n" % (
                    n_comments, f["rule"], f["path"], f["line"], f["column"], verdict,
                    (" (" + note + ")") if note else ""))
                md.append("> " + f["message"].replace("\n", "\n> ") + "\n")
                md.append("```rust\n" + context_block(blobs, pr["commit"], f) + "\n```\n")
                tsv.append("\t".join(list(key) + [verdict, f["message"][:80].replace("\t", " ")]))
    # Tables.
    md.append("## Per rule\n")
    md.append("| rule | findings | comments after grouping | worth | unwelcome | wrong | unjudged |")
    md.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for rule in sorted(rule_counts, key=lambda r: (-rule_counts[r], r)):
        v = rule_verdicts[rule]
        md.append("| %s | %d | %d | %d | %d | %d | %d |" % (
            rule, rule_counts[rule], rule_kept[rule], v["worth"], v["unwelcome"], v["wrong"],
            v["unjudged"]))
    md.append("")
    md.append("## Per corpus\n")
    md.append("| corpus | comments | worth | unwelcome | wrong | unjudged | worth % of judged |")
    md.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for corpus, v in corpus_verdicts.items():
        md.append(corpus_row(corpus, v))
    md.append("")
    md.append("## Posted comments (after grouping), judged\n")
    md.append("What the publisher would post: a grouped comment counts once (wrong if any "
              "member is wrong, else its first finding's verdict).\n")
    md.append("| rule | comments | worth | unwelcome | wrong | unjudged |")
    md.append("| --- | ---: | ---: | ---: | ---: | ---: |")
    for rule in sorted(posted_rule, key=lambda r: (-sum(posted_rule[r].values()), r)):
        v = posted_rule[rule]
        md.append("| %s | %d | %d | %d | %d | %d |" % (rule, sum(v.values()), v["worth"],
                                                       v["unwelcome"], v["wrong"], v["unjudged"]))
    md.append("")
    md.append("| corpus | comments | worth | unwelcome | wrong | unjudged | worth % of judged |")
    md.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    both = collections.Counter()
    for corpus, v in list(posted_corpus.items()) + [("both", None)]:
        if v is None:
            v = both
        else:
            both.update(v)
        md.append(corpus_row(corpus, v))
    md.append("")
    md.append("## Per pull request (with findings)\n")
    md.append("| corpus | commit | findings | comments after grouping | grouped away | over budget | ms |")
    md.append("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for row in pr_rows:
        if row[2] or row[7]:
            md.append("| %s | %s | %d | %d | %d | %d | %.0f |" % (
                row[0], row[1], row[2], row[3], row[4], row[5], 1000 * row[6]))
    md.append("")
    slow = sorted(pr_rows, key=lambda r: -r[6])[:5]
    md.append("Slowest checks: " + ", ".join("%s %s %.0f ms" % (r[0], r[1], 1000 * r[6])
                                             for r in slow) + "\n")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "replay.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(md) + "\n")
    with open(os.path.join(out, "findings.tsv"), "w", encoding="utf-8") as f:
        f.write("\n".join(tsv) + "\n")
    return rule_counts, corpus_verdicts, posted_corpus


def find_corpora():
    """../shared/corpora from here or from a parent (a worktree sits deeper)."""
    d = os.getcwd()
    while True:
        cand = os.path.join(os.path.dirname(d), "shared", "corpora")
        if os.path.isdir(cand):
            return cand
        if os.path.dirname(d) == d:
            return None
        d = os.path.dirname(d)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default="build/rustreview")
    ap.add_argument("--corpora", help="the corpora folder (default: ../shared/corpora, "
                    "looked for above the working directory)")
    ap.add_argument("--out", default="build/replay")
    ap.add_argument("--judgements", default="tests/replay/judgements.tsv")
    ap.add_argument("--only", help="one corpus (hyper or ripgrep)")
    ap.add_argument("--limit", type=int, default=0, help="first N commits of each list")
    ap.add_argument("--keep", help="clone into this directory and keep it")
    a = ap.parse_args()

    if not a.corpora:
        a.corpora = find_corpora()
    if not a.corpora or not os.path.isdir(a.corpora):
        print("replay: %s is absent; nothing to replay" % a.corpora)
        return 0
    corpora = []
    for name in sorted(os.listdir(a.corpora)):
        if name.endswith(".bundle"):
            corpus = name[:-len(".bundle")]
            lst = os.path.join(a.corpora, corpus + "-replay.txt")
            if os.path.exists(lst) and (not a.only or a.only == corpus):
                corpora.append((corpus, os.path.join(a.corpora, name), lst))
    binary = os.path.abspath(a.binary)
    workdir = a.keep or tempfile.mkdtemp(prefix="rr-replay-")
    os.makedirs(workdir, exist_ok=True)
    results = collections.OrderedDict()
    t0 = time.monotonic()
    try:
        for corpus, bundle, lst in corpora:
            with open(lst) as f:
                commits = [line.strip() for line in f if line.strip()]
            results[corpus] = replay_corpus(binary, corpus, bundle, commits, workdir, a.limit)
            print("replay: %s: %d pull requests" % (corpus, len(results[corpus][2])))
        total = time.monotonic() - t0
        counts, verdicts, posted_v = write_report(a.out, results, load_judgements(a.judgements),
                                                  total)
    finally:
        if not a.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    for corpus, v in verdicts.items():
        print("replay: %s: %d comments (%s)" % (corpus, sum(v.values()),
              ", ".join("%s %d" % (k, v[k]) for k in VERDICTS + ("unjudged",) if v[k])))
    for corpus, v in posted_v.items():
        print("replay: %s: %d posted after grouping (%s)" % (corpus, sum(v.values()),
              ", ".join("%s %d" % (k, v[k]) for k in VERDICTS + ("unjudged",) if v[k])))
    print("replay: per rule: " + ", ".join("%s %d" % (r, n) for r, n in counts.most_common()))
    print("replay: %.1f s; report in %s" % (time.monotonic() - t0,
                                              os.path.join(a.out, "replay.md")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
