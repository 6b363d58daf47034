// A benchmark harness (benches/): test code, and neither shipped nor a test
// of the crate. Production-only rules are exempt; undocumented_unsafe_blocks
// leaves benchmark harnesses alone (their unsafe mirrors the library code
// they measure); dbg_macro still applies.
use std::mem::MaybeUninit;

pub struct Bench {
    parallel: usize,
}

impl Bench {
    pub fn client(&self) -> usize {
        if self.parallel > 1 {
            todo!("parallel clients");
        }
        1
    }

    pub fn fill(&self, buf: &mut [MaybeUninit<u8>]) -> usize {
        let n = buf.len();
        let filled = unsafe {
            std::ptr::write_bytes(buf.as_mut_ptr(), 0, n);
            n
        };
        let mut s = String::new();
        s.push_str(&format!("{filled} bytes"));
        dbg!(&s); // TP dbg_macro
        filled
    }
}
