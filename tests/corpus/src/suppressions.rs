// Suppressions Rust users already write: #[allow]/#[expect] with clippy lint
// and group names, #![allow] on modules, and `// rustreview: allow(..)`.
// Every unwrap/expect/len-zero below that is not silenced is expected.

fn reported(x: Option<u8>) -> u8 {
    x.unwrap()
}

#[allow(clippy::unwrap_used)]
fn allowed_on_fn(x: Option<u8>) -> u8 {
    x.unwrap()
}

#[expect(clippy::unwrap_used, reason = "checked by the caller")]
fn expected_on_fn(x: Option<u8>) -> u8 {
    x.unwrap()
}

pub struct S;

#[allow(clippy::expect_used)]
impl S {
    fn on_impl(&self, x: Option<u8>) -> u8 {
        x.expect("silenced by the impl")
    }
}

impl S {
    fn other_impl(&self, x: Option<u8>) -> u8 {
        x.expect("reported")
    }
}

mod inner_allow {
    #![allow(clippy::unwrap_used)]
    pub fn f(x: Option<u8>) -> u8 {
        x.unwrap()
    }
}

#[allow(clippy::restriction)]
mod restriction_group {
    pub fn f(x: Option<u8>) -> u8 {
        x.unwrap() + x.expect("both restriction")
    }
}

#[allow(clippy::all)]
mod all_group {
    // clippy::all is the default set: len_zero (style) is in it, unwrap_used is not.
    pub fn f(x: Option<u8>, v: &[u8]) -> bool {
        x.unwrap() > 0 && v.len() == 0
    }
}

fn comments(x: Option<u8>) -> u8 {
    let a = x.unwrap(); // rustreview: allow(unwrap_used)
    // rustreview: allow(unwrap_used, expect_used)
    let b = x.unwrap() + x.expect("line above");
    let c = x.unwrap(); // rustreview: allow(expect_used)
    let s = "// rustreview: allow(unwrap_used)"; let d = x.unwrap();
    a + b + c + d + s.len() as u8
}
