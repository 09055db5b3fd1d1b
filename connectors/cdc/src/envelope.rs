//! Debezium's change event envelope, shared by every database connector of this crate.
//!
//! A change event is a record whose key is a Struct of the row's primary key columns
//! (`<prefix>.<schema>.<table>.Key`) and whose value is the envelope
//! (`<prefix>.<schema>.<table>.Envelope`, version 2):
//! `before` / `after` (the row, `<...>.Value`), `source` (where the change came from;
//! each connector adds its own fields to the common ones), `transaction` (null here:
//! transaction metadata is not provided), `op` and the processing time
//! `ts_ms` / `ts_us` / `ts_ns`. A delete is followed by a tombstone (same key, null
//! value) when `tombstones.on.delete` is true.
//!
//! The shapes follow Debezium's `Envelope`, `SchemaFactory` and
//! `AbstractSourceInfoStructMaker`.

use std::time::{SystemTime, UNIX_EPOCH};

use connect_api::{DataError, Schema, SchemaBuilder, SchemaRef, Struct, Value};

/// The envelope schema version Debezium declares (`Envelope.SCHEMA_VERSION`).
pub const ENVELOPE_SCHEMA_VERSION: i32 = 2;
/// `io.debezium.data.Enum`: a string restricted to the `allowed` parameter.
pub const ENUM_NAME: &str = "io.debezium.data.Enum";

/// Envelope field names.
pub mod field {
    pub const BEFORE: &str = "before";
    pub const AFTER: &str = "after";
    pub const SOURCE: &str = "source";
    pub const TRANSACTION: &str = "transaction";
    pub const OP: &str = "op";
    pub const TS_MS: &str = "ts_ms";
    pub const TS_US: &str = "ts_us";
    pub const TS_NS: &str = "ts_ns";
}

/// Common `source` block field names.
pub mod source_field {
    pub const VERSION: &str = "version";
    pub const CONNECTOR: &str = "connector";
    pub const NAME: &str = "name";
    pub const TS_MS: &str = "ts_ms";
    pub const SNAPSHOT: &str = "snapshot";
    pub const DB: &str = "db";
    pub const SEQUENCE: &str = "sequence";
    pub const TS_US: &str = "ts_us";
    pub const TS_NS: &str = "ts_ns";
}

/// The kind of change (`op`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// A row read by a snapshot.
    Read,
    Create,
    Update,
    Delete,
}

impl Op {
    pub fn code(self) -> &'static str {
        match self {
            Op::Read => "r",
            Op::Create => "c",
            Op::Update => "u",
            Op::Delete => "d",
        }
    }

    pub fn from_code(code: &str) -> Option<Op> {
        Some(match code {
            "r" => Op::Read,
            "c" => Op::Create,
            "u" => Op::Update,
            "d" => Op::Delete,
            _ => return None,
        })
    }
}

/// `source.snapshot`: whether the event came from a snapshot, and whether it was the
/// snapshot's last event (Debezium's `SnapshotRecord`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotMarker {
    True,
    Last,
    /// Streaming: the field is left null and reads as its default `"false"`.
    False,
}

impl SnapshotMarker {
    fn value(self) -> Value {
        match self {
            SnapshotMarker::True => Value::from("true"),
            SnapshotMarker::Last => Value::from("last"),
            SnapshotMarker::False => Value::Null,
        }
    }
}

/// The `source.snapshot` schema: an optional `io.debezium.data.Enum` defaulting to
/// `"false"`.
pub fn snapshot_schema() -> SchemaRef {
    SchemaBuilder::new(connect_api::SchemaType::String)
        .name(ENUM_NAME)
        .version(1)
        .parameter(
            "allowed",
            "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental",
        )
        .default_value(Value::from("false"))
        .optional()
        .build()
}

/// The common part of every connector's source schema (Debezium's
/// `sourceInfoSchemaBuilder`); connectors add their own fields and a name.
pub fn source_schema_builder() -> SchemaBuilder {
    SchemaBuilder::struct_()
        .version(1)
        .field(source_field::VERSION, Schema::string())
        .field(source_field::CONNECTOR, Schema::string())
        .field(source_field::NAME, Schema::string())
        .field(source_field::TS_MS, Schema::int64())
        .field(source_field::SNAPSHOT, snapshot_schema())
        .field(source_field::DB, Schema::string())
        .field(source_field::SEQUENCE, Schema::optional_string())
        .field(source_field::TS_US, Schema::optional_int64())
        .field(source_field::TS_NS, Schema::optional_int64())
}

