//! TLS for the REST listener (`listeners=https://host:port`), configured with Kafka's
//! `ssl.*` worker keys, which `listeners.https.ssl.*` override as in Kafka Connect.
//!
//! Keystores and truststores are PEM (Kafka's `ssl.keystore.type=PEM`, KIP-651): a file
//! (`ssl.keystore.location`) holding the certificate chain and the private key, or the
//! two inline (`ssl.keystore.certificate.chain`, `ssl.keystore.key`). JKS and PKCS12
//! stores are refused with the openssl command that converts them. Client certificates
//! are checked against `ssl.truststore.*` when `ssl.client.auth` is `requested` or
//! `required`.
//!
//! [`serve`] runs the accept loop itself: warp 0.4 has no TLS, so each connection is
//! handshaken with tokio-rustls and then served by hyper with the same warp filter.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use connect_api::Props;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tracing::{debug, warn};
use warp::Filter;

/// A client that connects and never finishes the handshake is dropped after this long.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The worker keys this module reads, without the `listeners.https.` prefix.
pub const KEYS: &[&str] = &[
    "ssl.keystore.type",
    "ssl.keystore.location",
    "ssl.keystore.password",
    "ssl.keystore.certificate.chain",
    "ssl.keystore.key",
    "ssl.key.password",
    "ssl.truststore.type",
    "ssl.truststore.location",
    "ssl.truststore.password",
    "ssl.truststore.certificates",
    "ssl.client.auth",
    "ssl.enabled.protocols",
    "ssl.protocol",
    "ssl.cipher.suites",
    "ssl.endpoint.identification.algorithm",
];

/// The prefix that scopes `ssl.*` keys to the REST listener (Kafka's
/// `listeners.https.`).
pub const LISTENER_PREFIX: &str = "listeners.https.";

#[derive(Debug, thiserror::Error)]
#[error("{key}: {reason}")]
pub struct TlsConfigError {
    /// The key as the user wrote it (with the `listeners.https.` prefix if they used it).
    pub key: String,
    pub reason: String,
}

/// The REST listener's TLS settings, ready to accept connections.
#[derive(Clone)]
pub struct RestTls {
    config: Arc<ServerConfig>,
    client_auth: ClientAuth,
}

impl std::fmt::Debug for RestTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestTls")
            .field("client_auth", &self.client_auth)
            .finish_non_exhaustive()
    }
}

/// Kafka's `ssl.client.auth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    None,
    Requested,
    Required,
}

/// Reads one `ssl.*` key, the `listeners.https.` form first, as Kafka does.
struct Keys<'a>(&'a Props);

impl Keys<'_> {
    fn get(&self, key: &str) -> Option<(String, &str)> {
        let prefixed = format!("{LISTENER_PREFIX}{key}");
        if let Some(v) = self.0.get(&prefixed) {
            return Some((prefixed, v.as_str()));
        }
        self.0.get(key).map(|v| (key.to_string(), v.as_str()))
    }

    fn non_empty(&self, key: &str) -> Option<(String, &str)> {
        self.get(key).filter(|(_, v)| !v.trim().is_empty())
    }
}

fn err(key: impl Into<String>, reason: impl Into<String>) -> TlsConfigError {
    TlsConfigError {
        key: key.into(),
        reason: reason.into(),
    }
}

/// Refuses keystore/truststore types other than PEM, naming the conversion.
fn check_pem_type(keys: &Keys, key: &str) -> Result<(), TlsConfigError> {
    match keys.non_empty(key) {
        Some((_, v)) if v.trim().eq_ignore_ascii_case("PEM") => Ok(()),
        Some((k, v)) => Err(err(
            k,
            format!(
                "{v} stores are not supported, only PEM; convert one with \
                 `openssl pkcs12 -in store.p12 -nodes -out store.pem` \
                 (JKS: `keytool -importkeystore -deststoretype PKCS12` first)"
            ),
        )),
        None => Ok(()),
    }
}

