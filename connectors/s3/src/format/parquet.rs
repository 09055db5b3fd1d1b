//! `ParquetFormat`: record values (Structs with a schema) as Parquet rows.
//!
//! The Connect schema maps as Confluent's (through Avro and parquet-avro) does:
//! int8/int16/int32 -> INT32, int64 -> INT64, float32 -> FLOAT, float64 -> DOUBLE,
//! boolean -> BOOLEAN, string -> BYTE_ARRAY (STRING), bytes -> BYTE_ARRAY, Date -> INT32
//! (DATE), Time -> INT32 (TIME millis), Timestamp -> INT64 (TIMESTAMP millis, UTC),
//! Decimal -> BYTE_ARRAY (DECIMAL, precision from `connect.decimal.precision`, else 64),
//! structs -> groups; optional fields are OPTIONAL. Arrays and maps are not supported
//! yet (an error names the field).
//!
//! Rows are written in row groups of [`ROW_GROUP_ROWS`]; each closed row group's bytes
//! go to the output at once, so memory holds at most one row group of records.

use std::sync::Arc;

use connect_api::data::logical;
use connect_api::{Schema, SchemaRef, SchemaType, SinkRecord, Struct, Value};
use parquet::basic::{Compression, LogicalType, Repetition, TimeUnit, Type as PhysicalType};
use parquet::column::writer::ColumnWriter;
use parquet::data_type::ByteArray;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::{Type, TypePtr};

use super::RecordEncoder;
use crate::error::{coordinates, S3Error};

/// Rows per row group: deterministic (a rewritten file is byte-identical) and small
/// enough to bound memory.
pub const ROW_GROUP_ROWS: usize = 10_000;
/// Avro's (and so Confluent's) decimal precision when the schema does not say.
const DEFAULT_DECIMAL_PRECISION: i32 = 64;
const DECIMAL_PRECISION_PARAM: &str = "connect.decimal.precision";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParquetCodec {
    None,
    Snappy,
}

impl ParquetCodec {
    pub fn extension(self) -> &'static str {
        match self {
            ParquetCodec::None => ".parquet",
            ParquetCodec::Snappy => ".snappy.parquet",
        }
    }

    fn compression(self) -> Compression {
        match self {
            ParquetCodec::None => Compression::UNCOMPRESSED,
            ParquetCodec::Snappy => Compression::SNAPPY,
        }
    }
}

/// What a leaf column holds.
#[derive(Debug, Clone)]
enum Leaf {
    Bool,
    Int32,
    Int64,
    Float,
    Double,
    String,
    Bytes,
    Date,
    Time,
    Timestamp,
    Decimal(SchemaRef),
}

/// A leaf column: the field names from the root, whether each level is optional.
#[derive(Debug, Clone)]
struct Column {
    path: Vec<String>,
    optional: Vec<bool>,
    max_def: i16,
    leaf: Leaf,
}

/// The Parquet schema of a Connect struct schema (and its leaf columns, in order).
pub fn parquet_schema(schema: &Schema) -> Result<TypePtr, S3Error> {
    build_schema(schema, &mut Vec::new())
}

/// The Parquet schema of a struct schema; its leaf columns are appended to `columns`.
fn build_schema(schema: &Schema, columns: &mut Vec<Column>) -> Result<TypePtr, S3Error> {
    if schema.schema_type != SchemaType::Struct {
        return Err(S3Error::Data(format!(
            "ParquetFormat needs Struct values; the value schema is {}",
            schema.schema_type
        )));
    }
    let mut fields = Vec::with_capacity(schema.fields.len());
    for f in &schema.fields {
        fields.push(field_type(
            &f.name,
            &f.schema,
            &mut Vec::new(),
            &mut Vec::new(),
            columns,
        )?);
    }
    let root = Type::group_type_builder(schema.name.as_deref().unwrap_or("ConnectDefault"))
        .with_fields(fields)
        .build()
        .map_err(|e| S3Error::encode("building the Parquet schema", e))?;
    Ok(Arc::new(root))
}

