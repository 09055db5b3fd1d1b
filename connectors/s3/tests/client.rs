//! The S3 client and the connector's checks against a real S3-compatible server
//! (s3s-fs, which rejects requests whose SigV4 signature is wrong): multipart uploads,
//! listing and reading, and validation errors naming the key to fix.

mod common;

use std::time::Duration;

use bytes::Bytes;
use common::{props, server, BUCKET};
use connect_api::{ConnectError, Connector, SinkTask, SinkTaskContext};
use connect_s3::client::{Endpoint, RetryPolicy, S3Client};
use connect_s3::credentials::Credentials;
use connect_s3::upload::ObjectUpload;
use connect_s3::{S3Error, S3SinkConnector, S3SinkTask};
use testkit::s3::{ACCESS_KEY, REGION, SECRET_KEY};
use testkit::S3Server;

const MB: usize = 1024 * 1024;

fn client(server: &S3Server, secret: &str) -> S3Client {
    S3Client::new(
        Endpoint::parse(Some(&server.endpoint()), REGION, true).unwrap(),
        BUCKET,
        REGION,
        Credentials {
            access_key_id: ACCESS_KEY.into(),
            secret_access_key: secret.into(),
            session_token: None,
            source: "test".into(),
        },
        RetryPolicy {
            retries: 1,
            backoff: Duration::from_millis(10),
        },
    )
    .unwrap()
}

#[tokio::test]
async fn multipart_upload_sends_parts_as_they_fill() {
    let server = server();
    let c = client(&server, SECRET_KEY);
    let key = "topics/big/partition=0/big+0+0000000000.bin";
    let data: Vec<u8> = (0..12 * MB).map(|i| (i % 251) as u8).collect();

    let mut upload = ObjectUpload::new(key.to_string(), 5 * MB);
    for chunk in data.chunks(MB) {
        upload
            .append(&c, &mut chunk.to_vec())
            .await
            .expect("append");
    }
    // Two full parts are on the server; the object is not visible yet.
    assert_eq!(upload.buffered(), 2 * MB);
    assert!(server.objects(BUCKET).is_empty());
    let uploads = std::fs::read_dir(server.root())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".upload_id-"))
        .count();
    assert_eq!(uploads, 2, "two parts stored by the server");
    upload.commit(&c).await.expect("commit");
    assert_eq!(server.objects(BUCKET), vec![key]);
    assert!(
        server.read(BUCKET, key) == data,
        "the object is the concatenation of its parts"
    );
    assert_eq!(c.get_object(key).await.unwrap(), Bytes::from(data));

    // Listing (with a prefix) finds it; an aborted upload leaves nothing.
    let listed = c.list_objects("topics/big/").await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].key.as_str(), listed[0].size),
        (key, 12 * MB as u64)
    );
    let mut aborted = ObjectUpload::new("topics/big/aborted".into(), 5 * MB);
    aborted.append(&c, &mut vec![1u8; 6 * MB]).await.unwrap();
    aborted.abort(&c).await;
    assert_eq!(server.objects(BUCKET), vec![key]);
}

#[tokio::test]
async fn wrong_signatures_are_refused_with_the_servers_message() {
    let server = server();
    let bad = client(&server, "not-the-secret");
    match bad.put_object("x", Bytes::from_static(b"x")).await {
        Err(S3Error::Server { status, code, .. }) => {
            assert_eq!(status, 403);
            assert_eq!(code, "SignatureDoesNotMatch");
        }
        other => panic!("{other:?}"),
    }
    assert!(server.objects(BUCKET).is_empty());
}

fn error_key(infos: &connect_api::ConfigInfos) -> Vec<(String, String)> {
    infos.errors()
}

#[tokio::test]
async fn validation_names_the_key_to_fix() {
    let server = server();
    let connector = S3SinkConnector::new();
    assert!(error_key(&connector.validate(&props(&server, &[]))).is_empty());

    let errors =
        error_key(&connector.validate(&props(&server, &[("s3.bucket.name", "no-such-bucket")])));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, "s3.bucket.name");
    assert!(errors[0].1.contains("does not exist"), "{errors:?}");

    let errors =
        error_key(&connector.validate(&props(&server, &[("aws.secret.access.key", "wrong")])));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, "aws.access.key.id");
    assert!(errors[0].1.contains("denied"), "{errors:?}");

    let dead = format!("http://127.0.0.1:{}", testkit::free_port());
    let errors = error_key(&connector.validate(&props(
        &server,
        &[("store.url", dead.as_str()), ("s3.part.retries", "1")],
    )));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, "store.url");
    assert!(errors[0].1.contains("unreachable"), "{errors:?}");

    let errors = error_key(&connector.validate(&props(&server, &[("format.class", "AvroFormat")])));
    assert_eq!(errors[0].0, "format.class", "{errors:?}");
    let errors = error_key(&connector.validate(&props(
        &server,
        &[
            ("partitioner.class", "TimeBasedPartitioner"),
            ("path.format", "'year=YYYY"),
            ("partition.duration.ms", "1000"),
            ("locale", "en"),
            ("timezone", "UTC"),
        ],
    )));
    assert_eq!(errors[0].0, "path.format", "{errors:?}");

    // A task started with a missing bucket fails the same way.
    let mut task = S3SinkTask::new();
    let started = task
        .start(
            SinkTaskContext::default(),
            props(&server, &[("s3.bucket.name", "gone")]),
        )
        .await;
    let Err(err) = started else {
        panic!("a task started on a missing bucket");
    };
    assert!(
        matches!(&err, ConnectError::Config { key, .. } if key == "s3.bucket.name"),
        "{err}"
    );
}