fn read_file(key: &str, path: &str) -> Result<Vec<u8>, TlsConfigError> {
    std::fs::read(path.trim()).map_err(|e| err(key, format!("cannot read {path}: {e}")))
}

fn certificates(key: &str, pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, TlsConfigError> {
    let certs: Vec<_> = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<_, _>>()
        .map_err(|e| err(key, format!("not valid PEM certificates: {e}")))?;
    if certs.is_empty() {
        return Err(err(
            key,
            "no PEM certificate (-----BEGIN CERTIFICATE-----) found",
        ));
    }
    Ok(certs)
}

fn private_key(key: &str, pem: &[u8]) -> Result<PrivateKeyDer<'static>, TlsConfigError> {
    if std::str::from_utf8(pem).is_ok_and(|s| s.contains("ENCRYPTED PRIVATE KEY")) {
        return Err(err(
            key,
            "the private key is encrypted, which is not supported; decrypt it with \
             `openssl pkey -in key.pem -out key-plain.pem` and protect the file instead",
        ));
    }
    PrivateKeyDer::from_pem_slice(pem).map_err(|e| {
        err(
            key,
            format!("no PEM private key (PKCS#8, PKCS#1 or SEC1) found: {e}"),
        )
    })
}

/// The certificate chain and private key: from `ssl.keystore.location`, or inline.
fn identity(
    keys: &Keys,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), TlsConfigError> {
    check_pem_type(keys, "ssl.keystore.type")?;
    let inline = (
        keys.non_empty("ssl.keystore.certificate.chain"),
        keys.non_empty("ssl.keystore.key"),
    );
    match (keys.non_empty("ssl.keystore.location"), inline) {
        (Some((k, path)), _) => {
            let pem = read_file(&k, path)?;
            Ok((certificates(&k, &pem)?, private_key(&k, &pem)?))
        }
        (None, (Some((ck, chain)), Some((kk, key)))) => Ok((
            certificates(&ck, chain.as_bytes())?,
            private_key(&kk, key.as_bytes())?,
        )),
        (None, (Some(_), None)) => Err(err(
            "ssl.keystore.key",
            "missing: ssl.keystore.certificate.chain needs its private key",
        )),
        (None, (None, _)) => Err(err(
            "ssl.keystore.location",
            "an https listener needs a keystore: ssl.keystore.location (a PEM file with the \
             certificate chain and the private key), or ssl.keystore.certificate.chain and \
             ssl.keystore.key",
        )),
    }
}

fn client_auth(keys: &Keys) -> Result<ClientAuth, TlsConfigError> {
    match keys.non_empty("ssl.client.auth") {
        None => Ok(ClientAuth::None),
        Some((k, v)) => match v.trim().to_ascii_lowercase().as_str() {
            "none" => Ok(ClientAuth::None),
            "requested" => Ok(ClientAuth::Requested),
            "required" => Ok(ClientAuth::Required),
            _ => Err(err(
                k,
                format!("Invalid value {v}: expected one of none, requested, required"),
            )),
        },
    }
}

fn trust_roots(keys: &Keys) -> Result<RootCertStore, TlsConfigError> {
    check_pem_type(keys, "ssl.truststore.type")?;
    let certs = match (
        keys.non_empty("ssl.truststore.location"),
        keys.non_empty("ssl.truststore.certificates"),
    ) {
        (Some((k, path)), _) => certificates(&k, &read_file(&k, path)?)?,
        (None, Some((k, pem))) => certificates(&k, pem.as_bytes())?,
        (None, None) => {
            return Err(err(
                "ssl.truststore.location",
                "client authentication needs the CA certificates that sign client \
                 certificates: ssl.truststore.location or ssl.truststore.certificates",
            ))
        }
    };
    let mut roots = RootCertStore::empty();
    let (_, ignored) = roots.add_parsable_certificates(certs);
    if roots.is_empty() {
        return Err(err("ssl.truststore.location", "no usable CA certificate"));
    }
    if ignored > 0 {
        warn!(ignored, "some truststore certificates could not be used");
    }
    Ok(roots)
}

