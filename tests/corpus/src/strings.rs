//! Strings, raw strings, byte strings and comments never produce findings.

pub const A: &str = "x.unwrap() panic!() todo!() dbg!(x) println!()";
pub const B: &str = r#"y.expect("z") unsafe { *p } "# ;
pub const C: &[u8] = b"v.len() == 0";
pub const D: &str = r##"std::thread::sleep(d) "#"##;

// x.unwrap();
/* y.expect("no"); panic!("no"); */
/*
 * unsafe { *p }
 * fn f(v: &Vec<u8>) {}
 */

/// ```
/// let v = Some(1).unwrap();
/// ```
pub fn doc_example() {}

pub fn chars() -> (char, char) {
    ('"', '\'') // quotes in char literals do not confuse the parser
}

pub fn after_chars(x: Option<u8>) -> u8 {
    x.unwrap() // TP unwrap_used
}
