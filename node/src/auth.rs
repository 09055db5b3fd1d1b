//! Credentials for HTTP basic authentication of the REST API (worker key
//! `rest.auth.basic.users`; see `rest::auth` for the filter that enforces them).
//!
//! * a value starting with `/` or `./` is a file of `user:password` lines (blank lines
//!   and lines starting with `#` are skipped; the password is everything after the
//!   first `:`, so it may contain `:` and `,`), like the users file of Kafka's
//!   `BasicAuthSecurityRestExtension`;
//! * anything else is an inline list `user:pass,user2:pass2`.

use std::collections::BTreeMap;

use base64::Engine;

/// The users allowed in, with their passwords.
pub struct BasicAuth {
    users: BTreeMap<String, String>,
}

impl std::fmt::Debug for BasicAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BasicAuth")
            .field("users", &self.users.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl BasicAuth {
    /// Parses `rest.auth.basic.users` (see the module docs).
    pub fn from_config(value: &str) -> Result<Self, String> {
        let value = value.trim();
        let entries: Vec<String> = if value.starts_with('/') || value.starts_with("./") {
            let text = std::fs::read_to_string(value)
                .map_err(|e| format!("cannot read the users file {value}: {e}"))?;
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(String::from)
                .collect()
        } else {
            value
                .split(',')
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect()
        };
        let mut users = BTreeMap::new();
        for entry in entries {
            let (user, password) = entry
                .split_once(':')
                .ok_or_else(|| "expected user:password entries".to_string())?;
            let user = user.trim();
            if user.is_empty() {
                return Err("a user name is empty".into());
            }
            users.insert(user.to_string(), password.trim().to_string());
        }
        if users.is_empty() {
            return Err("no users given".into());
        }
        Ok(BasicAuth { users })
    }

    /// Whether an `Authorization` header value names a listed user and its password.
    pub fn allows(&self, authorization: Option<&str>) -> bool {
        let Some(value) = authorization else {
            return false;
        };
        let Some((scheme, token)) = value.trim().split_once(' ') else {
            return false;
        };
        if !scheme.eq_ignore_ascii_case("basic") {
            return false;
        }
        let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(token.trim()) else {
            return false;
        };
        let Ok(decoded) = String::from_utf8(decoded) else {
            return false;
        };
        let Some((user, password)) = decoded.split_once(':') else {
            return false;
        };
        self.users
            .get(user)
            .is_some_and(|p| constant_time_eq(p.as_bytes(), password.as_bytes()))
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
