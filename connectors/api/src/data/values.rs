//! The parts of Kafka's `org.apache.kafka.connect.data.Values` that turn values into
//! strings and back: `convertToString` (how `SimpleHeaderConverter` writes a header) and
//! `parseString` (how it reads one back with an inferred schema, and how `InsertHeader`
//! reads its `value.literal`).
//!
//! The parser is a close port of Kafka's tokenizer and recursive parser, including its
//! quirks (a top-level string that merely starts with a number is parsed as that number
//! when the number ends at a delimiter, quoted strings keep their escape backslashes, a
//! quoted blank is read as empty), so that headers written by either side are read back
//! identically.

use super::display::base64;
use super::logical::{self, DATE_NAME, DECIMAL_NAME, TIMESTAMP_NAME, TIME_NAME};
use super::{Schema, SchemaBuilder, SchemaRef, SchemaType, Value};
use crate::error::DataError;
use crate::java::{self, class_of, JavaDecimal, MILLIS_PER_DAY};

/// A schema and a value, as Kafka's `SchemaAndValue`; `schema` is `None` when the data
/// carries no schema.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SchemaAndValue {
    pub schema: Option<SchemaRef>,
    pub value: Value,
}

impl SchemaAndValue {
    /// No schema, null value (Kafka's `SchemaAndValue.NULL`).
    pub const NULL: SchemaAndValue = SchemaAndValue {
        schema: None,
        value: Value::Null,
    };

    pub fn new(schema: Option<SchemaRef>, value: Value) -> Self {
        SchemaAndValue { schema, value }
    }
}

/// How deep arrays and maps may nest before we give up (where Java would overflow its
/// stack); the header is then returned as bytes, as Kafka does on any parse failure.
const MAX_DEPTH: usize = 64;

// ---------------------------------------------------------------------------------------
// Writing: Values.convertToString
// ---------------------------------------------------------------------------------------

/// Kafka's `Values.convertToString(schema, value)` (the schema is not used); `None` for
/// null.
pub fn convert_to_string(value: &Value) -> Option<String> {
    if value.is_null() {
        return None;
    }
    let mut sb = String::new();
    append(&mut sb, value, false);
    Some(sb)
}

fn append(sb: &mut String, value: &Value, embedded: bool) {
    match value {
        Value::Null => sb.push_str("null"),
        Value::Int8(v) => sb.push_str(&v.to_string()),
        Value::Int16(v) => sb.push_str(&v.to_string()),
        Value::Int32(v) => sb.push_str(&v.to_string()),
        Value::Int64(v) => sb.push_str(&v.to_string()),
        Value::Float32(v) => sb.push_str(&java::float_to_string(*v)),
        Value::Float64(v) => sb.push_str(&java::double_to_string(*v)),
        Value::Decimal(d) => sb.push_str(&java::bigdecimal_to_string(d)),
        Value::Boolean(b) => sb.push_str(if *b { "true" } else { "false" }),
        Value::String(s) => {
            if embedded {
                sb.push('"');
                sb.push_str(&escape(s));
                sb.push('"');
            } else {
                sb.push_str(s);
            }
        }
        Value::Bytes(b) => {
            let encoded = base64(b);
            if embedded {
                sb.push('"');
                sb.push_str(&encoded);
                sb.push('"');
            } else {
                sb.push_str(&encoded);
            }
        }
        Value::Array(items) => {
            sb.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    sb.push(',');
                }
                append(sb, item, true);
            }
            sb.push(']');
        }
        Value::Map(entries) => {
            sb.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    sb.push(',');
                }
                append(sb, k, true);
                sb.push(':');
                append(sb, v, true);
            }
            sb.push('}');
        }
        Value::Struct(s) => {
            sb.push('{');
            for (i, field) in s.schema().fields.iter().enumerate() {
                if i > 0 {
                    sb.push(',');
                }
                append(sb, &Value::String(field.name.clone()), true);
                sb.push(':');
                append(sb, s.get(&field.name).unwrap_or(&Value::Null), true);
            }
            sb.push('}');
        }
        Value::Date(_) | Value::Time(_) | Value::Timestamp(_) => {
            let millis = java::temporal_millis(value).unwrap_or(0);
            sb.push_str(&format_date(millis));
        }
    }
}

