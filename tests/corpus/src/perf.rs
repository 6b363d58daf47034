//! Allocation and cloning: clones, eager fallbacks, temporary strings, collects, boxes.
#![allow(dead_code, clippy::needless_return)]
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt::Write;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;

fn takes(_s: &String) {} // no ptr_arg: unused parameter (clippy agrees)
fn make() -> String {
    String::from("made")
}

// --- redundant_clone -------------------------------------------------------

pub fn borrowed_clone(name: String, config: &Config) {
    takes(&name.clone()); // TP redundant_clone
    takes(&config.label.clone()); // fine: a field behind a reference (clippy agrees)
    takes(&name);
}

pub fn last_use() -> String {
    let key = String::from("k");
    let copy = key.clone(); // TP redundant_clone
    copy
}

pub fn still_used() -> (String, String) {
    let key = String::from("k");
    let copy = key.clone(); // fine: key is used again
    (copy, key)
}

pub fn loop_clone(s: String) -> usize {
    let mut n = 0;
    for _ in 0..2 {
        n += s.clone().len(); // fine: in a loop
    }
    n
}

pub fn tail_clone(s: String) -> String {
    s.clone() // TP redundant_clone
}

pub fn param_clone(s: &String) -> String {
    let copy = s.clone(); // fine: s is a reference, the clone makes the owned value
    copy
}

pub fn used_in_macro() -> String {
    let key = format!("{}", 1);
    let copy = key.clone(); // fine: key is used in the format! below
    format!("{copy}{}", key)
}

pub fn mutated_clone() -> String {
    let mut s = String::from("x");
    s.push('y');
    let mut t = s.clone(); // fine: clippy leaves clones that are then mutated alone
    t.push('z');
    t
}

// --- or_fun_call / unwrap_or_default -----------------------------------------

pub fn fallbacks(o: Option<String>, r: Result<String, ()>, n: Option<usize>, v: Vec<u8>) -> usize {
    let a = o.clone().unwrap_or(String::new()); // TP or_fun_call (unwrap_or_default)
    let b = o.clone().unwrap_or(make()); // TP or_fun_call
    let c = r.clone().unwrap_or("x".to_string()); // TP or_fun_call, redundant_clone (last use of r)
    let d = o.clone().map_or(make(), |s| s); // TP or_fun_call
    let e = o.clone().ok_or(format!("missing {}", 1)); // TP or_fun_call
    let f = o.clone().or(Some(make())); // TP or_fun_call
    let g = n.unwrap_or(v.len()); // fine: cheap
    let h = o.clone().map_or(String::new(), |s| s); // fine: const fn
    let i = o.clone().unwrap_or(Default::default()); // TP or_fun_call (unwrap_or_default)
    let j = n.unwrap_or(usize::pow(2, 3)); // fine: const fn
    let k = o.clone().or(None); // fine: no call
    let l = o.clone().unwrap_or_else(make); // TP redundant_clone (last use of o)
    let s = "o.unwrap_or(make())"; // fine: a string
    // o.unwrap_or(make())
    a.len() + b.len() + c.len() + d.len() + e.unwrap_or_default().len() + f.map_or(0, |x| x.len())
        + g + h.len() + i.len() + j + k.map_or(0, |x| x.len()) + l.len() + s.len()
}

pub fn entry(m: &mut HashMap<u8, Vec<u8>>) {
    m.entry(1).or_insert(Vec::with_capacity(8)).push(1); // TP or_fun_call
    m.entry(2).or_insert(Vec::new()).push(2); // TP or_fun_call (unwrap_or_default)
}

// --- format_push_string --------------------------------------------------------

pub fn report(items: &[(String, u32)]) -> String {
    let mut out = String::new();
    for (k, v) in items {
        out.push_str(&format!("{k}={v}\n")); // TP format_push_string
        out += &format!("{}", v); // TP format_push_string
        let _ = writeln!(out, "{k}"); // fine
        out.push_str(k); // fine
    }
    out.push_str("format!(..)"); // fine: a string
    out
}

// --- needless_collect ----------------------------------------------------------

