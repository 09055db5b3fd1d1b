//! SCRAM-SHA-256 client (RFC 5802 / RFC 7677) as PostgreSQL speaks it: no channel
//! binding (`n,,`), the user name left empty (the server uses the startup user).
//! Passwords are used as UTF-8 bytes without SASLprep, which is exact for ASCII
//! passwords (PostgreSQL itself falls back to the raw bytes when SASLprep fails).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length.
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// `Hi(str, salt, i)`: PBKDF2 with HMAC-SHA-256 and one block.
fn hi(password: &[u8], salt: &[u8], iterations: u32) -> [u8; 32] {
    let mut block = salt.to_vec();
    block.extend_from_slice(&1u32.to_be_bytes());
    let mut u = hmac(password, &block);
    let mut out = u;
    for _ in 1..iterations {
        u = hmac(password, &u);
        for (o, x) in out.iter_mut().zip(u.iter()) {
            *o ^= x;
        }
    }
    out
}

/// One SCRAM exchange: [`Scram::client_first`], then [`Scram::client_final`] with the
/// server-first message, then [`Scram::verify_server_final`].
pub struct Scram {
    password: Vec<u8>,
    client_nonce: String,
    client_first_bare: String,
    server_signature: Option<[u8; 32]>,
}

impl Scram {
    /// A new exchange with a random client nonce.
    pub fn new(password: &str) -> std::io::Result<Scram> {
        let mut raw = [0u8; 18];
        std::io::Read::read_exact(&mut std::fs::File::open("/dev/urandom")?, &mut raw)?;
        Ok(Scram::with_nonce(password, &B64.encode(raw)))
    }

    pub fn with_nonce(password: &str, nonce: &str) -> Scram {
        Scram::with_user(password, nonce, "")
    }

    fn with_user(password: &str, nonce: &str, user: &str) -> Scram {
        Scram {
            password: password.as_bytes().to_vec(),
            client_nonce: nonce.to_string(),
            client_first_bare: format!("n={user},r={nonce}"),
            server_signature: None,
        }
    }

    /// `n,,n=,r=<nonce>`
    pub fn client_first(&self) -> String {
        format!("n,,{}", self.client_first_bare)
    }

    /// The client-final message (with the proof) for the server-first message.
    pub fn client_final(&mut self, server_first: &str) -> Result<String, String> {
        let mut nonce = None;
        let mut salt = None;
        let mut iterations = None;
        for part in server_first.split(',') {
            match part.split_at_checked(2) {
                Some(("r=", v)) => nonce = Some(v),
                Some(("s=", v)) => salt = Some(v),
                Some(("i=", v)) => iterations = Some(v),
                _ => {}
            }
        }
        let (Some(nonce), Some(salt), Some(iterations)) = (nonce, salt, iterations) else {
            return Err(format!(
                "malformed SCRAM server-first message: {server_first}"
            ));
        };
        if !nonce.starts_with(&self.client_nonce) {
            return Err("SCRAM server nonce does not extend the client nonce".into());
        }
        let salt = B64
            .decode(salt)
            .map_err(|e| format!("bad SCRAM salt: {e}"))?;
        let iterations: u32 = iterations
            .parse()
            .map_err(|e| format!("bad SCRAM iteration count: {e}"))?;
        let salted = hi(&self.password, &salt, iterations);
        let client_key = hmac(&salted, b"Client Key");
        let stored_key: [u8; 32] = Sha256::digest(client_key).into();
        let without_proof = format!("c=biws,r={nonce}");
        let auth_message = format!("{},{server_first},{without_proof}", self.client_first_bare);
        let signature = hmac(&stored_key, auth_message.as_bytes());
        let proof: Vec<u8> = client_key
            .iter()
            .zip(signature.iter())
            .map(|(k, s)| k ^ s)
            .collect();
        let server_key = hmac(&salted, b"Server Key");
        self.server_signature = Some(hmac(&server_key, auth_message.as_bytes()));
        Ok(format!("{without_proof},p={}", B64.encode(proof)))
    }

    /// Checks the server's signature (`v=...`): proves the server knew the password.
    pub fn verify_server_final(&self, server_final: &str) -> Result<(), String> {
        if let Some(err) = server_final.strip_prefix("e=") {
            return Err(format!("SCRAM authentication failed: {err}"));
        }
        let v = server_final
            .strip_prefix("v=")
            .ok_or_else(|| format!("malformed SCRAM server-final message: {server_final}"))?;
        let got = B64
            .decode(v.trim_end_matches(char::from(0)))
            .map_err(|e| format!("bad SCRAM server signature: {e}"))?;
        match &self.server_signature {
            Some(expected) if expected.as_slice() == got.as_slice() => Ok(()),
            _ => Err(
                "SCRAM server signature does not match: the server does not know the password"
                    .into(),
            ),
        }
    }
}

/// The MD5 password hash PostgreSQL expects: `md5` + md5(md5(password + user) + salt).
pub fn md5_password(user: &str, password: &str, salt: [u8; 4]) -> String {
    use md5::Md5;
    let inner = hex(&Md5::digest(format!("{password}{user}").as_bytes()));
    let mut outer = inner.into_bytes();
    outer.extend_from_slice(&salt);
    format!("md5{}", hex(&Md5::digest(&outer)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7677 section 3.
    #[test]
    fn rfc7677_test_vector() {
        let mut s = Scram::with_user("pencil", "rOprNGfwEbeRWgbNEkqO", "user");
        assert_eq!(s.client_first(), "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
        let server_first = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
        assert_eq!(
            s.client_final(server_first).unwrap(),
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
        );
        s.verify_server_final("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
            .unwrap();
        assert!(s
            .verify_server_final("v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
            .is_err());
    }

    #[test]
    fn rejects_foreign_nonce_and_errors() {
        let mut s = Scram::with_nonce("pw", "abc");
        assert!(s.client_final("r=xyz,s=AAAA,i=1").is_err());
        assert!(s.client_final("garbage").is_err());
        assert!(s.verify_server_final("e=invalid-proof").is_err());
    }

    #[test]
    fn md5_matches_postgres() {
        // 'md5' || md5(md5('secret' || 'bob') || 'salt'), computed with Python's hashlib.
        assert_eq!(
            md5_password("bob", "secret", *b"salt"),
            "md5a472781a92412d8a652b427f4c5b7f3f"
        );
    }
}