/// Kafka's `Values.dateFormatFor(date).format(date)`: a time of day for instants within
/// the first day after the epoch (or before it), a date for midnights, a timestamp
/// otherwise.
fn format_date(millis: i64) -> String {
    if millis < MILLIS_PER_DAY {
        java::format_iso_time(millis)
    } else if millis % MILLIS_PER_DAY == 0 {
        java::format_iso_date(millis)
    } else {
        format!(
            "{}T{}",
            java::format_iso_date(millis),
            java::format_iso_time(millis)
        )
    }
}

/// Kafka's `Values.escape`: backslashes doubled, then double quotes escaped.
fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

// ---------------------------------------------------------------------------------------
// Reading: Values.parseString
// ---------------------------------------------------------------------------------------

type Parsed = Option<(SchemaRef, Value)>;

#[derive(Debug)]
enum ParseError {
    /// Kafka's `DataException`: callers parsing an array or map fall back to a string.
    Data(String),
    /// Anything else (here: nesting too deep); the whole header falls back to bytes.
    Fatal(String),
}

impl From<DataError> for ParseError {
    fn from(e: DataError) -> Self {
        ParseError::Data(e.message)
    }
}

/// Kafka's `Values.parseString`: the schema and value a string represents, inferred the
/// way `SimpleHeaderConverter` reads headers. `Ok(None)` is a null (the literal `null`);
/// an error is where Kafka throws (a `DataException`, or nesting too deep).
pub fn parse_string(value: &str) -> Result<Option<SchemaAndValue>, DataError> {
    if value.is_empty() {
        return Ok(Some(SchemaAndValue::new(
            Some(Schema::string()),
            Value::String(String::new()),
        )));
    }
    let mut parser = ValueParser {
        p: Parser::new(value),
        depth: 0,
    };
    match parser.parse(false) {
        Ok(parsed) => Ok(parsed.map(|(s, v)| SchemaAndValue::new(Some(s), v))),
        Err(ParseError::Data(m) | ParseError::Fatal(m)) => Err(DataError::new(m)),
    }
}

/// Kafka's `Values.Parser`: a tokenizer splitting on unescaped `: , { } [ ] "`.
struct Parser {
    original: String,
    chars: Vec<char>,
    pos: usize,
    next_token: Option<String>,
    previous_token: Option<String>,
}

fn is_blank(s: &str) -> bool {
    java::trim(s).is_empty()
}

impl Parser {
    fn new(original: &str) -> Self {
        Parser {
            original: original.to_string(),
            chars: original.chars().collect(),
            pos: 0,
            next_token: None,
            previous_token: None,
        }
    }

    fn position(&self) -> usize {
        self.pos
    }

    fn mark(&self) -> usize {
        self.pos - self.next_token.as_ref().map_or(0, |t| t.chars().count())
    }

    fn rewind_to(&mut self, position: usize) {
        self.pos = position;
        self.next_token = None;
        self.previous_token = None;
    }

    fn can_consume_next_token(&self) -> bool {
        self.pos < self.chars.len()
    }

    fn has_next(&self) -> bool {
        self.next_token.is_some() || self.can_consume_next_token()
    }

    fn substring(&self, start: usize, end: usize) -> String {
        self.chars[start..end].iter().collect()
    }

    fn next(&mut self) -> String {
        let token = match self.next_token.take() {
            Some(t) => t,
            None => self.consume_next_token(),
        };
        self.previous_token = Some(token.clone());
        token
    }

    /// The text of the next `n` tokens, or `None` (and nothing consumed) if fewer remain.
    fn next_n(&mut self, n: usize) -> Option<String> {
        let start = self.mark();
        for _ in 0..n {
            if !self.has_next() {
                self.rewind_to(start);
                return None;
            }
            self.next();
        }
        Some(self.substring(start, self.position()))
    }

    fn consume_next_token(&mut self) -> String {
        let mut escaped = false;
        let start = self.pos;
        while self.pos < self.chars.len() {
            match self.chars[self.pos] {
                '\\' => escaped = !escaped,
                ':' | ',' | '{' | '}' | '[' | ']' | '"' => {
                    if !escaped {
                        if start < self.pos {
                            return self.substring(start, self.pos);
                        }
                        self.pos += 1;
                        return self.substring(start, start + 1);
                    }
                    escaped = false;
                }
                _ => escaped = false,
            }
            self.pos += 1;
        }
        self.substring(start, self.pos)
    }

