//! Error handling, panics, unsafe and process control (rules batch 1).
//! `// TP rule` marks a line where the rule must fire; every other line of
//! this file is a negative for the rules of this batch.
#![allow(dead_code, unused_imports, unused_variables, clippy::needless_return)]

use std::collections::HashMap;
use std::error::Error;
use std::fs;
use std::io::{self, Write};
use std::mem::{self, forget, transmute};
use std::process::exit;

pub struct Store {
    map: HashMap<String, String>,
}

// --- unwrap_in_result ----------------------------------------------------

/// # Errors
/// Fails when the key is missing.
pub fn port(s: &str) -> Result<u16, std::num::ParseIntError> {
    let v = s.trim().parse::<u16>().unwrap(); // TP unwrap_in_result
    Ok(v)
}

/// # Errors
/// Never, really.
pub fn first_char(s: &str) -> Option<char> {
    let c = s.chars().next().unwrap(); // TP unwrap_in_result (with `?` suggestion)
    Some(c)
}

/// # Errors
/// On I/O errors.
pub fn read_all(path: &str) -> io::Result<String> {
    let text = fs::read_to_string(path).expect("readable"); // TP unwrap_in_result
    Ok(text)
}

/// # Errors
/// Wrong receiver kind: an Option in a Result fn needs `.ok_or(..)?`, so this
/// stays unwrap_used's (not unwrap_in_result's).
pub fn lookup(m: &HashMap<String, u8>, k: &str) -> Result<u8, String> {
    let v = m.get(k).unwrap();
    Ok(*v)
}

/// # Errors
/// Closures: `?` would leave the closure, not the fn.
pub fn closures(xs: &[Option<u8>]) -> Result<u8, String> {
    let total: u8 = xs.iter().map(|x| x.unwrap()).sum();
    Ok(total)
}

pub fn plain(x: Option<u8>) -> u8 {
    x.unwrap_or(0)
}

/// # Errors
/// `unwrap_or` and friends do not panic.
pub fn no_panic(x: Option<u8>) -> Option<u8> {
    let s = "x.unwrap()";
    let r = r#"y.unwrap()"#;
    // z.unwrap()
    Some(x.unwrap_or_default())
}

// --- missing_panics_doc --------------------------------------------------

pub fn may_panic(x: Option<u8>) -> u8 { // TP missing_panics_doc
    x.expect("x is set")
}

pub fn asserts(x: u8) -> u8 { // TP missing_panics_doc
    assert!(x > 1, "x too small");
    x
}

/// Doubles `x`.
///
/// # Panics
///
/// Panics if `x` is zero.
pub fn documented_panic(x: u8) -> u8 {
    assert_ne!(x, 0);
    x * 2
}

pub fn debug_only(x: u8) -> u8 {
    debug_assert!(x > 1);
    x
}

pub fn placeholders(x: u8) -> u8 {
    if x == 0 {
        unreachable!("checked by the caller")
    }
    x
}

fn private_panics(x: Option<u8>) -> u8 {
    x.unwrap()
}

pub(crate) fn crate_panics(x: Option<u8>) -> u8 {
    x.unwrap()
}

pub fn nested_fn_panics() -> u8 {
    fn inner(x: Option<u8>) -> u8 {
        x.unwrap()
    }
    inner(Some(1))
}

// --- missing_errors_doc --------------------------------------------------

pub fn load(path: &str) -> io::Result<Vec<u8>> { // TP missing_errors_doc
    fs::read(path)
}

/// Loads a file.
///
/// ## Errors
///
/// Returns the I/O error when `path` cannot be read.
pub fn load_documented(path: &str) -> io::Result<Vec<u8>> {
    fs::read(path)
}

/**
 * Block doc comment.
 *
 * # Errors
 *
 * When the file is missing.
 */
pub fn load_block_doc(path: &str) -> io::Result<Vec<u8>> {
    fs::read(path)
}

#[doc = "# Errors"]
pub fn load_doc_attr(path: &str) -> io::Result<Vec<u8>> {
    fs::read(path)
}

/// Errors are mentioned here but not as a section.
pub async fn fetch(path: &str) -> Result<(), String> { // TP missing_errors_doc
    Ok(())
}

impl Store {
    pub fn get(&self, k: &str) -> Result<&String, String> { // TP missing_errors_doc
        self.map.get(k).ok_or_else(|| k.to_string())
    }

    fn private_get(&self, k: &str) -> Result<&String, String> {
        self.map.get(k).ok_or_else(|| k.to_string())
    }
}

pub trait Source {
    fn read(&mut self) -> Result<u8, String>; // TP missing_errors_doc
}

impl Source for Store {
    fn read(&mut self) -> Result<u8, String> {
        Ok(0)
    }
}

