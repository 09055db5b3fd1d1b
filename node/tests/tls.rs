//! The REST API over TLS (`listeners=https://...`) with Kafka's `ssl.*` keys: a real
//! worker process, real certificates (a CA, a server and a client certificate made for
//! the test), and a real TLS client.
//!
//! - with `ssl.client.auth=required`, a client presenting a certificate signed by the
//!   truststore's CA is served; one without a certificate, or with a certificate from
//!   another CA, is refused during the handshake; plain HTTP gets no answer;
//! - a JKS keystore is a startup error that names the key (exit code non-zero).

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use testkit::{free_port, wait_until, Broker, Worker};

struct Ca {
    cert: rcgen::Certificate,
    key: KeyPair,
}

impl Ca {
    fn new(name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        let key = KeyPair::generate().expect("key");
        let cert = params.self_signed(&key).expect("CA certificate");
        Ca { cert, key }
    }

    /// A leaf certificate for `name`, signed by this CA: (certificate PEM, key PEM).
    fn issue(&self, name: &str) -> (String, String) {
        let params = CertificateParams::new(vec![name.to_string()]).expect("params");
        let key = KeyPair::generate().expect("key");
        let cert = params
            .signed_by(&key, &self.cert, &self.key)
            .expect("leaf certificate");
        (cert.pem(), key.serialize_pem())
    }
}

fn worker_props(dir: &Path, bootstrap: &str, port: u16, extra: &str) -> std::path::PathBuf {
    let path = dir.join("worker.properties");
    std::fs::write(
        &path,
        format!(
            "bootstrap.servers={bootstrap}\nlisteners=https://127.0.0.1:{port}\n\
             data.dir={}\n{extra}",
            dir.join("data").display()
        ),
    )
    .expect("write worker.properties");
    path
}

fn client(ca_pem: &str, identity: Option<(&str, &str)>, port: u16) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(ca_pem.as_bytes()).expect("CA"))
        .resolve("localhost", SocketAddr::from(([127, 0, 0, 1], port)))
        .timeout(Duration::from_secs(5));
    if let Some((cert, key)) = identity {
        builder = builder.identity(
            reqwest::Identity::from_pem(format!("{cert}{key}").as_bytes()).expect("identity"),
        );
    }
    builder.build().expect("client")
}

fn get_root(client: &reqwest::Client, url: &str) -> Result<(u16, String), String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let response = client.get(url).send().await.map_err(|e| format!("{e:?}"))?;
        let status = response.status().as_u16();
        let body = response.text().await.map_err(|e| e.to_string())?;
        Ok((status, body))
    })
}

#[test]
fn https_listener_requires_client_certificates_from_the_truststore() {
    let broker = Broker::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = Ca::new("raftconnect test CA");
    let (server_cert, server_key) = ca.issue("localhost");
    let (client_cert, client_key) = ca.issue("admin");
    let keystore = dir.path().join("keystore.pem");
    std::fs::write(&keystore, format!("{server_cert}{server_key}")).expect("keystore");
    let truststore = dir.path().join("truststore.pem");
    std::fs::write(&truststore, ca.cert.pem()).expect("truststore");

    let port = free_port();
    let props = worker_props(
        dir.path(),
        &broker.bootstrap,
        port,
        &format!(
            "listeners.https.ssl.keystore.type=PEM\n\
             listeners.https.ssl.keystore.location={}\n\
             listeners.https.ssl.client.auth=required\n\
             listeners.https.ssl.truststore.type=PEM\n\
             listeners.https.ssl.truststore.location={}\n",
            keystore.display(),
            truststore.display()
        ),
    );
    let mut worker = Worker::standalone(
        Path::new(env!("CARGO_BIN_EXE_raftconnect")),
        &props,
        &[],
        &dir.path().join("worker.log"),
        port,
    );
    let url = format!("https://localhost:{port}/");
    let trusted = client(&ca.cert.pem(), Some((&client_cert, &client_key)), port);
    let mut answer = Err(String::new());
    let up = wait_until(Duration::from_secs(30), || {
        answer = get_root(&trusted, &url);
        answer.is_ok()
    });
    assert!(
        up,
        "no answer over https: {answer:?}\n{}",
        worker.log_text()
    );
    let (status, body) = answer.expect("checked");
    assert_eq!(status, 200, "{body}");
    let info: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert!(info["version"].is_string(), "{info}");

    // No client certificate: the handshake is refused.
    let anonymous = client(&ca.cert.pem(), None, port);
    let refused = get_root(&anonymous, &url);
    assert!(
        refused.is_err(),
        "served without a client certificate: {refused:?}"
    );

    // A client certificate from another CA: refused too.
    let other = Ca::new("another CA");
    let (stranger_cert, stranger_key) = other.issue("stranger");
    let stranger = client(&ca.cert.pem(), Some((&stranger_cert, &stranger_key)), port);
    let refused = get_root(&stranger, &url);
    assert!(
        refused.is_err(),
        "served a foreign certificate: {refused:?}"
    );

    // Plain HTTP to the TLS port gets no HTTP answer.
    let plain = testkit::http::get(port, "/");
    assert!(
        !matches!(plain, Some((200, _))),
        "plain http answered: {plain:?}"
    );

    // The trusted client still works after the refusals.
    assert_eq!(get_root(&trusted, &url).map(|(s, _)| s), Ok(200));
    assert_eq!(worker.stop(Duration::from_secs(20)), Some(0));
}

#[test]
fn a_jks_keystore_is_a_startup_error_naming_the_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let props = worker_props(
        dir.path(),
        "127.0.0.1:1",
        port,
        "ssl.keystore.type=JKS\nssl.keystore.location=/etc/connect/keystore.jks\n",
    );
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_raftconnect"))
        .arg("standalone")
        .arg(&props)
        .output()
        .expect("run raftconnect");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "started anyway: {stderr}");
    assert!(
        stderr.contains("ssl.keystore.type") && stderr.contains("only PEM"),
        "{stderr}"
    );
}
