//! Macro arguments are token trees: calls inside them are still found.

pub fn in_format(x: Option<u8>) -> String {
    format!("{}", x.unwrap()) // TP unwrap_used
}

pub fn in_assert(x: Result<u8, ()>) {
    assert!(x.expect("ok") > 0, "x.unwrap() in the message is a string"); // TP expect_used
}

pub fn in_vec(a: Option<u8>, b: Option<u8>) -> Vec<u8> {
    vec![a.unwrap(), b.unwrap_or(0)] // TP unwrap_used (a only)
}

pub fn nested(a: Option<u8>) -> String {
    format!("{}", format!("{:?}", dbg!(a))) // TP dbg_macro
}

macro_rules! force {
    ($e:expr) => {
        $e.unwrap() // a template, not code: never reported
    };
}

macro_rules! stub {
    () => {
        todo!() // a template, not code
    };
}

pub fn uses_macros(a: Option<u8>) -> u8 {
    force!(a)
}

pub fn std_paths(flag: bool) {
    if flag {
        std::panic!("std path"); // TP panic
    }
    core::todo!() // TP todo
}

pub fn vec_len(v: Vec<u8>) -> bool {
    vec![v.len() == 0][0] // token trees get no len_zero (no parsed expression)
}
