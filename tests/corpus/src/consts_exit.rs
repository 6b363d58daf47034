//! exit, panic, unwrap_used and expect_used where clippy 0.1.95 reports them: exit outside
//! a free fn named main, no panic/unwrap/expect in code evaluated at compile time, the
//! `_err` forms and the path forms.
#![warn(clippy::exit, clippy::panic, clippy::unwrap_used, clippy::expect_used)]
pub fn lib_exit() { std::process::exit(1) }
pub fn main() { std::process::exit(1) }
pub struct S;
impl S { pub fn m(&self) { std::process::exit(2) } }
pub fn outer() { fn main() { std::process::exit(3) } main() }
pub fn clos() { let f = || std::process::exit(4); f() }
pub trait T { fn t(&self) { std::process::exit(5) } }
pub const C: u32 = { if 1 > 2 { panic!("x") } 1 };
pub static ST: u32 = { if 1 > 2 { panic!("x") } 1 };
pub const fn cf(x: u32) -> u32 { if x > 2 { panic!("y") } x }
pub fn cb() -> u32 { const { if 1 > 2 { panic!("z") } }; 1 }
pub fn pf() { panic!("w") }
pub const U: u32 = match Some(1u32) { Some(v) => v, None => 0 };
pub const U2: u32 = Some(1u32).unwrap();
pub const U3: u32 = Some(1u32).expect("x");
pub const fn cfu(x: Option<u32>) -> u32 { x.unwrap() }
pub const fn cfe(x: Option<u32>) -> u32 { x.expect("e") }
pub fn cbu() -> u32 { const { Some(1u32).unwrap() } }
pub static SU: u32 = Some(1u32).unwrap();
pub fn ue(r: Result<u32, u32>) -> u32 { r.unwrap_err() }
pub fn ee(r: Result<u32, u32>) -> u32 { r.expect_err("x") }
pub fn pu(o: Option<u32>) -> u32 { Option::unwrap(o) }
pub fn pe(o: Result<u32, ()>) -> u32 { Result::expect(o, "x") }
pub fn pue(o: Result<u32, u32>) -> u32 { Result::unwrap_err(o) }
pub fn fqu(o: Option<u32>) -> u32 { std::option::Option::unwrap(o) }
pub fn ufcs(o: Option<u32>) -> u32 { <Option<u32>>::unwrap(o) }
pub fn pm(o: Option<u32>) -> Vec<u32> { vec![o].into_iter().map(Option::unwrap).collect() }
pub const fn id(x: Option<u32>) -> Option<u32> { x }
pub const BU2: u32 = id(Some(1u32)).unwrap();
pub const BU3: u32 = id(Some(1u32)).expect("x");
pub static BSU: u32 = id(Some(1u32)).unwrap();
pub fn b_cbu() -> u32 { const { id(Some(1u32)).unwrap() } }
pub const BARR: [u32; 1] = [id(Some(1u32)).unwrap()];
pub fn b_arr() -> [u8; id(Some(3u32)).unwrap() as usize] { [0; 3] }
pub struct BK<const N: usize>;
pub fn b_gen() -> BK<{ id(Some(3u32)).unwrap() as usize }> { BK }
pub trait BTr { const X: u32 = id(Some(1)).unwrap(); }
pub struct BI; impl BI { pub const Y: u32 = id(Some(1)).unwrap(); }
pub enum BE { A = id(Some(1)).unwrap() as isize }
