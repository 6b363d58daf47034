#!/usr/bin/env python3
"""Generates a large corpus of realistic Rust for `make bench` (standard library only).

  gencorpus.py OUT_DIR [--bytes N] [--seed S] [--file-bytes N]

Writes OUT_DIR/src/m000.rs, m001.rs, ... until N bytes (default 5.5 MB) are
written, in files of about 22 KB (--file-bytes) (so a review stays under rustreview's default
300-file cap). Deterministic for a given seed.

Every file is a self-contained library module that uses only `std`, so
`clippy-driver --crate-type lib FILE` type-checks it and runs its lints (clippy
lints run only on code that compiles). The code is what a service crate looks
like: config structs with builders, error enums with Display, parsers with `?`,
traits and impls, iterator chains, state machines, locks and threads, async
fns, unsafe with and without SAFETY comments, unit tests — and, now and then,
what the rules exist for (unwrap, expect, dbg!, todo!, len() == 0, &Vec<T>
parameters), plus traps for text matchers (the words in comments and strings).
"""
import argparse
import os
import random
from string import Template

T = [Template(t) for t in (
# 0: config struct + builder + len_zero
r'''/// Settings for the $name connection pool.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolConfig$n {
    pub name: String,
    pub max_size: usize,
    pub timeout_ms: u64,
    pub tags: Vec<String>,
}

impl PoolConfig$n {
    /// Creates a config with the defaults used in production.
    pub fn new(name: &str) -> Self {
        PoolConfig$n {
            name: name.to_string(),
            max_size: $k,
            timeout_ms: 5_000,
            tags: Vec::new(),
        }
    }

    /// Adds a tag; tags show up in metrics labels.
    pub fn with_tag(mut self, tag: &str) -> Self {
        self.tags.push(tag.to_owned());
        self
    }

    pub fn is_default(&self) -> bool {
        self.tags.len() == 0 && self.max_size == $k
    }

    pub fn describe(&self) -> String {
        format!("{} (max {}, {} ms)", self.name, self.max_size, self.timeout_ms)
    }
}
''',
# 1: error enum + Display + parser with ?
r'''/// Why a level list could not be read.
#[derive(Debug)]
pub enum ParseError$n {
    Empty,
    BadNumber(std::num::ParseIntError),
    OutOfRange(i64),
}

impl std::fmt::Display for ParseError$n {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParseError$n::Empty => write!(f, "empty input"),
            ParseError$n::BadNumber(e) => write!(f, "bad number: {}", e),
            ParseError$n::OutOfRange(v) => write!(f, "{} is out of range", v),
        }
    }
}

impl std::error::Error for ParseError$n {}

/// Parses "1, 2, 3" into levels in 0..=$k. Never call .unwrap() on the result
/// in request handlers: the input comes from users.
pub fn parse_levels_$n(input: &str) -> Result<Vec<i64>, ParseError$n> {
    if input.trim().is_empty() {
        return Err(ParseError$n::Empty);
    }
    let mut out = Vec::with_capacity(8);
    for part in input.split(',') {
        let v: i64 = part.trim().parse().map_err(ParseError$n::BadNumber)?;
        if !(0..=$k).contains(&v) {
            return Err(ParseError$n::OutOfRange(v));
        }
        out.push(v);
    }
    Ok(out)
}
''',
# 2: unwrap / expect
r'''/// Reads the listening port from the environment value.
pub fn load_port_$n(raw: &str) -> u16 {
    let trimmed = raw.trim();
    let port: u16 = trimmed.parse().unwrap();
    port.max(1)
}

/// The first line of a message; callers guarantee it is not empty.
pub fn first_line_$n(text: &str) -> &str {
    text.lines().next().expect("text has at least one line")
}
''',
# 3: ptr_arg
r'''/// Total length of all items, used to size the output buffer.
pub fn total_len_$n(items: &Vec<String>) -> usize {
    let mut total = 0;
    for item in items.iter() {
        total += item.len();
    }
    total + $k
}
''',
# 4: dbg! and todo!
r'''/// Mean score of a batch, rounded down.
pub fn score_$n(values: &[u32]) -> u32 {
    let sum: u32 = values.iter().copied().sum();
    dbg!(sum);
    sum / (values.len() as u32).max(1)
}

/// Schema migration to version $k.
pub fn migrate_$n(_version: u32) -> Result<(), String> {
    todo!("migration $n")
}
''',
# 5: trait + impl over a HashMap
r'''/// A key-value store the cache layer writes through.
pub trait Store$n {
    fn get(&self, key: &str) -> Option<&String>;
    fn put(&mut self, key: String, value: String) -> Option<String>;
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[derive(Default)]
pub struct MemStore$n {
    map: std::collections::HashMap<String, String>,
    writes: u64,
}

impl Store$n for MemStore$n {
    fn get(&self, key: &str) -> Option<&String> {
        self.map.get(key)
    }

    fn put(&mut self, key: String, value: String) -> Option<String> {
        self.writes += 1;
        self.map.insert(key, value)
    }

    fn len(&self) -> usize {
        self.map.len()
    }
}
''',
# 6: iterator chains and closures
r'''/// Word counts, most frequent first, ties in alphabetical order.
pub fn histogram_$n(words: &[&str]) -> Vec<(String, usize)> {
    let mut counts: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for w in words.iter().map(|w| w.to_lowercase()).filter(|w| !w.is_empty()) {
        *counts.entry(w).or_insert(0) += 1;
    }
    let mut v: Vec<(String, usize)> = counts.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.truncate($k);
    v
}
''',
# 7: state machine
r'''/// Connection life cycle of the $name client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State$n {
    Idle,
    Connecting { attempt: u8 },
    Ready,
    Closed,
}

impl State$n {
    /// The next state after a connection attempt succeeded (ok) or failed.
    pub fn next(self, ok: bool) -> State$n {
        match (self, ok) {
            (State$n::Idle, _) => State$n::Connecting { attempt: 1 },
            (State$n::Connecting { .. }, true) => State$n::Ready,
            (State$n::Connecting { attempt }, false) if attempt < 3 => {
                State$n::Connecting { attempt: attempt + 1 }
            }
            (State$n::Connecting { .. }, false) => State$n::Closed,
            (State$n::Ready, false) => State$n::Closed,
            (s, _) => s,
        }
    }
}
''',
# 8: unsafe with a SAFETY comment, and one without
r'''/// Sums a slice through a raw pointer (the hot loop of the checksum).
pub fn sum_raw_$n(data: &[u64]) -> u64 {
    let mut acc = 0u64;
    let ptr = data.as_ptr();
    for i in 0..data.len() {
        // SAFETY: i < data.len(), so the read stays in bounds.
        acc = acc.wrapping_add(unsafe { *ptr.add(i) });
    }
    acc
}

pub fn peek_$n(data: &[u8]) -> u8 {
    if data.is_empty() {
        return 0;
    }
    unsafe { *data.as_ptr() }
}
''',
# 9: Arc<Mutex> and threads
r'''/// A counter shared between request threads.
pub struct Counter$n {
    inner: std::sync::Arc<std::sync::Mutex<u64>>,
}

impl Counter$n {
    pub fn new() -> Self {
        Counter$n { inner: std::sync::Arc::new(std::sync::Mutex::new($k)) }
    }

    pub fn bump(&self, by: u64) -> u64 {
        let mut g = self.inner.lock().unwrap();
        *g += by;
        *g
    }

    pub fn spawn_bumps(&self, n: usize) -> Vec<std::thread::JoinHandle<()>> {
        (0..n)
            .map(|i| {
                let inner = std::sync::Arc::clone(&self.inner);
                std::thread::spawn(move || {
                    if let Ok(mut g) = inner.lock() {
                        *g += i as u64;
                    }
                })
            })
            .collect()
    }
}
''',
# 10: async fn doing blocking I/O
r'''/// Size of the file at path (called from the async request handler).
pub async fn fetch_len_$n(path: &str) -> std::io::Result<usize> {
    let text = std::fs::read_to_string(path)?;
    Ok(text.len() + $k)
}
''',
# 11: tests module (exempt from production-only rules)
r'''#[cfg(test)]
mod tests_$n {
    fn double(x: u32) -> u32 {
        x * 2
    }

    #[test]
    fn doubles() {
        let v: Option<u32> = Some($k);
        assert_eq!(double(v.unwrap()), $k * 2);
        let s = "12".parse::<u32>().expect("a number");
        assert_eq!(s, 12);
    }
}
''',
# 12: plain data processing, nothing to report
r'''/// A sample of the $name time series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample$n {
    pub at_ms: u64,
    pub value: f64,
}

/// Moving average over windows of `width` samples.
pub fn moving_average_$n(samples: &[Sample$n], width: usize) -> Vec<f64> {
    if width == 0 || samples.len() < width {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(samples.len() - width + 1);
    let mut sum: f64 = samples[..width].iter().map(|s| s.value).sum();
    out.push(sum / width as f64);
    for i in width..samples.len() {
        sum += samples[i].value - samples[i - width].value;
        out.push(sum / width as f64);
    }
    out
}

/// Samples newer than `since_ms`, oldest first.
pub fn since_$n(samples: &[Sample$n], since_ms: u64) -> impl Iterator<Item = &Sample$n> + '_ {
    samples.iter().filter(move |s| s.at_ms > since_ms)
}
''',
# 13: string handling, Option combinators, a comment trap
r'''/// Splits "key=value" pairs; lines starting with '#' are comments.
/// (Text matchers beware: this comment says dbg!(x) and todo!() and x.unwrap().)
pub fn parse_pairs_$n(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

pub fn lookup_$n<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .or(Some("call .unwrap() later"))
}
''',
)]

