//! `TimestampConverter$Key` / `TimestampConverter$Value`: converts a timestamp between
//! a formatted string (`format`, a `java.text.SimpleDateFormat` pattern, in UTC), a Unix
//! epoch number (`unix`, in `unix.precision`) and Connect's `Date`, `Time` and
//! `Timestamp` logical types: the whole key or value, or one top-level `field` of it.
//!
//! With a schema, the source representation comes from the schema (Timestamp, Date and
//! Time by name, then a STRING is a formatted string and an INT64 a Unix time) and the
//! new schema is the target type's, optional when the old one was. Without a schema it
//! is inferred from the value (a date/time/timestamp, an INT64, a string); a null value
//! stays null. Conversions go through milliseconds since the epoch, as Kafka's go through
//! `java.util.Date`: sub-millisecond precision is lost.
//!
//! Beyond Kafka: under a Date, Time or Timestamp schema, a value still in its physical
//! form (INT32 days, INT32 milliseconds of the day, INT64 milliseconds) is accepted too.

use connect_api::config::{ConfigDef, ConfigKey, ConfigType, Importance, Validator};
use connect_api::data::logical;
use connect_api::java;
use connect_api::{
    ConnectRecord, Props, Schema, SchemaBuilder, SchemaRef, SchemaType, Struct, Value,
};

use crate::java_time::SimpleDateFormat;
use crate::{Side, TransformError, TransformPlugin, Transformation};

pub const KEY_CLASS: &str = "org.apache.kafka.connect.transforms.TimestampConverter$Key";
pub const VALUE_CLASS: &str = "org.apache.kafka.connect.transforms.TimestampConverter$Value";

pub const OVERVIEW_DOC: &str = "Convert timestamps between different formats such as Unix epoch, strings, and Connect Date/Timestamp types.Applies to individual fields or to the entire value.<p/>Use the concrete transformation type designed for the record key (<code>org.apache.kafka.connect.transforms.TimestampConverter$Key</code>) or value (<code>org.apache.kafka.connect.transforms.TimestampConverter$Value</code>).";

pub const FIELD_CONFIG: &str = "field";
pub const TARGET_TYPE_CONFIG: &str = "target.type";
pub const FORMAT_CONFIG: &str = "format";
pub const UNIX_PRECISION_CONFIG: &str = "unix.precision";
pub const REPLACE_NULL_WITH_DEFAULT_CONFIG: &str = "replace.null.with.default";

const PURPOSE: &str = "converting timestamp formats";

const TYPE_STRING: &str = "string";
const TYPE_UNIX: &str = "unix";
const TYPE_DATE: &str = "Date";
const TYPE_TIME: &str = "Time";
const TYPE_TIMESTAMP: &str = "Timestamp";

const UNIX_PRECISION_MILLIS: &str = "milliseconds";
const UNIX_PRECISION_MICROS: &str = "microseconds";
const UNIX_PRECISION_NANOS: &str = "nanoseconds";
const UNIX_PRECISION_SECONDS: &str = "seconds";

const MILLIS_PER_DAY: i64 = 86_400_000;

pub fn plugins() -> Vec<TransformPlugin> {
    vec![
        TransformPlugin {
            class: KEY_CLASS,
            config_def,
            create_source: |p| Ok(Box::new(TimestampConverter::configure(Side::Key, p)?)),
            create_sink: |p| Ok(Box::new(TimestampConverter::configure(Side::Key, p)?)),
        },
        TransformPlugin {
            class: VALUE_CLASS,
            config_def,
            create_source: |p| Ok(Box::new(TimestampConverter::configure(Side::Value, p)?)),
            create_sink: |p| Ok(Box::new(TimestampConverter::configure(Side::Value, p)?)),
        },
    ]
}

pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(FIELD_CONFIG, ConfigType::String)
                .default_value("")
                .importance(Importance::High)
                .doc("The field containing the timestamp, or empty if the entire value is a timestamp"),
        )
        .define(
            ConfigKey::new(TARGET_TYPE_CONFIG, ConfigType::String)
                .validator(Validator::valid_string(&[
                    TYPE_STRING,
                    TYPE_UNIX,
                    TYPE_DATE,
                    TYPE_TIME,
                    TYPE_TIMESTAMP,
                ]))
                .importance(Importance::High)
                .doc("The desired timestamp representation: string, unix, Date, Time, or Timestamp"),
        )
        .define(
            ConfigKey::new(FORMAT_CONFIG, ConfigType::String)
                .default_value("")
                .importance(Importance::Medium)
                .doc("A SimpleDateFormat-compatible format for the timestamp. Used to generate the output when type=string or used to parse the input if the input is a string."),
        )
        .define(
            ConfigKey::new(UNIX_PRECISION_CONFIG, ConfigType::String)
                .default_value(UNIX_PRECISION_MILLIS)
                .validator(Validator::valid_string(&[
                    UNIX_PRECISION_NANOS,
                    UNIX_PRECISION_MICROS,
                    UNIX_PRECISION_MILLIS,
                    UNIX_PRECISION_SECONDS,
                ]))
                .importance(Importance::Low)
                .doc("The desired Unix precision for the timestamp: seconds, milliseconds, microseconds, or nanoseconds. Used to generate the output when type=unix or used to parse the input if the input is a Long.Note: This SMT will cause precision loss during conversions from, and to, values with sub-millisecond components."),
        )
        .define(
            ConfigKey::new(REPLACE_NULL_WITH_DEFAULT_CONFIG, ConfigType::Boolean)
                .default_value(true)
                .importance(Importance::Medium)
                .doc("Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used."),
        )
}