/// The common source fields' values.
#[derive(Debug, Clone)]
pub struct CommonSource<'a> {
    pub connector: &'a str,
    pub server_name: &'a str,
    /// When the change happened in the database, microseconds since the epoch.
    pub ts_us: i64,
    pub snapshot: SnapshotMarker,
    pub db: &'a str,
    pub sequence: Option<String>,
}

impl CommonSource<'_> {
    /// A source Struct of `schema` with the common fields set; the caller sets its own.
    pub fn to_struct(&self, schema: &SchemaRef) -> Result<Struct, DataError> {
        let mut s = Struct::new(schema.clone())?;
        s.put(source_field::VERSION, crate::VERSION)?;
        s.put(source_field::CONNECTOR, self.connector)?;
        s.put(source_field::NAME, self.server_name)?;
        s.put(source_field::TS_MS, self.ts_us.div_euclid(1000))?;
        s.put(source_field::SNAPSHOT, self.snapshot.value())?;
        s.put(source_field::DB, self.db)?;
        if let Some(seq) = &self.sequence {
            s.put(source_field::SEQUENCE, seq.clone())?;
        }
        s.put(source_field::TS_US, self.ts_us)?;
        s.put(source_field::TS_NS, self.ts_us.saturating_mul(1000))?;
        Ok(s)
    }
}

/// `event.block`: the optional transaction block (always null here).
pub fn transaction_schema() -> SchemaRef {
    SchemaBuilder::struct_()
        .optional()
        .name("event.block")
        .version(1)
        .field("id", Schema::string())
        .field("total_order", Schema::int64())
        .field("data_collection_order", Schema::int64())
        .build()
}

/// The schemas of one table's change events.
#[derive(Debug, Clone, PartialEq)]
pub struct EventSchemas {
    /// `<prefix>.<schema>.<table>.Key`; None when the table has no primary key.
    pub key: Option<SchemaRef>,
    /// `<prefix>.<schema>.<table>.Value` (optional).
    pub row: SchemaRef,
    /// `<prefix>.<schema>.<table>.Envelope`.
    pub envelope: SchemaRef,
}

impl EventSchemas {
    /// Builds the key, row and envelope schemas named after `base_name`
    /// (`<prefix>.<schema>.<table>`) from the row's fields and the key's fields.
    pub fn build(
        base_name: &str,
        row_fields: &[(String, SchemaRef)],
        key_fields: &[(String, SchemaRef)],
        source_schema: &SchemaRef,
    ) -> EventSchemas {
        let key = (!key_fields.is_empty()).then(|| {
            key_fields
                .iter()
                .fold(
                    SchemaBuilder::struct_().name(format!("{base_name}.Key")),
                    |b, (name, schema)| b.field(name.clone(), schema.clone()),
                )
                .build()
        });
        let row = row_fields
            .iter()
            .fold(
                SchemaBuilder::struct_()
                    .name(format!("{base_name}.Value"))
                    .optional(),
                |b, (name, schema)| b.field(name.clone(), schema.clone()),
            )
            .build();
        let envelope = SchemaBuilder::struct_()
            .name(format!("{base_name}.Envelope"))
            .version(ENVELOPE_SCHEMA_VERSION)
            .field(field::BEFORE, row.clone())
            .field(field::AFTER, row.clone())
            .field(field::SOURCE, source_schema.clone())
            .field(field::TRANSACTION, transaction_schema())
            .field(field::OP, Schema::string())
            .field(field::TS_MS, Schema::optional_int64())
            .field(field::TS_US, Schema::optional_int64())
            .field(field::TS_NS, Schema::optional_int64())
            .build();
        EventSchemas { key, row, envelope }
    }

