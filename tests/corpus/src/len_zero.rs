//! len_zero needs an `is_empty(self)` on the receiver's type (clippy 0.1.95).
pub struct A(Vec<u8>);
impl A {
    pub fn len(&self) -> usize { self.0.len() }
    pub fn check(&self) -> bool { self.len() == 0 }
}
pub struct B(Vec<u8>);
impl B {
    pub fn len(&self) -> usize { self.0.len() }
    pub fn is_empty(&self) -> bool { self.0.is_empty() }
    pub fn check(&self) -> bool { self.len() == 0 }
}
pub fn fa(a: &A) -> bool { a.len() == 0 }
pub fn fb(b: &B) -> bool { b.len() == 0 }
pub trait L {
    fn len(&self) -> usize;
    fn z(&self) -> bool { self.len() == 0 }
}
pub fn g<T: ExactSizeIterator>(t: &T) -> bool { t.len() == 0 }
pub fn h(t: impl ExactSizeIterator) -> bool { t.len() == 0 }
pub fn v(x: &[u8]) -> bool { x.len() == 0 }
pub fn s(x: &str) -> bool { x.len() != 0 }
pub struct W<T>(Vec<T>);
impl<T> W<T> {
    pub fn len(&self) -> usize { self.0.len() }
    pub fn e(&self) -> bool { self.0.len() > 0 }
}
pub fn m(x: &std::collections::HashMap<u8, u8>) -> bool { x.len() < 1 }
