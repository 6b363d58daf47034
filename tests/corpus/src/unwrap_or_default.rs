//! unwrap_or_default needs a receiver type clippy finds certain (clippy 0.1.95).
use std::collections::HashMap;
pub fn f(v: &[(u8, u8)]) -> HashMap<u8, Vec<u8>> {
    let mut res = HashMap::new();
    for (k, x) in v { res.entry(*k).or_insert_with(Vec::new).push(*x); }
    res
}
pub fn g(v: &[(u8, u8)]) -> HashMap<u8, Vec<u8>> {
    let mut res: HashMap<u8, Vec<u8>> = HashMap::new();
    for (k, x) in v { res.entry(*k).or_insert_with(Vec::new).push(*x); }
    res
}