pub fn counts(v: &[u32], words: &[&str]) -> usize {
    let a = v.iter().filter(|x| **x > 1).collect::<Vec<_>>().len(); // TP needless_collect
    let b = words.iter().map(|w| w.len()).collect::<Vec<usize>>().is_empty(); // TP needless_collect
    let c = words.iter().collect::<HashSet<_>>().len(); // fine: a set counts distinct items
    let evens: Vec<u32> = v.iter().filter(|x| **x % 2 == 0).cloned().collect(); // TP needless_collect
    let n = evens.len();
    let odds: Vec<u32> = v.iter().filter(|x| **x % 2 == 1).cloned().collect(); // fine: used twice
    let m = odds.len() + odds.iter().sum::<u32>() as usize;
    let all: Vec<u32> = v.iter().map(|x| x + 1).collect(); // fine: iterated (clippy agrees)
    let mut t = 0;
    for x in all {
        t += x;
    }
    a + b as usize + c + n + m + t as usize
}

// --- box_collection / rc_buffer ------------------------------------------------

struct Config {
    label: String,
    items: Box<Vec<u8>>,             // TP box_collection
    name: Box<String>,               // TP box_collection
    index: Option<Box<HashMap<u8, u8>>>, // TP box_collection
    shared: Rc<String>,              // TP rc_buffer
    bytes: Arc<Vec<u8>>,             // TP rc_buffer
    path: Arc<PathBuf>,              // TP rc_buffer
    fine: Arc<str>,                  // fine
    boxed: Box<[u8]>,                // fine
}

pub struct Exported {
    pub items: Box<Vec<u8>>, // fine: exported API (clippy's avoid-breaking-exported-api)
    hidden: Box<Vec<u8>>,    // TP box_collection
}

fn private_sig(v: Box<Vec<u8>>) -> Rc<Vec<u8>> { // TP box_collection, rc_buffer
    Rc::new(*v)
}

pub fn public_sig(v: Box<Vec<u8>>) -> usize { // fine: exported
    let local: Box<Vec<u8>> = Box::new(Vec::new()); // fine: let annotations are not checked
    v.len() + local.len()
}

trait Store {
    fn put(&self, v: Box<String>); // TP box_collection
}

impl Store for Config {
    fn put(&self, _v: Box<String>) {} // fine: the trait's signature
}

type Alias = Box<Vec<u8>>; // fine: aliases are not checked

// --- large_stack_arrays --------------------------------------------------------

static TABLE: [u8; 1 << 20] = [0; 1 << 20]; // fine: static data

pub fn buffers() -> usize {
    let big = [0u8; 600_000]; // TP large_stack_arrays
    let words = [0u64; 70_000]; // TP large_stack_arrays
    let matrix = [[0u32; 512]; 512]; // TP large_stack_arrays
    let small = [0u8; 4096]; // fine
    let heap = vec![0u8; 1 << 20]; // fine: heap
    let shifted = [0u8; 1 << 20]; // TP large_stack_arrays
    big[0] as usize + words[0] as usize + matrix[0][0] as usize + small[0] as usize + heap[0] as usize
        + shifted[0] as usize + TABLE[0] as usize
}

// --- useless_format ------------------------------------------------------------

pub fn labels(name: &str, owned: &String, count: u32, cow: &&Cow<'_, str>) -> Vec<String> {
    let mut out = Vec::new();
    out.push(format!("plain text")); // TP useless_format
    out.push(format!("{}", name)); // TP useless_format
    out.push(format!("{}", owned)); // TP useless_format
    out.push(format!("{}", count.to_string())); // TP useless_format
    out.push(format!("{}", "lit")); // TP useless_format
    out.push(format!("{}", count)); // fine: a number
    out.push(format!("{name}!")); // fine: formats something
    out.push(format!("{{}}")); // fine: an escape (clippy flags it; we do not rewrite escapes)
    out.push(cow.to_string()); // fine: std specialises ToString through references
    out.push("format!(\"x\")".to_string()); // fine: a string
    out
}

pub fn shadowed(name: &str) -> String {
    let name = name.len();
    format!("{}", name) // fine: rebound as a number
}
