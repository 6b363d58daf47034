//! Library code: every production rule applies here.
//! Doc comments mention x.unwrap(), panic!() and dbg!() without firing.

use std::collections::HashMap;

pub struct Config {
    pub values: HashMap<String, String>,
}

/// Returns the port. Example in docs: `cfg.port().unwrap()` must not fire.
pub fn port(cfg: &Config) -> u16 {
    let raw = cfg.values.get("port").unwrap(); // TP unwrap_used
    raw.parse().expect("port is a number") // TP expect_used
}

pub fn fallback(cfg: &Config) -> u16 {
    // None of these fire: unwrap_or / unwrap_or_default / unwrap_or_else.
    let a = cfg.values.get("a").map(|s| s.len()).unwrap_or(0);
    let b: u16 = cfg.values.get("b").and_then(|s| s.parse().ok()).unwrap_or_default();
    let c = cfg.values.get("c").map_or(0, |s| s.len());
    let d = cfg.values.get("d").map(|s| s.len()).unwrap_or_else(|| 7);
    (a + c + d) as u16 + b
}

pub fn must(cfg: &Config, key: &str) -> usize {
    match cfg.values.get(key) {
        Some(v) => v.len(),
        None => panic!("missing key {key}"), // TP panic
    }
}

pub fn later() -> u8 {
    todo!() // TP todo
}

pub fn never() -> u8 {
    unimplemented!("not supported") // TP unimplemented
}

pub fn noisy(x: u32) -> u32 {
    let y = dbg!(x * 2); // TP dbg_macro
    println!("y = {}", y); // TP print_stdout
    print!("no newline"); // TP print_stdout
    eprintln!("stderr is not print_stdout");
    y
}

pub fn chained(cfg: &Config) -> usize {
    cfg.values
        .get("long")
        .map(|s| s.len())
        .unwrap() // TP unwrap_used on its own line
}

pub struct Wrapper<T>(Option<T>);

impl<T> Wrapper<T> {
    /// A method *named* unwrap: its definition must not fire.
    pub fn unwrap(self) -> T {
        match self.0 {
            Some(v) => v,
            None => unreachable!("constructed with Some"),
        }
    }
}

#[allow(clippy::unwrap_used)]
pub fn allowed(cfg: &Config) -> &String {
    cfg.values.get("x").unwrap() // allowed by the attribute
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> Config {
        Config { values: HashMap::new() }
    }

    #[test]
    fn port_parses() {
        let c = cfg();
        let v = c.values.get("port").unwrap(); // exempt: test code
        assert_eq!(v.parse::<u16>().expect("number"), 80); // exempt
        println!("tests may print"); // exempt
        if v.is_empty() {
            panic!("tests may panic"); // exempt
        }
        dbg!(v); // TP dbg_macro: still fires in tests
    }
}
