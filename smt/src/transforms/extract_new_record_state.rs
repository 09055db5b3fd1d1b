//! Debezium's `io.debezium.transforms.ExtractNewRecordState` (alias
//! `ExtractNewRecordState`): flattens a Debezium change event envelope to its `after`
//! row, for sinks that want plain rows.
//!
//! * Create / update / read events become their `after` Struct (and schema).
//! * Deletes and tombstones follow `delete.tombstone.handling.mode` (Debezium 2.5+):
//!   `tombstone` (the default: the delete becomes a record with a null value, the
//!   original tombstone is dropped), `drop` (both dropped), `rewrite` (the delete
//!   becomes its `before` row with `__deleted: "true"`; every other event gets
//!   `__deleted: "false"`; tombstones dropped), `rewrite-with-tombstone` (rewrite,
//!   tombstones kept) and `delete-to-tombstone` (the delete becomes a real tombstone:
//!   null value and schema; the original dropped). When that key is absent, the older
//!   `delete.handling.mode` (`drop` | `rewrite` | `none`) and `drop.tombstones` keys
//!   are honoured as Debezium 1.x/2.x did.
//! * `add.fields` (`op`, `table`, `lsn`, `source.ts_ms`, `ts_ms`, `field:newname`...)
//!   adds envelope or source fields to the row as `<add.fields.prefix><field>` (or
//!   `<prefix><struct>_<field>` when qualified); `add.headers` adds them as headers.
//! * Records that are not Debezium envelopes (value schema name not ending in
//!   `.Envelope`) pass through unchanged.

use connect_api::config::{ConfigDef, ConfigKey, ConfigType, Importance, Validator};
use connect_api::{ConnectRecord, Headers, Props, Schema, SchemaBuilder, SchemaRef, Struct, Value};

use super::util::{self, parse_config, SchemaCache};
use crate::{TransformError, TransformPlugin, Transformation};

pub const CLASS: &str = "io.debezium.transforms.ExtractNewRecordState";

const DELETE_TOMBSTONE_HANDLING_MODE: &str = "delete.tombstone.handling.mode";
const DELETE_HANDLING_MODE: &str = "delete.handling.mode";
const DROP_TOMBSTONES: &str = "drop.tombstones";
const ADD_FIELDS: &str = "add.fields";
const ADD_FIELDS_PREFIX: &str = "add.fields.prefix";
const ADD_HEADERS: &str = "add.headers";
const ADD_HEADERS_PREFIX: &str = "add.headers.prefix";
const REPLACE_NULL_WITH_DEFAULT: &str = "replace.null.with.default";
const ROUTE_BY_FIELD: &str = "route.by.field";

/// `__deleted`, the field rewrite mode adds.
pub const DELETED_FIELD: &str = "__deleted";

pub fn plugins() -> Vec<TransformPlugin> {
    vec![TransformPlugin {
        class: CLASS,
        config_def,
        create_source: |p| Ok(Box::new(ExtractNewRecordState::configure(p)?)),
        create_sink: |p| Ok(Box::new(ExtractNewRecordState::configure(p)?)),
    }]
}

