//! One Kafka partition's files (Confluent's `TopicPartitionWriter`).
//!
//! Records go to one open file per encoded partition (the partitioner's directory).
//! All open files of the Kafka partition are committed together when
//! * `flush.size` records have been written since the last commit;
//! * a record's value schema differs from its file's (schema.compatibility=NONE);
//! * record-time rotation (`rotate.interval.ms`, time-based partitioners): a record's
//!   timestamp is `rotate.interval.ms` past the first one's, or it belongs to another
//!   encoded partition than the previous record;
//! * wall-clock rotation (`rotate.schedule.interval.ms`), also when no records come.
//!
//! After a commit, the offset after the last written record becomes committable. Every
//! rule but the wall clock depends only on the records, so a restart from the committed
//! offset writes the same records into the same object names: exactly-once objects.
//! With wall-clock rotation (or the Wallclock timestamp extractor) files are cut where
//! the clock says, so a restart may cut them elsewhere and objects may overlap.

use std::collections::BTreeMap;
use std::sync::Arc;

use connect_api::{SchemaRef, SinkRecord, TopicPartition};

use crate::client::S3Client;
use crate::config::S3SinkSettings;
use crate::error::S3Error;
use crate::format::RecordEncoder;
use crate::upload::ObjectUpload;

const DAY_MS: i64 = 86_400_000;

/// An open file of one encoded partition.
struct OpenFile {
    schema: Option<SchemaRef>,
    encoder: Box<dyn RecordEncoder>,
    upload: ObjectUpload,
}

pub struct TopicPartitionWriter {
    tp: TopicPartition,
    settings: Arc<S3SinkSettings>,
    /// Open files by encoded partition (ordered: commits happen in a stable order).
    files: BTreeMap<String, OpenFile>,
    /// Records written since the last commit, over all open files.
    record_count: u64,
    /// The offset of the last record written.
    current_offset: i64,
    /// The offset after the last committed record: what pre_commit may commit.
    offset_to_commit: Option<i64>,
    /// Record time of the first record since the last commit (time-based only).
    base_timestamp: Option<i64>,
    current_encoded: Option<String>,
    next_scheduled_rotation: Option<i64>,
}

/// The object key of a file (Confluent's `fileKeyToCommit`):
/// `<topics.dir>/<topic>/<encoded partition>/<topic>+<partition>+<start offset>.<ext>`.
pub fn object_key(
    settings: &S3SinkSettings,
    tp: &TopicPartition,
    encoded: &str,
    start_offset: i64,
) -> String {
    let delim = &settings.directory_delim;
    let dir = settings
        .partitioner
        .partitioned_path(&tp.topic, encoded, delim);
    let fd = &settings.file_delim;
    format!(
        "{}{delim}{dir}{delim}{}{fd}{}{fd}{:0width$}{}",
        settings.topics_dir,
        tp.topic,
        tp.partition,
        start_offset,
        settings.format.extension(),
        width = settings.zero_pad_width
    )
}

/// The next wall-clock rotation after `now`: the next multiple of `interval` since the
/// start of the (local) day, never past the next day's start (Confluent's
/// `DateTimeUtils.getNextTimeAdjustedByDay`).
pub fn next_scheduled_rotation(now: i64, interval: i64, offset_ms: i64) -> i64 {
    let start_of_day = (now + offset_ms).div_euclid(DAY_MS) * DAY_MS - offset_ms;
    let next = start_of_day + ((now - start_of_day) / interval + 1) * interval;
    next.min(start_of_day + DAY_MS)
}

/// Whether the open files must be committed before writing a record at `timestamp`
/// to `encoded` (or, with no record, at `now`): Confluent's `rotateOnTime`.
#[allow(clippy::too_many_arguments)]
pub fn rotate_on_time(
    record_count: u64,
    rotate_interval_ms: Option<i64>,
    base_timestamp: Option<i64>,
    timestamp: Option<i64>,
    encoded: Option<&str>,
    current_encoded: Option<&str>,
    next_scheduled: Option<i64>,
    now: i64,
) -> bool {
    if record_count == 0 {
        return false;
    }
    let periodic = match (rotate_interval_ms, base_timestamp, timestamp) {
        (Some(interval), Some(base), Some(ts)) => {
            ts - base >= interval || encoded != current_encoded
        }
        _ => false,
    };
    let scheduled = next_scheduled.is_some_and(|at| now >= at);
    periodic || scheduled
}

