// A binary: printing to stdout is its job, so print_stdout stays quiet here.
use std::env;

fn main() {
    let args: Vec<String> = env::args().collect();
    println!("{} args", args.len());
    print!("no newline\n");
    let first = args.get(1).unwrap(); // TP unwrap_used: binaries are production code
    if args.len() == 0 { // TP len_zero
        return;
    }
    println!("{first}");
}