pub fn config_def() -> ConfigDef {
    let string = |name: &str, default: Option<&str>, doc: &str| {
        let k = ConfigKey::new(name, ConfigType::String)
            .importance(Importance::Medium)
            .doc(doc);
        match default {
            Some(d) => k.default_value(d),
            None => k.default_null(),
        }
    };
    ConfigDef::new()
        .define(
            string(DELETE_TOMBSTONE_HANDLING_MODE, None, "How delete and tombstone events are handled: drop, tombstone (default), rewrite, rewrite-with-tombstone or delete-to-tombstone.")
                .validator(Validator::custom(
                    "drop, tombstone, rewrite, rewrite-with-tombstone, delete-to-tombstone",
                    |_, v| match v.as_str() {
                        None => Ok(()),
                        Some(s) if Mode::parse(s).is_some() => Ok(()),
                        Some(s) => Err(format!("Value must be one of drop, tombstone, rewrite, rewrite-with-tombstone, delete-to-tombstone, but was {s}")),
                    },
                )),
        )
        .define(
            string(DELETE_HANDLING_MODE, None, "Deprecated: drop (default), rewrite or none.").validator(
                Validator::custom("drop, rewrite, none", |_, v| match v.as_str() {
                    None | Some("drop" | "rewrite" | "none") => Ok(()),
                    Some(s) => Err(format!("Value must be one of drop, rewrite, none, but was {s}")),
                }),
            ),
        )
        .define(
            ConfigKey::new(DROP_TOMBSTONES, ConfigType::Boolean)
                .default_null()
                .importance(Importance::Low)
                .doc("Deprecated: whether tombstones are dropped (default true)."),
        )
        .define(
            ConfigKey::new(ADD_FIELDS, ConfigType::List)
                .default_value("")
                .importance(Importance::Low)
                .doc("Adds each field listed, prefixed with __ (or __<struct>_ if the struct is specified), e.g. op,table,lsn,source.ts_ms; field:newname renames."),
        )
        .define(string(ADD_FIELDS_PREFIX, Some("__"), "Adds this prefix to each field listed."))
        .define(
            ConfigKey::new(ADD_HEADERS, ConfigType::List)
                .default_value("")
                .importance(Importance::Low)
                .doc("Adds each field listed to the headers, prefixed with __ (or __<struct>_ if the struct is specified)."),
        )
        .define(string(ADD_HEADERS_PREFIX, Some("__"), "Adds this prefix to each header listed."))
        .define(
            ConfigKey::new(REPLACE_NULL_WITH_DEFAULT, ConfigType::Boolean)
                .default_value(true)
                .importance(Importance::Low)
                .doc(util::REPLACE_NULL_WITH_DEFAULT_DOC),
        )
        .define(string(ROUTE_BY_FIELD, Some(""), "Not supported: must be empty."))
}

/// What happens to deletes and tombstones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Drop,
    Tombstone,
    Rewrite,
    RewriteWithTombstone,
    DeleteToTombstone,
    /// Legacy `delete.handling.mode=none` with `drop.tombstones=false`: the delete
    /// becomes a null-value record and the tombstone stays.
    NoneKeepTombstones,
}

impl Mode {
    fn parse(s: &str) -> Option<Mode> {
        Some(match s {
            "drop" => Mode::Drop,
            "tombstone" => Mode::Tombstone,
            "rewrite" => Mode::Rewrite,
            "rewrite-with-tombstone" => Mode::RewriteWithTombstone,
            "delete-to-tombstone" => Mode::DeleteToTombstone,
            _ => return None,
        })
    }

    /// Debezium 1.x/2.x `delete.handling.mode` + `drop.tombstones`.
    fn legacy(delete: &str, drop_tombstones: bool) -> Mode {
        match (delete, drop_tombstones) {
            ("rewrite", true) => Mode::Rewrite,
            ("rewrite", false) => Mode::RewriteWithTombstone,
            ("none", true) => Mode::Tombstone,
            ("none", false) => Mode::NoneKeepTombstones,
            (_, true) => Mode::Drop,
            (_, false) => Mode::DeleteToTombstone,
        }
    }

    fn rewrites(self) -> bool {
        matches!(self, Mode::Rewrite | Mode::RewriteWithTombstone)
    }

    fn keeps_tombstones(self) -> bool {
        matches!(self, Mode::RewriteWithTombstone | Mode::NoneKeepTombstones)
    }
}

/// An envelope field to copy: `op`, `source.lsn`, `ts_ms:when`...
#[derive(Debug, Clone, PartialEq)]
struct FieldRef {
    /// None: a top-level envelope field.
    parent: Option<String>,
    field: String,
    new_name: String,
}

impl FieldRef {
    fn parse(prefix: &str, spec: &str) -> FieldRef {
        let (path, rename) = match spec.split_once(':') {
            Some((p, r)) => (p, Some(r)),
            None => (spec, None),
        };
        let (parent, field) = match path.split_once('.') {
            Some((s, f)) => (Some(s.to_string()), f.to_string()),
            None => {
                let parent = match path {
                    "op" | "ts_ms" | "ts_us" | "ts_ns" => None,
                    "id" | "total_order" | "data_collection_order" => {
                        Some("transaction".to_string())
                    }
                    _ => Some("source".to_string()),
                };
                (parent, path.to_string())
            }
        };
        let new_name = match (rename, path.contains('.')) {
            (Some(r), _) => format!("{prefix}{r}"),
            (None, true) => format!("{prefix}{}", path.replace('.', "_")),
            (None, false) => format!("{prefix}{field}"),
        };
        FieldRef {
            parent,
            field,
            new_name,
        }
    }

