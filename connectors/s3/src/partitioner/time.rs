//! Confluent's `TimeBasedPartitioner` and its presets, with the timestamp extractors.

use chrono::{DateTime, FixedOffset, LocalResult, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use connect_api::{ConnectError, ParsedConfig, SinkRecord, Value};

use super::{field_at, JodaPattern};
use crate::error::{coordinates, S3Error};
use crate::keys::{
    LOCALE_CONFIG, PARTITION_DURATION_MS_CONFIG, PATH_FORMAT_CONFIG, TIMESTAMP_EXTRACTOR_CONFIG,
    TIMESTAMP_FIELD_CONFIG, TIMEZONE_CONFIG,
};

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// Where a record's time comes from (`timestamp.extractor`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimestampExtractor {
    /// The time the record is written: not deterministic across restarts.
    Wallclock,
    /// The Kafka record's timestamp.
    Record,
    /// A field of the value (`timestamp.field`): epoch millis, Timestamp, Date or an
    /// ISO-8601 string.
    RecordField(String),
}

impl TimestampExtractor {
    pub fn extract(&self, record: &SinkRecord, now_ms: i64) -> Result<i64, S3Error> {
        match self {
            TimestampExtractor::Wallclock => Ok(now_ms),
            TimestampExtractor::Record => record.record.timestamp.ok_or_else(|| {
                S3Error::Data(format!(
                    "record {} has no timestamp ({TIMESTAMP_EXTRACTOR_CONFIG}=Record)",
                    coordinates(record)
                ))
            }),
            TimestampExtractor::RecordField(field) => {
                let bad = |what: &str| {
                    S3Error::Data(format!(
                        "record {}: the timestamp field '{field}' ({TIMESTAMP_FIELD_CONFIG}) {what}",
                        coordinates(record)
                    ))
                };
                match field_at(&record.record.value, field) {
                    Some(Value::Int64(ms)) => Ok(*ms),
                    Some(Value::Timestamp(t)) => Ok(t.timestamp_millis()),
                    Some(Value::Date(d)) => Ok(d
                        .and_hms_opt(0, 0, 0)
                        .map(|t| t.and_utc().timestamp_millis())
                        .unwrap_or_default()),
                    Some(Value::String(s)) => DateTime::parse_from_rfc3339(s)
                        .map(|t| t.timestamp_millis())
                        .map_err(|e| bad(&format!("is not an ISO-8601 date-time ({s}): {e}"))),
                    None | Some(Value::Null) => Err(bad("is missing or null")),
                    Some(other) => Err(bad(&format!(
                        "is a {}: it must be a long, a Timestamp, a Date or a string",
                        other.kind_name()
                    ))),
                }
            }
        }
    }

    fn parse(name: &str, field: &str) -> Result<TimestampExtractor, ConnectError> {
        let simple = name.trim().rsplit(['$', '.']).next().unwrap_or_default();
        match simple {
            "Wallclock" => Ok(TimestampExtractor::Wallclock),
            "Record" => Ok(TimestampExtractor::Record),
            "RecordField" => Ok(TimestampExtractor::RecordField(field.trim().to_string())),
            _ => Err(ConnectError::config(
                TIMESTAMP_EXTRACTOR_CONFIG,
                format!("unknown timestamp extractor {name}: use Wallclock, Record or RecordField"),
            )),
        }
    }
}

/// A time zone (`timezone`): UTC, a fixed offset, or an IANA region id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    Fixed(FixedOffset),
    Named(Tz),
}

impl Zone {
    pub fn parse(raw: &str) -> Result<Zone, String> {
        let s = raw.trim();
        let utc = FixedOffset::east_opt(0).ok_or("bad offset")?;
        if matches!(s, "UTC" | "GMT" | "Z" | "UT") {
            return Ok(Zone::Fixed(utc));
        }
        let rest = ["UTC", "GMT", "UT"]
            .iter()
            .find_map(|p| s.strip_prefix(p))
            .unwrap_or(s);
        if let Some(offset) = parse_offset(rest) {
            return Ok(Zone::Fixed(offset));
        }
        s.parse::<Tz>().map(Zone::Named).map_err(|_| {
            format!("unknown time zone '{raw}': use an IANA id (Europe/Paris), UTC or an offset (+02:00)")
        })
    }

    /// The zone's offset from UTC at the instant `utc_ms`, in milliseconds.
    pub fn offset_ms_at(&self, utc_ms: i64) -> i64 {
        match self {
            Zone::Fixed(o) => o.local_minus_utc() as i64 * 1000,
            Zone::Named(tz) => DateTime::<Utc>::from_timestamp_millis(utc_ms)
                .map(|t| {
                    tz.offset_from_utc_datetime(&t.naive_utc())
                        .fix()
                        .local_minus_utc() as i64
                        * 1000
                })
                .unwrap_or(0),
        }
    }

