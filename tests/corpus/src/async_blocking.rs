//! More blocking calls in async code: HTTP, processes, stdin, DNS.
//! (Uses reqwest and tokio paths: this file is for rustreview, not for rustc.)
use std::io::BufRead;
use std::net::ToSocketAddrs;
use std::process::Command;

async fn fetch_blocking(url: &str) -> Result<String, reqwest::Error> {
    let body = reqwest::blocking::get(url)?.text()?; // TP blocking_in_async
    let client = reqwest::blocking::Client::new(); // TP blocking_in_async
    let _ = client;
    Ok(body)
}

async fn fetch_async(url: &str) -> Result<String, reqwest::Error> {
    let body = reqwest::get(url).await?.text().await?; // fine: async client
    Ok(body)
}

async fn run_git() -> std::io::Result<()> {
    let out = Command::new("git").arg("status").output()?; // TP blocking_in_async
    let st = std::process::Command::new("true")
        .env("A", "1")
        .status()?; // TP blocking_in_async
    let code = Command::new("sleep").arg("1").spawn()?.wait()?; // TP blocking_in_async
    let _ = (out, st, code);
    Ok(())
}

async fn run_tokio() -> std::io::Result<()> {
    let out = tokio::process::Command::new("git").arg("status").output().await?; // fine: awaited
    let child = Command::new("daemon").spawn()?; // fine: spawning does not wait
    let _ = (out, child);
    Ok(())
}

async fn read_stdin() -> std::io::Result<String> {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?; // TP blocking_in_async
    for l in std::io::stdin().lock().lines() { // TP blocking_in_async
        let _ = l?;
    }
    Ok(line)
}

async fn resolve(host: &str) -> std::io::Result<()> {
    let addrs: Vec<_> = (host, 443).to_socket_addrs()?.collect(); // TP blocking_in_async
    let _ = addrs;
    let real = tokio::net::lookup_host((host, 443)).await?; // fine
    let _ = real;
    Ok(())
}

async fn offloaded() -> std::io::Result<std::process::Output> {
    tokio::task::spawn_blocking(|| Command::new("git").output()).await? // fine: off the executor
}

fn sync_code() -> std::io::Result<()> {
    let _ = Command::new("git").output()?; // fine: not async
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?; // fine: not async
    Ok(())
}

async fn in_strings() {
    let s = "Command::new(\"x\").output()"; // fine: a string
    // std::io::stdin().read_line(&mut line)
    let _ = s;
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn uses_git() {
        let _ = std::process::Command::new("git").output(); // fine: test code
    }
}
