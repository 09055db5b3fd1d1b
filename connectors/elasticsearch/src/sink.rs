//! Confluent's `ElasticsearchSinkConnector` / `ElasticsearchSinkTask`.
//!
//! # Behaviour (as Confluent's)
//!
//! * Each record becomes one bulk item in the index named after its topic (lower-cased;
//!   Confluent 11+ has no index-renaming key: use the RegexRouter SMT). The index is
//!   created on first use; unless `schema.ignore`, its mapping is built from the first
//!   record's value schema ([`crate::mapping`]); schemaless records get the server's
//!   dynamic mapping (Confluent fails them instead).
//! * `key.ignore=false`: the key is the document id and the item carries
//!   `version_type=external` with the record's offset (or `external.version.header`), so
//!   a replay of older records meets version conflicts, which are not errors: replays
//!   never duplicate or roll back documents. `key.ignore=true`: the id is
//!   `topic+partition+offset`, so a replay rewrites the same documents.
//! * `write.method=upsert`: `update` with `doc_as_upsert` (no versions; sent one
//!   request at a time, so updates of one key apply in order).
//! * Tombstones: `behavior.on.null.values` ignore (reported to the errant record
//!   reporter, as Confluent does), delete (by key, versioned) or fail.
//! * A document the server refuses for its content (mapping conflict, illegal field)
//!   goes to the errant record reporter when there is one, then
//!   `behavior.on.malformed.documents` ignore/warn skip it, fail fails the task. Any
//!   other refusal is reported and fails the task with the server's message.
//! * Whole requests that fail to connect, time out or get 429/5xx are retried
//!   (`max.retries`, `retry.backoff.ms` doubling); so are single items answered 429/5xx.
//!
//! # Offsets
//!
//! `put` buffers items and sends each full batch (`batch.size`, `bulk.size.bytes`) as a
//! background request, and a partial one once `linger.ms` has passed, with at most
//! `max.in.flight.requests` requests out (a full window makes `put` wait for the oldest:
//! back-pressure). A failed request fails the next `put` or `flush`. `flush` (called by
//! `pre_commit`) sends the rest and waits for every answer, so the offsets the runtime
//! commits cover only documents the server acknowledged (or records reported and
//! skipped); on stop, requests still out are abandoned and their records redelivered.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use bytes::Bytes;
use connect_api::{
    block_on_side, ConfigDef, ConfigInfos, ConnectError, Connector, ConnectorContext,
    ErrantRecordReporter, Props, SinkConnector, SinkRecord, SinkTask, SinkTaskContext,
    TopicPartition,
};
use tokio::task::JoinHandle;

use crate::bulk::{self, Action, BulkItem, ItemOutcome};
use crate::client::{backoff, EsClient};
use crate::config::{
    config_def, EsSettings, MalformedDocs, NullValues, WriteMethod,
    BEHAVIOR_ON_MALFORMED_DOCS_CONFIG, CONNECTION_URL_CONFIG, FLUSH_TIMEOUT_MS_CONFIG,
};
use crate::convert::{describe, to_bulk_item};
use crate::error::EsError;
use crate::mapping;
use crate::VERSION;

/// Confluent's `ElasticsearchSinkConnector`: checks the config and the connection, then
/// hands out `max_tasks` copies of its config.
#[derive(Debug, Default)]
pub struct ElasticsearchSinkConnector {
    props: Props,
}

impl ElasticsearchSinkConnector {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl Connector for ElasticsearchSinkConnector {
    fn version(&self) -> String {
        VERSION.to_string()
    }

    fn config_def(&self) -> ConfigDef {
        config_def()
    }