    fn schema(&self, envelope: &Schema) -> Option<SchemaRef> {
        let holder = match &self.parent {
            Some(p) => envelope.field(p)?.schema.clone(),
            None => return envelope.field(&self.field).map(|f| f.schema.clone()),
        };
        holder.field(&self.field).map(|f| f.schema.clone())
    }

    fn value(&self, envelope: &Struct) -> Value {
        let holder = match &self.parent {
            Some(p) => match envelope.get_without_default(p) {
                Some(Value::Struct(s)) => s.clone(),
                _ => return Value::Null,
            },
            None => envelope.clone(),
        };
        holder.get(&self.field).cloned().unwrap_or_default()
    }
}

pub struct ExtractNewRecordState {
    mode: Mode,
    fields: Vec<FieldRef>,
    headers: Vec<FieldRef>,
    replace_null_with_default: bool,
    cache: SchemaCache,
}

impl ExtractNewRecordState {
    pub fn configure(props: &Props) -> Result<Self, TransformError> {
        let config = parse_config(&config_def(), props, CLASS)?;
        if !util::get_string(&config, ROUTE_BY_FIELD)
            .unwrap_or_default()
            .is_empty()
        {
            return Err(TransformError::new(
                CLASS,
                "route.by.field is not supported",
            ));
        }
        let mode = match util::get_string(&config, DELETE_TOMBSTONE_HANDLING_MODE) {
            Some(m) => Mode::parse(&m).unwrap_or(Mode::Tombstone),
            None if props.contains_key(DELETE_HANDLING_MODE)
                || props.contains_key(DROP_TOMBSTONES) =>
            {
                let delete = util::get_string(&config, DELETE_HANDLING_MODE)
                    .unwrap_or_else(|| "drop".into());
                let drop = config
                    .get(DROP_TOMBSTONES)
                    .and_then(|v| v.as_bool())
                    .unwrap_or(true);
                Mode::legacy(&delete, drop)
            }
            None => Mode::Tombstone,
        };
        let refs = |list: &str, prefix: &str| -> Vec<FieldRef> {
            let prefix = util::get_string(&config, prefix).unwrap_or_default();
            util::get_list(&config, list)
                .iter()
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .map(|s| FieldRef::parse(&prefix, s))
                .collect()
        };
        Ok(ExtractNewRecordState {
            mode,
            fields: refs(ADD_FIELDS, ADD_FIELDS_PREFIX),
            headers: refs(ADD_HEADERS, ADD_HEADERS_PREFIX),
            replace_null_with_default: util::get_bool(&config, REPLACE_NULL_WITH_DEFAULT),
            cache: SchemaCache::new(),
        })
    }

    fn add_headers(&self, headers: &mut Headers, envelope: Option<&Struct>) {
        for h in &self.headers {
            match envelope {
                Some(e) => {
                    let schema = h.schema(e.schema());
                    if schema.is_some() {
                        headers.add(h.new_name.clone(), schema, h.value(e));
                    }
                }
                // A tombstone only knows it is a delete.
                None if h.parent.is_none() && h.field == "op" => {
                    headers.add(h.new_name.clone(), Some(Schema::string()), Value::from("d"));
                }
                None => {}
            }
        }
    }

