//! Lint levels as clippy 0.1.95 applies them: warn/deny/forbid/expect, innermost and
//! latest wins, attributes on parameters, groups.
#![allow(clippy::ptr_arg)]
pub fn a(v: &Vec<u8>) -> usize { v.len() }
#[warn(clippy::ptr_arg)]
pub fn b(v: &Vec<u8>) -> usize { v.len() }
#[warn(clippy::ptr_arg)]
pub mod m {
    pub fn c(v: &Vec<u8>) -> usize { v.len() }
    #[allow(clippy::ptr_arg)]
    pub fn d(v: &Vec<u8>) -> usize { v.len() }
    pub fn e(#[allow(clippy::ptr_arg)] v: &Vec<u8>, w: &String) -> usize { v.len() + w.len() }
    #[allow(clippy::style)]
    pub fn f(v: &Vec<u8>) -> usize { v.len() }
    #[allow(clippy::all)]
    #[warn(clippy::ptr_arg)]
    pub fn g(v: &Vec<u8>) -> usize { v.len() }
    #[warn(clippy::ptr_arg)]
    #[allow(clippy::all)]
    pub fn h(v: &Vec<u8>) -> usize { v.len() }
    #[allow(clippy::ptr_arg, clippy::pedantic)]
    #[deny(clippy::ptr_arg)]
    pub fn i(v: &Vec<u8>) -> usize { v.len() }
    #[expect(clippy::ptr_arg)]
    pub fn j(v: &Vec<u8>) -> usize { v.len() }
}
#[deny(clippy::missing_panics_doc)]
pub fn k(o: Option<u8>) -> u8 { o.unwrap() }
#[warn(clippy::pedantic)]
pub mod p {
    pub fn k(o: Option<u8>) -> u8 { o.unwrap() }
    #[allow(clippy::missing_panics_doc)]
    pub fn l(o: Option<u8>) -> u8 { o.unwrap() }
}
pub fn q(v: &Vec<u8>) -> usize { #[warn(clippy::ptr_arg)] fn inner(v: &Vec<u8>) -> usize { v.len() } inner(v) }
