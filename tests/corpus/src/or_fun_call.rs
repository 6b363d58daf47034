//! or_fun_call and unwrap_or_default as clippy 0.1.95 reports them.
#![warn(clippy::or_fun_call, clippy::unwrap_or_default)]
use std::collections::HashMap;
use std::time::{Duration, Instant};
pub fn a1(o: Option<u32>) -> u32 { o.unwrap_or(0) }
pub fn a2(o: Option<String>) -> String { o.unwrap_or(String::new()) }
pub fn a3(o: Option<Vec<u8>>) -> Vec<u8> { o.unwrap_or(Vec::new()) }
pub fn a4(o: Option<Vec<u8>>) -> Vec<u8> { o.unwrap_or_else(Default::default) }
pub fn a5(o: Option<Vec<u8>>) -> Vec<u8> { o.unwrap_or_else(Vec::new) }
pub fn a6(o: Option<Vec<u8>>) -> Vec<u8> { o.unwrap_or(vec![]) }
pub fn a7(o: Option<String>) -> String { o.unwrap_or(Default::default()) }
pub fn a8(o: Option<String>) -> String { o.unwrap_or("".to_string()) }
pub fn a9(o: Option<String>) -> String { o.unwrap_or_else(|| String::new()) }
pub fn a10(o: Option<bool>) -> bool { o.unwrap_or(false) }
pub fn a11(o: Option<&str>) -> &str { o.unwrap_or("") }
pub fn a12(o: Result<Vec<u8>, ()>) -> Vec<u8> { o.unwrap_or(Vec::new()) }
pub fn a13(m: &mut HashMap<u8, Vec<u8>>) { m.entry(1).or_insert(Vec::new()).push(1); }
pub fn a14(m: &mut HashMap<u8, Vec<u8>>) { m.entry(1).or_insert_with(Vec::new).push(1); }
pub fn a15(o: Option<u32>) -> u32 { o.unwrap_or(u32::default()) }
pub fn a16(o: Option<HashMap<u8,u8>>) -> HashMap<u8,u8> { o.unwrap_or(HashMap::new()) }
pub fn a17(o: Option<String>) -> String { o.unwrap_or(String::from("")) }
pub fn a18(o: Option<u32>) -> u32 { o.unwrap_or_else(|| 0) }
pub fn a19(o: Option<(u32, u32)>) -> (u32, u32) { o.unwrap_or((0, 0)) }
pub fn a20(o: Option<Option<u32>>) -> Option<u32> { o.unwrap_or(None) }
pub fn b1(o: Option<Instant>, d: Duration) -> Instant { o.unwrap_or(Instant::now() + d) }
pub fn b2(o: Option<u32>, m: &HashMap<u8, u32>, k: u8) -> u32 { o.unwrap_or(m[&k]) }
pub fn b3(o: Option<u32>, v: &[u32]) -> u32 { o.unwrap_or(v[0]) }
pub fn b4(o: Option<String>, s: &str) -> String { o.unwrap_or(s.to_string()) }
pub fn b5(o: Option<String>, s: &String) -> String { o.unwrap_or(s.clone()) }
pub fn b6(o: Option<usize>, s: &str) -> usize { o.unwrap_or(s.len()) }
pub fn b7(o: Option<u32>) -> u32 { o.unwrap_or(compute()) }
fn compute() -> u32 { 3 }
const fn ccompute() -> u32 { 3 }
pub fn b8(o: Option<u32>) -> u32 { o.unwrap_or(ccompute()) }
pub fn b9(o: Option<Duration>) -> Duration { o.unwrap_or(Duration::from_secs(3)) }
pub fn b10(o: Option<u32>) -> u32 { o.unwrap_or(compute() + 1) }
pub fn b11(o: Option<String>, x: u32) -> String { o.unwrap_or(format!("{x}")) }
pub fn b12(o: Option<u32>) -> Result<u32, String> { o.ok_or(format!("x")) }
pub fn b13(o: Option<u32>) -> Result<u32, String> { o.ok_or("x".to_string()) }
pub fn b14(o: Option<u32>, p: Option<u32>) -> Option<u32> { o.or(Some(compute())) }
pub fn b15(o: Option<u32>) -> u32 { o.map_or(compute(), |x| x) }
pub fn b16(o: Option<String>, s: &str) -> String { o.unwrap_or(s.to_owned()) }
pub fn b17(o: Option<Vec<u8>>, s: &[u8]) -> Vec<u8> { o.unwrap_or(s.to_vec()) }
pub fn b18(o: Option<u32>, w: &W) -> u32 { o.unwrap_or(w.get()) }
pub struct W(u32); impl W { pub fn get(&self) -> u32 { self.0 } }
pub fn b19(o: Option<u32>) -> u32 { o.unwrap_or(Some(compute()).unwrap()) }
pub fn b20(o: Option<u32>, m: &HashMap<u8, String>, k: u8) -> usize { o.map(|x| x as usize).unwrap_or(m[&k].len()) }
pub fn b21(o: Option<u8>) -> Option<u8> { o.or(Some(0)) }
pub fn b22(o: Option<&u32>, m: &HashMap<u8, u32>) -> u32 { *o.unwrap_or(&m[&1]) }
pub fn b23(o: Option<u32>, x: &Vec<u32>) -> u32 { o.unwrap_or(x.len() as u32) }
pub fn b24(o: Option<Box<u32>>) -> Box<u32> { o.unwrap_or(Box::new(0)) }
pub fn b25(o: Option<u32>) -> Option<u32> { o.or(Some(ccompute())) }
pub fn b26(mut o: Option<u32>) -> u32 { o.get_or_insert(compute()).clone() }
pub fn b27(o: Result<u32, String>) -> u32 { o.unwrap_or(compute()) }
pub fn b28(o: Result<u32, String>) -> u32 { o.map_or(compute(), |x| x) }
pub fn b29(o: Option<u32>, s: &String) -> u32 { o.unwrap_or(s.parse().unwrap()) }
pub fn b30(o: Option<u64>, d: Duration) -> u64 { o.unwrap_or(d.as_secs()) }