    fn previous(&self) -> Option<&str> {
        self.previous_token.as_deref()
    }

    /// Consumes the next token if it is `expected` (ignoring surrounding white space and
    /// skipping blank tokens, as Kafka's `canConsume(expected)`).
    fn can_consume(&mut self, expected: &str) -> bool {
        if self.is_next(expected) {
            self.next_token = None;
            return true;
        }
        false
    }

    fn is_next(&mut self, expected: &str) -> bool {
        if self.next_token.is_none() {
            if !self.has_next() {
                return false;
            }
            self.next_token = Some(self.consume_next_token());
        }
        while self.next_token.as_deref().is_some_and(is_blank) && self.can_consume_next_token() {
            self.next_token = Some(self.consume_next_token());
        }
        self.next_token
            .as_deref()
            .is_some_and(|t| java::trim(t) == expected)
    }
}

/// Kafka's `Values.ValueParser`.
struct ValueParser {
    p: Parser,
    depth: usize,
}

impl ValueParser {
    fn can_parse_single_token_literal(&mut self, embedded: bool, literal: &str) -> bool {
        let start = self.p.mark();
        if self.p.can_consume(literal) && (embedded || !self.p.has_next()) {
            return true;
        }
        self.p.rewind_to(start);
        false
    }

    fn parse(&mut self, embedded: bool) -> Result<Parsed, ParseError> {
        if !self.p.has_next() {
            return Ok(None);
        }
        if embedded && self.p.can_consume("\"") {
            return Ok(Some(self.parse_quoted_string()));
        }
        if self.can_parse_single_token_literal(embedded, "null") {
            return Ok(None);
        }
        if self.can_parse_single_token_literal(embedded, "true") {
            return Ok(Some((Schema::boolean(), Value::Boolean(true))));
        }
        if self.can_parse_single_token_literal(embedded, "false") {
            return Ok(Some((Schema::boolean(), Value::Boolean(false))));
        }

        let start = self.p.mark();
        let nested = if self.p.can_consume("[") {
            Some(self.nested(Self::parse_array))
        } else if self.p.can_consume("{") {
            Some(self.nested(Self::parse_map))
        } else {
            None
        };
        match nested {
            Some(Ok(parsed)) => return Ok(Some(parsed)),
            Some(Err(ParseError::Data(_))) => self.p.rewind_to(start),
            Some(Err(fatal)) => return Err(fatal),
            None => {}
        }

        let token = self.p.next();
        if is_blank(&token) {
            Ok(Some((Schema::string(), Value::String(token))))
        } else {
            let trimmed = java::trim(&token).to_string();
            self.parse_next_token(embedded, &trimmed)
        }
    }