mod private {
    pub fn hidden() -> Result<(), ()> {
        Ok(())
    }
}

// --- missing_safety_doc --------------------------------------------------

pub unsafe fn read_ptr(p: *const u8) -> u8 { // TP missing_safety_doc
    // SAFETY: the caller passes a valid pointer.
    unsafe { *p }
}

/// Reads one byte.
///
/// # Safety
///
/// `p` must be valid for reads.
pub unsafe fn read_ptr_documented(p: *const u8) -> u8 {
    // SAFETY: guaranteed by the caller, see `# Safety`.
    unsafe { *p }
}

pub unsafe trait Zeroable {} // TP missing_safety_doc

pub trait RawIo {
    unsafe fn raw(&self, p: *mut u8); // TP missing_safety_doc
}

unsafe fn private_unsafe(p: *const u8) -> u8 {
    // SAFETY: test helper.
    unsafe { *p }
}

// --- undocumented_unsafe_blocks (unsafe impl) ----------------------------

pub struct Handle(*mut u8);

unsafe impl Send for Handle {} // TP undocumented_unsafe_blocks

// SAFETY: `Handle` is only ever used behind a Mutex.
unsafe impl Sync for Handle {}

// --- mem_forget ----------------------------------------------------------

pub fn leak(s: String, v: Vec<u8>, f: fs::File) {
    std::mem::forget(s); // TP mem_forget
    mem::forget(v); // TP mem_forget
    forget(f); // TP mem_forget
    let m = std::mem::ManuallyDrop::new(String::new());
}

// --- transmute_without_safety --------------------------------------------

pub fn bits(x: u32) -> f32 {
    unsafe { std::mem::transmute::<u32, f32>(x) } // TP transmute_without_safety
}

pub fn bits_documented(x: u32) -> f32 {
    // SAFETY: u32 and f32 have the same size and every bit pattern is a valid f32.
    unsafe { transmute(x) }
}

/// # Safety
///
/// `x` must be 0 or 1.
pub unsafe fn to_bool(x: u8) -> bool {
    transmute(x) // TP transmute_without_safety
}

/// # Safety
///
/// `x` must be 0 or 1.
pub unsafe fn to_bool_documented(x: u8) -> bool {
    // SAFETY: the caller guarantees 0 or 1, the only valid bools.
    transmute(x)
}

// --- static_mut_refs -----------------------------------------------------

static mut COUNTER: u64 = 0; // TP static_mut_refs

static LIMIT: u64 = 10;

pub fn bump() -> u64 {
    // SAFETY: single-threaded in this example.
    unsafe {
        COUNTER += 1;
        let r = &raw const COUNTER;
        let shared = &COUNTER;
        *shared + *r
    }
}

// --- exit ----------------------------------------------------------------

pub fn die(code: i32) {
    if code > 1 {
        std::process::exit(code); // TP exit
    }
    exit(code); // TP exit
}

// --- box_dyn_error_in_public_api -----------------------------------------

/// # Errors
/// Always.
pub fn parse_cfg(s: &str) -> Result<u8, Box<dyn Error>> { // TP box_dyn_error_in_public_api
    Ok(s.len() as u8)
}

/// # Errors
/// Always.
pub fn parse_cfg_sync(s: &str) -> Result<u8, Box<dyn std::error::Error + Send + Sync>> { // TP box_dyn_error_in_public_api
    Ok(s.len() as u8)
}

fn internal_cfg(s: &str) -> Result<u8, Box<dyn Error>> {
    Ok(s.len() as u8)
}

// --- print_stderr --------------------------------------------------------

pub fn warn(msg: &str) {
    eprintln!("warning: {msg}"); // TP print_stderr
    eprint!("!"); // TP print_stderr
    let s = "eprintln!(\"not code\")";
    // eprintln!("a comment");
}

// --- let_underscore_must_use ---------------------------------------------

/// # Errors
/// When the last flush fails.
pub fn ignore_errors(w: &mut fs::File, path: &str) -> io::Result<()> {
    let _ = w.write_all(b"data"); // TP let_underscore_must_use
    let _ = w.flush(); // TP let_underscore_must_use
    let _ = fs::rename(path, "/tmp/x"); // TP let_underscore_must_use
    let _ = fs::remove_file(path);
    let _ = w.write_all(b"data")?;
    let _guard = w.flush();
    w.flush()
}

// --- macro_rules! bodies and test code are not reported -------------------

macro_rules! noisy {
    ($e:expr) => {{
        eprintln!("{}", $e);
        std::process::exit(1);
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn helper() -> Result<u8, String> {
        let v = Some(1).unwrap();
        eprintln!("debug");
        Ok(v)
    }

    #[test]
    fn t() {
        std::process::exit(0);
    }
}