    /// The keys' own checks, then the cross-key rules and a `GET /` on every host,
    /// whose errors are reported on the key to fix.
    fn validate(&self, props: &Props) -> ConfigInfos {
        let mut infos = config_def().validate(props);
        if !infos.errors().is_empty() {
            return infos;
        }
        let result = EsSettings::parse(props).and_then(|settings| {
            let client = EsClient::new(&settings)?;
            block_on_side(client.check_connection()).unwrap_or_else(|| {
                Err(EsError::config(
                    CONNECTION_URL_CONFIG,
                    "could not run the connection check",
                ))
            })
        });
        if let Err(e) = result {
            let key = e.key().unwrap_or(CONNECTION_URL_CONFIG).to_string();
            let message = match e {
                EsError::Config { message, .. } => message,
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
        EsSettings::parse(&props)?;
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

impl SinkConnector for ElasticsearchSinkConnector {
    fn create_task(&self) -> Box<dyn SinkTask> {
        Box::new(ElasticsearchSinkTask::new())
    }
}

/// A buffered item and the record it came from (for the errant record reporter).
struct Pending {
    item: BulkItem,
    record: SinkRecord,
}

/// What one bulk request came to: records to report, and the error that fails the
/// task, if any.
#[derive(Default)]
struct BatchResult {
    report: Vec<(SinkRecord, String)>,
    fatal: Option<EsError>,
}

/// Confluent's `ElasticsearchSinkTask`. See the [module docs](self).
#[derive(Default)]
pub struct ElasticsearchSinkTask {
    settings: Option<Arc<EsSettings>>,
    client: Option<Arc<EsClient>>,
    reporter: Option<Arc<dyn ErrantRecordReporter>>,
    buffer: Vec<Pending>,
    /// When the oldest buffered item was added, for `linger.ms`.
    oldest: Option<Instant>,
    /// Bulk requests sent and not yet settled (with their record counts), oldest first.
    in_flight: VecDeque<(usize, JoinHandle<BatchResult>)>,
    /// Indices known to exist.
    indices: HashSet<String>,
    /// Indices known to have a mapping.
    mapped: HashSet<String>,
}

impl ElasticsearchSinkTask {
    pub fn new() -> Self {
        Self::default()
    }

    fn started(&self) -> Result<(Arc<EsSettings>, Arc<EsClient>), ConnectError> {
        match (&self.settings, &self.client) {
            (Some(s), Some(c)) => Ok((s.clone(), c.clone())),
            _ => Err(ConnectError::Other(
                "ElasticsearchSinkTask received records before it was started".into(),
            )),
        }
    }

    async fn report(&self, record: &SinkRecord, message: String) -> Result<(), ConnectError> {
        if let Some(reporter) = &self.reporter {
            reporter
                .report(record, &ConnectError::Other(message))
                .await?;
        }
        Ok(())
    }

    async fn ensure_index(&mut self, client: &EsClient, index: &str) -> Result<(), EsError> {
        if self.indices.contains(index) {
            return Ok(());
        }
        if client.create_index(index).await? {
            tracing::info!("Created index {index}");
        }
        self.indices.insert(index.to_string());
        Ok(())
    }

    /// Creates the index mapping from the record's value schema unless the index has
    /// one (Confluent's `checkMapping`). Schemaless records leave the mapping to the
    /// server (Confluent fails them: "Cannot infer mapping without schema").
    async fn ensure_mapping(
        &mut self,
        client: &EsClient,
        index: &str,
        record: &SinkRecord,
    ) -> Result<(), EsError> {
        if self.mapped.contains(index) {
            return Ok(());
        }
        let Some(schema) = record.record.value_schema.as_deref() else {
            return Ok(());
        };
        if !mapping::has_mapping(&client.mapping(index).await?, index) {
            let body = mapping::build_mapping(schema)?;
            client.put_mapping(index, &body).await?;
            tracing::info!("Created the mapping of index {index} from the record schema: {body}");
        }
        self.mapped.insert(index.to_string());
        Ok(())
    }

    /// How many requests may be in flight: one for upserts, whose updates of a key
    /// must reach the server in order (they carry no versions).
    fn max_in_flight(settings: &EsSettings) -> usize {
        match settings.write_method {
            WriteMethod::Upsert => 1,
            WriteMethod::Insert => settings.max_in_flight_requests,
        }
    }

    /// Sends the full batches of the buffer (all of it when `all`), each as a request
    /// of its own running in the background, waiting for the oldest request first when
    /// `max.in.flight.requests` are already out.
    async fn dispatch(&mut self, all: bool) -> Result<(), ConnectError> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let (settings, client) = self.started()?;
        let mut batches = split_batches(
            std::mem::take(&mut self.buffer),
            settings.batch_size,
            settings.bulk_size_bytes,
        );
        if !all
            && batches
                .last()
                .is_some_and(|b| b.len() < settings.batch_size)
        {
            if let Some(rest) = batches.pop() {
                self.buffer = rest;
            }
        }
        if self.buffer.is_empty() {
            self.oldest = None;
        }
        for batch in batches {
            // Back-pressure: at most max.in.flight.requests requests, and at most
            // max.buffered.records records, waiting for the server.
            while !self.in_flight.is_empty()
                && (self.in_flight.len() >= Self::max_in_flight(&settings)
                    || self.in_flight_records() + batch.len() > settings.max_buffered_records)
            {
                self.settle_oldest().await?;
            }
            let records = batch.len();
            let request = tokio::spawn(send_batch(client.clone(), settings.clone(), batch));
            self.in_flight.push_back((records, request));
        }
        Ok(())
    }

    /// Waits for the oldest request in flight: reports its refused records and fails
    /// when the request failed.
    async fn settle_oldest(&mut self) -> Result<(), ConnectError> {
        let Some((_, handle)) = self.in_flight.pop_front() else {
            return Ok(());
        };
        let result = handle.await.map_err(|e| {
            ConnectError::Other(format!("A bulk request to Elasticsearch panicked: {e}"))
        })?;
        for (record, message) in result.report {
            self.report(&record, message).await?;
        }
        match result.fatal {
            Some(e) => Err(e.into()),
            None => Ok(()),
        }
    }

    /// Sends everything buffered and waits for every answer.
    async fn send_all(&mut self) -> Result<(), ConnectError> {
        let started = Instant::now();
        self.dispatch(true).await?;
        let requests = self.in_flight.len();
        while !self.in_flight.is_empty() {
            self.settle_oldest().await?;
        }
        tracing::debug!(
            "Flushed {requests} bulk requests to Elasticsearch in {:?}",
            started.elapsed()
        );
        Ok(())
    }

    fn in_flight_records(&self) -> usize {
        self.in_flight.iter().map(|(n, _)| n).sum()
    }

    fn abort_in_flight(&mut self) {
        for (_, handle) in self.in_flight.drain(..) {
            handle.abort();
        }
    }
}

/// Splits items into requests of at most `batch_size` items and about `max_bytes`.
fn split_batches(
    pending: Vec<Pending>,
    batch_size: usize,
    max_bytes: Option<usize>,
) -> Vec<Vec<Pending>> {
    let mut batches = Vec::new();
    let mut current: Vec<Pending> = Vec::new();
    let mut bytes = 0;
    for p in pending {
        let size = p.item.size_hint();
        let full = current.len() >= batch_size
            || max_bytes.is_some_and(|max| !current.is_empty() && bytes + size > max);
        if full {
            batches.push(std::mem::take(&mut current));
            bytes = 0;
        }
        bytes += size;
        current.push(p);
    }
    if !current.is_empty() {
        batches.push(current);
    }
    batches
}

/// Sends one bulk request; items answered 429/5xx are sent again (alone) with backoff.
async fn send_batch(
    client: Arc<EsClient>,
    settings: Arc<EsSettings>,
    mut batch: Vec<Pending>,
) -> BatchResult {
    let mut result = BatchResult::default();
    let mut attempt = 0;
    loop {
        let body = Bytes::from(bulk::request_body(batch.iter().map(|p| &p.item)));
        let outcomes = match client.bulk(body).await {
            Ok(answer) => bulk::parse_response(&answer, batch.len()),
            Err(e) => Err(e),
        };
        let outcomes = match outcomes {
            Ok(o) => o,
            Err(e) => {
                result.fatal = Some(e);
                return result;
            }
        };
        let mut retry = Vec::new();
        for (p, outcome) in batch.into_iter().zip(outcomes) {
            match outcome {
                ItemOutcome::Done => {}
                ItemOutcome::VersionConflict(message) => {
                    if p.item.version.is_some() {
                        // A replayed or out-of-order offset: the newer document stays.
                        tracing::debug!(
                            "Ignoring EXTERNAL version conflict for {} (document '{}' in index '{}'): {message}",
                            describe(&p.record),
                            p.item.id,
                            p.item.index
                        );
                    } else {
                        tracing::warn!(
                            "Version conflict for {} on document '{}' in index '{}': {message}",
                            describe(&p.record),
                            p.item.id,
                            p.item.index
                        );
                        result
                            .report
                            .push((p.record, format!("Indexing failed: {message}")));
                    }
                }
                ItemOutcome::Malformed(message) => {
                    let text = format!("Indexing failed: {message}");
                    match settings.malformed_docs {
                        MalformedDocs::Ignore => tracing::debug!(
                            "Encountered an illegal document error for {}, ignoring it: {message}",
                            describe(&p.record)
                        ),
                        MalformedDocs::Warn => tracing::warn!(
                            "Encountered an illegal document error for {}, ignoring it: {message}",
                            describe(&p.record)
                        ),
                        MalformedDocs::Fail => {
                            if result.fatal.is_none() {
                                result.fatal = Some(EsError::Failed(format!(
                                    "Indexing {} failed: {message}. To ignore future records like this, change the configuration '{BEHAVIOR_ON_MALFORMED_DOCS_CONFIG}' to 'ignore'.",
                                    describe(&p.record)
                                )));
                            }
                        }
                    }
                    result.report.push((p.record, text));
                }
                ItemOutcome::Retriable(message) => retry.push((p, message)),
                ItemOutcome::Failed(message) => {
                    if result.fatal.is_none() {
                        result.fatal = Some(EsError::Failed(format!(
                            "Indexing {} failed: {message}",
                            describe(&p.record)
                        )));
                    }
                    result
                        .report
                        .push((p.record, format!("Indexing failed: {message}")));
                }
            }
        }
        if retry.is_empty() {
            return result;
        }
        if attempt >= client.max_retries() {
            let (p, message) = &retry[0];
            result.fatal = Some(EsError::Failed(format!(
                "Indexing {} (and {} more) failed after {} attempts: {message}",
                describe(&p.record),
                retry.len() - 1,
                attempt + 1
            )));
            return result;
        }
        let wait = backoff(client.retry_backoff(), attempt);
        tracing::warn!(
            "Elasticsearch could not take {} of the documents now ({}); retrying them in {wait:?}",
            retry.len(),
            retry[0].1
        );
        tokio::time::sleep(wait).await;
        attempt += 1;
        batch = retry.into_iter().map(|(p, _)| p).collect();
    }
}

#[async_trait]
impl SinkTask for ElasticsearchSinkTask {
    async fn start(&mut self, context: SinkTaskContext, props: Props) -> Result<(), ConnectError> {
        self.reporter = context.errant_record_reporter.clone();
        if self.reporter.is_none() {
            tracing::info!("Errant record reporter not configured.");
        }
        let settings = EsSettings::parse(&props)?;
        let client = EsClient::new(&settings)?;
        client.check_connection().await?;
        tracing::info!(
            "Elasticsearch sink task writing to {}",
            settings.urls.join(",")
        );
        self.settings = Some(Arc::new(settings));
        self.client = Some(Arc::new(client));
        Ok(())
    }

    async fn put(&mut self, records: Vec<SinkRecord>) -> Result<(), ConnectError> {
        if records.is_empty() {
            return Ok(());
        }
        let (settings, client) = self.started()?;
        // A failed request fails the next put, as Confluent's `throwIfFailed`.
        while self.in_flight.front().is_some_and(|(_, h)| h.is_finished()) {
            self.settle_oldest().await?;
        }
        for record in records {
            if record.record.value.is_null() && settings.null_values == NullValues::Ignore {
                tracing::trace!("Ignoring {} with null value.", describe(&record));
                self.report(&record, "Cannot write null valued record.".into())
                    .await?;
                continue;
            }
            let item = match to_bulk_item(&settings, &record) {
                Ok(Some(item)) => item,
                Ok(None) => continue,
                Err(e) => {
                    self.report(&record, e.to_string()).await?;
                    if settings.drop_invalid_message {
                        tracing::error!("Can't convert {}: {e}", describe(&record));
                        continue;
                    }
                    return Err(e.into());
                }
            };
            if item.action != Action::Delete {
                self.ensure_index(&client, &item.index).await?;
                if !settings.ignore_schema_for(record.topic()) {
                    self.ensure_mapping(&client, &item.index, &record).await?;
                }
            }
            self.buffer.push(Pending { item, record });
            self.oldest.get_or_insert_with(Instant::now);
            if self.buffer.len() >= settings.batch_size {
                self.dispatch(false).await?;
            }
        }
        // A partial batch goes once it has lingered, but only into a free slot: while
        // every slot is taken, records keep filling the batch (bigger requests under
        // load, as Confluent's bulk processor).
        while self.in_flight.front().is_some_and(|(_, h)| h.is_finished()) {
            self.settle_oldest().await?;
        }
        if self.oldest.is_some_and(|t| t.elapsed() >= settings.linger)
            && self.in_flight.len() < Self::max_in_flight(&settings)
        {
            self.dispatch(true).await?;
        }
        Ok(())
    }

    async fn flush(&mut self, _offsets: &HashMap<TopicPartition, i64>) -> Result<(), ConnectError> {
        let Some(settings) = self.settings.clone() else {
            return Ok(());
        };
        self.flush_with_timeout(&settings).await
    }

    async fn stop(&mut self) -> Result<(), ConnectError> {
        // Unflushed records are not committed: they are redelivered to the next task.
        if !self.buffer.is_empty() {
            tracing::info!(
                "Stopping with {} unflushed records; they will be written again from the committed offsets",
                self.buffer.len()
            );
        }
        self.buffer.clear();
        self.abort_in_flight();
        self.client = None;
        Ok(())
    }
}

impl ElasticsearchSinkTask {
    async fn flush_with_timeout(&mut self, settings: &EsSettings) -> Result<(), ConnectError> {
        let timeout = settings.flush_timeout;
        match tokio::time::timeout(timeout, self.send_all()).await {
            Ok(result) => result,
            Err(_) => {
                self.abort_in_flight();
                Err(EsError::Failed(format!(
                    "Flushing records to Elasticsearch took longer than {FLUSH_TIMEOUT_MS_CONFIG}={}",
                    timeout.as_millis()
                ))
                .into())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(id: usize, doc_len: usize) -> Pending {
        Pending {
            item: BulkItem::new(
                Action::Index,
                "i".into(),
                id.to_string(),
                None,
                Some("x".repeat(doc_len)),
            ),
            record: SinkRecord::default(),
        }
    }

    #[test]
    fn batches_respect_count_and_bytes() {
        let sizes = |b: &Vec<Vec<Pending>>| b.iter().map(Vec::len).collect::<Vec<_>>();
        let items = (0..7).map(|i| pending(i, 10)).collect();
        assert_eq!(sizes(&split_batches(items, 3, None)), vec![3, 3, 1]);
        let items = (0..4).map(|i| pending(i, 1000)).collect();
        assert_eq!(sizes(&split_batches(items, 100, Some(2500))), vec![2, 2]);
        // One oversized document still goes, alone.
        let items = (0..2).map(|i| pending(i, 5000)).collect();
        assert_eq!(sizes(&split_batches(items, 100, Some(100))), vec![1, 1]);
    }
}