fn protocol_versions(
    keys: &Keys,
) -> Result<Vec<&'static rustls::SupportedProtocolVersion>, TlsConfigError> {
    let Some((k, list)) = keys.non_empty("ssl.enabled.protocols") else {
        return Ok(vec![&rustls::version::TLS13, &rustls::version::TLS12]);
    };
    let mut versions = Vec::new();
    for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match name {
            "TLSv1.3" => versions.push(&rustls::version::TLS13),
            "TLSv1.2" => versions.push(&rustls::version::TLS12),
            // Older protocols are insecure; Kafka disables them by default too.
            "TLSv1.1" | "TLSv1" | "SSLv3" => {
                warn!(key = %k, protocol = name, "ignoring an insecure TLS protocol")
            }
            _ => return Err(err(k, format!("unknown protocol {name}"))),
        }
    }
    if versions.is_empty() {
        return Err(err(k, "no supported protocol: list TLSv1.2 and/or TLSv1.3"));
    }
    Ok(versions)
}

impl RestTls {
    /// Builds the listener's TLS settings from the worker config.
    pub fn from_props(props: &Props) -> Result<RestTls, TlsConfigError> {
        let keys = Keys(props);
        if let Some((k, _)) = keys.non_empty("ssl.cipher.suites") {
            warn!(key = %k, "not applied: the REST listener uses rustls' safe default cipher suites");
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let versions = protocol_versions(&keys)?;
        let (certs, key) = identity(&keys)?;
        let client_auth = client_auth(&keys)?;
        let builder = ServerConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&versions)
            .map_err(|e| err("ssl.enabled.protocols", e.to_string()))?;
        let builder = match client_auth {
            ClientAuth::None => builder.with_no_client_auth(),
            auth => {
                let roots = Arc::new(trust_roots(&keys)?);
                let verifier = WebPkiClientVerifier::builder_with_provider(roots, provider);
                let verifier = if auth == ClientAuth::Requested {
                    verifier.allow_unauthenticated()
                } else {
                    verifier
                };
                let verifier = verifier
                    .build()
                    .map_err(|e| err("ssl.truststore.location", e.to_string()))?;
                builder.with_client_cert_verifier(verifier)
            }
        };
        let mut config = builder
            .with_single_cert(certs, key)
            .map_err(|e| err("ssl.keystore.location", e.to_string()))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(RestTls {
            config: Arc::new(config),
            client_auth,
        })
    }

    pub fn client_auth(&self) -> ClientAuth {
        self.client_auth
    }
}

