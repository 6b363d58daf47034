// build.rs talks to cargo over stdout.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let out = std::env::var("OUT_DIR").unwrap();
    std::fs::write(format!("{out}/gen.rs"), "pub const X: u8 = 1;").expect("write gen.rs");
}