    fn nested(
        &mut self,
        f: fn(&mut Self) -> Result<(SchemaRef, Value), ParseError>,
    ) -> Result<(SchemaRef, Value), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ParseError::Fatal(format!(
                "Arrays and maps nested more than {MAX_DEPTH} levels deep"
            )));
        }
        let result = f(self);
        self.depth -= 1;
        result
    }

    fn parse_next_token(&mut self, embedded: bool, token: &str) -> Result<Parsed, ParseError> {
        let first = token.chars().next().unwrap_or(' ');
        let first_is_digit = first.is_ascii_digit();
        if first_is_digit {
            if let Some(temporal) = self.parse_multiple_tokens_as_temporal(token) {
                return Ok(Some(temporal));
            }
        }
        if first_is_digit || first == '+' || first == '-' {
            if let Some(number) = parse_as_number(token) {
                return Ok(Some(number));
            }
        }
        if embedded {
            return Err(ParseError::Data("Failed to parse embedded value".into()));
        }
        Ok(Some((
            Schema::string(),
            Value::String(self.p.original.clone()),
        )))
    }

    fn parse_quoted_string(&mut self) -> (SchemaRef, Value) {
        let mut sb = String::new();
        while self.p.has_next() {
            if self.p.can_consume("\"") {
                break;
            }
            sb.push_str(&self.p.next());
        }
        parse_as_temporal(&sb).unwrap_or_else(|| (Schema::string(), Value::String(sb)))
    }

    fn parse_array(&mut self) -> Result<(SchemaRef, Value), ParseError> {
        let mut result: Vec<Value> = Vec::new();
        let mut element_schema = SchemaMerger::default();
        while self.p.has_next() {
            if self.p.can_consume("]") {
                let schema = match element_schema.common {
                    Some(common) => {
                        let schema = SchemaBuilder::array(common.clone()).build();
                        let aligned = result
                            .into_iter()
                            .map(|v| convert_to(&common, v))
                            .collect::<Result<Vec<_>, _>>()?;
                        return Ok((schema, Value::Array(aligned)));
                    }
                    None => SchemaBuilder::new(SchemaType::Array).build(),
                };
                return Ok((schema, Value::Array(result)));
            }
            if self.p.can_consume(",") {
                return Err(ParseError::Data(format!(
                    "Unable to parse an empty array element: {}",
                    self.p.original
                )));
            }
            let element = self.parse(true)?;
            element_schema.merge(element.as_ref().map(|(s, _)| s));
            result.push(element.map_or(Value::Null, |(_, v)| v));

            let current = self.p.mark();
            if self.p.can_consume("]") {
                self.p.rewind_to(current);
            } else if !self.p.can_consume(",") {
                return Err(ParseError::Data(
                    "Array elements missing ',' delimiter".into(),
                ));
            }
        }
        if self.p.previous() == Some(",") {
            return Err(ParseError::Data(format!(
                "Array is missing element after ',': {}",
                self.p.original
            )));
        }
        Err(ParseError::Data(format!(
            "Array is missing terminating ']': {}",
            self.p.original
        )))
    }

    fn parse_map(&mut self) -> Result<(SchemaRef, Value), ParseError> {
        let mut result: Vec<(Value, Value)> = Vec::new();
        let mut key_schema = SchemaMerger::default();
        let mut value_schema = SchemaMerger::default();
        while self.p.has_next() {
            if self.p.can_consume("}") {
                return match (key_schema.common, value_schema.common) {
                    (Some(k), Some(v)) => {
                        let schema = SchemaBuilder::map(k.clone(), v.clone()).build();
                        let mut aligned = Vec::with_capacity(result.len());
                        for (key, value) in result {
                            let key = convert_to(&k, key)?;
                            let value = convert_to(&v, value)?;
                            put(&mut aligned, key, value);
                        }
                        Ok((schema, Value::Map(aligned)))
                    }
                    (Some(k), None) => {
                        // Kafka's SchemaBuilder.mapWithNullValues(keySchema)
                        let mut s = (*SchemaBuilder::new(SchemaType::Map).build()).clone();
                        s.key_schema = Some(k.clone());
                        let schema = std::sync::Arc::new(s);
                        let mut aligned = Vec::with_capacity(result.len());
                        for (key, value) in result {
                            put(&mut aligned, convert_to(&k, key)?, value);
                        }
                        Ok((schema, Value::Map(aligned)))
                    }
                    _ => Ok((
                        SchemaBuilder::new(SchemaType::Map).build(),
                        Value::Map(result),
                    )),
                };
            }
            if self.p.can_consume(",") {
                return Err(ParseError::Data(format!(
                    "Unable to parse a map entry with no key or value: {}",
                    self.p.original
                )));
            }
            let key = self.parse(true)?;
            let key = match key {
                Some(k) if !k.1.is_null() => k,
                _ => {
                    return Err(ParseError::Data(format!(
                        "Map entry may not have a null key: {}",
                        self.p.original
                    )))
                }
            };
            if !self.p.can_consume(":") {
                return Err(ParseError::Data(format!(
                    "Map entry is missing ':' at {} in {}",
                    self.p.position(),
                    self.p.original
                )));
            }
            let value = self.parse(true)?;
            key_schema.merge(Some(&key.0));
            value_schema.merge(value.as_ref().map(|(s, _)| s));
            put(&mut result, key.1, value.map_or(Value::Null, |(_, v)| v));
            self.p.can_consume(",");
        }
        if self.p.previous() == Some(",") {
            return Err(ParseError::Data(format!(
                "Map is missing element after ',': {}",
                self.p.original
            )));
        }
        Err(ParseError::Data(format!(
            "Map is missing terminating '}}': {}",
            self.p.original
        )))
    }

    fn parse_multiple_tokens_as_temporal(&mut self, token: &str) -> Option<(SchemaRef, Value)> {
        // Times and timestamps are split into 5 tokens by their unescaped colons.
        let position = self.p.mark();
        if let Some(remainder) = self.p.next_n(4) {
            if let Some(temporal) = parse_as_temporal(&format!("{token}{remainder}")) {
                return Some(temporal);
            }
        }
        self.p.rewind_to(position);
        parse_as_temporal(token)
    }
}

