//! What a captured table's columns give alike in both connectors, as Debezium
//! builds them: the topic `<topic.prefix>.<schema or database>.<table>`, the key
//! (primary key columns in key order) and the row (included columns in table
//! order) schemas, and the key Struct of a row. How a column's type and values map
//! is the database's own (`postgres::table`, `mysql::table`).

use connect_api::{DataError, SchemaRef, Struct};

use crate::envelope::EventSchemas;
use crate::error::CdcError;

/// One column as the schemas need it.
pub struct ColumnSpec<'a> {
    pub name: &'a str,
    pub schema: &'a SchemaRef,
    /// In the value (not excluded by the column filters).
    pub included: bool,
    /// Position in the primary key (1-based), 0 when not a key column.
    pub pk_position: i64,
}

/// A table's topic, event schemas and key columns.
pub struct TableSchema {
    pub topic: String,
    pub schemas: EventSchemas,
    /// The key columns' names, in key order.
    pub key_columns: Vec<String>,
}

impl TableSchema {
    pub fn build(
        server_name: &str,
        namespace: &str,
        table: &str,
        columns: &[ColumnSpec<'_>],
        source: &SchemaRef,
    ) -> TableSchema {
        let mut keys: Vec<&ColumnSpec<'_>> = columns.iter().filter(|c| c.pk_position > 0).collect();
        keys.sort_by_key(|c| c.pk_position);
        let row_fields: Vec<(String, SchemaRef)> = columns
            .iter()
            .filter(|c| c.included)
            .map(|c| (c.name.to_string(), c.schema.clone()))
            .collect();
        let key_fields: Vec<(String, SchemaRef)> = keys
            .iter()
            .map(|c| (c.name.to_string(), c.schema.clone()))
            .collect();
        let topic = format!("{server_name}.{namespace}.{table}");
        TableSchema {
            schemas: EventSchemas::build(&topic, &row_fields, &key_fields, source),
            topic,
            key_columns: keys.iter().map(|c| c.name.to_string()).collect(),
        }
    }
}

/// The key Struct of a row; None when the table has no primary key.
pub fn key_of(
    schemas: &EventSchemas,
    key_columns: &[String],
    row: &Struct,
) -> Result<Option<Struct>, CdcError> {
    let Some(schema) = &schemas.key else {
        return Ok(None);
    };
    let mut k = Struct::new(schema.clone()).map_err(data_error)?;
    for name in key_columns {
        let v = row.get_without_default(name).cloned().unwrap_or_default();
        k.put(name, v).map_err(data_error)?;
    }
    Ok(Some(k))
}

/// A Struct that does not fit its schema: a bug in the mapping, reported as data.
pub fn data_error(e: DataError) -> CdcError {
    CdcError::Data(e.to_string())
}
