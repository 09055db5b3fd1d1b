//! Confluent's `S3SinkConnector` / `S3SinkTask`.
//!
//! The task keeps a [`TopicPartitionWriter`] per assigned partition; `put` writes
//! records into their files (committing files as they rotate), and `pre_commit` returns
//! for each partition only the offset after its last committed file, as Confluent's
//! `preCommit` does: the runtime never commits an offset whose records are not in S3.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use connect_api::{
    block_on_side, ConfigDef, ConfigInfos, ConnectError, Connector, ConnectorContext, Props,
    SinkConnector, SinkRecord, SinkTask, SinkTaskContext, TopicPartition, Value,
};

use crate::client::S3Client;
use crate::config::{
    config_def, S3SinkSettings, AWS_ACCESS_KEY_ID_CONFIG, BEHAVIOR_ON_NULL_VALUES_CONFIG,
    REGION_CONFIG, S3_BUCKET_CONFIG, STORE_URL_CONFIG,
};
use crate::credentials;
use crate::error::{coordinates, S3Error};
use crate::writer::TopicPartitionWriter;
use crate::VERSION;

/// Builds the client of a config: credentials resolved, nothing sent yet.
pub fn client(settings: &S3SinkSettings) -> Result<S3Client, S3Error> {
    let creds = credentials::resolve(
        settings.access_key_id.as_deref(),
        settings.secret_access_key.as_deref(),
    )?;
    tracing::debug!(bucket = %settings.bucket, "S3 credentials from {}", creds.source);
    S3Client::new(
        settings.endpoint.clone(),
        settings.bucket.clone(),
        settings.region.clone(),
        creds,
        settings.retry,
    )
}