impl TopicPartitionWriter {
    pub fn new(tp: TopicPartition, settings: Arc<S3SinkSettings>, now: i64) -> Self {
        let mut writer = TopicPartitionWriter {
            tp,
            settings,
            files: BTreeMap::new(),
            record_count: 0,
            current_offset: -1,
            offset_to_commit: None,
            base_timestamp: None,
            current_encoded: None,
            next_scheduled_rotation: None,
        };
        writer.schedule_rotation(now);
        writer
    }

    fn schedule_rotation(&mut self, now: i64) {
        if let Some(interval) = self.settings.rotate_schedule_interval_ms {
            let offset_ms = match &self.settings.partitioner {
                crate::partitioner::Partitioner::Time(t) => t.zone.offset_ms_at(now),
                _ => 0,
            };
            self.next_scheduled_rotation = Some(next_scheduled_rotation(now, interval, offset_ms));
        }
    }

    /// The offset after the last record whose file is committed.
    pub fn offset_to_commit(&self) -> Option<i64> {
        self.offset_to_commit
    }

    /// Records written to files not committed yet.
    pub fn pending_records(&self) -> u64 {
        self.record_count
    }

    pub async fn write(
        &mut self,
        client: &S3Client,
        record: &SinkRecord,
        now: i64,
    ) -> Result<(), S3Error> {
        let settings = Arc::clone(&self.settings);
        let timestamp = settings.partitioner.timestamp(record, now)?;
        let encoded =
            settings
                .partitioner
                .encode_partition(record, &settings.directory_delim, now)?;
        let schema = record.record.value_schema.as_ref();
        loop {
            if self.base_timestamp.is_none() {
                self.base_timestamp = timestamp;
            }
            let schema_changed = self.record_count > 0
                && self
                    .files
                    .get(&encoded)
                    .is_some_and(|f| !match (&f.schema, schema) {
                        (Some(a), Some(b)) => Arc::ptr_eq(a, b) || a == b,
                        (None, None) => true,
                        _ => false,
                    });
            let rotate = schema_changed
                || rotate_on_time(
                    self.record_count,
                    settings.rotate_interval_ms,
                    self.base_timestamp,
                    timestamp,
                    Some(&encoded),
                    self.current_encoded.as_deref(),
                    self.next_scheduled_rotation,
                    now,
                );
            if rotate {
                if schema_changed {
                    tracing::info!(tp = %self.tp, "value schema changed at offset {}: rotating", record.kafka_offset);
                } else {
                    self.schedule_rotation(now);
                }
                self.commit_files(client).await?;
                continue;
            }
            self.current_encoded = Some(encoded.clone());
            self.current_offset = record.kafka_offset;
            let file = match self.files.get_mut(&encoded) {
                Some(f) => f,
                None => {
                    let key = object_key(&settings, &self.tp, &encoded, record.kafka_offset);
                    tracing::debug!(tp = %self.tp, "opening {key}");
                    self.files.entry(encoded.clone()).or_insert(OpenFile {
                        schema: schema.cloned(),
                        encoder: settings.format.new_encoder(),
                        upload: ObjectUpload::new(key, settings.part_size),
                    })
                }
            };
            file.encoder.write(record)?;
            if file.encoder.output().len() >= settings.part_size.min(1 << 20) {
                file.upload.append(client, file.encoder.output()).await?;
            }
            self.record_count += 1;
            if self.record_count >= settings.flush_size {
                self.commit_files(client).await?;
            }
            return Ok(());
        }
    }

    /// Wall-clock rotation while no records come (Confluent's `commitOnTimeIfNoData`).
    pub async fn rotate_if_due(&mut self, client: &S3Client, now: i64) -> Result<(), S3Error> {
        let due = rotate_on_time(
            self.record_count,
            None,
            None,
            None,
            None,
            None,
            self.next_scheduled_rotation,
            now,
        );
        if due {
            tracing::info!(tp = %self.tp, "rotate.schedule.interval.ms reached: committing {} records", self.record_count);
            self.schedule_rotation(now);
            self.commit_files(client).await?;
        }
        Ok(())
    }

