//! Rules with machine-applicable fixes.
use std::path::{Path, PathBuf};

pub fn total(items: &Vec<u64>) -> u64 { // TP ptr_arg
    items.iter().sum()
}

pub fn greet(name: &String, dir: &PathBuf) -> String { // TP ptr_arg for dir; name goes to format! as it is (clippy agrees)
    format!("{name} in {}", dir.display())
}

pub fn lifetimes<'a>(v: &'a Vec<u8>) -> &'a [u8] { // TP ptr_arg
    &v[..]
}

pub fn fine(items: &[u64], name: &str, dir: &Path, owned: Vec<u8>, grow: &mut Vec<u8>) {
    grow.extend(owned);
    let _ = (items, name, dir);
}

pub trait Render {
    fn render(&self, out: &String); // TP ptr_arg: fix the trait
}

pub struct Page;

impl Render for Page {
    fn render(&self, out: &String) { // trait impl: signature is the trait's
        let _ = out;
    }
}

pub fn sizes(v: &[u8], s: &str) -> u8 {
    let mut n = 0;
    if v.len() == 0 { // TP len_zero
        n += 1;
    }
    if s.len() != 0 { // TP len_zero
        n += 1;
    }
    if v.len() > 0 && 0 == s.len() { // TP len_zero x2
        n += 1;
    }
    if v.len() == 1 || s.len() > 2 {
        n += 1;
    }
    n
}

pub struct Stack(Vec<u8>);

impl Stack {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0 // defining is_empty in terms of len is fine
    }
}
