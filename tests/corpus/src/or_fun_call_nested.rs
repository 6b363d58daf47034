//! or_fun_call: work nested anywhere in the fallback (clippy 0.1.95).
#![warn(clippy::or_fun_call, clippy::unwrap_or_default)]
#![allow(clippy::all)]
#![warn(clippy::or_fun_call, clippy::unwrap_or_default)]
use std::collections::HashMap;
use std::time::Duration;
use std::path::PathBuf;
const CONST: u32 = 3;
fn compute() -> u32 { 3 }
pub struct S { f: String, v: Vec<u32> }
impl S {
pub fn c1(&self, o: Option<usize>, x: &Vec<u32>) -> usize { o.unwrap_or(x.len()) }
pub fn c2(&self, o: Option<u64>, n: u32) -> u64 { o.unwrap_or(n as u64) }
pub fn c3(&self, o: Option<u32>, a: u32, b: u32) -> u32 { o.unwrap_or(a + b) }
pub fn c4(&self, o: Option<i32>, x: i32) -> i32 { o.unwrap_or(x.abs()) }
pub fn c5(&self, o: Option<u32>, a: u32, b: u32) -> u32 { o.unwrap_or(a.min(b)) }
pub fn c6(&self, o: Option<u32>, p: &u32) -> u32 { o.unwrap_or(*p) }
pub fn c7(&self, o: Option<String>) -> String { o.unwrap_or(self.f.clone()) }
pub fn c8(&self, o: Option<Vec<u8>>) -> Vec<u8> { o.unwrap_or(vec![1, 2]) }
pub fn c9(&self, o: Option<u32>) -> u32 { o.unwrap_or(CONST) }
pub fn c10(&self, o: Option<usize>, s: &str) -> usize { o.unwrap_or(s.chars().count()) }
pub fn c11(&self, o: Option<u32>) -> Option<u32> { o.and(Some(compute())) }
pub fn c12(&self, o: Option<bool>, x: Option<u8>) -> bool { o.unwrap_or(x.is_some()) }
pub fn c15(&self, o: Option<u32>) -> u32 { o.unwrap_or(u32::MAX) }
pub fn c16(&self, o: Option<u32>, x: u32) -> u32 { o.unwrap_or(u32::MAX - x) }
pub fn c17(&self, o: Option<String>, x: u32) -> String { o.unwrap_or(x.to_string()) }
pub fn c18(&self, o: Option<String>) -> String { o.unwrap_or(String::with_capacity(10)) }
pub fn c19(&self, o: Option<Vec<u8>>, n: usize) -> Vec<u8> { o.unwrap_or(Vec::with_capacity(n)) }
pub fn c20(&self, o: Option<Duration>, n: u64) -> Duration { o.unwrap_or(Duration::from_secs(n)) }
pub fn c21(&self, o: Option<u32>, a: u32, b: u32) -> u32 { o.unwrap_or(std::cmp::max(a, b)) }
pub fn c22(&self, o: Option<u32>, x: u32) -> u32 { o.unwrap_or(x.max(1)) }
pub fn c23(&self, o: Option<i64>, x: i32) -> i64 { o.unwrap_or(i64::from(x)) }
pub fn c24(&self, o: Option<i64>, x: i32) -> i64 { o.unwrap_or(x.into()) }
pub fn c25(&self, o: Option<PathBuf>) -> PathBuf { o.unwrap_or(PathBuf::from("x")) }
pub fn c26(&self, o: Option<usize>, x: &[u32]) -> usize { o.map_or(x.len(), |v| v) }
pub fn c27(&self, o: Option<usize>) -> usize { o.unwrap_or(self.v.len()) }
pub fn c28(&self, o: Option<u32>, x: &[u32]) -> u32 { o.unwrap_or(x.len() as u32) }
pub fn c29(&self, o: Option<u32>, x: &Vec<u32>) -> u32 { o.unwrap_or(x.len() as u32) }
pub fn c30(&self, o: Option<usize>, x: &Vec<u32>) -> usize { o.unwrap_or(x.len()) }
pub fn c31<'a>(&'a self, o: Option<&'a str>) -> &'a str { o.unwrap_or(self.f.as_str()) }
pub fn c32(&self, o: Option<u32>, m: &HashMap<&str, u32>) -> u32 { o.unwrap_or(m["k"]) }
pub fn c33(&self, o: Option<u32>, v: &[u32], i: usize) -> u32 { o.unwrap_or(v[i]) }
pub fn c34(&self, o: Option<u32>) -> u32 { o.unwrap_or(Default::default()) }
pub fn c35(&self, o: Option<u32>, x: u32) -> u32 { o.unwrap_or(x << 2) }
pub fn c36(&self, o: Option<u8>) -> Result<u8, String> { o.ok_or(String::new()) }
pub fn c37(&self, o: Option<u8>) -> Result<u8, &'static str> { o.ok_or("x") }
pub fn c38(&self, o: Option<String>, s: &String) -> String { o.unwrap_or(s.to_owned()) }
pub fn c39(&self, o: Option<u64>, d: Duration) -> u64 { o.unwrap_or(d.as_secs() * 2) }
pub fn c40(&self, o: Option<(u32, String)>) -> (u32, String) { o.unwrap_or((1, String::new())) }
pub fn c41(&self, o: Option<Vec<u32>>) -> Vec<u32> { o.unwrap_or(self.v.clone()) }
pub fn c42(&self, o: Option<Box<u32>>) -> Box<u32> { o.unwrap_or_else(|| Box::new(0)) }
pub fn c43(&self, o: Option<u32>) -> u32 { o.unwrap_or({ compute() }) }
pub fn c44(&self, o: Option<String>) -> String { o.unwrap_or(String::from("x")) }
pub fn c45(&self, o: Option<String>) -> String { o.unwrap_or("x".into()) }
pub fn c46(&self, o: Option<String>) -> String { o.unwrap_or("x".to_owned()) }
pub fn c47(&self, o: Option<u32>, x: Option<u32>) -> u32 { o.unwrap_or(x.unwrap_or(0)) }
pub fn c48(&self, o: Result<u32, ()>) -> Result<u32, ()> { o.and(Ok(compute())) }
}