    /// The UTC instant of the local time `local_ms` (Joda's `convertLocalToUTC(local,
    /// false)`): in an overlap the earlier offset, in a gap the offset before it.
    pub fn local_to_utc_ms(&self, local_ms: i64) -> i64 {
        match self {
            Zone::Fixed(o) => local_ms - o.local_minus_utc() as i64 * 1000,
            Zone::Named(tz) => {
                let Some(naive) =
                    DateTime::<Utc>::from_timestamp_millis(local_ms).map(|t| t.naive_utc())
                else {
                    return local_ms;
                };
                let offset = match tz.offset_from_local_datetime(&naive) {
                    LocalResult::Single(o) | LocalResult::Ambiguous(o, _) => o.fix(),
                    LocalResult::None => tz.offset_from_utc_datetime(&naive).fix(),
                };
                local_ms - offset.local_minus_utc() as i64 * 1000
            }
        }
    }

    /// `utc` as a date-time in this zone.
    pub fn at(&self, utc: &DateTime<Utc>) -> DateTime<FixedOffset> {
        match self {
            Zone::Fixed(o) => utc.with_timezone(o),
            Zone::Named(tz) => utc.with_timezone(tz).fixed_offset(),
        }
    }
}

/// `+hh`, `+hhmm`, `+hh:mm` (or `-`).
fn parse_offset(s: &str) -> Option<FixedOffset> {
    let (sign, rest) = match s.chars().next()? {
        '+' => (1, &s[1..]),
        '-' => (-1, &s[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) || digits.is_empty() || digits.len() > 4 {
        return None;
    }
    let (h, m) = match digits.len() {
        1 | 2 => (digits.parse::<i32>().ok()?, 0),
        3 => (
            digits[..1].parse::<i32>().ok()?,
            digits[1..].parse::<i32>().ok()?,
        ),
        _ => (
            digits[..2].parse::<i32>().ok()?,
            digits[2..].parse::<i32>().ok()?,
        ),
    };
    if h > 18 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

#[derive(Debug, Clone)]
pub struct TimeBased {
    pub pattern: JodaPattern,
    pub duration_ms: i64,
    pub zone: Zone,
    pub extractor: TimestampExtractor,
}

impl TimeBased {
    /// `preset` is TimeBasedPartitioner, HourlyPartitioner or DailyPartitioner.
    pub fn from_config(
        parsed: &ParsedConfig,
        preset: &str,
        delim: &str,
    ) -> Result<TimeBased, ConnectError> {
        let string = |key: &str| {
            parsed
                .get_string(key)
                .unwrap_or_default()
                .trim()
                .to_string()
        };
        let (path_format, duration_ms) = match preset {
            "HourlyPartitioner" => (
                ["'year'=YYYY", "'month'=MM", "'day'=dd", "'hour'=HH"].join(delim),
                HOUR_MS,
            ),
            "DailyPartitioner" => (
                ["'year'=YYYY", "'month'=MM", "'day'=dd"].join(delim),
                DAY_MS,
            ),
            _ => {
                let mut format = string(PATH_FORMAT_CONFIG);
                if format.is_empty() || format == delim {
                    return Err(ConnectError::config(
                        PATH_FORMAT_CONFIG,
                        "Path format cannot be empty.",
                    ));
                }
                // As Confluent: a trailing delimiter is dropped.
                if !delim.is_empty() && format.ends_with(delim) {
                    format.truncate(format.len() - delim.len());
                }
                let duration = parsed.get_long(PARTITION_DURATION_MS_CONFIG);
                if duration <= 0 {
                    return Err(ConnectError::config(
                        PARTITION_DURATION_MS_CONFIG,
                        "Partition duration needs to be a positive number of milliseconds.",
                    ));
                }
                (format, duration)
            }
        };
        let pattern = JodaPattern::parse(&path_format)
            .map_err(|m| ConnectError::config(PATH_FORMAT_CONFIG, m))?;
        if string(LOCALE_CONFIG).is_empty() {
            return Err(ConnectError::config(
                LOCALE_CONFIG,
                "Locale cannot be empty.",
            ));
        }
        let zone_name = string(TIMEZONE_CONFIG);
        if zone_name.is_empty() {
            return Err(ConnectError::config(
                TIMEZONE_CONFIG,
                "Timezone cannot be empty.",
            ));
        }
        let zone = Zone::parse(&zone_name).map_err(|m| ConnectError::config(TIMEZONE_CONFIG, m))?;
        let extractor = TimestampExtractor::parse(
            &string(TIMESTAMP_EXTRACTOR_CONFIG),
            &string(TIMESTAMP_FIELD_CONFIG),
        )?;
        Ok(TimeBased {
            pattern,
            duration_ms,
            zone,
            extractor,
        })
    }

    /// The start of the partition holding `timestamp` (Confluent's
    /// `TimeBasedPartitioner.getPartition`): floored in local time, back to UTC.
    pub fn bucket_start(&self, timestamp: i64) -> i64 {
        let local = timestamp + self.zone.offset_ms_at(timestamp);
        // Java's integer division (towards zero), as Confluent's.
        self.zone
            .local_to_utc_ms((local / self.duration_ms) * self.duration_ms)
    }

    pub fn encode_partition(&self, record: &SinkRecord, now_ms: i64) -> Result<String, S3Error> {
        let ts = self.extractor.extract(record, now_ms)?;
        let start = self.bucket_start(ts);
        let utc = DateTime::<Utc>::from_timestamp_millis(start).ok_or_else(|| {
            S3Error::Data(format!(
                "record {}: timestamp {ts} is out of range",
                coordinates(record)
            ))
        })?;
        Ok(self.pattern.format(&self.zone.at(&utc)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::PARTITIONER_CLASS_CONFIG;
    use crate::partitioner::tests::{partitioner, record};
    use crate::partitioner::Partitioner;
    use connect_api::{Schema, SchemaBuilder, Struct};

    // 2024-03-05T07:08:09.010Z
    const T: i64 = 1_709_622_489_010;

    fn time_based(pairs: &[(&str, &str)]) -> TimeBased {
        match partitioner(pairs) {
            Ok(Partitioner::Time(t)) => t,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn hourly_and_daily_presets() {
        let hourly = &[
            (
                PARTITIONER_CLASS_CONFIG,
                "io.confluent.connect.storage.partitioner.HourlyPartitioner",
            ),
            (LOCALE_CONFIG, "en-US"),
            (TIMEZONE_CONFIG, "UTC"),
            (TIMESTAMP_EXTRACTOR_CONFIG, "Record"),
        ];
        let p = partitioner(hourly).unwrap();
        let r = record(0, 0, Value::Null, Some(T));
        assert_eq!(
            p.encode_partition(&r, "/", 0).unwrap(),
            "year=2024/month=03/day=05/hour=07"
        );
        let daily = &[
            (PARTITIONER_CLASS_CONFIG, "DailyPartitioner"),
            (LOCALE_CONFIG, "en"),
            (TIMEZONE_CONFIG, "+09:00"),
            (TIMESTAMP_EXTRACTOR_CONFIG, "Record"),
        ];
        let p = partitioner(daily).unwrap();
        // 07:08 UTC is 16:08 in +09:00, still the 5th.
        assert_eq!(
            p.encode_partition(&r, "/", 0).unwrap(),
            "year=2024/month=03/day=05"
        );
        let late = record(0, 0, Value::Null, Some(T + 17 * HOUR_MS));
        assert_eq!(
            p.encode_partition(&late, "/", 0).unwrap(),
            "year=2024/month=03/day=06"
        );
    }

    #[test]
    fn custom_duration_floors_in_local_time() {
        let t = time_based(&[
            (PARTITIONER_CLASS_CONFIG, "TimeBasedPartitioner"),
            (PATH_FORMAT_CONFIG, "'dt'=YYYY-MM-dd/'min'=HHmm/"),
            (PARTITION_DURATION_MS_CONFIG, "900000"),
            (LOCALE_CONFIG, "en"),
            (TIMEZONE_CONFIG, "UTC-05:30"),
            (TIMESTAMP_EXTRACTOR_CONFIG, "Record"),
        ]);
        // 07:08 UTC = 01:38 at -05:30; 15-minute buckets start at 01:30.
        let r = record(0, 0, Value::Null, Some(T));
        assert_eq!(t.encode_partition(&r, 0).unwrap(), "dt=2024-03-05/min=0130");
    }

    #[test]
    fn named_zones_follow_daylight_saving_time() {
        let t = time_based(&[
            (PARTITIONER_CLASS_CONFIG, "TimeBasedPartitioner"),
            (PATH_FORMAT_CONFIG, "YYYY-MM-dd/HH"),
            (PARTITION_DURATION_MS_CONFIG, "86400000"),
            (LOCALE_CONFIG, "en"),
            (TIMEZONE_CONFIG, "Europe/Paris"),
            (TIMESTAMP_EXTRACTOR_CONFIG, "Record"),
        ]);
        // 2024-01-15T23:30Z is 00:30 on the 16th in Paris (+01:00); 2024-07-15T22:30Z
        // is 00:30 on the 16th too (+02:00). Daily buckets start at local midnight.
        let winter = record(0, 0, Value::Null, Some(1_705_361_400_000));
        let summer = record(0, 0, Value::Null, Some(1_721_082_600_000));
        assert_eq!(t.encode_partition(&winter, 0).unwrap(), "2024-01-16/00");
        assert_eq!(t.encode_partition(&summer, 0).unwrap(), "2024-07-16/00");
        assert_eq!(t.bucket_start(1_705_361_400_000), 1_705_359_600_000);
        assert_eq!(t.bucket_start(1_721_082_600_000), 1_721_080_800_000);
    }

    #[test]
    fn record_field_extractor() {
        let t = time_based(&[
            (PARTITIONER_CLASS_CONFIG, "TimeBasedPartitioner"),
            (PATH_FORMAT_CONFIG, "YYYY/MM/dd/HH"),
            (PARTITION_DURATION_MS_CONFIG, "3600000"),
            (LOCALE_CONFIG, "en"),
            (TIMEZONE_CONFIG, "UTC"),
            (TIMESTAMP_EXTRACTOR_CONFIG, "RecordField"),
            (TIMESTAMP_FIELD_CONFIG, "meta.at"),
        ]);
        let meta = SchemaBuilder::struct_()
            .field("at", Schema::int64())
            .build();
        let schema = SchemaBuilder::struct_().field("meta", meta.clone()).build();
        let value = Struct::new(schema)
            .and_then(|s| {
                s.with(
                    "meta",
                    Struct::new(meta).and_then(|m| m.with("at", T)).unwrap(),
                )
            })
            .unwrap();
        let r = record(0, 0, Value::Struct(value), None);
        assert_eq!(t.encode_partition(&r, 0).unwrap(), "2024/03/05/07");
        let iso = Value::Map(vec![(
            Value::String("meta".into()),
            Value::Map(vec![(
                Value::String("at".into()),
                Value::String("2024-03-05T23:00:00+01:00".into()),
            )]),
        )]);
        assert_eq!(
            t.encode_partition(&record(0, 0, iso, None), 0).unwrap(),
            "2024/03/05/22"
        );
        let e = t
            .encode_partition(&record(1, 4, Value::Null, None), 0)
            .unwrap_err();
        assert!(
            e.to_string().contains("orders-1@4") && e.to_string().contains("meta.at"),
            "{e}"
        );
    }

    #[test]
    fn bad_time_configs_name_the_key() {
        let key = |pairs: &[(&str, &str)]| match partitioner(pairs) {
            Err(ConnectError::Config { key, .. }) => key,
            other => panic!("{other:?}"),
        };
        let base = |extra: &[(&'static str, &'static str)]| {
            let mut v = vec![
                (PARTITIONER_CLASS_CONFIG, "TimeBasedPartitioner"),
                (PATH_FORMAT_CONFIG, "YYYY"),
                (PARTITION_DURATION_MS_CONFIG, "1000"),
                (LOCALE_CONFIG, "en"),
                (TIMEZONE_CONFIG, "UTC"),
            ];
            v.extend_from_slice(extra);
            v
        };
        assert_eq!(key(&base(&[(PATH_FORMAT_CONFIG, "")])), PATH_FORMAT_CONFIG);
        assert_eq!(
            key(&base(&[(PATH_FORMAT_CONFIG, "'year=YYYY")])),
            PATH_FORMAT_CONFIG
        );
        assert_eq!(
            key(&base(&[(PARTITION_DURATION_MS_CONFIG, "-1")])),
            PARTITION_DURATION_MS_CONFIG
        );
        assert_eq!(key(&base(&[(LOCALE_CONFIG, "")])), LOCALE_CONFIG);
        assert_eq!(key(&base(&[(TIMEZONE_CONFIG, "")])), TIMEZONE_CONFIG);
        assert_eq!(
            key(&base(&[(TIMEZONE_CONFIG, "Mars/Olympus")])),
            TIMEZONE_CONFIG
        );
        assert_eq!(
            key(&base(&[(TIMESTAMP_EXTRACTOR_CONFIG, "Sundial")])),
            TIMESTAMP_EXTRACTOR_CONFIG
        );
        assert!(partitioner(&base(&[(
            TIMESTAMP_EXTRACTOR_CONFIG,
            "io.confluent.connect.storage.partitioner.TimeBasedPartitioner$Record"
        )]))
        .is_ok());
    }
}