/// `LinkedHashMap.put`: a repeated key keeps its position and takes the new value.
fn put(entries: &mut Vec<(Value, Value)>, key: Value, value: Value) {
    match entries.iter_mut().find(|(k, _)| *k == key) {
        Some(slot) => slot.1 = value,
        None => entries.push((key, value)),
    }
}

/// Kafka's `Values.SchemaMerger`.
#[derive(Default)]
struct SchemaMerger {
    common: Option<SchemaRef>,
    incompatible: bool,
}

impl SchemaMerger {
    fn merge(&mut self, latest: Option<&SchemaRef>) {
        let Some(latest) = latest else { return };
        if self.incompatible {
            return;
        }
        match &self.common {
            None => self.common = Some(latest.clone()),
            Some(common) => {
                self.common = merge_schemas(common, latest);
                self.incompatible = self.common.is_none();
            }
        }
    }
}

/// Kafka's `Values.mergeSchemas`: numeric types widen; equal types keep the newer schema.
fn merge_schemas(previous: &SchemaRef, new: &SchemaRef) -> Option<SchemaRef> {
    use SchemaType::*;
    let (pt, nt) = (previous.schema_type, new.schema_type);
    if pt != nt {
        return match (pt, nt) {
            (Int8, Int16 | Int32 | Int64 | Float32 | Float64) => Some(new.clone()),
            (Int16, Int8) => Some(previous.clone()),
            (Int16, Int32 | Int64 | Float32 | Float64) => Some(new.clone()),
            (Int32, Int8 | Int16) => Some(previous.clone()),
            (Int32, Int64 | Float32 | Float64) => Some(new.clone()),
            (Int64, Int8 | Int16 | Int32) => Some(previous.clone()),
            (Int64, Float32 | Float64) => Some(new.clone()),
            (Float32, Int8 | Int16 | Int32 | Int64) => Some(previous.clone()),
            (Float32, Float64) => Some(new.clone()),
            (Float64, Int8 | Int16 | Int32 | Int64 | Float32) => Some(previous.clone()),
            _ => None,
        };
    }
    if previous.optional == new.optional {
        return Some(if previous.optional {
            previous.clone()
        } else {
            new.clone()
        });
    }
    if previous != new {
        return None;
    }
    Some(previous.clone())
}

