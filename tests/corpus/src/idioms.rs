//! Panics Rust teams accept (issue 11): lock poisoning passed on, expect
//! messages that state an invariant, documented panics, writes into a String,
//! disarmed drop guards. `// TP rule` marks a line where the rule must fire;
//! every other line is a negative for unwrap_used, expect_used, panic,
//! mem_forget and large_stack_arrays (`&[lit; N]` is promoted to a static).
#![allow(dead_code, unused_variables, unused_must_use)]

use std::fmt::Write as _;
use std::io::Write as _;
use std::mem;
use std::process::Child;
use std::sync::{Condvar, Mutex, RwLock};

pub struct Shared {
    count: Mutex<u32>,
    table: RwLock<Vec<u32>>,
    ready: Condvar,
}

pub fn bump(s: &Shared) -> u32 {
    let mut n = s.count.lock().unwrap();
    *n += 1;
    let t = s.table.read().unwrap();
    s.table.write().expect("table lock poisoned").push(*n);
    let g = s.ready.wait(n).unwrap();
    let (g, _) = s.ready.wait_while(g, |v| *v == 0).unwrap();
    *g + t.len() as u32
}

pub fn not_locks(s: &Shared, child: &mut Child) -> u32 {
    let status = child.wait().unwrap(); // TP unwrap_used
    let n = s.count.try_lock().unwrap(); // TP unwrap_used
    *n
}

pub fn messages(a: Option<u32>, b: Option<u32>, c: Option<u32>) -> u32 {
    let x = a.expect("checked is_some above");
    let y = b.expect("set by new() before the first poll");
    let z = c.expect("Future polled after completion");
    x + y + z
}

const MSG: &str = "why";

pub fn lazy_messages(a: Option<u32>, b: Option<u32>, c: Option<u32>, d: Option<u32>) -> u32 {
    let w = a.expect("failed to read the value"); // TP expect_used
    let x = b.expect("b is None"); // TP expect_used
    let y = c.expect("config"); // TP expect_used
    let z = d.expect(MSG); // TP expect_used
    w + x + y + z
}

/// Returns the first byte.
///
/// # Panics
///
/// Panics if `v` is empty.
pub fn first(v: &[u8]) -> u8 {
    if v.is_empty() {
        panic!("first of an empty slice");
    }
    *v.first().unwrap()
}

/// Returns the last byte: no `# Panics` section here.
pub fn last(v: &[u8]) -> u8 {
    *v.last().unwrap() // TP unwrap_used
}

trait Poisoned<T> {
    fn panic_if_poisoned(self) -> T;
}

impl<T, E: std::fmt::Debug> Poisoned<T> for Result<T, E> {
    fn panic_if_poisoned(self) -> T {
        match self {
            Ok(v) => v,
            Err(e) => panic!("lock poisoned: {e:?}"),
        }
    }
}

pub fn render(items: &[u32], out: &mut std::fs::File) -> String {
    let mut s = String::new();
    for i in items {
        write!(s, "{i},").unwrap();
    }
    writeln!(&mut s).unwrap();
    writeln!(out, "{s}").unwrap(); // TP unwrap_used
    s
}

struct AbortOnDrop;

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        std::process::abort();
    }
}

struct Defer<F: FnMut()>(F);

impl<F: FnMut()> Drop for Defer<F> {
    fn drop(&mut self) {
        (self.0)();
    }
}

impl<F: FnMut()> Defer<F> {
    fn cancel(self) {
        mem::forget(self);
    }
}

pub fn guarded(work: impl FnOnce(), m: &Mutex<u32>) {
    let bomb = AbortOnDrop;
    work();
    mem::forget(bomb);
    let g = m.lock().unwrap();
    mem::forget(g); // TP mem_forget
}

pub fn promoted() -> usize {
    let body = &[b'x'; 1024 * 1024];
    let buf = [0u8; 1 << 20]; // TP large_stack_arrays
    body.len() + buf.len()
}

pub struct Query(Option<u8>);

impl Query {
    fn nothing() -> Query {
        Query(None)
    }
    fn unwrap(self) -> Query {
        self
    }
}

pub fn swap(q: &mut Query) -> Query {
    mem::replace(q, Query::nothing()).unwrap()
}

pub fn checked(mut queries: Vec<u32>, e: Result<u32, String>, o: Option<u32>) -> u32 {
    if queries.len() == 1 {
        return queries.pop().unwrap();
    }
    if e.is_ok() {
        return e.clone().expect("ok");
    }
    let other: Option<u32> = None;
    if o.is_some() {
        return other.unwrap(); // TP unwrap_used
    }
    0
}

pub fn constants(n: u32, off: usize, len: usize, input: &str) -> u32 {
    let a: u32 = "42".parse().unwrap();
    let b = u32::from_str_radix("ff", 16).unwrap();
    let c: u32 = input.parse().unwrap(); // TP unwrap_used
    let d = len.checked_sub(off).unwrap();
    // OK because `off` was clamped to `len` by the caller.
    let e = len.checked_mul(2).map(|x| x - off).unwrap();
    let f = n.to_string().parse::<u32>().unwrap(); // TP unwrap_used
    a + b + c + d as u32 + e as u32 + f
}

pub fn inputs() -> std::fs::File {
    std::fs::File::open("/etc/app.toml").unwrap() // TP unwrap_used
}