/// A timestamp representation (Kafka's translators).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    String,
    Unix,
    Date,
    Time,
    Timestamp,
}

impl Kind {
    fn of(name: &str) -> Kind {
        match name {
            TYPE_STRING => Kind::String,
            TYPE_UNIX => Kind::Unix,
            TYPE_DATE => Kind::Date,
            TYPE_TIME => Kind::Time,
            _ => Kind::Timestamp,
        }
    }

    /// The schema of this representation (Kafka's `typeSchema`).
    fn schema(self, optional: bool) -> SchemaRef {
        let b = match self {
            Kind::String => SchemaBuilder::new(SchemaType::String),
            Kind::Unix => SchemaBuilder::new(SchemaType::Int64),
            Kind::Date => logical::date_schema(),
            Kind::Time => logical::time_schema(),
            Kind::Timestamp => logical::timestamp_schema(),
        };
        b.set_optional(optional).build()
    }

    /// Kafka's `timestampTypeFromSchema`.
    fn from_schema(schema: &Schema) -> Result<Kind, String> {
        match schema.name.as_deref() {
            Some(logical::TIMESTAMP_NAME) => Ok(Kind::Timestamp),
            Some(logical::DATE_NAME) => Ok(Kind::Date),
            Some(logical::TIME_NAME) => Ok(Kind::Time),
            _ => match schema.schema_type {
                SchemaType::String => Ok(Kind::String),
                SchemaType::Int64 => Ok(Kind::Unix),
                _ => Err(format!(
                    "Schema {} does not correspond to a known timestamp type format",
                    java_schema(schema)
                )),
            },
        }
    }

