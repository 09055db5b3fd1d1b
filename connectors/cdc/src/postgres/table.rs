//! One captured table: its columns' Connect types, its topic and event schemas, and
//! how a row of text values becomes the key and the `before`/`after` Structs.

use bigdecimal::BigDecimal;
use connect_api::{Schema, SchemaRef, SchemaType, Struct, Value};

use super::catalog::{CatalogColumn, TableId};
use super::pgoutput::TupleValue;
use super::types::{column_type, convert, ColumnType, Kind};
use super::PostgresSettings;
use crate::envelope::{source_schema_builder, EventSchemas};
use crate::error::CdcError;
use crate::modes::Temporal;
use crate::table_schema::{data_error, key_of, ColumnSpec, TableSchema};

/// Debezium's `unavailable.value.placeholder`: a TOASTed value that did not change
/// and was not sent.
pub const UNAVAILABLE_VALUE: &str = "__debezium_unavailable_value";

/// `io.debezium.connector.postgresql.Source`.
pub fn source_schema() -> SchemaRef {
    source_schema_builder()
        .name("io.debezium.connector.postgresql.Source")
        .field("schema", Schema::string())
        .field("table", Schema::string())
        .field("txId", Schema::optional_int64())
        .field("lsn", Schema::optional_int64())
        .field("xmin", Schema::optional_int64())
        .build()
}

#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub ty: ColumnType,
    /// In the value (not excluded by the column filters).
    pub included: bool,
    /// Position in the primary key (1-based), 0 when not a key column.
    pub pk_position: i32,
}

#[derive(Debug, Clone)]
pub struct Table {
    pub id: TableId,
    pub topic: String,
    /// In attribute order, as tuples and snapshot rows carry them.
    pub columns: Vec<Column>,
    pub schemas: EventSchemas,
    /// The key columns' names, in key order.
    key_columns: Vec<String>,
}

impl Table {
    pub fn new(
        settings: &PostgresSettings,
        source: &SchemaRef,
        id: TableId,
        catalog: &[CatalogColumn],
    ) -> Table {
        let columns: Vec<Column> = catalog
            .iter()
            .map(|c| Column {
                name: c.name.clone(),
                ty: column_type(
                    c.type_oid,
                    c.typmod,
                    !c.not_null,
                    settings.decimal_mode,
                    settings.time_mode,
                ),
                included: c.pk_position > 0
                    || settings
                        .filter
                        .includes_column(&id.schema, &id.table, &c.name),
                pk_position: c.pk_position,
            })
            .collect();
        let specs: Vec<ColumnSpec<'_>> = columns
            .iter()
            .map(|c| ColumnSpec {
                name: &c.name,
                schema: &c.ty.schema,
                included: c.included,
                pk_position: i64::from(c.pk_position),
            })
            .collect();
        let TableSchema {
            topic,
            schemas,
            key_columns,
        } = TableSchema::build(&settings.server_name, &id.schema, &id.table, &specs, source);
        Table {
            schemas,
            topic,
            id,
            columns,
            key_columns,
        }
    }

    /// The row Struct (`before`/`after`) of text values in column order. A null in a
    /// required column (a key-only old tuple) gets the type's fallback value, and an
    /// unchanged TOASTed value the placeholder, as Debezium does.
    pub fn row(&self, values: &[TupleValue]) -> Result<Struct, CdcError> {
        if values.len() != self.columns.len() {
            return Err(CdcError::Data(format!(
                "Row of {} has {} values for {} columns",
                self.id,
                values.len(),
                self.columns.len()
            )));
        }
        let mut s = Struct::new(self.schemas.row.clone()).map_err(data_error)?;
        for (c, v) in self.columns.iter().zip(values) {
            if !c.included {
                continue;
            }
            let value = match v {
                TupleValue::Text(t) => convert(&c.ty, t).map_err(|e| {
                    CdcError::Data(format!("Column {} of {}: {e}", c.name, self.id))
                })?,
                TupleValue::Unchanged => unavailable(&c.ty),
                TupleValue::Null => Value::Null,
            };
            let value = if value.is_null() && !c.ty.schema.optional {
                fallback(&c.ty)
            } else {
                value
            };
            s.put(&c.name, value).map_err(data_error)?;
        }
        Ok(s)
    }

    /// The key Struct of a row; None when the table has no primary key.
    pub fn key(&self, row: &Struct) -> Result<Option<Struct>, CdcError> {
        key_of(&self.schemas, &self.key_columns, row)
    }

    /// The names of the columns a snapshot SELECTs, in order.
    pub fn column_names(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().map(|c| c.name.as_str())
    }
}

