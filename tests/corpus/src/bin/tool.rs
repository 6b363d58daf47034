// src/bin/** is a binary too.
fn main() {
    println!("tool");
    let n: u32 = "3".parse().expect("literal"); // TP expect_used
    println!("{n}");
}
