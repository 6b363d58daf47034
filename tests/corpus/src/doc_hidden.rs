//! The doc rules skip #[doc(hidden)] items, hidden modules and hidden impls (clippy 0.1.95).
#![warn(clippy::missing_errors_doc, clippy::missing_panics_doc, clippy::missing_safety_doc)]
/// Docs.
#[doc(hidden)]
pub fn a() -> Result<(), ()> { Ok(()) }
/// Docs.
#[doc(hidden)]
pub fn b(o: Option<u8>) -> u8 { o.unwrap() }
/// Docs.
#[doc(hidden)]
pub unsafe fn c() {}
#[doc(hidden)]
pub mod m {
    /// Docs.
    pub fn d() -> Result<(), ()> { Ok(()) }
    /// Docs.
    pub unsafe fn e() {}
}
#[doc(hidden)]
pub struct S;
impl S {
    /// Docs.
    pub fn f() -> Result<(), ()> { Ok(()) }
}
pub struct T;
#[doc(hidden)]
impl T {
    /// Docs.
    pub fn g() -> Result<(), ()> { Ok(()) }
}
/// Docs.
#[doc(hidden)]
pub unsafe trait U {}
pub fn h() -> Result<(), ()> { Ok(()) }
pub unsafe fn i() {}
pub fn j(o: Option<u8>) -> u8 { o.unwrap() }
/// x
#[doc = "y"]
#[doc(hidden, alias = "z")]
pub fn k() -> Result<(), ()> { Ok(()) }
