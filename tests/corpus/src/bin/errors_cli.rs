//! A binary: it owns the process, its stderr and its exit code, and its
//! functions are nobody's public API. Nothing of rules batch 1 fires here
//! except what applies to binaries too.
use std::error::Error;
use std::process;

pub fn parse_args(args: &[String]) -> Result<u8, Box<dyn Error>> {
    let n = args.first().ok_or("missing argument")?;
    Ok(n.parse()?)
}

pub fn usage() -> ! {
    eprintln!("usage: errors_cli N");
    process::exit(2)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match parse_args(&args) {
        Ok(n) => println!("{n}"),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
    let _ = std::fs::write("/tmp/errors_cli.last", "done"); // TP let_underscore_must_use
}