/// Kafka's `Values.convertTo(toSchema, null, value)`, for aligning parsed elements with
/// their common schema.
fn convert_to(to: &Schema, value: Value) -> Result<Value, ParseError> {
    if value.is_null() {
        if to.optional {
            return Ok(Value::Null);
        }
        return Err(ParseError::Data(
            "Unable to convert a null value to a schema that requires a value".into(),
        ));
    }
    let unable = |value: &Value| {
        ParseError::Data(format!(
            "Unable to convert {} ({}) to Schema{{{}}}",
            value,
            class_of(value),
            java::type_name(to.schema_type)
        ))
    };
    Ok(match to.schema_type {
        SchemaType::Bytes => match (to.name.as_deref(), value) {
            (Some(DECIMAL_NAME), v @ Value::Decimal(_)) => v,
            (Some(DECIMAL_NAME), Value::Bytes(b)) => Value::Decimal(logical::decimal_from_bytes(to, &b)?),
            (_, v @ Value::Bytes(_)) => v,
            (_, v) => return Err(unable(&v)),
        },
        SchemaType::String => match value {
            v @ Value::String(_) => v,
            v => Value::String(convert_to_string(&v).unwrap_or_default()),
        },
        SchemaType::Boolean => match value {
            v @ Value::Boolean(_) => v,
            v => Value::Boolean(as_long(&v)? != 0),
        },
        SchemaType::Int8 => match value {
            v @ Value::Int8(_) => v,
            v => Value::Int8(as_long(&v)? as i8),
        },
        SchemaType::Int16 => match value {
            v @ Value::Int16(_) => v,
            v => Value::Int16(as_long(&v)? as i16),
        },
        SchemaType::Int32 => match (to.name.as_deref(), value) {
            (Some(DATE_NAME), v @ (Value::Date(_) | Value::Time(_) | Value::Timestamp(_))) => v,
            (Some(DATE_NAME), v) => Value::Date(logical::date_from_days(as_long(&v)? as i32)?),
            (Some(TIME_NAME), v @ (Value::Date(_) | Value::Time(_) | Value::Timestamp(_))) => v,
            (Some(TIME_NAME), v) => Value::Time(java::time_of_millis(i64::from(as_long(&v)? as i32)).ok_or_else(
                || {
                    ParseError::Data(
                        "Time values must use number of milliseconds greater than 0 and less than 86400000"
                            .into(),
                    )
                },
            )?),
            (_, v @ Value::Int32(_)) => v,
            (_, v) => Value::Int32(as_long(&v)? as i32),
        },
        SchemaType::Int64 => match (to.name.as_deref(), value) {
            (Some(TIMESTAMP_NAME), v @ (Value::Date(_) | Value::Time(_) | Value::Timestamp(_))) => v,
            (Some(TIMESTAMP_NAME), v) => Value::Timestamp(logical::timestamp_from_millis(as_long(&v)?)?),
            (_, v @ Value::Int64(_)) => v,
            (_, v) => Value::Int64(as_long(&v)?),
        },
        SchemaType::Float32 => match value {
            v @ Value::Float32(_) => v,
            v => Value::Float32(as_double(&v)? as f32),
        },
        SchemaType::Float64 => match value {
            v @ Value::Float64(_) => v,
            v => Value::Float64(as_double(&v)?),
        },
        SchemaType::Array => match value {
            v @ Value::Array(_) => v,
            v => return Err(unable(&v)),
        },
        SchemaType::Map => match value {
            v @ Value::Map(_) => v,
            v => return Err(unable(&v)),
        },
        SchemaType::Struct => match value {
            v @ Value::Struct(_) => v,
            v => return Err(unable(&v)),
        },
    })
}

/// Kafka's `Values.asLong` without a source schema.
fn as_long(value: &Value) -> Result<i64, ParseError> {
    if let Some(number) = java::long_value(value) {
        return Ok(number);
    }
    Ok(match value {
        Value::String(s) => match JavaDecimal::parse(s) {
            Some(d) => d.low64(),
            None => {
                return Err(ParseError::Data(format!(
                    "Unable to convert {s} (class java.lang.String) to a number"
                )))
            }
        },
        other => {
            return Err(ParseError::Data(format!(
                "Unable to convert {} ({}) to a number",
                other,
                class_of(other)
            )))
        }
    })
}

/// Kafka's `Values.asDouble` without a source schema.
fn as_double(value: &Value) -> Result<f64, ParseError> {
    Ok(match value {
        Value::Float32(v) => f64::from(*v),
        Value::Float64(v) => *v,
        Value::Int8(v) => f64::from(*v),
        Value::Int16(v) => f64::from(*v),
        Value::Int32(v) => f64::from(*v),
        Value::Int64(v) => *v as f64,
        Value::Decimal(d) => java::bigdecimal_double_value(d),
        Value::String(s) => match JavaDecimal::parse(s) {
            Some(d) => d.to_f64(),
            None => as_long(value)? as f64,
        },
        other => as_long(other)? as f64,
    })
}

/// Kafka's `ValueParser.parseAsNumber`; `None` where Java throws `NumberFormatException`.
fn parse_as_number(token: &str) -> Option<(SchemaRef, Value)> {
    let d = JavaDecimal::parse(token)?;
    if let Some(integral) = d.exact_long() {
        return Some(if let Ok(v) = i8::try_from(integral) {
            (Schema::int8(), Value::Int8(v))
        } else if let Ok(v) = i16::try_from(integral) {
            (Schema::int16(), Value::Int16(v))
        } else if let Ok(v) = i32::try_from(integral) {
            (Schema::int32(), Value::Int32(v))
        } else {
            (Schema::int64(), Value::Int64(integral))
        });
    }
    let f = d.to_f32();
    if f.is_finite() && d.scale != 0 {
        return Some((Schema::float32(), Value::Float32(f)));
    }
    let dv = d.to_f64();
    if dv.is_finite() && d.scale != 0 {
        return Some((Schema::float64(), Value::Float64(dv)));
    }
    Some((
        logical::decimal_schema(d.scale as i32).build(),
        Value::Decimal(d.to_decimal()),
    ))
}