fn unavailable(ty: &ColumnType) -> Value {
    match ty.schema.schema_type {
        SchemaType::String => Value::from(UNAVAILABLE_VALUE),
        SchemaType::Bytes if matches!(ty.kind, Kind::Bytes) => {
            Value::Bytes(UNAVAILABLE_VALUE.as_bytes().to_vec())
        }
        _ => Value::Null,
    }
}

/// The value Debezium puts in a required column it has no value for.
fn fallback(ty: &ColumnType) -> Value {
    match ty.kind {
        Kind::Decimal { .. } | Kind::Money => {
            Value::Decimal(BigDecimal::from(0).with_scale(scale_of(ty).unwrap_or(0)))
        }
        Kind::Temporal(Temporal::ConnectDate) => Value::Date(chrono::NaiveDate::default()),
        Kind::Temporal(Temporal::ConnectTime) => Value::Time(chrono::NaiveTime::default()),
        Kind::Temporal(Temporal::ConnectTimestamp) => Value::Timestamp(chrono::DateTime::default()),
        _ => match ty.schema.schema_type {
            SchemaType::Int8 => Value::Int8(0),
            SchemaType::Int16 => Value::Int16(0),
            SchemaType::Int32 => Value::Int32(0),
            SchemaType::Int64 => Value::Int64(0),
            SchemaType::Float32 => Value::Float32(0.0),
            SchemaType::Float64 => Value::Float64(0.0),
            SchemaType::Boolean => Value::Boolean(false),
            SchemaType::String => Value::String(String::new()),
            SchemaType::Bytes => Value::Bytes(Vec::new()),
            _ => Value::Null,
        },
    }
}

fn scale_of(ty: &ColumnType) -> Option<i64> {
    ty.schema.parameter("scale")?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::postgres::types::oid;

    fn settings() -> PostgresSettings {
        let props = crate::config::props_of(
            &[
                ("database.hostname", "h"),
                ("database.user", "u"),
                ("database.dbname", "d"),
                ("topic.prefix", "srv"),
                ("column.exclude.list", "public.t.secret"),
            ],
            &[],
        );
        PostgresSettings::parse(&props).unwrap()
    }

    fn col(name: &str, type_oid: u32, not_null: bool, pk: i32) -> CatalogColumn {
        CatalogColumn {
            name: name.into(),
            type_oid,
            typmod: -1,
            not_null,
            pk_position: pk,
        }
    }

    fn table() -> Table {
        Table::new(
            &settings(),
            &source_schema(),
            TableId::new("public", "t"),
            &[
                col("name", oid::TEXT, true, 0),
                col("id", oid::INT4, true, 1),
                col("secret", oid::TEXT, false, 0),
                col("note", oid::TEXT, false, 0),
            ],
        )
    }

    fn text(s: &str) -> TupleValue {
        TupleValue::Text(s.into())
    }

    #[test]
    fn schemas_topic_and_excluded_columns() {
        let t = table();
        assert_eq!(t.topic, "srv.public.t");
        let fields: Vec<&str> = t
            .schemas
            .row
            .fields
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(fields, ["name", "id", "note"]);
        let key = t.schemas.key.clone().unwrap();
        assert_eq!(key.fields.len(), 1);
        assert_eq!(key.fields[0].name, "id");
        assert!(!key.fields[0].schema.optional);
    }

    #[test]
    fn rows_keys_fallbacks_and_toast() {
        let t = table();
        let row = t
            .row(&[text("ann"), text("7"), text("pw"), TupleValue::Unchanged])
            .unwrap();
        assert_eq!(row.get("name"), Some(&Value::from("ann")));
        assert_eq!(row.get("note"), Some(&Value::from(UNAVAILABLE_VALUE)));
        assert!(row.schema().field("secret").is_none());
        let key = t.key(&row).unwrap().unwrap();
        assert_eq!(key.get("id"), Some(&Value::Int32(7)));
        // A key-only old tuple: the required name gets "" as in Debezium.
        let old = t
            .row(&[
                TupleValue::Null,
                text("7"),
                TupleValue::Null,
                TupleValue::Null,
            ])
            .unwrap();
        assert_eq!(old.get("name"), Some(&Value::from("")));
        assert_eq!(old.get("note"), Some(&Value::Null));
        assert!(t.row(&[text("x")]).is_err());
        assert!(t
            .row(&[
                text("a"),
                text("not-int"),
                TupleValue::Null,
                TupleValue::Null
            ])
            .is_err());
    }
}
