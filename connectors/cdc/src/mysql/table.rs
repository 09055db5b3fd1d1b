//! One captured table: its columns' Connect types, its topic and event schemas, and
//! how a row of MySQL values becomes the key and the `before`/`after` Structs.

use connect_api::{Schema, SchemaRef, Struct};
use mysql_common::value::Value as MyValue;

use super::catalog::TableId;
use super::types::{
    binlog_type_fits, column_type, convert, fallback, ColumnDef, ColumnType, Origin,
};
use super::{Flavor, MySqlSettings};
use crate::envelope::{source_schema_builder, EventSchemas};
use crate::error::CdcError;
use crate::table_schema::{data_error, key_of, ColumnSpec, TableSchema};

/// `io.debezium.connector.mysql.Source` (or `...mariadb.Source`): the common fields,
/// then Debezium's MySQL ones.
pub fn source_schema(flavor: Flavor) -> SchemaRef {
    source_schema_builder()
        .name(format!(
            "io.debezium.connector.{}.Source",
            flavor.connector_name()
        ))
        .field("table", Schema::optional_string())
        .field("server_id", Schema::int64())
        .field("gtid", Schema::optional_string())
        .field("file", Schema::string())
        .field("pos", Schema::int64())
        .field("row", Schema::int32())
        .field("thread", Schema::optional_int64())
        .field("query", Schema::optional_string())
        .build()
}

#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub def: ColumnDef,
    pub ty: ColumnType,
    /// In the value (not excluded by the column filters).
    pub included: bool,
}

#[derive(Debug, Clone)]
pub struct Table {
    pub id: TableId,
    pub topic: String,
    /// In ordinal order, as row images and snapshot rows carry them.
    pub columns: Vec<Column>,
    pub schemas: EventSchemas,
    /// The key columns' names, in key order.
    key_columns: Vec<String>,
}

impl Table {
    pub fn new(
        settings: &MySqlSettings,
        source: &SchemaRef,
        id: TableId,
        defs: &[ColumnDef],
    ) -> Table {
        let columns: Vec<Column> = defs
            .iter()
            .map(|c| Column {
                name: c.name.clone(),
                def: c.clone(),
                ty: column_type(
                    c,
                    settings.decimal_mode,
                    settings.time_mode,
                    settings.bigint_unsigned_mode,
                ),
                included: c.pk_position > 0
                    || settings.filter.includes_column(&id.db, &id.table, &c.name),
            })
            .collect();
        let specs: Vec<ColumnSpec<'_>> = columns
            .iter()
            .map(|c| ColumnSpec {
                name: &c.name,
                schema: &c.ty.schema,
                included: c.included,
                pk_position: i64::from(c.def.pk_position),
            })
            .collect();
        let TableSchema {
            topic,
            schemas,
            key_columns,
        } = TableSchema::build(&settings.server_name, &id.db, &id.table, &specs, source);
        Table {
            schemas,
            topic,
            id,
            columns,
            key_columns,
        }
    }

    /// The row Struct (`before`/`after`) of values in column order.
    pub fn row(&self, values: &[MyValue], origin: Origin) -> Result<Struct, CdcError> {
        if values.len() != self.columns.len() {
            return Err(CdcError::Data(format!(
                "A row of {} has {} values for the {} columns the table has now (was it altered after this change was logged?)",
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
            let value = convert(&c.name, &c.ty, v, origin)
                .map_err(|e| CdcError::Data(format!("{} of {}: {e}", c.name, self.id)))?;
            let value = if value.is_null() && !c.ty.optional {
                fallback(&c.ty)
            } else {
                value
            };
            s.put(&c.name, value).map_err(data_error)?;
        }
        Ok(s)
    }

    /// Whether rows logged with these binlog column types (None: unknown) are rows
    /// of the table as it is now.
    pub fn fits(&self, types: &[Option<mysql_common::constants::ColumnType>]) -> bool {
        types.len() == self.columns.len()
            && self
                .columns
                .iter()
                .zip(types)
                .all(|(c, t)| t.is_none_or(|t| binlog_type_fits(&c.def, t)))
    }

    /// The key Struct of a row; None when the table has no primary key.
    pub fn key(&self, row: &Struct) -> Result<Option<Struct>, CdcError> {
        key_of(&self.schemas, &self.key_columns, row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mysql::config::MySqlSettings;
    use connect_api::Value;

    fn settings() -> MySqlSettings {
        let props = crate::config::props_of(
            &[
                ("database.hostname", "h"),
                ("database.user", "u"),
                ("topic.prefix", "dbserver1"),
                ("column.exclude.list", "inventory.customers.secret"),
            ],
            &[],
        );
        MySqlSettings::parse(&props).unwrap()
    }

    fn def(name: &str, data_type: &str, nullable: bool, pk: u32) -> ColumnDef {
        ColumnDef {
            name: name.into(),
            data_type: data_type.into(),
            column_type: data_type.into(),
            nullable,
            precision: None,
            scale: None,
            datetime_precision: None,
            json: false,
            pk_position: pk,
        }
    }

    #[test]
    fn row_images_become_structs_with_key_and_filtered_columns() {
        let s = settings();
        let source = source_schema(Flavor::MySql);
        let id = TableId {
            db: "inventory".into(),
            table: "customers".into(),
        };
        let t = Table::new(
            &s,
            &source,
            id,
            &[
                def("id", "int", false, 1),
                def("email", "varchar", true, 0),
                def("secret", "varchar", true, 0),
            ],
        );
        assert_eq!(t.topic, "dbserver1.inventory.customers");
        let row = t
            .row(
                &[
                    MyValue::Int(1001),
                    MyValue::Bytes(b"sally@example.com".to_vec()),
                    MyValue::Bytes(b"x".to_vec()),
                ],
                Origin::Binlog,
            )
            .unwrap();
        assert_eq!(
            row.schema().name.as_deref(),
            Some("dbserver1.inventory.customers.Value")
        );
        assert_eq!(row.get("id"), Some(&Value::Int32(1001)));
        assert_eq!(row.get("email"), Some(&Value::from("sally@example.com")));
        assert!(row.schema().field("secret").is_none(), "excluded column");
        let key = t.key(&row).unwrap().unwrap();
        assert_eq!(
            key.schema().name.as_deref(),
            Some("dbserver1.inventory.customers.Key")
        );
        assert_eq!(key.get("id"), Some(&Value::Int32(1001)));
        assert!(
            t.row(&[MyValue::Int(1)], Origin::Binlog).is_err(),
            "column count mismatch"
        );
        assert_eq!(
            source.name.as_deref(),
            Some("io.debezium.connector.mysql.Source")
        );
        assert_eq!(
            source_schema(Flavor::MariaDb).name.as_deref(),
            Some("io.debezium.connector.mariadb.Source")
        );
    }
}
