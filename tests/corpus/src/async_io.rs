//! Async code: locks held across awaits and blocking calls on the executor.
use std::net::TcpStream;
use std::sync::{Mutex, RwLock};
use std::time::Duration;

pub struct State {
    pub cache: Mutex<Vec<u8>>,
    pub table: RwLock<Vec<u8>>,
}

async fn send(_b: u8) {}

pub async fn holds_guard(s: &State) {
    let mut guard = s.cache.lock().unwrap(); // TP await_holding_lock
    guard.push(1);
    send(1).await;
}

pub async fn holds_read_guard(s: &State) {
    let table = s.table.read().unwrap(); // TP await_holding_lock
    if table.is_empty() {
        send(0).await;
    }
}

pub async fn drops_first(s: &State) {
    let guard = s.cache.lock().unwrap();
    let first = guard.first().copied();
    drop(guard);
    send(first.unwrap_or(0)).await;
}

pub async fn scoped(s: &State) {
    let first = {
        let guard = s.cache.lock().unwrap();
        guard.first().copied()
    };
    send(first.unwrap_or(0)).await;
}

pub async fn temporary(s: &State) {
    let n = s.cache.lock().unwrap().len();
    send(n as u8).await;
}

pub fn not_async(s: &State) {
    let guard = s.cache.lock().unwrap();
    std::thread::sleep(Duration::from_millis(guard.len() as u64));
    let _ = std::fs::read("sync code may block");
}

pub async fn blocking() -> std::io::Result<()> {
    std::thread::sleep(Duration::from_millis(5)); // TP blocking_in_async
    let text = std::fs::read_to_string("config.toml")?; // TP blocking_in_async
    let _conn = TcpStream::connect("127.0.0.1:9")?; // TP blocking_in_async
    send(text.len() as u8).await;
    Ok(())
}

pub fn future_block() -> impl std::future::Future<Output = ()> {
    async move {
        std::thread::sleep(Duration::from_secs(1)); // TP blocking_in_async
    }
}

pub async fn offloaded() {
    let handle = std::thread::spawn(|| std::fs::read("big.bin")); // fine: another thread
    let _ = handle.join();
}

pub async fn nested_sync_fn() {
    fn helper() {
        std::thread::sleep(Duration::from_millis(1)); // fine: helper is not async
    }
    helper();
}