    /// `row` (the before or after image) with the `add.fields` and, in rewrite mode,
    /// `__deleted`.
    fn enrich(
        &self,
        envelope: &Struct,
        row: &Struct,
        deleted: Option<bool>,
    ) -> Result<(SchemaRef, Struct), String> {
        let base = row.schema().clone();
        let op = envelope
            .get("op")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        // The output schema depends on the row, the envelope (add.fields) and the op.
        let cache_key = SchemaBuilder::struct_()
            .name(format!("{op}#{deleted:?}"))
            .field("row", base.clone())
            .field("envelope", envelope.schema().clone())
            .build();
        let schema = self.cache.get_or_build::<String>(&cache_key, || {
            let mut b = util::copy_schema_basics_of(&base);
            for f in &base.fields {
                b = b.field(f.name.clone(), f.schema.clone());
            }
            for r in &self.fields {
                if let Some(s) = r.schema(envelope.schema()) {
                    b = b.field(r.new_name.clone(), s);
                }
            }
            if deleted.is_some() {
                b = b.field(DELETED_FIELD, Schema::optional_string());
            }
            Ok(b.build())
        })?;
        let mut out = util::new_struct(&schema)?;
        for f in &base.fields {
            let v = if self.replace_null_with_default {
                row.get(&f.name)
            } else {
                row.get_without_default(&f.name)
            };
            util::put(&mut out, &f.name, v.cloned().unwrap_or_default())?;
        }
        for r in &self.fields {
            if schema.field(&r.new_name).is_some() {
                util::put(&mut out, &r.new_name, r.value(envelope))?;
            }
        }
        if let Some(d) = deleted {
            util::put(&mut out, DELETED_FIELD, Value::from(d.to_string()))?;
        }
        Ok((schema, out))
    }

    fn extract<R: ConnectRecord>(&self, mut record: R) -> Result<Option<R>, String> {
        let is_envelope = record
            .record()
            .value_schema
            .as_ref()
            .and_then(|s| s.name.as_deref())
            .is_some_and(|n| n.ends_with(".Envelope"));
        if record.record().value.is_null() && !is_envelope {
            // A tombstone.
            let mut headers = std::mem::take(&mut record.record_mut().headers);
            self.add_headers(&mut headers, None);
            record.record_mut().headers = headers;
            return Ok(self.mode.keeps_tombstones().then_some(record));
        }
        let Some(envelope) = (if is_envelope {
            record.record().value.as_struct().cloned()
        } else {
            None
        }) else {
            return Ok(Some(record));
        };
        let mut headers = std::mem::take(&mut record.record_mut().headers);
        self.add_headers(&mut headers, Some(&envelope));
        record.record_mut().headers = headers;
        let image = |name: &str| match envelope.get_without_default(name) {
            Some(Value::Struct(s)) => Some(s.clone()),
            _ => None,
        };
        let row_schema = envelope.schema().field("after").map(|f| f.schema.clone());
        let r = record.record_mut();
        match (image("after"), image("before")) {
            (Some(after), _) => {
                let deleted = self.mode.rewrites().then_some(false);
                let (schema, value) = self.enrich(&envelope, &after, deleted)?;
                r.value_schema = Some(schema);
                r.value = Value::Struct(value);
            }
            (None, None) if envelope.get("op").and_then(Value::as_str) == Some("t") => {
                return Ok(None)
            }
            (None, before) => match self.mode {
                Mode::Drop => return Ok(None),
                Mode::Tombstone | Mode::NoneKeepTombstones => {
                    r.value_schema = row_schema;
                    r.value = Value::Null;
                }
                Mode::DeleteToTombstone => {
                    r.value_schema = None;
                    r.value = Value::Null;
                }
                Mode::Rewrite | Mode::RewriteWithTombstone => {
                    let before = before.ok_or("delete event without a before image")?;
                    let (schema, value) = self.enrich(&envelope, &before, Some(true))?;
                    r.value_schema = Some(schema);
                    r.value = Value::Struct(value);
                }
            },
        }
        Ok(Some(record))
    }
}

impl<R: ConnectRecord> Transformation<R> for ExtractNewRecordState {
    fn apply(&self, record: R) -> Result<Option<R>, TransformError> {
        self.extract(record)
            .map_err(|m| TransformError::new(CLASS, m))
    }
}

#[cfg(test)]
mod tests {
    use connect_api::{Record, SinkRecord};

    use super::*;
    use crate::transforms::util::testing::{props, sink};