    /// Kafka's `inferTimestampType` (a date, time and timestamp are all `java.util.Date`).
    fn infer(value: &Value) -> Result<Kind, String> {
        match value {
            Value::Date(_) | Value::Time(_) | Value::Timestamp(_) => Ok(Kind::Timestamp),
            Value::Int64(_) => Ok(Kind::Unix),
            Value::String(_) => Ok(Kind::String),
            other => Err(format!(
                "TimestampConverter does not support class {} objects as timestamps",
                other.kind_name()
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Precision {
    Seconds,
    Millis,
    Micros,
    Nanos,
}

/// `ConnectSchema.toString()`.
fn java_schema(s: &Schema) -> String {
    match &s.name {
        Some(name) => format!("Schema{{{name}:{}}}", s.schema_type),
        None => format!("Schema{{{}}}", s.schema_type),
    }
}

#[derive(Debug, Clone)]
pub struct TimestampConverter {
    side: Side,
    field: String,
    target: Kind,
    format: Option<SimpleDateFormat>,
    precision: Precision,
    replace_null_with_default: bool,
}

impl TimestampConverter {
    pub fn configure(side: Side, props: &Props) -> Result<Self, TransformError> {
        let class = class(side);
        let err = |m: String| TransformError::new(class, m);
        let config = config_def().parse(props).map_err(|e| err(e.to_string()))?;
        let target = Kind::of(config.get_string(TARGET_TYPE_CONFIG).unwrap_or_default());
        let pattern = config.get_string(FORMAT_CONFIG).unwrap_or_default();
        let blank = pattern.trim().is_empty();
        if target == Kind::String && blank {
            return Err(err(
                "TimestampConverter requires format option to be specified when using string timestamps".into(),
            ));
        }
        let format = if blank {
            None
        } else {
            Some(SimpleDateFormat::new(pattern).map_err(|_| {
                err(format!(
                    "TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps: {pattern}"
                ))
            })?)
        };
        let precision = match config.get_string(UNIX_PRECISION_CONFIG) {
            Some(UNIX_PRECISION_SECONDS) => Precision::Seconds,
            Some(UNIX_PRECISION_MICROS) => Precision::Micros,
            Some(UNIX_PRECISION_NANOS) => Precision::Nanos,
            _ => Precision::Millis,
        };
        Ok(TimestampConverter {
            side,
            field: config
                .get_string(FIELD_CONFIG)
                .unwrap_or_default()
                .to_string(),
            target,
            format,
            precision,
            replace_null_with_default: config.get_bool(REPLACE_NULL_WITH_DEFAULT_CONFIG),
        })
    }

    /// The instant a timestamp in representation `kind` stands for (Kafka's `toRaw`).
    fn to_raw(&self, kind: Kind, value: &Value) -> Result<i64, String> {
        let found = || value.kind_name();
        match kind {
            Kind::String => {
                let Value::String(s) = value else {
                    return Err(format!(
                        "Expected string timestamp to be a String, but found class {}",
                        found()
                    ));
                };
                let format = self.format.as_ref().ok_or_else(|| {
                    "TimestampConverter requires format option to be specified when using string timestamps".to_string()
                })?;
                format.parse_millis(s).map_err(|_| {
                    format!(
                        "Could not parse timestamp: value ({s}) does not match pattern ({})",
                        format.pattern()
                    )
                })
            }
            Kind::Unix => {
                let Value::Int64(n) = value else {
                    return Err(format!(
                        "Expected Unix timestamp to be a Long, but found class {}",
                        found()
                    ));
                };
                Ok(match self.precision {
                    Precision::Seconds => n.saturating_mul(1000),
                    Precision::Millis => *n,
                    Precision::Micros => n / 1000,
                    Precision::Nanos => n / 1_000_000,
                })
            }
            Kind::Date | Kind::Time | Kind::Timestamp => {
                let physical = match (kind, value) {
                    (Kind::Date, Value::Int32(days)) => Some(i64::from(*days) * MILLIS_PER_DAY),
                    (Kind::Time, Value::Int32(ms)) => Some(i64::from(*ms)),
                    (Kind::Timestamp, Value::Int64(ms)) => Some(*ms),
                    _ => None,
                };
                java::temporal_millis(value).or(physical).ok_or_else(|| {
                    let name = match kind {
                        Kind::Date => TYPE_DATE,
                        Kind::Time => TYPE_TIME,
                        _ => TYPE_TIMESTAMP,
                    };
                    format!(
                        "Expected {name} to be a java.util.Date, but found class {}",
                        found()
                    )
                })
            }
        }
    }

    /// The instant in the target representation (Kafka's `toType`).
    fn to_type(&self, millis: i64) -> Result<Value, String> {
        let out_of_range = || format!("Timestamp out of range: {millis} ms");
        Ok(match self.target {
            Kind::String => Value::String(
                self.format
                    .as_ref()
                    .expect("a string target has a format")
                    .format_millis(millis),
            ),
            Kind::Unix => Value::Int64(match self.precision {
                Precision::Seconds => millis / 1000,
                Precision::Millis => millis,
                Precision::Micros => millis.saturating_mul(1000),
                Precision::Nanos => millis.saturating_mul(1_000_000),
            }),
            Kind::Date => {
                let days =
                    i32::try_from(millis.div_euclid(MILLIS_PER_DAY)).map_err(|_| out_of_range())?;
                Value::Date(logical::date_from_days(days).map_err(|e| e.message)?)
            }
            Kind::Time => Value::Time(
                logical::time_from_millis(millis.rem_euclid(MILLIS_PER_DAY) as i32)
                    .map_err(|e| e.message)?,
            ),
            Kind::Timestamp => {
                Value::Timestamp(logical::timestamp_from_millis(millis).map_err(|e| e.message)?)
            }
        })
    }

    /// Kafka's `convertTimestamp`: `kind` None infers it from the value.
    fn convert(&self, value: &Value, kind: Option<Kind>) -> Result<Value, String> {
        if value.is_null() {
            return Ok(Value::Null);
        }
        let kind = match kind {
            Some(k) => k,
            None => Kind::infer(value)?,
        };
        self.to_type(self.to_raw(kind, value)?)
    }

    fn field_value(&self, s: &Struct, name: &str) -> Value {
        let v = if self.replace_null_with_default {
            s.get(name)
        } else {
            s.get_without_default(name)
        };
        v.cloned().unwrap_or(Value::Null)
    }

    /// A struct of `value`'s fields under `schema`, the configured field converted
    /// (Kafka's `applyValueWithSchema`).
    fn convert_struct(&self, value: &Struct, schema: &SchemaRef) -> Result<Struct, String> {
        let mut updated = Struct::new(schema.clone()).map_err(|e| e.message)?;
        for f in &value.schema().fields {
            let v = self.field_value(value, &f.name);
            let v = if f.name == self.field {
                self.convert(&v, Some(Kind::from_schema(&f.schema)?))?
            } else {
                v
            };
            updated.put(&f.name, v).map_err(|e| e.message)?;
        }
        Ok(updated)
    }

    /// The struct schema with the field's schema replaced by the target type's.
    fn updated_struct_schema(&self, schema: &Schema) -> Result<SchemaRef, String> {
        if schema.schema_type != SchemaType::Struct {
            return Err("Cannot list fields on non-struct type".into());
        }
        let mut b = SchemaBuilder::struct_();
        if let Some(name) = &schema.name {
            b = b.name(name.clone());
        }
        if let Some(version) = schema.version {
            b = b.version(version);
        }
        if let Some(doc) = &schema.doc {
            b = b.doc(doc.clone());
        }
        if let Some(params) = &schema.parameters {
            b = b.parameters(params.iter().cloned());
        }
        for f in &schema.fields {
            let field_schema = if f.name == self.field {
                self.target.schema(f.schema.optional)
            } else {
                f.schema.clone()
            };
            b = b.field(f.name.clone(), field_schema);
        }
        if schema.optional {
            b = b.optional();
        }
        if let Some(Value::Struct(default)) = &schema.default {
            let without_default = b.clone().build();
            let converted = self.convert_struct(default, &without_default)?;
            b = b.default_value(Value::Struct(converted));
        }
        Ok(b.build())
    }

    fn apply_with_schema(
        &self,
        schema: &SchemaRef,
        value: &Value,
    ) -> Result<(SchemaRef, Value), String> {
        if self.field.is_empty() {
            let updated_schema = self.target.schema(schema.optional);
            let converted = self.convert(value, Some(Kind::from_schema(schema)?))?;
            return Ok((updated_schema, converted));
        }
        let s = match value {
            Value::Null => None,
            Value::Struct(s) => Some(s),
            other => {
                return Err(format!(
                    "Only Struct objects supported for [{PURPOSE}], found: {}",
                    other.kind_name()
                ))
            }
        };
        let updated_schema = self.updated_struct_schema(schema)?;
        let updated = match s {
            None => Value::Null,
            Some(s) => Value::Struct(self.convert_struct(s, &updated_schema)?),
        };
        Ok((updated_schema, updated))
    }

    fn apply_schemaless(&self, value: &Value) -> Result<Value, String> {
        if value.is_null() || self.field.is_empty() {
            return self.convert(value, None);
        }
        let Value::Map(entries) = value else {
            return Err(format!(
                "Only Map objects supported in absence of schema for [{PURPOSE}], found: {}",
                value.kind_name()
            ));
        };
        let converted = self.convert(value.map_get(&self.field).unwrap_or(&Value::Null), None)?;
        let mut updated = entries.clone();
        match updated
            .iter_mut()
            .find(|(k, _)| k.as_str() == Some(self.field.as_str()))
        {
            Some(slot) => slot.1 = converted,
            None => updated.push((Value::String(self.field.clone()), converted)),
        }
        Ok(Value::Map(updated))
    }
}

fn class(side: Side) -> &'static str {
    match side {
        Side::Key => KEY_CLASS,
        Side::Value => VALUE_CLASS,
    }
}

impl<R: ConnectRecord> Transformation<R> for TimestampConverter {
    fn apply(&self, mut record: R) -> Result<Option<R>, TransformError> {
        let r = record.record_mut();
        let (schema, value) = match self.side {
            Side::Key => (&mut r.key_schema, &mut r.key),
            Side::Value => (&mut r.value_schema, &mut r.value),
        };
        let result = match schema.as_ref() {
            None => self.apply_schemaless(value).map(|v| (None, v)),
            Some(s) => self.apply_with_schema(s, value).map(|(s, v)| (Some(s), v)),
        };
        let (new_schema, new_value) =
            result.map_err(|m| TransformError::new(class(self.side), m))?;
        *schema = new_schema;
        *value = new_value;
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, NaiveTime};
    use connect_api::SourceRecord;

    const STRING_DATE_FMT: &str = "yyyy MM dd HH mm ss SSS z";
    const DATE_PLUS_TIME_STRING: &str = "1970 01 02 00 00 01 234 UTC";
    /// 86 401 234 milliseconds: 1970-01-02T00:00:01.234Z.
    const DATE_PLUS_TIME_UNIX: i64 = 86_401_234;
    const DATE_PLUS_TIME_UNIX_MICROS: i64 = DATE_PLUS_TIME_UNIX * 1000 + 123;
    const DATE_PLUS_TIME_UNIX_NANOS: i64 = DATE_PLUS_TIME_UNIX_MICROS * 1000 + 456;
    const DATE_PLUS_TIME_UNIX_SECONDS: i64 = 86_401;

    fn epoch() -> Value {
        Value::Timestamp(logical::timestamp_from_millis(0).unwrap())
    }
    fn date() -> Value {
        Value::Date(NaiveDate::from_ymd_opt(1970, 1, 2).unwrap())
    }
    fn time() -> Value {
        Value::Time(NaiveTime::from_hms_milli_opt(0, 0, 1, 234).unwrap())
    }
    fn timestamp(millis: i64) -> Value {
        Value::Timestamp(logical::timestamp_from_millis(millis).unwrap())
    }
    fn date_plus_time() -> Value {
        timestamp(DATE_PLUS_TIME_UNIX)
    }

    fn props(pairs: &[(&str, &str)]) -> Props {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn value_xform(pairs: &[(&str, &str)]) -> TimestampConverter {
        TimestampConverter::configure(Side::Value, &props(pairs)).unwrap()
    }

    fn record(schema: Option<SchemaRef>, value: Value) -> SourceRecord {
        let mut r = SourceRecord::new(
            Default::default(),
            Default::default(),
            "topic",
            schema,
            value,
        );
        r.record.kafka_partition = Some(0);
        r
    }

    fn apply(x: &TimestampConverter, r: SourceRecord) -> Result<SourceRecord, TransformError> {
        Transformation::<SourceRecord>::apply(x, r).map(Option::unwrap)
    }

    fn apply_value(
        x: &TimestampConverter,
        schema: Option<SchemaRef>,
        value: Value,
    ) -> (Option<SchemaRef>, Value) {
        let out = apply(x, record(schema, value)).unwrap();
        (out.record.value_schema, out.record.value)
    }

    fn config_error(pairs: &[(&str, &str)]) -> String {
        TimestampConverter::configure(Side::Value, &props(pairs))
            .unwrap_err()
            .message
    }

    #[test]
    fn config_errors() {
        assert_eq!(
            config_error(&[]),
            "Missing required configuration \"target.type\" which has no default value."
        );
        assert_eq!(
            config_error(&[(TARGET_TYPE_CONFIG, "invalid")]),
            "Invalid value invalid for configuration target.type: String must be one of: string, unix, Date, Time, Timestamp"
        );
        assert_eq!(
            config_error(&[(TARGET_TYPE_CONFIG, "unix"), (UNIX_PRECISION_CONFIG, "invalid")]),
            "Invalid value invalid for configuration unix.precision: String must be one of: nanoseconds, microseconds, milliseconds, seconds"
        );
        assert!(TimestampConverter::configure(
            Side::Value,
            &props(&[
                (TARGET_TYPE_CONFIG, "unix"),
                (UNIX_PRECISION_CONFIG, "seconds")
            ])
        )
        .is_ok());
        assert_eq!(
            config_error(&[(TARGET_TYPE_CONFIG, "string")]),
            "TimestampConverter requires format option to be specified when using string timestamps"
        );
        assert_eq!(
            config_error(&[(TARGET_TYPE_CONFIG, "string"), (FORMAT_CONFIG, "bad-format")]),
            "TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps: bad-format"
        );
    }

    #[test]
    fn chain_validation_names_the_alias_and_key() {
        let chain = |pairs: &[(&str, &str)]| {
            let mut p = props(&[
                ("transforms", "ts"),
                ("transforms.ts.type", "TimestampConverter$Value"),
            ]);
            p.extend(props(pairs));
            crate::chain::validate(&p)
        };
        assert_eq!(chain(&[("transforms.ts.target.type", "unix")]), vec![]);
        let errors = chain(&[("transforms.ts.target.type", "string")]);
        assert_eq!(
            errors,
            vec![(
                "transforms.ts".to_string(),
                "TimestampConverter requires format option to be specified when using string timestamps"
                    .to_string()
            )]
        );
        let errors = chain(&[("transforms.ts.target.type", "Unix")]);
        assert!(errors.contains(&(
            "transforms.ts.target.type".to_string(),
            "Invalid value Unix for configuration target.type: String must be one of: string, unix, Date, Time, Timestamp".to_string()
        )), "{errors:?}");
    }

    // Conversions without schemas (most flexible Timestamp -> other types)

    #[test]
    fn schemaless_from_timestamp() {
        let cases = [
            ("Timestamp", date_plus_time()),
            ("Date", date()),
            ("Time", time()),
            ("unix", Value::Int64(DATE_PLUS_TIME_UNIX)),
        ];
        for (target, expected) in cases {
            let x = value_xform(&[(TARGET_TYPE_CONFIG, target)]);
            assert_eq!(
                apply_value(&x, None, date_plus_time()),
                (None, expected),
                "{target}"
            );
        }
        let x = value_xform(&[
            (TARGET_TYPE_CONFIG, "string"),
            (FORMAT_CONFIG, STRING_DATE_FMT),
        ]);
        assert_eq!(
            apply_value(&x, None, date_plus_time()),
            (None, Value::from(DATE_PLUS_TIME_STRING))
        );
    }

    // Conversions without schemas (core types -> most flexible Timestamp format)

    #[test]
    fn schemaless_to_timestamp() {
        let x = value_xform(&[(TARGET_TYPE_CONFIG, "Timestamp")]);
        // No change expected since the source type is coarser-grained.
        assert_eq!(apply_value(&x, None, date()), (None, timestamp(86_400_000)));
        assert_eq!(apply_value(&x, None, time()), (None, timestamp(1234)));
        assert_eq!(
            apply_value(&x, None, Value::Int64(DATE_PLUS_TIME_UNIX)),
            (None, date_plus_time())
        );
        let x = value_xform(&[
            (TARGET_TYPE_CONFIG, "Timestamp"),
            (FORMAT_CONFIG, STRING_DATE_FMT),
        ]);
        assert_eq!(
            apply_value(&x, None, Value::from(DATE_PLUS_TIME_STRING)),
            (None, date_plus_time())
        );
    }

    // Conversions with schemas (most flexible Timestamp -> other types)

    #[test]
    fn with_schema_from_timestamp() {
        let ts = logical::timestamp_schema().build();
        let cases = [
            (
                "Timestamp",
                logical::timestamp_schema().build(),
                date_plus_time(),
            ),
            ("Date", logical::date_schema().build(), date()),
            ("Time", logical::time_schema().build(), time()),
            ("unix", Schema::int64(), Value::Int64(DATE_PLUS_TIME_UNIX)),
        ];
        for (target, schema, expected) in cases {
            let x = value_xform(&[(TARGET_TYPE_CONFIG, target)]);
            assert_eq!(
                apply_value(&x, Some(ts.clone()), date_plus_time()),
                (Some(schema), expected),
                "{target}"
            );
        }
        let x = value_xform(&[
            (TARGET_TYPE_CONFIG, "string"),
            (FORMAT_CONFIG, STRING_DATE_FMT),
        ]);
        assert_eq!(
            apply_value(&x, Some(ts), date_plus_time()),
            (Some(Schema::string()), Value::from(DATE_PLUS_TIME_STRING))
        );
    }

    // Conversions with schemas (core types -> most flexible Timestamp format)

    #[test]
    fn with_schema_to_timestamp() {
        let ts = Some(logical::timestamp_schema().build());
        let x = value_xform(&[
            (TARGET_TYPE_CONFIG, "Timestamp"),
            (FORMAT_CONFIG, STRING_DATE_FMT),
        ]);
        assert_eq!(
            apply_value(&x, Some(logical::date_schema().build()), date()),
            (ts.clone(), timestamp(86_400_000))
        );
        assert_eq!(
            apply_value(&x, Some(logical::time_schema().build()), time()),
            (ts.clone(), timestamp(1234))
        );
        assert_eq!(
            apply_value(&x, Some(Schema::int64()), Value::Int64(DATE_PLUS_TIME_UNIX)),
            (ts.clone(), date_plus_time())
        );
        assert_eq!(
            apply_value(
                &x,
                Some(Schema::string()),
                Value::from(DATE_PLUS_TIME_STRING)
            ),
            (ts.clone(), date_plus_time())
        );
        // Physical values under logical schemas are accepted.
        assert_eq!(
            apply_value(&x, Some(logical::date_schema().build()), Value::Int32(1)),
            (ts.clone(), timestamp(86_400_000))
        );
        assert_eq!(
            apply_value(
                &x,
                Some(logical::timestamp_schema().build()),
                Value::Int64(5)
            ),
            (ts, timestamp(5))
        );
    }

    fn optional_schemas() -> Vec<SchemaRef> {
        vec![
            Schema::optional_int64(),
            logical::time_schema().optional().build(),
            logical::date_schema().optional().build(),
            Schema::optional_string(),
            logical::timestamp_schema().optional().build(),
        ]
    }

    fn target_schema(target: &str) -> SchemaRef {
        Kind::of(target).schema(true)
    }

    const TARGETS: [&str; 5] = ["string", "unix", "Date", "Time", "Timestamp"];

    #[test]
    fn schemaless_null_value_and_null_field() {
        for target in TARGETS {
            let x = value_xform(&[
                (TARGET_TYPE_CONFIG, target),
                (FORMAT_CONFIG, STRING_DATE_FMT),
            ]);
            assert_eq!(apply_value(&x, None, Value::Null), (None, Value::Null));
            let x = value_xform(&[
                (TARGET_TYPE_CONFIG, target),
                (FORMAT_CONFIG, STRING_DATE_FMT),
                (FIELD_CONFIG, "ts"),
            ]);
            assert_eq!(apply_value(&x, None, Value::Null), (None, Value::Null));
        }
    }

    #[test]
    fn with_schema_null_value() {
        for target in TARGETS {
            let x = value_xform(&[
                (TARGET_TYPE_CONFIG, target),
                (FORMAT_CONFIG, STRING_DATE_FMT),
            ]);
            for original in optional_schemas() {
                assert_eq!(
                    apply_value(&x, Some(original.clone()), Value::Null),
                    (Some(target_schema(target)), Value::Null),
                    "{target} from {original:?}"
                );
            }
        }
    }

    #[test]
    fn with_schema_null_field() {
        for target in TARGETS {
            let x = value_xform(&[
                (TARGET_TYPE_CONFIG, target),
                (FORMAT_CONFIG, STRING_DATE_FMT),
                (FIELD_CONFIG, "ts"),
            ]);
            for original in optional_schemas() {
                let struct_schema = || {
                    SchemaBuilder::struct_()
                        .field("ts", original.clone())
                        .field("other", Schema::string())
                };
                let expected_schema = || {
                    SchemaBuilder::struct_()
                        .field("ts", target_schema(target))
                        .field("other", Schema::string())
                };
                let value = Struct::new(struct_schema().build())
                    .unwrap()
                    .with("other", "test")
                    .unwrap();
                // The field is null.
                let (schema, out) =
                    apply_value(&x, Some(struct_schema().build()), Value::Struct(value));
                assert_eq!(schema, Some(expected_schema().build()));
                assert_eq!(out.as_struct().unwrap().get("ts"), Some(&Value::Null));
                // The whole struct is null.
                let (schema, out) =
                    apply_value(&x, Some(struct_schema().optional().build()), Value::Null);
                assert_eq!(schema, Some(expected_schema().optional().build()));
                assert_eq!(out, Value::Null);
            }
        }
    }

    // Convert field instead of entire key/value

    #[test]
    fn schemaless_field_conversion() {
        let x = value_xform(&[(TARGET_TYPE_CONFIG, "Date"), (FIELD_CONFIG, "ts")]);
        let map = |v: Value| Value::Map(vec![(Value::from("ts"), v)]);
        assert_eq!(
            apply_value(&x, None, map(date_plus_time())),
            (None, map(date()))
        );
        // Other entries are kept; a missing field is added as null, as Kafka's map put.
        let other = Value::Map(vec![(Value::from("a"), Value::Int32(1))]);
        assert_eq!(
            apply_value(&x, None, other).1,
            Value::Map(vec![
                (Value::from("a"), Value::Int32(1)),
                (Value::from("ts"), Value::Null)
            ])
        );
    }

    #[test]
    fn with_schema_field_conversion() {
        let x = value_xform(&[(TARGET_TYPE_CONFIG, "Timestamp"), (FIELD_CONFIG, "ts")]);
        let schema = SchemaBuilder::struct_()
            .field("ts", Schema::int64())
            .field("other", Schema::string())
            .build();
        let value = Struct::new(schema.clone())
            .unwrap()
            .with("ts", Value::Int64(DATE_PLUS_TIME_UNIX))
            .unwrap()
            .with("other", "test")
            .unwrap();
        let (out_schema, out) = apply_value(&x, Some(schema), Value::Struct(value));
        let expected = SchemaBuilder::struct_()
            .field("ts", logical::timestamp_schema().build())
            .field("other", Schema::string())
            .build();
        assert_eq!(out_schema, Some(expected));
        let s = out.as_struct().unwrap();
        assert_eq!(s.get("ts"), Some(&date_plus_time()));
        assert_eq!(s.get("other"), Some(&Value::from("test")));
    }

    #[test]
    fn with_schema_null_field_with_default() {
        for (replace, expected) in [("false", Value::Null), ("true", epoch())] {
            let x = value_xform(&[
                (TARGET_TYPE_CONFIG, "Timestamp"),
                (FIELD_CONFIG, "ts"),
                (REPLACE_NULL_WITH_DEFAULT_CONFIG, replace),
            ]);
            let schema = SchemaBuilder::struct_()
                .field(
                    "ts",
                    SchemaBuilder::new(SchemaType::Int64)
                        .optional()
                        .default_value(Value::Int64(0))
                        .build(),
                )
                .field("other", Schema::string())
                .build();
            let value = Struct::new(schema.clone())
                .unwrap()
                .with("other", "test")
                .unwrap();
            let (out_schema, out) = apply_value(&x, Some(schema), Value::Struct(value));
            let expected_schema = SchemaBuilder::struct_()
                .field("ts", logical::timestamp_schema().optional().build())
                .field("other", Schema::string())
                .build();
            assert_eq!(out_schema, Some(expected_schema));
            let s = out.as_struct().unwrap();
            assert_eq!(
                s.get("ts"),
                Some(&expected),
                "replace.null.with.default={replace}"
            );
            assert_eq!(s.get("other"), Some(&Value::from("test")));
        }
    }

    #[test]
    fn with_schema_field_conversion_precisions() {
        let cases = [
            ("microseconds", DATE_PLUS_TIME_UNIX_MICROS, date_plus_time()),
            ("nanoseconds", DATE_PLUS_TIME_UNIX_NANOS, date_plus_time()),
            (
                "seconds",
                DATE_PLUS_TIME_UNIX_SECONDS,
                timestamp(86_401_000),
            ),
        ];
        for (precision, input, expected) in cases {
            let x = value_xform(&[
                (TARGET_TYPE_CONFIG, "Timestamp"),
                (FIELD_CONFIG, "ts"),
                (UNIX_PRECISION_CONFIG, precision),
            ]);
            let schema = SchemaBuilder::struct_()
                .field("ts", Schema::int64())
                .build();
            let value = Struct::new(schema.clone())
                .unwrap()
                .with("ts", Value::Int64(input))
                .unwrap();
            let (out_schema, out) = apply_value(&x, Some(schema), Value::Struct(value));
            assert_eq!(
                out_schema,
                Some(
                    SchemaBuilder::struct_()
                        .field("ts", logical::timestamp_schema().build())
                        .build()
                )
            );
            assert_eq!(
                out.as_struct().unwrap().get("ts"),
                Some(&expected),
                "{precision}"
            );
        }
    }

    #[test]
    fn schemaless_string_to_unix_precisions() {
        for (precision, expected) in [
            // Sub-millisecond precision is lost through the millisecond instant.
            ("microseconds", 86_401_234_000),
            ("nanoseconds", 86_401_234_000_000),
            ("seconds", DATE_PLUS_TIME_UNIX_SECONDS),
        ] {
            let x = value_xform(&[
                (TARGET_TYPE_CONFIG, "unix"),
                (UNIX_PRECISION_CONFIG, precision),
                (FORMAT_CONFIG, STRING_DATE_FMT),
            ]);
            assert_eq!(
                apply_value(&x, None, Value::from(DATE_PLUS_TIME_STRING)),
                (None, Value::Int64(expected)),
                "{precision}"
            );
        }
    }

    #[test]
    fn key() {
        let x =
            TimestampConverter::configure(Side::Key, &props(&[(TARGET_TYPE_CONFIG, "Timestamp")]))
                .unwrap();
        let mut r = record(None, Value::Null);
        r.record.key = date_plus_time();
        let out = apply(&x, r).unwrap();
        assert_eq!(out.record.key_schema, None);
        assert_eq!(out.record.key, date_plus_time());
    }

    #[test]
    fn struct_defaults_and_basics_are_converted() {
        let x = value_xform(&[(TARGET_TYPE_CONFIG, "unix"), (FIELD_CONFIG, "ts")]);
        let base = SchemaBuilder::struct_()
            .name("rec")
            .version(2)
            .field("ts", logical::timestamp_schema().build());
        let default = Struct::new(base.clone().build())
            .unwrap()
            .with("ts", date_plus_time())
            .unwrap();
        let schema = base
            .optional()
            .default_value(Value::Struct(default))
            .build();
        let (out_schema, _) = apply_value(&x, Some(schema), Value::Null);
        let out_schema = out_schema.unwrap();
        assert_eq!(out_schema.name.as_deref(), Some("rec"));
        assert_eq!(out_schema.version, Some(2));
        assert!(out_schema.optional);
        assert_eq!(out_schema.field("ts").unwrap().schema, Schema::int64());
        let Some(Value::Struct(d)) = &out_schema.default else {
            panic!("default converted: {out_schema:?}")
        };
        assert_eq!(d.get("ts"), Some(&Value::Int64(DATE_PLUS_TIME_UNIX)));
    }

    #[test]
    fn data_errors_are_kafkas() {
        let x = value_xform(&[
            (TARGET_TYPE_CONFIG, "Timestamp"),
            (FORMAT_CONFIG, "yyyy-MM-dd"),
        ]);
        let err =
            |schema: Option<SchemaRef>, v: Value| apply(&x, record(schema, v)).unwrap_err().message;
        assert_eq!(
            err(None, Value::from("2017/01/01")),
            "Could not parse timestamp: value (2017/01/01) does not match pattern (yyyy-MM-dd)"
        );
        assert_eq!(
            err(None, Value::Int32(5)),
            "TimestampConverter does not support class java.lang.Integer objects as timestamps"
        );
        assert_eq!(
            err(Some(Schema::int32()), Value::Int32(5)),
            "Schema Schema{INT32} does not correspond to a known timestamp type format"
        );
        assert_eq!(
            err(Some(Schema::string()), Value::Int64(5)),
            "Expected string timestamp to be a String, but found class java.lang.Long"
        );
        assert_eq!(
            err(Some(Schema::int64()), Value::from("x")),
            "Expected Unix timestamp to be a Long, but found class java.lang.String"
        );
        assert_eq!(
            err(Some(logical::date_schema().build()), Value::from("x")),
            "Expected Date to be a java.util.Date, but found class java.lang.String"
        );
        let x = value_xform(&[(TARGET_TYPE_CONFIG, "Timestamp"), (FIELD_CONFIG, "ts")]);
        let err = |schema: Option<SchemaRef>, v: Value| apply(&x, record(schema, v)).unwrap_err();
        let e = err(None, Value::from("x"));
        assert_eq!(
            e.message,
            "Only Map objects supported in absence of schema for [converting timestamp formats], found: java.lang.String"
        );
        assert_eq!(e.class, VALUE_CLASS);
        assert_eq!(
            err(Some(Schema::string()), Value::from("x")).message,
            "Only Struct objects supported for [converting timestamp formats], found: java.lang.String"
        );
        // A string source without a format.
        let x = value_xform(&[(TARGET_TYPE_CONFIG, "unix")]);
        assert_eq!(
            apply(&x, record(None, Value::from("2017"))).unwrap_err().message,
            "TimestampConverter requires format option to be specified when using string timestamps"
        );
    }

    #[test]
    fn string_round_trips_and_iso_patterns() {
        let to_string = value_xform(&[
            (TARGET_TYPE_CONFIG, "string"),
            (FORMAT_CONFIG, "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"),
        ]);
        let (schema, s) = apply_value(
            &to_string,
            Some(Schema::optional_int64()),
            Value::Int64(1_483_425_001_864),
        );
        assert_eq!(schema, Some(Schema::optional_string()));
        assert_eq!(s, Value::from("2017-01-03T06:30:01.864Z"));
        let to_unix = value_xform(&[
            (TARGET_TYPE_CONFIG, "unix"),
            (FORMAT_CONFIG, "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"),
        ]);
        assert_eq!(
            apply_value(&to_unix, None, s).1,
            Value::Int64(1_483_425_001_864)
        );
        assert_eq!(
            apply_value(&to_unix, None, Value::from("2017-01-03T08:30:01.864+02:00")).1,
            Value::Int64(1_483_425_001_864)
        );
        let to_date = value_xform(&[(TARGET_TYPE_CONFIG, "Date"), (FORMAT_CONFIG, "dd/MM/yyyy")]);
        assert_eq!(
            apply_value(&to_date, Some(Schema::string()), Value::from("03/01/2017")),
            (
                Some(logical::date_schema().build()),
                Value::Date(NaiveDate::from_ymd_opt(2017, 1, 3).unwrap())
            )
        );
        // Before the epoch: Date and Time take the UTC day and time of day.
        let to_time = value_xform(&[(TARGET_TYPE_CONFIG, "Time")]);
        assert_eq!(
            apply_value(&to_time, None, Value::Int64(-1)).1,
            Value::Time(NaiveTime::from_hms_milli_opt(23, 59, 59, 999).unwrap())
        );
        let to_date = value_xform(&[(TARGET_TYPE_CONFIG, "Date")]);
        assert_eq!(
            apply_value(&to_date, None, Value::Int64(-1)).1,
            Value::Date(NaiveDate::from_ymd_opt(1969, 12, 31).unwrap())
        );
    }
}