    /// Commits every open file; then the offset after the last record is committable.
    async fn commit_files(&mut self, client: &S3Client) -> Result<(), S3Error> {
        let files = std::mem::take(&mut self.files);
        for (_, mut file) in files {
            file.encoder.finish()?;
            file.upload.append(client, file.encoder.output()).await?;
            let key = file.upload.key.clone();
            file.upload.commit(client).await?;
            tracing::debug!(tp = %self.tp, "committed {key}");
        }
        self.offset_to_commit = Some(self.current_offset + 1);
        self.record_count = 0;
        self.base_timestamp = None;
        self.current_encoded = None;
        tracing::info!(tp = %self.tp, "files committed to S3; offset to commit {}", self.current_offset + 1);
        Ok(())
    }

    /// Drops the open files without committing them (their records are consumed again
    /// from the committed offset by whoever owns the partition next).
    pub async fn close(&mut self, client: &S3Client) {
        for (_, file) in std::mem::take(&mut self.files) {
            file.upload.abort(client).await;
        }
        self.record_count = 0;
        self.base_timestamp = None;
        self.current_encoded = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::props;
    use crate::config::{
        DIRECTORY_DELIM_CONFIG, FILE_DELIM_CONFIG, FORMAT_CLASS_CONFIG, PARTITIONER_CLASS_CONFIG,
        PARTITION_FIELD_NAME_CONFIG, TOPICS_DIR_CONFIG, ZERO_PAD_WIDTH_CONFIG,
    };

    fn settings(pairs: &[(&str, &str)]) -> S3SinkSettings {
        S3SinkSettings::parse(&props(pairs)).unwrap()
    }

    #[test]
    fn object_names_are_confluents() {
        let tp = TopicPartition::new("orders", 3);
        let s = settings(&[]);
        assert_eq!(
            object_key(&s, &tp, "partition=3", 42),
            "topics/orders/partition=3/orders+3+0000000042.json"
        );
        let s = settings(&[
            (TOPICS_DIR_CONFIG, "exports/raw"),
            (FILE_DELIM_CONFIG, "_"),
            (ZERO_PAD_WIDTH_CONFIG, "4"),
            (FORMAT_CLASS_CONFIG, "ParquetFormat"),
            (PARTITIONER_CLASS_CONFIG, "FieldPartitioner"),
            (PARTITION_FIELD_NAME_CONFIG, "region"),
        ]);
        assert_eq!(
            object_key(&s, &tp, "region=eu", 123_456),
            "exports/raw/orders/region=eu/orders_3_123456.snappy.parquet"
        );
        let s = settings(&[(DIRECTORY_DELIM_CONFIG, "#")]);
        assert_eq!(
            object_key(&s, &tp, "partition=3", 0),
            "topics#orders#partition=3#orders+3+0000000000.json"
        );
    }

    #[test]
    fn record_time_rotation() {
        let r = |count, base, ts, enc: &str, cur: &str| {
            rotate_on_time(count, Some(1000), base, ts, Some(enc), Some(cur), None, 0)
        };
        assert!(!r(0, Some(0), Some(5000), "a", "a"), "nothing to commit");
        assert!(!r(3, Some(0), Some(999), "a", "a"));
        assert!(r(3, Some(0), Some(1000), "a", "a"), "interval reached");
        assert!(
            r(3, Some(0), Some(10), "b", "a"),
            "another encoded partition"
        );
        assert!(
            !rotate_on_time(
                3,
                None,
                Some(0),
                Some(99_999),
                Some("b"),
                Some("a"),
                None,
                0
            ),
            "disabled"
        );
    }

    #[test]
    fn wall_clock_rotation() {
        assert!(rotate_on_time(
            1,
            None,
            None,
            None,
            None,
            None,
            Some(100),
            100
        ));
        assert!(!rotate_on_time(
            1,
            None,
            None,
            None,
            None,
            None,
            Some(100),
            99
        ));
        assert!(!rotate_on_time(
            0,
            None,
            None,
            None,
            None,
            None,
            Some(100),
            1000
        ));
        // 10-minute slots aligned to the start of the day.
        let day = 19_000 * DAY_MS;
        assert_eq!(
            next_scheduled_rotation(day + 61_000, 600_000, 0),
            day + 600_000
        );
        assert_eq!(
            next_scheduled_rotation(day + 600_000, 600_000, 0),
            day + 1_200_000
        );
        // Aligned to the local day: +01:00.
        let hour = 3_600_000;
        assert_eq!(
            next_scheduled_rotation(day + 1000, 7 * hour, hour),
            day + 6 * hour
        );
        // Never past the end of the day.
        assert_eq!(
            next_scheduled_rotation(day + 23 * hour, 7 * hour, 0),
            day + DAY_MS
        );
    }
}
