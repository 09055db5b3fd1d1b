//! Config providers end to end: a FileStreamSource and a FileStreamSink whose file names
//! and topic come from `${file:...}` and `${directory:...}` placeholders. The worker
//! resolves them (records flow from the input file to the output file), while the REST
//! API only ever shows the placeholders: connector configs, task configs (Kafka's
//! reverseTransform) and validation.

use std::fs;
use std::path::Path;
use std::time::Duration;

use testkit::{free_port, http, wait_until, Broker, Worker};

fn get(port: u16, path: &str) -> serde_json::Value {
    http::get(port, path)
        .and_then(|(code, body)| (code == 200).then_some(body))
        .and_then(|b| serde_json::from_str(&b).ok())
        .unwrap_or(serde_json::Value::Null)
}

#[test]
fn placeholders_are_resolved_by_the_worker_and_never_shown() {
    let broker = Broker::start();
    broker.create_topic("provided-topic", 1);
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.txt");
    let output = dir.path().join("out.txt");
    fs::write(&input, "first\nsecond\n").unwrap();
    let secrets = dir.path().join("secrets.properties");
    fs::write(
        &secrets,
        format!("input={}\noutput={}\n", input.display(), output.display()),
    )
    .unwrap();
    let topic_dir = dir.path().join("topics");
    fs::create_dir(&topic_dir).unwrap();
    fs::write(topic_dir.join("name"), "provided-topic").unwrap();

    let port = free_port();
    let worker_props = dir.path().join("worker.properties");
    fs::write(
        &worker_props,
        format!(
            "bootstrap.servers={}\nlisteners=http://127.0.0.1:{port}\ndata.dir={}\noffset.flush.interval.ms=500\n\
             key.converter=org.apache.kafka.connect.storage.StringConverter\n\
             value.converter=org.apache.kafka.connect.storage.StringConverter\n\
             config.providers=file,directory\n\
             config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider\n\
             config.providers.directory.class=org.apache.kafka.common.config.provider.DirectoryConfigProvider\n",
            broker.bootstrap,
            dir.path().join("data").display()
        ),
    )
    .unwrap();
    let s = secrets.display();
    let t = topic_dir.display();
    let source = dir.path().join("source.properties");
    fs::write(
        &source,
        format!(
            "name=source\nconnector.class=FileStreamSource\nfile=${{file:{s}:input}}\ntopic=${{directory:{t}:name}}\n"
        ),
    )
    .unwrap();
    let sink = dir.path().join("sink.properties");
    fs::write(
        &sink,
        format!(
            "name=sink\nconnector.class=FileStreamSink\nfile=${{file:{s}:output}}\ntopics=${{directory:{t}:name}}\n"
        ),
    )
    .unwrap();
    let worker = Worker::standalone(
        Path::new(env!("CARGO_BIN_EXE_raftconnect")),
        &worker_props,
        &[&source, &sink],
        &dir.path().join("worker.log"),
        port,
    );
    let arrived = wait_until(Duration::from_secs(60), || {
        fs::read_to_string(&output)
            .unwrap_or_default()
            .contains("second")
    });
    assert!(
        arrived,
        "records flow through the resolved names: {}\n{}",
        get(port, "/connectors/sink/status"),
        worker.log_text()
    );

    let placeholder = format!("${{file:{s}:input}}");
    let config = get(port, "/connectors/source/config");
    assert_eq!(config["file"], placeholder.as_str(), "{config}");
    assert_eq!(config["topic"], format!("${{directory:{t}:name}}").as_str());
    // Task configs were computed from resolved values but are stored unresolved.
    let tasks = get(port, "/connectors/source/tasks");
    let shown = tasks.to_string();
    assert!(!shown.contains(&input.display().to_string()), "{shown}");
    assert!(!shown.contains("provided-topic"), "{shown}");
    assert!(shown.contains("${directory:"), "{shown}");

    // Validation resolves (the config is valid) but shows only placeholders.
    let body = serde_json::json!({
        "connector.class": "FileStreamSource",
        "name": "v",
        "file": placeholder,
        "topic": format!("${{directory:{t}:name}}"),
        "batch.size": format!("${{file:{s}:nosuchkey}}"),
    });
    let (code, reply) = http::request(
        port,
        "PUT",
        "/connector-plugins/FileStreamSource/config/validate",
        Some(&body.to_string()),
    )
    .unwrap();
    assert_eq!(code, 200, "{reply}");
    assert!(!reply.contains(&input.display().to_string()), "{reply}");
    assert!(!reply.contains("provided-topic"), "{reply}");
    // A key the provider does not have stays a placeholder, which is not an INT.
    let infos: serde_json::Value = serde_json::from_str(&reply).unwrap();
    assert_eq!(infos["error_count"], 1, "{reply}");
}