fn field_type(
    name: &str,
    schema: &Schema,
    path: &mut Vec<String>,
    optional: &mut Vec<bool>,
    columns: &mut Vec<Column>,
) -> Result<TypePtr, S3Error> {
    path.push(name.to_string());
    optional.push(schema.optional);
    let repetition = if schema.optional {
        Repetition::OPTIONAL
    } else {
        Repetition::REQUIRED
    };
    let field_path = path.join(".");
    let bad = |e: parquet::errors::ParquetError| {
        S3Error::encode(format!("the Parquet type of field {field_path}"), e)
    };
    let result = if schema.schema_type == SchemaType::Struct {
        let mut children = Vec::with_capacity(schema.fields.len());
        for f in &schema.fields {
            children.push(field_type(&f.name, &f.schema, path, optional, columns)?);
        }
        Type::group_type_builder(name)
            .with_repetition(repetition)
            .with_fields(children)
            .build()
            .map_err(bad)?
    } else {
        let (physical, logical_type, leaf) = match (schema.name.as_deref(), schema.schema_type) {
            (Some(logical::DECIMAL_NAME), SchemaType::Bytes) => {
                let scale = logical::decimal_scale(schema)
                    .map_err(|e| S3Error::Data(format!("field {}: {e}", path.join("."))))?
                    as i32;
                let precision = schema
                    .parameter(DECIMAL_PRECISION_PARAM)
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(DEFAULT_DECIMAL_PRECISION)
                    .max(scale.max(1));
                (
                    PhysicalType::BYTE_ARRAY,
                    Some(LogicalType::decimal(scale, precision)),
                    Leaf::Decimal(Arc::new(schema.clone())),
                )
            }
            (Some(logical::DATE_NAME), SchemaType::Int32) => {
                (PhysicalType::INT32, Some(LogicalType::Date), Leaf::Date)
            }
            (Some(logical::TIME_NAME), SchemaType::Int32) => (
                PhysicalType::INT32,
                Some(LogicalType::time(true, TimeUnit::MILLIS)),
                Leaf::Time,
            ),
            (Some(logical::TIMESTAMP_NAME), SchemaType::Int64) => (
                PhysicalType::INT64,
                Some(LogicalType::timestamp(true, TimeUnit::MILLIS)),
                Leaf::Timestamp,
            ),
            (_, SchemaType::Int8 | SchemaType::Int16 | SchemaType::Int32) => {
                (PhysicalType::INT32, None, Leaf::Int32)
            }
            (_, SchemaType::Int64) => (PhysicalType::INT64, None, Leaf::Int64),
            (_, SchemaType::Float32) => (PhysicalType::FLOAT, None, Leaf::Float),
            (_, SchemaType::Float64) => (PhysicalType::DOUBLE, None, Leaf::Double),
            (_, SchemaType::Boolean) => (PhysicalType::BOOLEAN, None, Leaf::Bool),
            (_, SchemaType::String) => (
                PhysicalType::BYTE_ARRAY,
                Some(LogicalType::String),
                Leaf::String,
            ),
            (_, SchemaType::Bytes) => (PhysicalType::BYTE_ARRAY, None, Leaf::Bytes),
            (_, other) => {
                return Err(S3Error::Data(format!(
                    "ParquetFormat does not support {other} fields yet (field {})",
                    path.join(".")
                )))
            }
        };
        columns.push(Column {
            path: path.clone(),
            optional: optional.clone(),
            max_def: optional.iter().filter(|o| **o).count() as i16,
            leaf,
        });
        let (precision, scale) = match &logical_type {
            Some(LogicalType::Decimal(d)) => (d.precision, d.scale),
            _ => (-1, -1),
        };
        Type::primitive_type_builder(name, physical)
            .with_repetition(repetition)
            .with_logical_type(logical_type)
            .with_precision(precision)
            .with_scale(scale)
            .build()
            .map_err(bad)?
    };
    path.pop();
    optional.pop();
    Ok(Arc::new(result))
}

/// Encodes the rows of one file; created with the file's first record's schema.
pub struct ParquetEncoder {
    codec: ParquetCodec,
    /// Set by the first record.
    state: Option<State>,
    out: Vec<u8>,
}

struct State {
    writer: SerializedFileWriter<Vec<u8>>,
    columns: Vec<Column>,
    rows: Vec<Struct>,
}

impl ParquetEncoder {
    pub fn new(codec: ParquetCodec) -> ParquetEncoder {
        ParquetEncoder {
            codec,
            state: None,
            out: Vec::new(),
        }
    }

    fn start(&self, schema: &Schema) -> Result<State, S3Error> {
        let mut columns = Vec::new();
        let root = build_schema(schema, &mut columns)?;
        let props = WriterProperties::builder()
            .set_compression(self.codec.compression())
            .build();
        let writer = SerializedFileWriter::new(Vec::new(), root, Arc::new(props))
            .map_err(|e| S3Error::encode("starting a Parquet file", e))?;
        Ok(State {
            writer,
            columns,
            rows: Vec::new(),
        })
    }
}

