//! Unsafe blocks with and without SAFETY comments.

pub fn undocumented(p: *const u8) -> u8 {
    unsafe { *p } // TP undocumented_unsafe_blocks
}

pub fn documented(p: *const u8) -> u8 {
    // SAFETY: callers pass a pointer from `Box::into_raw`, valid for reads.
    unsafe { *p }
}

pub fn documented_lowercase(p: *const u8) -> u8 {
    // Safety: same as above.

    unsafe { *p }
}

pub fn documented_inside(p: *const u8) -> u8 {
    unsafe {
        // SAFETY: p is valid for reads.
        *p
    }
}

pub fn documented_above_statement(p: *const u8) -> u8 {
    // SAFETY: p is valid for reads.
    let v =
        unsafe { *p };
    v
}

pub fn wrong_comment(p: *const u8) -> u8 {
    // This is just a read.
    let v = unsafe { *p }; // TP undocumented_unsafe_blocks
    v
}

pub fn comment_too_far(p: *const u8) -> u8 {
    // SAFETY: this documents `x` only.
    let x = 1;
    unsafe { *p + x } // TP undocumented_unsafe_blocks
}

pub fn in_string() -> &'static str {
    "unsafe { *p }"
}

/// # Safety
/// `p` must be valid for reads.
pub unsafe fn unsafe_fn_body(p: *const u8) -> u8 {
    // SAFETY: the caller upholds this function's contract.
    unsafe { *p }
}