/// Serves `filter` over TLS on `listener` until `shutdown` resolves, then lets open
/// requests finish.
pub async fn serve<F>(
    listener: TcpListener,
    tls: RestTls,
    filter: F,
    shutdown: impl Future<Output = ()> + Send + 'static,
) where
    F: Filter<Extract = (warp::reply::Response,), Error = warp::Rejection>
        + Clone
        + Send
        + Sync
        + 'static,
{
    let acceptor = TlsAcceptor::from(tls.config);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    warn!(error = %e, "REST listener cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let acceptor = acceptor.clone();
        let service = TowerToHyperService::new(warp::service(filter.clone()));
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let stream = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(stream)) => stream,
                Ok(Err(e)) => return debug!(%peer, error = %e, "TLS handshake failed"),
                Err(_) => return debug!(%peer, "TLS handshake timed out"),
            };
            let builder = auto::Builder::new(TokioExecutor::new());
            let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
            if let Err(e) = watcher.watch(conn).await {
                debug!(%peer, error = %e, "REST connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// `https://` or `http://`, for logs and advertised URLs.
pub fn scheme(tls: Option<&RestTls>) -> &'static str {
    if tls.is_some() {
        "https"
    } else {
        "http"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> Props {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn cert() -> (String, String) {
        let c = rcgen::generate_simple_self_signed(vec!["localhost".to_string()])
            .expect("generate a certificate");
        (c.cert.pem(), c.key_pair.serialize_pem())
    }

    #[test]
    fn inline_pem_keystore() {
        let (chain, key) = cert();
        let tls = RestTls::from_props(&props(&[
            ("ssl.keystore.type", "PEM"),
            ("ssl.keystore.certificate.chain", &chain),
            ("ssl.keystore.key", &key),
        ]))
        .expect("valid");
        assert_eq!(tls.client_auth(), ClientAuth::None);
    }

    #[test]
    fn keystore_file_with_listener_prefix_overriding() {
        let (chain, key) = cert();
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("ks.pem");
        std::fs::write(&path, format!("{chain}{key}")).expect("write");
        let path = path.display().to_string();
        RestTls::from_props(&props(&[
            ("ssl.keystore.location", "/nonexistent"),
            ("listeners.https.ssl.keystore.location", &path),
        ]))
        .expect("the listener's own key wins");
    }

    #[test]
    fn errors_name_the_key() {
        let (chain, key) = cert();
        let e = RestTls::from_props(&props(&[])).unwrap_err();
        assert_eq!(e.key, "ssl.keystore.location");
        let e = RestTls::from_props(&props(&[("ssl.keystore.type", "JKS")])).unwrap_err();
        assert_eq!(e.key, "ssl.keystore.type");
        assert!(e.reason.contains("only PEM"), "{e}");
        let e = RestTls::from_props(&props(&[(
            "listeners.https.ssl.keystore.location",
            "/nope",
        )]))
        .unwrap_err();
        assert_eq!(e.key, "listeners.https.ssl.keystore.location");
        assert!(e.reason.contains("cannot read /nope"), "{e}");
        let e =
            RestTls::from_props(&props(&[("ssl.keystore.certificate.chain", &chain)])).unwrap_err();
        assert_eq!(e.key, "ssl.keystore.key");
        let e = RestTls::from_props(&props(&[
            ("ssl.keystore.certificate.chain", &chain),
            ("ssl.keystore.key", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAA==\n-----END ENCRYPTED PRIVATE KEY-----\n"),
        ]))
        .unwrap_err();
        assert!(e.reason.contains("encrypted"), "{e}");
        let e = RestTls::from_props(&props(&[
            ("ssl.keystore.certificate.chain", &chain),
            ("ssl.keystore.key", &key),
            ("ssl.client.auth", "sometimes"),
        ]))
        .unwrap_err();
        assert_eq!(e.key, "ssl.client.auth");
        let e = RestTls::from_props(&props(&[
            ("ssl.keystore.certificate.chain", &chain),
            ("ssl.keystore.key", &key),
            ("ssl.client.auth", "required"),
        ]))
        .unwrap_err();
        assert_eq!(e.key, "ssl.truststore.location");
        let e = RestTls::from_props(&props(&[
            ("ssl.keystore.certificate.chain", &chain),
            ("ssl.keystore.key", &key),
            ("ssl.enabled.protocols", "TLSv1.1"),
        ]))
        .unwrap_err();
        assert_eq!(e.key, "ssl.enabled.protocols");
        // A key that is not the certificate's.
        let (_, other_key) = cert();
        let e = RestTls::from_props(&props(&[
            ("ssl.keystore.certificate.chain", &chain),
            ("ssl.keystore.key", &other_key),
        ]))
        .unwrap_err();
        assert_eq!(e.key, "ssl.keystore.location");
    }

    #[test]
    fn client_auth_required_with_a_truststore() {
        let (chain, key) = cert();
        let tls = RestTls::from_props(&props(&[
            ("ssl.keystore.certificate.chain", &chain),
            ("ssl.keystore.key", &key),
            ("ssl.client.auth", "required"),
            ("ssl.truststore.type", "PEM"),
            ("ssl.truststore.certificates", &chain),
        ]))
        .expect("valid");
        assert_eq!(tls.client_auth(), ClientAuth::Required);
    }
}