/// (definition level, value) of a leaf column in a row; None when a level is null.
fn leaf_value<'a>(row: &'a Struct, column: &Column) -> Result<(i16, Option<&'a Value>), String> {
    let mut level = 0i16;
    let mut current = row;
    let last = column.path.len() - 1;
    for (depth, name) in column.path.iter().enumerate() {
        let value = current.get(name).unwrap_or(&Value::Null);
        if value.is_null() {
            if column.optional[depth] {
                return Ok((level, None));
            }
            return Err(format!(
                "required field {} is null",
                column.path[..=depth].join(".")
            ));
        }
        if column.optional[depth] {
            level += 1;
        }
        if depth == last {
            return Ok((level, Some(value)));
        }
        current = match value {
            Value::Struct(s) => s,
            other => {
                return Err(format!(
                    "field {} should be a Struct, not {}",
                    column.path[..=depth].join("."),
                    other.kind_name()
                ))
            }
        };
    }
    Ok((level, None))
}

fn mismatch(column: &Column, value: &Value) -> String {
    format!(
        "field {} ({:?}) cannot hold a {}",
        column.path.join("."),
        column.leaf,
        value.kind_name()
    )
}

/// Collects a column's values and definition levels over `rows`, converting each value.
fn collect<T>(
    rows: &[Struct],
    column: &Column,
    convert: impl Fn(&Value) -> Option<T>,
) -> Result<(Vec<T>, Vec<i16>), String> {
    let mut values = Vec::with_capacity(rows.len());
    let mut levels = Vec::with_capacity(rows.len());
    for row in rows {
        let (level, value) = leaf_value(row, column)?;
        levels.push(level);
        if let Some(v) = value {
            values.push(convert(v).ok_or_else(|| mismatch(column, v))?);
        }
    }
    Ok((values, levels))
}

fn write_row_group(state: &mut State) -> Result<(), S3Error> {
    if state.rows.is_empty() {
        return Ok(());
    }
    let rows = std::mem::take(&mut state.rows);
    let fail = |e: parquet::errors::ParquetError| S3Error::encode("writing a Parquet row group", e);
    let mut group = state.writer.next_row_group().map_err(fail)?;
    for column in &state.columns {
        let Some(mut col) = group.next_column().map_err(fail)? else {
            break;
        };
        let defs = |levels: &Vec<i16>| {
            (column.max_def > 0)
                .then_some(levels.as_slice())
                .map(|l| l.to_vec())
        };
        let data = |e: String| S3Error::Data(format!("ParquetFormat: {e}"));
        let written = match (col.untyped(), &column.leaf) {
            (ColumnWriter::BoolColumnWriter(w), Leaf::Bool) => {
                let (v, l) = collect(&rows, column, |v| match v {
                    Value::Boolean(b) => Some(*b),
                    _ => None,
                })
                .map_err(data)?;
                w.write_batch(&v, defs(&l).as_deref(), None)
            }
            (ColumnWriter::Int32ColumnWriter(w), leaf) => {
                let (v, l) = collect(&rows, column, |v| match (leaf, v) {
                    (Leaf::Int32, Value::Int8(x)) => Some(*x as i32),
                    (Leaf::Int32, Value::Int16(x)) => Some(*x as i32),
                    (Leaf::Int32 | Leaf::Date | Leaf::Time, Value::Int32(x)) => Some(*x),
                    (Leaf::Date, Value::Date(d)) => Some(logical::date_to_days(d)),
                    (Leaf::Time, Value::Time(t)) => Some(logical::time_to_millis(t)),
                    _ => None,
                })
                .map_err(data)?;
                w.write_batch(&v, defs(&l).as_deref(), None)
            }
            (ColumnWriter::Int64ColumnWriter(w), leaf) => {
                let (v, l) = collect(&rows, column, |v| match (leaf, v) {
                    (Leaf::Int64 | Leaf::Timestamp, Value::Int64(x)) => Some(*x),
                    (Leaf::Timestamp, Value::Timestamp(t)) => Some(logical::timestamp_to_millis(t)),
                    _ => None,
                })
                .map_err(data)?;
                w.write_batch(&v, defs(&l).as_deref(), None)
            }
            (ColumnWriter::FloatColumnWriter(w), _) => {
                let (v, l) = collect(&rows, column, |v| match v {
                    Value::Float32(x) => Some(*x),
                    _ => None,
                })
                .map_err(data)?;
                w.write_batch(&v, defs(&l).as_deref(), None)
            }
            (ColumnWriter::DoubleColumnWriter(w), _) => {
                let (v, l) = collect(&rows, column, |v| match v {
                    Value::Float64(x) => Some(*x),
                    _ => None,
                })
                .map_err(data)?;
                w.write_batch(&v, defs(&l).as_deref(), None)
            }
            (ColumnWriter::ByteArrayColumnWriter(w), leaf) => {
                let (v, l) = collect(&rows, column, |v| match (leaf, v) {
                    (Leaf::String, Value::String(s)) => {
                        Some(ByteArray::from(s.as_bytes().to_vec()))
                    }
                    (Leaf::Bytes | Leaf::Decimal(_), Value::Bytes(b)) => {
                        Some(ByteArray::from(b.clone()))
                    }
                    (Leaf::Decimal(schema), Value::Decimal(d)) => {
                        logical::decimal_to_bytes(schema, d)
                            .ok()
                            .map(ByteArray::from)
                    }
                    _ => None,
                })
                .map_err(data)?;
                w.write_batch(&v, defs(&l).as_deref(), None)
            }
            (_, leaf) => {
                return Err(S3Error::encode(
                    "writing a Parquet row group",
                    format!(
                        "column {} has an unexpected writer for {leaf:?}",
                        column.path.join(".")
                    ),
                ))
            }
        };
        written.map_err(fail)?;
        col.close().map_err(fail)?;
    }
    group.close().map_err(fail)?;
    Ok(())
}