/// Checks that the bucket exists and the credentials may use it (HeadBucket); a
/// failure names the key to fix.
pub async fn check_bucket(client: &S3Client) -> Result<(), S3Error> {
    match client.head_bucket().await {
        Ok(()) => Ok(()),
        Err(S3Error::Server { status: 404, .. }) => Err(S3Error::config(
            S3_BUCKET_CONFIG,
            format!("bucket {} does not exist", client.bucket()),
        )),
        Err(S3Error::Server {
            status: 403 | 400 | 401,
            code,
            message,
            ..
        }) => Err(S3Error::config(
            AWS_ACCESS_KEY_ID_CONFIG,
            format!(
                "access to bucket {} denied ({code}{}): check the credentials",
                client.bucket(),
                if message.is_empty() {
                    String::new()
                } else {
                    format!(": {message}")
                }
            ),
        )),
        Err(S3Error::Server {
            status: 301, code, ..
        }) => Err(S3Error::config(
            REGION_CONFIG,
            format!(
                "bucket {} is not in region {} ({code}): set s3.region to the bucket's region",
                client.bucket(),
                client.region()
            ),
        )),
        Err(S3Error::Transport { message, .. }) => Err(S3Error::config(
            STORE_URL_CONFIG,
            format!("the S3 endpoint is unreachable: {message}"),
        )),
        Err(e) => Err(e),
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// Confluent's `S3SinkConnector`: checks the config and the bucket, then hands out
/// `max_tasks` copies of its config.
#[derive(Debug, Default)]
pub struct S3SinkConnector {
    props: Props,
}

impl S3SinkConnector {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl Connector for S3SinkConnector {
    fn version(&self) -> String {
        VERSION.to_string()
    }

    fn config_def(&self) -> ConfigDef {
        config_def()
    }

    /// The keys' own checks, then the cross-key rules and a HeadBucket, whose errors
    /// are reported on the key to fix.
    fn validate(&self, props: &Props) -> ConfigInfos {
        let mut infos = config_def().validate(props);
        if !infos.errors().is_empty() {
            return infos;
        }
        let settings = match S3SinkSettings::parse(props) {
            Ok(s) => s,
            Err(ConnectError::Config { key, message }) => {
                infos.add_error(&key, message);
                return infos;
            }
            Err(e) => {
                infos.add_error(S3_BUCKET_CONFIG, e.to_string());
                return infos;
            }
        };
        let result = client(&settings)
            .and_then(|c| block_on_side(async move { check_bucket(&c).await }).unwrap_or(Ok(())));
        if let Err(e) = result {
            let key = e.key().unwrap_or(S3_BUCKET_CONFIG).to_string();
            let message = match e {
                S3Error::Config { message, .. } => message,
                other => other.to_string(),
            };
            infos.add_error(&key, message);
        }
        infos
    }

    async fn start(
        &mut self,
        _context: ConnectorContext,
        props: Props,
    ) -> Result<(), ConnectError> {
        let settings = S3SinkSettings::parse(&props)?;
        check_bucket(&client(&settings)?).await?;
        self.props = props;
        Ok(())
    }

    async fn task_configs(&mut self, max_tasks: usize) -> Result<Vec<Props>, ConnectError> {
        Ok(vec![self.props.clone(); max_tasks])
    }

    async fn stop(&mut self) -> Result<(), ConnectError> {
        Ok(())
    }
}

impl SinkConnector for S3SinkConnector {
    fn create_task(&self) -> Box<dyn SinkTask> {
        Box::new(S3SinkTask::new())
    }
}

/// Confluent's `S3SinkTask`. See the [module docs](self).
#[derive(Default)]
pub struct S3SinkTask {
    settings: Option<Arc<S3SinkSettings>>,
    client: Option<S3Client>,
    writers: HashMap<TopicPartition, TopicPartitionWriter>,
}

impl S3SinkTask {
    pub fn new() -> Self {
        Self::default()
    }

    fn parts(&self) -> Result<(Arc<S3SinkSettings>, S3Client), ConnectError> {
        match (&self.settings, &self.client) {
            (Some(s), Some(c)) => Ok((Arc::clone(s), c.clone())),
            _ => Err(ConnectError::Other(
                "the S3 sink task is not started".into(),
            )),
        }
    }
}

#[async_trait]
impl SinkTask for S3SinkTask {
    async fn start(&mut self, context: SinkTaskContext, props: Props) -> Result<(), ConnectError> {
        let settings = Arc::new(S3SinkSettings::parse(&props)?);
        let client = client(&settings)?;
        check_bucket(&client).await?;
        tracing::info!(
            bucket = %settings.bucket,
            format = settings.format.extension(),
            "S3 sink task started"
        );
        self.settings = Some(Arc::clone(&settings));
        self.client = Some(client);
        let now = now_ms();
        for tp in context.assignment {
            self.writers.insert(
                tp.clone(),
                TopicPartitionWriter::new(tp, Arc::clone(&settings), now),
            );
        }
        Ok(())
    }

    async fn open(&mut self, partitions: &[TopicPartition]) -> Result<(), ConnectError> {
        let (settings, _) = self.parts()?;
        let now = now_ms();
        for tp in partitions {
            self.writers.entry(tp.clone()).or_insert_with(|| {
                TopicPartitionWriter::new(tp.clone(), Arc::clone(&settings), now)
            });
        }
        Ok(())
    }

    async fn close(&mut self, partitions: &[TopicPartition]) -> Result<(), ConnectError> {
        let (_, client) = self.parts()?;
        for tp in partitions {
            if let Some(mut writer) = self.writers.remove(tp) {
                writer.close(&client).await;
            }
        }
        Ok(())
    }

    async fn put(&mut self, records: Vec<SinkRecord>) -> Result<(), ConnectError> {
        let (settings, client) = self.parts()?;
        let now = now_ms();
        for record in &records {
            if record.record.value == Value::Null {
                if settings.ignore_null_values {
                    tracing::debug!("skipping null value at {}", coordinates(record));
                    continue;
                }
                return Err(ConnectError::Data(connect_api::DataError::new(format!(
                    "record {} has a null value: set {BEHAVIOR_ON_NULL_VALUES_CONFIG}=ignore to skip tombstones",
                    coordinates(record)
                ))));
            }
            let tp = TopicPartition::new(record.topic(), record.kafka_partition());
            let writer = self
                .writers
                .entry(tp.clone())
                .or_insert_with(|| TopicPartitionWriter::new(tp, Arc::clone(&settings), now));
            writer.write(&client, record, now).await?;
        }
        Ok(())
    }

    async fn pre_commit(
        &mut self,
        _offsets: &HashMap<TopicPartition, i64>,
    ) -> Result<HashMap<TopicPartition, i64>, ConnectError> {
        let (_, client) = self.parts()?;
        let now = now_ms();
        let mut ready = HashMap::new();
        for (tp, writer) in self.writers.iter_mut() {
            writer.rotate_if_due(&client, now).await?;
            if let Some(offset) = writer.offset_to_commit() {
                ready.insert(tp.clone(), offset);
            }
        }
        Ok(ready)
    }

    async fn stop(&mut self) -> Result<(), ConnectError> {
        if let Some(client) = self.client.clone() {
            for (_, mut writer) in self.writers.drain() {
                writer.close(&client).await;
            }
        }
        Ok(())
    }
}
