//! needless_collect and redundant_clone where clippy 0.1.95 agrees the tree can tell.
#![warn(clippy::needless_collect, clippy::redundant_clone)]
pub struct Bag(Vec<u8>);
impl Bag { pub fn collect<B: FromIterator<u8>>(&self) -> B { self.0.iter().copied().collect() } }
pub fn a(v: &[u8]) -> usize { v.iter().filter(|x| **x > 1).collect::<Vec<_>>().len() }
pub fn b(bag: &Bag) -> usize { bag.collect::<Vec<u8>>().len() }
pub fn c(v: &[u8]) -> bool { v.iter().map(|x| x + 1).collect::<Vec<_>>().is_empty() }
pub fn d(v: &[u8]) -> bool { v.iter().copied().collect::<Vec<_>>().contains(&3) }
pub fn e(v: &[u8]) -> usize { let w: Vec<_> = v.iter().collect(); w.len() }
pub fn f(v: &[u8]) -> usize { let w: Vec<u8> = v.to_vec(); let x = w.clone(); x.len() }
pub fn g() -> usize { let s = String::from("a"); let t = s.clone(); println!("{s}"); t.len() }
pub fn h() -> usize { let s = String::from("a"); let t = s.clone(); t.len() }
pub fn i(v: &[u8]) -> usize { let mut n = 0; let w: Vec<_> = v.iter().inspect(|_| n += 1).collect(); w.len() + n }
pub struct It; impl Iterator for It { type Item = u8; fn next(&mut self) -> Option<u8> { None } }
pub fn j() -> usize { It.collect::<Vec<_>>().len() }
pub fn k(v: &[u8]) -> usize { v.iter().collect::<std::collections::VecDeque<_>>().len() }
pub fn l(v: &[u8]) -> usize { v.iter().collect::<std::collections::HashSet<_>>().len() }