    /// The `customers` table of Debezium's PostgreSQL documentation.
    fn row_schema() -> SchemaRef {
        SchemaBuilder::struct_()
            .name("PostgreSQL_server.inventory.customers.Value")
            .optional()
            .field("id", Schema::int32())
            .field("first_name", Schema::string())
            .field("last_name", Schema::string())
            .field("email", Schema::string())
            .build()
    }

    fn envelope_schema() -> SchemaRef {
        let source = SchemaBuilder::struct_()
            .name("io.debezium.connector.postgresql.Source")
            .field("connector", Schema::string())
            .field("ts_ms", Schema::int64())
            .field("table", Schema::string())
            .field("lsn", Schema::optional_int64())
            .build();
        SchemaBuilder::struct_()
            .name("PostgreSQL_server.inventory.customers.Envelope")
            .field("before", row_schema())
            .field("after", row_schema())
            .field("source", source)
            .field("op", Schema::string())
            .field("ts_ms", Schema::optional_int64())
            .build()
    }

    fn customer(first: &str) -> Struct {
        Struct::new(row_schema())
            .unwrap()
            .with("id", 1)
            .unwrap()
            .with("first_name", first)
            .unwrap()
            .with("last_name", "Kretchmar")
            .unwrap()
            .with("email", "annek@noanswer.org")
            .unwrap()
    }

    fn event(op: &str, before: Option<Struct>, after: Option<Struct>) -> SinkRecord {
        let schema = envelope_schema();
        let source_schema = schema.field("source").unwrap().schema.clone();
        let source = Struct::new(source_schema)
            .unwrap()
            .with("connector", "postgresql")
            .unwrap()
            .with("ts_ms", Value::Int64(1_559_033_904_863))
            .unwrap()
            .with("table", "customers")
            .unwrap()
            .with("lsn", Value::Int64(24_023_128))
            .unwrap();
        let mut e = Struct::new(schema.clone()).unwrap();
        e.put("before", before.map_or(Value::Null, Value::Struct))
            .unwrap();
        e.put("after", after.map_or(Value::Null, Value::Struct))
            .unwrap();
        e.put("source", source).unwrap();
        e.put("op", op).unwrap();
        e.put("ts_ms", Value::Int64(1_559_033_904_900)).unwrap();
        sink(Record {
            topic: "PostgreSQL_server.inventory.customers".into(),
            key: Value::Int32(1),
            value_schema: Some(schema),
            value: Value::Struct(e),
            ..Record::default()
        })
    }

    fn tombstone() -> SinkRecord {
        sink(Record {
            topic: "PostgreSQL_server.inventory.customers".into(),
            key: Value::Int32(1),
            ..Record::default()
        })
    }

    fn apply(t: &ExtractNewRecordState, r: SinkRecord) -> Option<SinkRecord> {
        Transformation::<SinkRecord>::apply(t, r).unwrap()
    }

    fn smt(pairs: &[(&str, &str)]) -> ExtractNewRecordState {
        ExtractNewRecordState::configure(&props(pairs)).unwrap()
    }

    #[test]
    fn create_becomes_the_after_row() {
        let out = apply(&smt(&[]), event("c", None, Some(customer("Anne")))).unwrap();
        let v = out.record.value.as_struct().unwrap();
        assert_eq!(v.values(), customer("Anne").values());
        let schema = out.record.value_schema.unwrap();
        assert_eq!(
            schema.name.as_deref(),
            Some("PostgreSQL_server.inventory.customers.Value")
        );
        // As Debezium's (SchemaUtil.copySchemaBasics into a new struct): required.
        assert!(!schema.optional);
    }

    #[test]
    fn default_mode_turns_deletes_into_null_values_and_drops_tombstones() {
        let t = smt(&[]);
        let out = apply(&t, event("d", Some(customer("Anne")), None)).unwrap();
        assert_eq!(out.record.value, Value::Null);
        assert!(out.record.value_schema.is_some());
        assert!(apply(&t, tombstone()).is_none());
        let t = smt(&[("delete.tombstone.handling.mode", "delete-to-tombstone")]);
        let out = apply(&t, event("d", Some(customer("Anne")), None)).unwrap();
        assert_eq!(
            (out.record.value.clone(), out.record.value_schema),
            (Value::Null, None)
        );
        assert!(apply(&t, tombstone()).is_none());
        let t = smt(&[("delete.tombstone.handling.mode", "drop")]);
        assert!(apply(&t, event("d", Some(customer("Anne")), None)).is_none());
        assert!(apply(&t, tombstone()).is_none());
    }

