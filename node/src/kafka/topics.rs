//! Topic administration: create a source's topics when missing, list the partitions a
//! sink must read.

use std::time::Duration;

use connect_api::TopicPartition;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::RDKafkaErrorCode;
use rdkafka::ClientConfig;
use tracing::info;

use super::dev_broker::DevBrokerHandle;

const METADATA_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum TopicError {
    #[error("cannot create topic {topic}: {reason}")]
    Create { topic: String, reason: String },
    #[error("cannot read metadata from the Kafka cluster: {0}")]
    Metadata(String),
}

/// Creates topics and reads their partitions, on a real cluster or the dev broker.
pub struct TopicAdmin {
    admin: AdminClient<DefaultClientContext>,
    metadata: BaseConsumer,
    dev: Option<DevBrokerHandle>,
}

impl TopicAdmin {
    pub fn new(admin_config: &ClientConfig, dev: Option<DevBrokerHandle>) -> Result<Self, String> {
        let admin = admin_config.create().map_err(|e| e.to_string())?;
        let metadata = admin_config.create().map_err(|e| e.to_string())?;
        Ok(TopicAdmin {
            admin,
            metadata,
            dev,
        })
    }

    /// Creates `topic` unless it exists. `replication` of -1 asks for the broker default.
    pub async fn ensure_topic(
        &self,
        topic: &str,
        partitions: i32,
        replication: i32,
    ) -> Result<(), TopicError> {
        if self.exists(topic).await? {
            return Ok(());
        }
        let err = |reason: String| TopicError::Create {
            topic: topic.to_string(),
            reason,
        };
        if let Some(dev) = &self.dev {
            let dev = dev.clone();
            let t = topic.to_string();
            tokio::task::spawn_blocking(move || dev.create_topic(&t, partitions))
                .await
                .map_err(|e| err(e.to_string()))?
                .map_err(err)?;
        } else {
            let new = NewTopic::new(topic, partitions, TopicReplication::Fixed(replication));
            let opts = AdminOptions::new().operation_timeout(Some(METADATA_TIMEOUT));
            let results = self
                .admin
                .create_topics([&new], &opts)
                .await
                .map_err(|e| err(e.to_string()))?;
            for r in results {
                match r {
                    Ok(_) => {}
                    Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
                    Err((_, code)) => return Err(err(code.to_string())),
                }
            }
        }
        info!(topic, partitions, "created topic");
        Ok(())
    }

    async fn exists(&self, topic: &str) -> Result<bool, TopicError> {
        Ok(!self.partitions(&[topic.to_string()]).await?.is_empty())
    }

    /// The partitions of the given topics that exist now (missing topics have none).
    pub async fn partitions(&self, topics: &[String]) -> Result<Vec<TopicPartition>, TopicError> {
        let mut out = Vec::new();
        for topic in topics {
            let md = tokio::task::block_in_place(|| {
                self.metadata.fetch_metadata(Some(topic), METADATA_TIMEOUT)
            })
            .map_err(|e| TopicError::Metadata(e.to_string()))?;
            for t in md.topics() {
                if t.error().is_some() {
                    continue; // unknown topic
                }
                out.extend(
                    t.partitions()
                        .iter()
                        .map(|p| TopicPartition::new(t.name(), p.id())),
                );
            }
        }
        out.sort();
        Ok(out)
    }

    /// How many brokers the cluster has (from metadata).
    pub async fn broker_count(&self) -> Result<usize, TopicError> {
        let md =
            tokio::task::block_in_place(|| self.metadata.fetch_metadata(None, METADATA_TIMEOUT))
                .map_err(|e| TopicError::Metadata(e.to_string()))?;
        Ok(md.brokers().len())
    }

    /// Every topic name in the cluster (for `topics.regex`).
    pub async fn all_topics(&self) -> Result<Vec<String>, TopicError> {
        let md =
            tokio::task::block_in_place(|| self.metadata.fetch_metadata(None, METADATA_TIMEOUT))
                .map_err(|e| TopicError::Metadata(e.to_string()))?;
        Ok(md.topics().iter().map(|t| t.name().to_string()).collect())
    }
}
