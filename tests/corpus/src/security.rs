//! Security: Trojan Source characters and committed credentials.
#![allow(dead_code)]

// --- bidi_chars -----------------------------------------------------------------

pub fn is_admin(access_level: &str) -> bool {
    access_level != "user‮ ⁦// Check if admin⁩ ⁦" // TP bidi_chars x3
}

// a comment with a hidden override ‮ here // TP bidi_chars
/// Doc comment with an isolate ⁦x⁩ // TP bidi_chars x2
pub const MARK: char = '‎'; // TP bidi_chars
pub const RAW: &str = r"raw؜text"; // TP bidi_chars
pub const ESCAPED: &str = "\u{202E} is fine as an escape";
pub const ARABIC: &str = "مرحبا"; // fine: right-to-left text needs no control characters

macro_rules! hidden {
    () => { "in a macro body ‮" }; // TP bidi_chars
}

// --- hardcoded_credentials ----------------------------------------------------------

pub const API_TOKEN: &str = "9f8e7d6c5b4a3f2e1d0c"; // TP hardcoded_credentials
pub static DB_PASSWORD: &str = "hunter2-Prod!"; // TP hardcoded_credentials
const TOKEN_URL: &str = "https://example.com/oauth/token"; // fine: a URL, not a token
const SECRET_ENV: &str = "APP_SECRET"; // fine: the name of an env var
const PASSWORD_MIN_LEN: usize = 12; // fine: not a string
const AWS_KEY_ID: &str = "AKIA2OGYBAH6STMMNXNN"; // TP hardcoded_credentials (shape)

pub struct Config {
    pub user: String,
    pub password: String,
    pub client_secret: String,
}

pub fn config() -> Config {
    Config {
        user: "admin".to_string(),
        password: "Tr0ub4dor&3".to_string(), // TP hardcoded_credentials
        client_secret: String::new(),
    }
}

pub struct Creds<'a> {
    pub password: &'a str,
    pub api_key: &'a str,
}

pub fn creds() -> Creds<'static> {
    Creds {
        password: "s3cr3t-P4ss", // TP hardcoded_credentials
        api_key: "", // fine: empty
    }
}

pub fn login(client: &mut Client) {
    let github_token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"; // TP hardcoded_credentials (shape)
    let password = "changeme"; // fine: placeholder
    let db_password = std::env::var("DB_PASSWORD").unwrap_or_default(); // fine: from the env
    let token = "<token>"; // fine: placeholder
    let secret = "your-secret-here"; // fine: placeholder
    client.password("Wint3r!2024"); // TP hardcoded_credentials
    client.set_token("q8Zr2LmX0pTa7VwB"); // TP hardcoded_credentials
    client.username("deploy-bot-01"); // fine: not a secret
    let slack = notify("xoxb-1234567890-abcdefghij"); // TP hardcoded_credentials (shape)
    let _ = (github_token, password, db_password, token, secret, slack);
}

pub const KEY_PEM: &str = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----"; // TP hardcoded_credentials
pub const CERT_PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"; // fine: public

fn notify(_hook: &str) {}

pub struct Client;
impl Client {
    pub fn password(&mut self, _p: &str) {}
    pub fn set_token(&mut self, _t: &str) {}
    pub fn username(&mut self, _u: &str) {}
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixture() {
        let api_token = "9f8e7d6c5b4a3f2e1d0c"; // fine: test code
        let _ = api_token;
    }
}
