//! RefCell borrows held across await points.
#![allow(dead_code)]
use std::cell::RefCell;
use std::rc::Rc;

async fn tick() {}

pub struct Cache {
    pub map: RefCell<Vec<u32>>,
}

pub async fn held_mut(c: &Cache) {
    let mut guard = c.map.borrow_mut(); // TP await_holding_refcell_ref
    guard.push(1);
    tick().await;
}

pub async fn held_shared(c: Rc<RefCell<Vec<u32>>>) -> usize {
    let view = c.borrow(); // TP await_holding_refcell_ref
    tick().await;
    view.len()
}

pub(crate) async fn held_try(c: &Cache) {
    let g = c.map.try_borrow_mut().unwrap(); // TP await_holding_refcell_ref
    tick().await;
    drop(g);
}

pub async fn dropped_first(c: &Cache) -> usize {
    let guard = c.map.borrow();
    let n = guard.len();
    drop(guard);
    tick().await;
    n
}

pub async fn scoped(c: &Cache) -> usize {
    let n = {
        let guard = c.map.borrow();
        guard.len()
    };
    tick().await;
    n
}

pub async fn temporary(c: &Cache) -> usize {
    let n = c.map.borrow().len();
    tick().await;
    n
}

pub async fn result_only(c: &Cache) -> bool {
    let r = c.map.try_borrow_mut(); // fine: a Result, dropped at once below
    let ok = r.is_ok();
    drop(r);
    tick().await;
    ok
}

pub fn not_async(c: &Cache) -> usize {
    let guard = c.map.borrow();
    guard.len()
}

pub async fn in_string() {
    let s = "let g = c.borrow_mut(); tick().await;";
    tick().await;
    let _ = s;
}

#[allow(clippy::await_holding_refcell_ref)]
pub async fn allowed(c: &Cache) {
    let guard = c.map.borrow_mut();
    tick().await;
    drop(guard);
}