const ISO_DATE_LEN: usize = 10; // yyyy-MM-dd
const ISO_TIME_LEN: usize = 13; // HH:mm:ss.SSS'Z'
const ISO_TIMESTAMP_LEN: usize = 24; // yyyy-MM-dd'T'HH:mm:ss.SSS'Z'

/// Kafka's `ValueParser.parseAsTemporal`: ISO-8601 dates, times and timestamps by length.
fn parse_as_temporal(token: &str) -> Option<(SchemaRef, Value)> {
    let token = token.replace("\\:", ":");
    // Java compares String.length(), in UTF-16 code units.
    match token.encode_utf16().count() {
        ISO_TIME_LEN => {
            let f = parse_pattern(&token, &TIME_PATTERN)?;
            let millis = time_millis(&f)?;
            let time = java::time_of_millis(millis)?;
            Some((logical::time_schema().build(), Value::Time(time)))
        }
        ISO_TIMESTAMP_LEN => {
            let f = parse_pattern(&token, &TIMESTAMP_PATTERN)?;
            let date = java::lenient_date(f[0], f[1], f[2])?;
            let millis = java::date_millis(&date).checked_add(time_millis(&f[3..])?)?;
            let ts = logical::timestamp_from_millis(millis).ok()?;
            Some((logical::timestamp_schema().build(), Value::Timestamp(ts)))
        }
        ISO_DATE_LEN => {
            let f = parse_pattern(&token, &DATE_PATTERN)?;
            let date = java::lenient_date(f[0], f[1], f[2])?;
            Some((logical::date_schema().build(), Value::Date(date)))
        }
        _ => None,
    }
}

/// Hours, minutes, seconds and milliseconds fields, leniently combined.
fn time_millis(f: &[i64]) -> Option<i64> {
    let (h, m, s, ms) = (f[0], f[1], f[2], f[3]);
    h.checked_mul(3_600_000)?
        .checked_add(m.checked_mul(60_000)?)?
        .checked_add(s.checked_mul(1000)?)?
        .checked_add(ms)
}

#[derive(Clone, Copy)]
enum Pat {
    Num,
    Lit(char),
}

const DATE_PATTERN: [Pat; 5] = [Pat::Num, Pat::Lit('-'), Pat::Num, Pat::Lit('-'), Pat::Num];
const TIME_PATTERN: [Pat; 8] = [
    Pat::Num,
    Pat::Lit(':'),
    Pat::Num,
    Pat::Lit(':'),
    Pat::Num,
    Pat::Lit('.'),
    Pat::Num,
    Pat::Lit('Z'),
];
const TIMESTAMP_PATTERN: [Pat; 14] = [
    Pat::Num,
    Pat::Lit('-'),
    Pat::Num,
    Pat::Lit('-'),
    Pat::Num,
    Pat::Lit('T'),
    Pat::Num,
    Pat::Lit(':'),
    Pat::Num,
    Pat::Lit(':'),
    Pat::Num,
    Pat::Lit('.'),
    Pat::Num,
    Pat::Lit('Z'),
];

/// A lenient `SimpleDateFormat.parse(text, pos)` of a pattern whose numeric fields are
/// separated by literals: each field takes all the digits there are (after spaces and
/// tabs), literals must match, and text after the pattern is ignored.
fn parse_pattern(text: &str, pattern: &[Pat]) -> Option<Vec<i64>> {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut fields = Vec::new();
    for p in pattern {
        match p {
            Pat::Lit(c) => {
                if chars.get(i) != Some(c) {
                    return None;
                }
                i += 1;
            }
            Pat::Num => {
                while matches!(chars.get(i), Some(' ' | '\t')) {
                    i += 1;
                }
                let start = i;
                let mut v: i64 = 0;
                while let Some(d) = chars.get(i).and_then(|c| c.to_digit(10)) {
                    v = v.checked_mul(10)?.checked_add(i64::from(d))?;
                    i += 1;
                }
                if i == start {
                    return None;
                }
                fields.push(v);
            }
        }
    }
    Some(fields)
}

#[cfg(test)]
mod tests;
