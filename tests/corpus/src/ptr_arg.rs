//! ptr_arg as clippy 0.1.95 reports it: `&Vec`/`&String`/`&PathBuf` (and `&mut`) unless
//! the body needs the owned type, and `&Cow` always. Checked by `make accuracy`.
use std::borrow::Cow;
use std::path::{Path, PathBuf};
pub fn m1(v: &mut Vec<u8>) { v[0] = 1; }
pub fn m2(v: &mut Vec<u8>) { v.push(1); }
pub fn m3(s: &mut String) { s.make_ascii_uppercase(); }
pub fn m4(s: &mut String) { s.push('x'); }
pub fn m5(v: &mut Vec<u8>) -> usize { v.capacity() }
pub fn m6(v: &Vec<u8>) -> usize { v.capacity() }
pub fn c1(c: &Cow<'_, str>) -> usize { c.len() }
pub fn c2(c: &Cow<'_, [u8]>) -> usize { c.len() }
pub fn c3(c: &mut Cow<'_, str>) -> usize { c.len() }
fn takes_vec(v: &Vec<u8>) -> usize { v.len() }
pub fn p1(v: &Vec<u8>) -> usize { takes_vec(v) }
fn takes_slice(v: &[u8]) -> usize { v.len() }
pub fn p2(v: &Vec<u8>) -> usize { takes_slice(v) }
pub fn p3(v: &Vec<u8>) -> usize { let mut n = 0; for x in v { n += *x as usize; } n }
pub fn p4(v: &Vec<u8>) -> Vec<u8> { v.clone() }
pub fn p5(v: &Vec<u8>) -> bool { *v == vec![1] }
pub fn p6(v: &Vec<u8>) -> usize { v.iter().count() }
pub fn p7(v: &String) -> String { v.to_string() }
pub fn p8(v: &String) -> String { format!("{}", v) }
pub fn p9(v: &String) -> String { v.to_uppercase() }
pub fn p10(v: &PathBuf) -> bool { v.exists() }
pub fn p11(v: &mut PathBuf) { v.push("x"); }
pub fn p12(v: &mut PathBuf) -> bool { v.exists() }
pub fn p13(v: &Vec<u8>) -> u8 { v[0] }
pub fn p14(v: &Vec<u8>) -> &[u8] { &v[1..] }
pub fn p15(v: &Vec<u8>) -> Vec<u8> { v.to_owned() }
pub fn p16(v: &Vec<u8>) -> Vec<u8> { v.to_vec() }
pub fn p17(v: &Vec<u8>) -> &Vec<u8> { v }
pub fn p18(v: &Vec<u8>) -> usize { let w = v; w.len() }
pub fn p19(v: &Vec<u8>) -> usize { v.as_slice().len() }
pub fn p20(v: &String) -> &str { v.as_str() }
pub fn p21(v: &Vec<u8>) -> usize { g(v) }
fn g<T: AsRef<[u8]>>(t: T) -> usize { t.as_ref().len() }
pub fn p22(v: &Vec<u8>) -> usize { v.into_iter().count() }
pub fn p23(v: &Vec<u8>) -> bool { v.is_empty() }
pub fn p24(v: &Vec<u8>, w: &Vec<u8>) -> bool { v == w }
pub fn p25(_v: &Vec<u8>) {}
pub fn p26(v: &Vec<u8>) { let _ = v; }
pub fn p27(v: &Vec<u8>) { println!("{}", v.len()) }
pub fn p28(v: &Vec<Vec<u8>>) -> usize { v.len() }
pub fn p29(v: &Vec<u8>) -> Option<&u8> { v.first() }
pub fn p30(v: &mut Vec<u8>) { v.sort(); }
pub fn p31(v: &mut Vec<u8>) { v.iter_mut().for_each(|x| *x = 0); }
pub fn p32(v: &mut Vec<u8>) { v.clear(); }
pub fn p33(v: &mut String) { v.clear(); }
pub fn p34(v: &mut Vec<u8>) { m1(v); }
pub fn p35(v: &mut Vec<u8>) -> usize { v.len() }
pub fn p36(s: &mut String) -> usize { s.len() }
pub fn p37(v: &Vec<u8>) -> usize { v.len() + unused() }
fn unused() -> usize { 0 }
pub fn p38(v: &Vec<u8>) -> std::slice::Iter<'_, u8> { v.iter() }
fn e_takes_cow(c: &Cow<'_, str>) -> usize { c.len() }
pub fn e_c1(c: &Cow<'_, str>) -> usize { e_takes_cow(c) }
pub fn e_c2(c: &Cow<'_, str>) -> String { c.clone().into_owned() }
pub fn e_c3(c: &Cow<'_, str>) -> bool { matches!(c, Cow::Borrowed(_)) }
pub fn e_c4(c: &Cow<'_, Path>) -> bool { c.exists() }
pub fn e_c5(c: &Cow<str>) -> usize { c.len() }
pub fn e_c6(c: &std::borrow::Cow<'static, str>) -> usize { c.len() }
pub fn e_c7(c: &Cow<'_, str>) -> String { c.to_string() }
pub fn e_c8(_c: &Cow<'_, str>) {}
pub fn e_u1(v: &Vec<u8>) {}
pub fn e_u2(v: &Vec<u8>) -> usize { let v2 = v; v2.capacity() }
pub fn e_u3(v: &Vec<u8>) -> usize { v.iter().map(|x| *x as usize).sum::<usize>() + v.len() }
pub fn e_u4(v: &String) -> bool { v.as_str() == "x" }
pub fn e_u5(v: &String) -> bool { v == "x" }
pub fn e_u6(v: &String) -> Option<usize> { v.find('x') }
pub fn e_u7(v: &Vec<String>) -> String { v.join(",") }
pub fn e_u8f(v: &Vec<u8>) -> u8 { *v.first().unwrap_or(&0) }
pub fn e_u9(v: &Vec<u8>) -> bool { v.contains(&1) }
struct W; impl W { fn take(&self, v: &Vec<u8>) -> usize { v.len() } pub fn e_u10(&self, v: &Vec<u8>) -> usize { self.take(v) } }
pub fn e_u11(v: &Vec<u8>) -> usize { W.take(v) }
pub fn e_u12(v: &Vec<u8>) -> usize { let n = v.len(); n }
pub fn e_u13(v: &Vec<u8>) -> usize { match v.len() { 0 => 1, n => n } }
pub fn e_u14(v: &Vec<u8>) -> usize { v.len() } // mentioned in comment: v
pub fn e_u15(s: &String) -> usize { s.len() + s.chars().count() + s.trim().len() }
pub fn e_u16(s: &String) -> String { s.replace("a", "b") }
pub fn e_u17(s: &String) -> Vec<&str> { s.split(',').collect() }
pub fn e_u18(s: &String) -> usize { s.parse::<usize>().unwrap_or(0) }
pub fn e_u19(s: &String) -> &[u8] { s.as_bytes() }
pub fn e_u20(s: &String) -> bool { s.is_empty() }
pub fn e_u21(p: &std::path::PathBuf) -> Option<&std::ffi::OsStr> { p.file_name() }
pub fn e_u22(p: &std::path::PathBuf) -> std::path::PathBuf { p.join("x") }
pub fn e_u23(p: &std::path::PathBuf) -> String { p.display().to_string() }
pub fn e_u24(p: &std::path::PathBuf) -> &Path { p.as_path() }
pub fn e_u25(v: &Vec<u8>) -> Vec<u8> { v.iter().copied().collect() }
pub fn e_u26(v: &Vec<u8>) -> usize { v.len() + (|| v.len())() }