    #[test]
    fn rewrite_adds_deleted_and_fields_as_in_debeziums_docs() {
        // Debezium docs: delete.handling.mode=rewrite, add.fields=table,lsn gives
        // {"id":1, ..., "__table":"customers", "__lsn":..., "__deleted":"true"}.
        let t = smt(&[
            ("delete.handling.mode", "rewrite"),
            ("add.fields", "table,lsn"),
        ]);
        let out = apply(&t, event("d", Some(customer("Anne")), None)).unwrap();
        let v = out.record.value.as_struct().unwrap();
        assert_eq!(v.get("first_name"), Some(&Value::from("Anne")));
        assert_eq!(v.get("__table"), Some(&Value::from("customers")));
        assert_eq!(v.get("__lsn"), Some(&Value::Int64(24_023_128)));
        assert_eq!(v.get("__deleted"), Some(&Value::from("true")));
        let names: Vec<&str> = v.schema().fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "id",
                "first_name",
                "last_name",
                "email",
                "__table",
                "__lsn",
                "__deleted"
            ]
        );
        let up = apply(&t, event("u", None, Some(customer("Anne Marie")))).unwrap();
        assert_eq!(
            up.record.value.as_struct().unwrap().get("__deleted"),
            Some(&Value::from("false"))
        );
        // drop.tombstones defaults to true in the legacy keys.
        assert!(apply(&t, tombstone()).is_none());
        let keep = smt(&[
            ("delete.handling.mode", "rewrite"),
            ("drop.tombstones", "false"),
        ]);
        assert!(apply(&keep, tombstone()).is_some());
    }

    #[test]
    fn add_fields_qualified_renamed_and_headers() {
        let t = smt(&[
            ("add.fields", "op,source.ts_ms,ts_ms:processed"),
            ("add.headers", "op,table"),
        ]);
        let out = apply(&t, event("u", Some(customer("A")), Some(customer("B")))).unwrap();
        let v = out.record.value.as_struct().unwrap();
        assert_eq!(v.get("__op"), Some(&Value::from("u")));
        assert_eq!(
            v.get("__source_ts_ms"),
            Some(&Value::Int64(1_559_033_904_863))
        );
        assert_eq!(v.get("__processed"), Some(&Value::Int64(1_559_033_904_900)));
        let h = &out.record.headers;
        assert_eq!(
            h.last_with_name("__op").map(|h| h.value.clone()),
            Some(Value::from("u"))
        );
        assert_eq!(
            h.last_with_name("__table").map(|h| h.value.clone()),
            Some(Value::from("customers"))
        );
        let t = smt(&[
            ("add.headers", "op"),
            ("delete.tombstone.handling.mode", "rewrite-with-tombstone"),
        ]);
        let out = apply(&t, tombstone()).unwrap();
        assert_eq!(
            out.record
                .headers
                .last_with_name("__op")
                .map(|h| h.value.clone()),
            Some(Value::from("d"))
        );
    }

    #[test]
    fn non_envelopes_pass_and_bad_config_fails() {
        let plain = sink(Record {
            value_schema: Some(Schema::string()),
            value: Value::from("x"),
            ..Record::default()
        });
        assert_eq!(apply(&smt(&[]), plain.clone()).unwrap(), plain);
        assert!(ExtractNewRecordState::configure(&props(&[(
            "delete.tombstone.handling.mode",
            "keep"
        )]))
        .is_err());
        assert!(
            ExtractNewRecordState::configure(&props(&[("delete.handling.mode", "keep")])).is_err()
        );
        assert!(
            config_def()
                .validate(&props(&[("delete.handling.mode", "keep")]))
                .error_count
                == 1
        );
    }

    #[test]
    fn plugin_class_name() {
        assert_eq!(
            plugins()[0].class,
            "io.debezium.transforms.ExtractNewRecordState"
        );
    }
}
