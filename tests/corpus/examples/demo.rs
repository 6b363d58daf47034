// Examples are exempt from production-only rules.
fn main() {
    let v: Option<u8> = Some(1);
    println!("{}", v.unwrap());
    let s = String::from("x");
    show(&s); // the call is fine; the signature below is not
}

fn show(s: &String) { // no ptr_arg: s goes to a macro as it is (clippy agrees)
    println!("{s}");
}
