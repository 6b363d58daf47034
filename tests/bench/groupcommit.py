#!/usr/bin/env python3
"""Group commit, measured before it exists: bot/queue.c's exact schema, pragmas
and per-delivery SQL (dedup lookup, insert, supersede older heads), run with one
transaction — so one WAL fsync — per delivery (what queue_enqueue does today)
and with B deliveries per transaction (what a group-committing queue would do
under load). Standard library only; Python's per-statement overhead is in both
columns, so the ratio is the point.

  groupcommit.py DIR SECONDS BATCH...   -> one JSON line {"B": per_second, ...}
"""
import json
import os
import sqlite3
import sys
import time

# Copied from bot/queue.c (schema_v1, insert_job, supersede_older, find_delivery).
SCHEMA = """
CREATE TABLE jobs ( id INTEGER PRIMARY KEY, delivery_id TEXT NOT NULL, forge TEXT NOT NULL,
 owner TEXT NOT NULL, repo TEXT NOT NULL, number INTEGER NOT NULL, head_sha TEXT NOT NULL,
 request_json TEXT NOT NULL, state TEXT NOT NULL CHECK (state IN
  ('queued','running','done','failed','superseded')), attempts INTEGER NOT NULL DEFAULT 0,
 not_before INTEGER NOT NULL, lease_until INTEGER, last_error TEXT, created_at INTEGER NOT NULL,
 updated_at INTEGER NOT NULL, UNIQUE (forge, delivery_id));
CREATE INDEX jobs_ready ON jobs (state, not_before, id);
CREATE INDEX jobs_pull ON jobs (forge, owner, repo, number, state);
"""
FIND = "SELECT id FROM jobs WHERE forge = ?1 AND delivery_id = ?2"
INSERT = ("INSERT INTO jobs (delivery_id, forge, owner, repo, number, head_sha, request_json,"
          " state, attempts, not_before, created_at, updated_at)"
          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'queued', 0, ?8, ?8, ?8)")
SUPERSEDE = ("UPDATE jobs SET state = 'superseded', updated_at = ?1,"
             " last_error = 'superseded by job ' || ?2"
             " WHERE forge = ?3 AND owner = ?4 AND repo = ?5 AND number = ?6"
             " AND head_sha <> ?7 AND state = 'queued' AND id < ?2")
REQUEST_JSON = "x" * 382   # the size of a stored review_request


def one_run(path, seconds, batch):
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    con.executescript(SCHEMA)
    n, t0 = 0, time.perf_counter()
    deadline = t0 + seconds
    while time.perf_counter() < deadline:
        con.execute("BEGIN IMMEDIATE")
        for _ in range(batch):
            number, head = 1 + n % 64, "%040x" % (0xbe0c4 + (n // 64) % 4)
            now = int(time.time())
            con.execute(FIND, ("github", "gc-%d" % n)).fetchone()
            cur = con.execute(INSERT, ("gc-%d" % n, "github", "Codertocat", "Hello-World", number,
                                       head, REQUEST_JSON, now))
            con.execute(SUPERSEDE, (now, cur.lastrowid, "github", "Codertocat", "Hello-World",
                                    number, head))
            n += 1
        con.execute("COMMIT")
    elapsed = time.perf_counter() - t0
    con.close()
    return n / elapsed


def main():
    d, seconds, batches = sys.argv[1], float(sys.argv[2]), [int(b) for b in sys.argv[3:]]
    path = os.path.join(d, "groupcommit.db")
    out = {str(b): round(one_run(path, seconds, b)) for b in batches}
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