impl RecordEncoder for ParquetEncoder {
    fn write(&mut self, record: &SinkRecord) -> Result<(), S3Error> {
        let value = match &record.record.value {
            Value::Struct(s) => s,
            other => {
                return Err(S3Error::Data(format!(
                    "ParquetFormat needs Struct values with a schema; record {} has {}",
                    coordinates(record),
                    other.kind_name()
                )))
            }
        };
        if self.state.is_none() {
            let state = self.start(value.schema()).map_err(|e| match e {
                S3Error::Data(m) => S3Error::Data(format!("record {}: {m}", coordinates(record))),
                other => other,
            })?;
            self.state = Some(state);
        }
        let Some(state) = self.state.as_mut() else {
            return Ok(());
        };
        state.rows.push(value.clone());
        if state.rows.len() >= ROW_GROUP_ROWS {
            write_row_group(state)?;
            state
                .writer
                .flush()
                .map_err(|e| S3Error::encode("flushing a Parquet row group", e))?;
            // The writer counts bytes itself: taking them out keeps its offsets right.
            self.out.append(state.writer.inner_mut());
        }
        Ok(())
    }

    fn output(&mut self) -> &mut Vec<u8> {
        &mut self.out
    }

    fn finish(&mut self) -> Result<(), S3Error> {
        let Some(mut state) = self.state.take() else {
            return Ok(());
        };
        write_row_group(&mut state)?;
        let rest = state
            .writer
            .into_inner()
            .map_err(|e| S3Error::encode("finishing a Parquet file", e))?;
        self.out.extend_from_slice(&rest);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::partitioner::tests::record;
    use bigdecimal::BigDecimal;
    use connect_api::SchemaBuilder;
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;
    use std::str::FromStr;

    fn schema() -> SchemaRef {
        let address = SchemaBuilder::struct_()
            .optional()
            .field("city", Schema::string())
            .field("zip", Schema::optional_int32())
            .build();
        SchemaBuilder::struct_()
            .name("com.example.Person")
            .field("id", Schema::int64())
            .field("small", Schema::int8())
            .field("name", Schema::optional_string())
            .field("score", Schema::float64())
            .field("ratio", Schema::optional_float32())
            .field("vip", Schema::boolean())
            .field("blob", Schema::optional_bytes())
            .field("born", logical::date_schema().optional().build())
            .field("seen", logical::timestamp_schema().build())
            .field("at", logical::time_schema().optional().build())
            .field("balance", logical::decimal_schema(2).optional().build())
            .field("address", address)
            .build()
    }

    fn person(id: i64, with_optionals: bool) -> Struct {
        let s = schema();
        let address_schema = s.field("address").unwrap().schema.clone();
        let mut v = Struct::new(s).unwrap();
        v.put("id", id).unwrap();
        v.put("small", Value::Int8(-3)).unwrap();
        v.put("score", Value::Float64(id as f64 / 2.0)).unwrap();
        v.put("vip", id % 2 == 0).unwrap();
        v.put(
            "seen",
            Value::Timestamp(logical::timestamp_from_millis(1_700_000_000_000 + id).unwrap()),
        )
        .unwrap();
        if with_optionals {
            v.put("name", format!("p{id}")).unwrap();
            v.put("ratio", Value::Float32(0.25)).unwrap();
            v.put("blob", Value::Bytes(vec![1, 2, 3])).unwrap();
            v.put(
                "born",
                Value::Date(logical::date_from_days(19_000).unwrap()),
            )
            .unwrap();
            v.put(
                "at",
                Value::Time(logical::time_from_millis(3_600_000).unwrap()),
            )
            .unwrap();
            v.put(
                "balance",
                Value::Decimal(BigDecimal::from_str("-12.34").unwrap()),
            )
            .unwrap();
            let mut a = Struct::new(address_schema).unwrap();
            a.put("city", "Lyon").unwrap();
            v.put("address", a).unwrap();
        }
        v
    }

    #[test]
    fn schema_mapping_uses_parquet_logical_types() {
        let t = parquet_schema(&schema()).unwrap();
        let mut printed = Vec::new();
        parquet::schema::printer::print_schema(&mut printed, &t);
        let printed = String::from_utf8(printed).unwrap();
        for expected in [
            "message com.example.Person {",
            "REQUIRED INT64 id;",
            "REQUIRED INT32 small;",
            "OPTIONAL BYTE_ARRAY name (STRING);",
            "REQUIRED DOUBLE score;",
            "OPTIONAL FLOAT ratio;",
            "REQUIRED BOOLEAN vip;",
            "OPTIONAL BYTE_ARRAY blob;",
            "OPTIONAL INT32 born (DATE);",
            "REQUIRED INT64 seen (TIMESTAMP(MILLIS,true));",
            "OPTIONAL INT32 at (TIME(MILLIS,true));",
            "OPTIONAL BYTE_ARRAY balance (DECIMAL(64,2));",
            "OPTIONAL group address {",
            "REQUIRED BYTE_ARRAY city (STRING);",
            "OPTIONAL INT32 zip;",
        ] {
            assert!(printed.contains(expected), "{expected} not in\n{printed}");
        }
        let with_array = SchemaBuilder::struct_()
            .field("tags", SchemaBuilder::array(Schema::string()).build())
            .build();
        let e = parquet_schema(&with_array).unwrap_err();
        assert!(e.to_string().contains("tags"), "{e}");
    }

    #[test]
    fn rows_read_back_with_the_parquet_reader() {
        let mut e = ParquetEncoder::new(ParquetCodec::Snappy);
        let n = ROW_GROUP_ROWS as i64 + 5; // two row groups
        for id in 0..n {
            let mut r = record(0, id, Value::Struct(person(id, id % 3 != 0)), None);
            r.record.value_schema = Some(schema());
            e.write(&r).unwrap();
        }
        assert!(
            !e.output().is_empty(),
            "the first row group is output before the end"
        );
        e.finish().unwrap();
        let bytes = bytes::Bytes::from(std::mem::take(e.output()));
        let reader = SerializedFileReader::new(bytes).unwrap();
        assert_eq!(reader.metadata().num_row_groups(), 2);
        let rows: Vec<_> = reader
            .get_row_iter(None)
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(rows.len() as i64, n);
        let fields: Vec<(String, Field)> = rows[1]
            .get_column_iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let get = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        assert_eq!(get("id"), Field::Long(1));
        assert_eq!(get("small"), Field::Int(-3));
        assert_eq!(get("name"), Field::Str("p1".into()));
        assert_eq!(get("vip"), Field::Bool(false));
        assert_eq!(get("born"), Field::Date(19_000));
        assert_eq!(get("seen"), Field::TimestampMillis(1_700_000_000_001));
        assert_eq!(get("at"), Field::TimeMillis(3_600_000));
        assert_eq!(get("balance").to_string(), "-12.34");
        assert!(
            get("address").to_string().contains("Lyon"),
            "{}",
            get("address")
        );
        // Row 0 has its optionals null.
        let first: Vec<(String, Field)> = rows[0]
            .get_column_iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        assert!(first.iter().any(|(k, v)| k == "name" && *v == Field::Null));
        assert!(first
            .iter()
            .any(|(k, v)| k == "address" && *v == Field::Null));
    }

    #[test]
    fn non_struct_values_name_the_record() {
        let mut e = ParquetEncoder::new(ParquetCodec::None);
        let err = e
            .write(&record(1, 2, Value::String("x".into()), None))
            .unwrap_err();
        assert!(err.to_string().contains("orders-1@2"), "{err}");
    }
}