    /// The envelope value of one change.
    pub fn envelope(
        &self,
        op: Op,
        before: Option<Struct>,
        after: Option<Struct>,
        source: Struct,
        processed_at: SystemTime,
    ) -> Result<Struct, DataError> {
        let mut e = Struct::new(self.envelope.clone())?;
        if let Some(b) = before {
            e.put(field::BEFORE, b)?;
        }
        if let Some(a) = after {
            e.put(field::AFTER, a)?;
        }
        e.put(field::SOURCE, source)?;
        e.put(field::OP, op.code())?;
        let since = processed_at.duration_since(UNIX_EPOCH).unwrap_or_default();
        let nanos = i64::try_from(since.as_nanos()).unwrap_or(i64::MAX);
        e.put(field::TS_MS, nanos / 1_000_000)?;
        e.put(field::TS_US, nanos / 1_000)?;
        e.put(field::TS_NS, nanos)?;
        Ok(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schemas() -> (EventSchemas, SchemaRef) {
        let source = source_schema_builder()
            .name("io.debezium.connector.postgresql.Source")
            .field("schema", Schema::string())
            .field("table", Schema::string())
            .build();
        let s = EventSchemas::build(
            "srv.public.customers",
            &[
                ("id".into(), Schema::int32()),
                ("email".into(), Schema::optional_string()),
            ],
            &[("id".into(), Schema::int32())],
            &source,
        );
        (s, source)
    }

    #[test]
    fn schema_names_and_field_order_follow_debezium() {
        let (s, _) = schemas();
        let key = s.key.clone().unwrap();
        assert_eq!(key.name.as_deref(), Some("srv.public.customers.Key"));
        assert!(!key.optional);
        assert_eq!(s.row.name.as_deref(), Some("srv.public.customers.Value"));
        assert!(s.row.optional);
        assert_eq!(
            s.envelope.name.as_deref(),
            Some("srv.public.customers.Envelope")
        );
        assert_eq!(s.envelope.version, Some(2));
        let names: Vec<&str> = s.envelope.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "before",
                "after",
                "source",
                "transaction",
                "op",
                "ts_ms",
                "ts_us",
                "ts_ns"
            ]
        );
    }

    #[test]
    fn envelope_carries_op_source_and_processing_time() {
        let (s, source_schema) = schemas();
        let mut source = CommonSource {
            connector: "postgresql",
            server_name: "srv",
            ts_us: 1_559_033_904_863_123,
            snapshot: SnapshotMarker::Last,
            db: "postgres",
            sequence: None,
        }
        .to_struct(&source_schema)
        .unwrap();
        source.put("schema", "public").unwrap();
        source.put("table", "customers").unwrap();
        let row = Struct::new(s.row.clone()).unwrap().with("id", 1).unwrap();
        let at = UNIX_EPOCH + std::time::Duration::from_nanos(1_465_584_025_523_514_964);
        let e = s
            .envelope(Op::Read, None, Some(row.clone()), source, at)
            .unwrap();
        e.validate().unwrap();
        assert_eq!(e.get("op"), Some(&Value::from("r")));
        assert_eq!(e.get("before"), Some(&Value::Null));
        assert_eq!(e.get("after"), Some(&Value::Struct(row)));
        assert_eq!(e.get("ts_ms"), Some(&Value::Int64(1_465_584_025_523)));
        assert_eq!(
            e.get("ts_ns"),
            Some(&Value::Int64(1_465_584_025_523_514_964))
        );
        let src = e.get("source").and_then(Value::as_struct).unwrap();
        assert_eq!(src.get("ts_ms"), Some(&Value::Int64(1_559_033_904_863)));
        assert_eq!(src.get("snapshot"), Some(&Value::from("last")));
        assert_eq!(Op::from_code("d"), Some(Op::Delete));
    }

    #[test]
    fn streaming_snapshot_field_reads_as_default_false() {
        let (_, source_schema) = schemas();
        let mut src = CommonSource {
            connector: "postgresql",
            server_name: "srv",
            ts_us: 0,
            snapshot: SnapshotMarker::False,
            db: "d",
            sequence: Some("[null,\"1\"]".into()),
        }
        .to_struct(&source_schema)
        .unwrap();
        src.put("schema", "s").unwrap();
        src.put("table", "t").unwrap();
        assert_eq!(src.get_without_default("snapshot"), Some(&Value::Null));
        assert_eq!(src.get("snapshot"), Some(&Value::from("false")));
    }
}
