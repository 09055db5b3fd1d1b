//! Where the S3 keys come from: the connector config (`aws.access.key.id` /
//! `aws.secret.access.key`), else the environment (`AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), else a profile of the shared
//! credentials file (`AWS_SHARED_CREDENTIALS_FILE` or `~/.aws/credentials`, profile
//! `AWS_PROFILE` or `default`): the static part of AWS's default chain. Instance
//! metadata (IMDS), container credentials, web identity and assume-role are not
//! supported.

use std::path::PathBuf;

use crate::error::S3Error;
use crate::keys::{AWS_ACCESS_KEY_ID_CONFIG, AWS_SECRET_ACCESS_KEY_CONFIG};

#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
    /// Where they were found, for logs (never the secret).
    pub source: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("source", &self.source)
            .finish()
    }
}

/// Resolves credentials from the config, then the process environment and home.
pub fn resolve(key_id: Option<&str>, secret: Option<&str>) -> Result<Credentials, S3Error> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    resolve_with(key_id, secret, &|name| std::env::var(name).ok(), home)
}

/// [`resolve`] with the environment and home directory given (for tests).
pub fn resolve_with(
    key_id: Option<&str>,
    secret: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<PathBuf>,
) -> Result<Credentials, S3Error> {
    let key_id = key_id.map(str::trim).filter(|s| !s.is_empty());
    let secret = secret.filter(|s| !s.is_empty());
    match (key_id, secret) {
        (Some(id), Some(secret)) => {
            return Ok(Credentials {
                access_key_id: id.to_string(),
                secret_access_key: secret.to_string(),
                session_token: None,
                source: "connector config".into(),
            })
        }
        (Some(_), None) => {
            return Err(S3Error::config(
                AWS_SECRET_ACCESS_KEY_CONFIG,
                "aws.access.key.id is set but aws.secret.access.key is not",
            ))
        }
        (None, Some(_)) => {
            return Err(S3Error::config(
                AWS_ACCESS_KEY_ID_CONFIG,
                "aws.secret.access.key is set but aws.access.key.id is not",
            ))
        }
        (None, None) => {}
    }
    let non_empty = |name: &str| env(name).filter(|v| !v.is_empty());
    if let (Some(id), Some(secret)) = (
        non_empty("AWS_ACCESS_KEY_ID"),
        non_empty("AWS_SECRET_ACCESS_KEY"),
    ) {
        return Ok(Credentials {
            access_key_id: id,
            secret_access_key: secret,
            session_token: non_empty("AWS_SESSION_TOKEN"),
            source: "environment".into(),
        });
    }
    let file = non_empty("AWS_SHARED_CREDENTIALS_FILE")
        .map(PathBuf::from)
        .or_else(|| home.map(|h| h.join(".aws").join("credentials")));
    let profile = non_empty("AWS_PROFILE").unwrap_or_else(|| "default".into());
    if let Some(file) = file {
        if let Ok(text) = std::fs::read_to_string(&file) {
            if let Some(c) = profile_credentials(&text, &profile) {
                return Ok(Credentials {
                    source: format!("profile {profile} of {}", file.display()),
                    ..c
                });
            }
        }
    }
    Err(S3Error::config(
        AWS_ACCESS_KEY_ID_CONFIG,
        "no S3 credentials found: set aws.access.key.id and aws.secret.access.key, or \
         AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the worker's environment, or a profile \
         in ~/.aws/credentials (instance metadata credentials are not supported)",
    ))
}

/// The keys of `[profile]` in an AWS shared credentials (INI) file.
fn profile_credentials(text: &str, profile: &str) -> Option<Credentials> {
    let mut in_profile = false;
    let (mut id, mut secret, mut token) = (None, None, None);
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with(';') || line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            in_profile = name.trim() == profile;
            continue;
        }
        if !in_profile {
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            let v = v.trim().to_string();
            match k.trim() {
                "aws_access_key_id" => id = Some(v),
                "aws_secret_access_key" => secret = Some(v),
                "aws_session_token" => token = Some(v),
                _ => {}
            }
        }
    }
    Some(Credentials {
        access_key_id: id?,
        secret_access_key: secret?,
        session_token: token,
        source: String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn config_keys_win_and_must_come_in_pairs() {
        let c = resolve_with(Some("AK"), Some("SK"), &no_env, None).unwrap();
        assert_eq!(
            (c.access_key_id.as_str(), c.secret_access_key.as_str()),
            ("AK", "SK")
        );
        let e = resolve_with(Some("AK"), None, &no_env, None).unwrap_err();
        assert_eq!(e.key(), Some(AWS_SECRET_ACCESS_KEY_CONFIG));
        let e = resolve_with(None, Some("SK"), &no_env, None).unwrap_err();
        assert_eq!(e.key(), Some(AWS_ACCESS_KEY_ID_CONFIG));
    }

    #[test]
    fn environment_then_profile_file() {
        let env = |name: &str| match name {
            "AWS_ACCESS_KEY_ID" => Some("ENVAK".to_string()),
            "AWS_SECRET_ACCESS_KEY" => Some("ENVSK".to_string()),
            "AWS_SESSION_TOKEN" => Some("TOKEN".to_string()),
            _ => None,
        };
        let c = resolve_with(None, None, &env, None).unwrap();
        assert_eq!(c.access_key_id, "ENVAK");
        assert_eq!(c.session_token.as_deref(), Some("TOKEN"));

        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join(".aws")).unwrap();
        std::fs::write(
            home.path().join(".aws/credentials"),
            "[other]\naws_access_key_id = X\naws_secret_access_key = Y\n\n\
             [default]\naws_access_key_id = FILEAK\naws_secret_access_key = FILESK\n",
        )
        .unwrap();
        let c = resolve_with(None, None, &no_env, Some(home.path().to_path_buf())).unwrap();
        assert_eq!(
            (c.access_key_id.as_str(), c.secret_access_key.as_str()),
            ("FILEAK", "FILESK")
        );
        let profile = |name: &str| (name == "AWS_PROFILE").then(|| "other".to_string());
        let c = resolve_with(None, None, &profile, Some(home.path().to_path_buf())).unwrap();
        assert_eq!(c.access_key_id, "X");

        let empty = tempfile::tempdir().unwrap();
        let e = resolve_with(None, None, &no_env, Some(empty.path().to_path_buf())).unwrap_err();
        assert_eq!(e.key(), Some(AWS_ACCESS_KEY_ID_CONFIG));
        assert!(e.to_string().contains("instance metadata"), "{e}");
    }
}