# How often each template appears: the rule triggers are the minority, as in real code.
WEIGHTS = [3, 3, 1, 1, 1, 3, 3, 3, 1, 2, 1, 2, 4, 3]
NAMES = ["billing", "ingest", "search", "auth", "cache", "router", "storage", "metrics",
         "scheduler", "mailer", "gateway", "index"]
FILE_BYTES = 22_000


def unit(rng, n):
    i = rng.choices(range(len(T)), weights=WEIGHTS)[0]
    return T[i].substitute(n=n, k=rng.randint(2, 64), name=rng.choice(NAMES))


def write_file(path, rng, first_id, file_bytes):
    parts = ["//! The %s module (generated for rustreview's benchmarks).\n\n"
             "use std::collections::HashMap;\n\n"
             "/// Shared lookup type.\npub type Table = HashMap<String, u64>;\n" % os.path.basename(path)]
    size, n = len(parts[0]), first_id
    while size < file_bytes:
        u = unit(rng, n)
        parts.append("\n" + u)
        size += len(u) + 1
        n += 1
    with open(path, "w") as f:
        f.write("".join(parts))
    return size, n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--bytes", type=int, default=5_500_000)
    ap.add_argument("--seed", type=int, default=4)
    ap.add_argument("--file-bytes", type=int, default=FILE_BYTES)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    src = os.path.join(a.out, "src")
    os.makedirs(src, exist_ok=True)
    total, n, i = 0, 0, 0
    while total < a.bytes:
        size, n = write_file(os.path.join(src, "m%03d.rs" % i), rng, n, a.file_bytes)
        total += size
        i += 1
    print("gencorpus: %d files, %d bytes in %s" % (i, total, src))


if __name__ == "__main__":
    main()
