// Syntax errors: the engine reports what tree-sitter recovers and never fails.
pub fn broken( {
    let x = ;
    y.unwrap();
}
}}

pub fn fine_after(z: Option<u8>) -> u8 {
    z.unwrap() // TP unwrap_used
}

pub fn unterminated() -> &'static str {
    "never closed
}
