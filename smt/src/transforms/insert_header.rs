//! `InsertHeader`: adds a header named `header` to every record, after any headers it
//! already has. Its value is `value.literal` parsed as Kafka's `Values.parseString` does:
//! `true`/`false` are BOOLEAN, integers the smallest of INT8/16/32/64 that fits, decimals
//! FLOAT32 (FLOAT64, or a Decimal, when that does not fit), `yyyy-MM-dd`,
//! `HH:mm:ss.SSS'Z'` and `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` Date, Time and Timestamp values,
//! `[...]` arrays and `{...}` maps (elements and keys quoted when they are strings), `null`
//! a header without schema or value, and anything else the string itself.
//!
//! Differences from Kafka: the temporal literals are read in UTC (Kafka uses the JVM's
//! time zone), and temporal values are converted to the logical type the schema names
//! where Java would keep its `java.util.Date` as it is.

use std::sync::Arc;

use connect_api::config::{ConfigDef, ConfigKey, ConfigType, Importance, Validator};
use connect_api::data::logical;
use connect_api::{ConnectRecord, Props, Schema, SchemaBuilder, SchemaRef, SchemaType, Value};

use crate::java_time::SimpleDateFormat;
use crate::{TransformError, TransformPlugin, Transformation};

pub const CLASS: &str = "org.apache.kafka.connect.transforms.InsertHeader";

pub const OVERVIEW_DOC: &str = "Add a header to each record.";

pub const HEADER_FIELD: &str = "header";
pub const VALUE_LITERAL_FIELD: &str = "value.literal";

pub fn plugins() -> Vec<TransformPlugin> {
    vec![TransformPlugin {
        class: CLASS,
        config_def,
        create_source: |p| Ok(Box::new(InsertHeader::configure(p)?)),
        create_sink: |p| Ok(Box::new(InsertHeader::configure(p)?)),
    }]
}

/// Kafka's `ConfigDef.NonNullValidator`: a value given as a string is never null.
fn non_null() -> Validator {
    Validator::custom("non-null string", |_, _| Ok(()))
}

pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(HEADER_FIELD, ConfigType::String)
                .validator(non_null())
                .importance(Importance::High)
                .doc("The name of the header."),
        )
        .define(
            ConfigKey::new(VALUE_LITERAL_FIELD, ConfigType::String)
                .validator(non_null())
                .importance(Importance::High)
                .doc("The literal value that is to be set as the header value on all records."),
        )
}

#[derive(Debug, Clone)]
pub struct InsertHeader {
    header: String,
    schema: Option<SchemaRef>,
    value: Value,
}

impl InsertHeader {
    pub fn configure(props: &Props) -> Result<Self, TransformError> {
        let config = config_def()
            .parse(props)
            .map_err(|e| TransformError::new(CLASS, e.to_string()))?;
        let (schema, value) =
            parse_string(config.get_string(VALUE_LITERAL_FIELD).unwrap_or_default());
        Ok(InsertHeader {
            header: config
                .get_string(HEADER_FIELD)
                .unwrap_or_default()
                .to_string(),
            schema,
            value,
        })
    }
}

impl<R: ConnectRecord> Transformation<R> for InsertHeader {
    fn apply(&self, mut record: R) -> Result<Option<R>, TransformError> {
        record.record_mut().headers.add(
            self.header.clone(),
            self.schema.clone(),
            self.value.clone(),
        );
        Ok(Some(record))
    }
}

/// A parsed value with its schema (Kafka's `SchemaAndValue`); None is Java's null.
type Parsed = Option<(SchemaRef, Value)>;

/// Kafka's `Values.parseString`: the schema and value a string literal stands for.
pub fn parse_string(value: &str) -> (Option<SchemaRef>, Value) {
    if value.is_empty() {
        return (Some(Schema::string()), Value::String(String::new()));
    }
    match ValueParser::new(value).parse(false) {
        Ok(Some((schema, value))) => (Some(schema), value),
        Ok(None) => (None, Value::Null),
        Err(_) => (Some(Schema::string()), Value::String(value.to_string())),
    }
}

const DELIMITERS: [char; 7] = [':', ',', '{', '}', '[', ']', '"'];

/// Java's `String.trim()`.
fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

fn is_blank(s: &str) -> bool {
    java_trim(s).is_empty()
}

/// Kafka's `Values.Parser` (tokens split at unescaped delimiters) and `ValueParser`.
struct ValueParser {
    original: String,
    chars: Vec<char>,
    pos: usize,
    next_token: Option<String>,
    previous_token: Option<String>,
}

impl ValueParser {
    fn new(original: &str) -> Self {
        ValueParser {
            original: original.to_string(),
            chars: original.chars().collect(),
            pos: 0,
            next_token: None,
            previous_token: None,
        }
    }

    fn mark(&self) -> usize {
        self.pos - self.next_token.as_ref().map_or(0, |t| t.chars().count())
    }

    fn rewind_to(&mut self, position: usize) {
        self.pos = position;
        self.next_token = None;
        self.previous_token = None;
    }

    fn has_next(&self) -> bool {
        self.next_token.is_some() || self.pos < self.chars.len()
    }

    fn consume_next_token(&mut self) -> String {
        let mut escaped = false;
        let start = self.pos;
        while self.pos < self.chars.len() {
            let c = self.chars[self.pos];
            if c == '\\' {
                escaped = !escaped;
            } else if DELIMITERS.contains(&c) {
                if !escaped {
                    if start < self.pos {
                        return self.chars[start..self.pos].iter().collect();
                    }
                    self.pos += 1;
                    return c.to_string();
                }
                escaped = false;
            } else {
                escaped = false;
            }
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }

    fn next(&mut self) -> String {
        let token = match self.next_token.take() {
            Some(t) => t,
            None => self.consume_next_token(),
        };
        self.previous_token = Some(token.clone());
        token
    }

    /// The text of the next `n` tokens, or None (and nothing consumed) if fewer remain.
    fn next_n(&mut self, n: usize) -> Option<String> {
        let start = self.mark();
        for _ in 0..n {
            if !self.has_next() {
                self.rewind_to(start);
                return None;
            }
            self.next();
        }
        Some(self.chars[start..self.pos].iter().collect())
    }

    /// Whether the next non-blank token is `expected` (trimmed); consumes it if so.
    fn can_consume(&mut self, expected: &str) -> bool {
        if self.next_token.is_none() {
            if !self.has_next() {
                return false;
            }
            self.next_token = Some(self.consume_next_token());
        }
        while self.next_token.as_deref().is_some_and(is_blank) && self.pos < self.chars.len() {
            self.next_token = Some(self.consume_next_token());
        }
        if self.next_token.as_deref().map(java_trim) == Some(expected) {
            self.next_token = None;
            true
        } else {
            false
        }
    }

    fn can_parse_single_token_literal(&mut self, embedded: bool, literal: &str) -> bool {
        let start = self.mark();
        if self.can_consume(literal) && (embedded || !self.has_next()) {
            return true;
        }
        self.rewind_to(start);
        false
    }

    fn parse(&mut self, embedded: bool) -> Result<Parsed, String> {
        if !self.has_next() {
            return Ok(None);
        }
        if embedded && self.can_consume("\"") {
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
        let start = self.mark();
        let nested = if self.can_consume("[") {
            Some(self.parse_array())
        } else if self.can_consume("{") {
            Some(self.parse_map())
        } else {
            None
        };
        match nested {
            Some(Ok(parsed)) => return Ok(Some(parsed)),
            // Not an array or map after all: read it as a token.
            Some(Err(_)) => self.rewind_to(start),
            None => {}
        }
        let token = self.next();
        if is_blank(&token) {
            return Ok(Some((Schema::string(), Value::String(token))));
        }
        self.parse_next_token(embedded, java_trim(&token))
    }

    fn parse_next_token(&mut self, embedded: bool, token: &str) -> Result<Parsed, String> {
        let first = token.chars().next().unwrap_or(' ');
        if first.is_ascii_digit() {
            if let Some(temporal) = self.parse_multiple_tokens_as_temporal(token) {
                return Ok(Some(temporal));
            }
        }
        if first.is_ascii_digit() || first == '+' || first == '-' {
            if let Some(number) = parse_as_number(token) {
                return Ok(Some(number));
            }
        }
        if embedded {
            return Err("Failed to parse embedded value".into());
        }
        Ok(Some((
            Schema::string(),
            Value::String(self.original.clone()),
        )))
    }

    fn parse_quoted_string(&mut self) -> (SchemaRef, Value) {
        let mut content = String::new();
        while self.has_next() {
            if self.can_consume("\"") {
                break;
            }
            content.push_str(&self.next());
        }
        parse_as_temporal(&content).unwrap_or_else(|| (Schema::string(), Value::String(content)))
    }

    fn parse_array(&mut self) -> Result<(SchemaRef, Value), String> {
        let mut result = Vec::new();
        let mut element_schema = SchemaMerger::default();
        while self.has_next() {
            if self.can_consume("]") {
                return Ok(match element_schema.common {
                    Some(common) => {
                        let values = result
                            .into_iter()
                            .map(|v| convert_to(&common, v))
                            .collect::<Result<Vec<_>, _>>()?;
                        (SchemaBuilder::array(common).build(), Value::Array(values))
                    }
                    None => (
                        SchemaBuilder::new(SchemaType::Array).build(),
                        Value::Array(result),
                    ),
                });
            }
            if self.can_consume(",") {
                return Err(format!(
                    "Unable to parse an empty array element: {}",
                    self.original
                ));
            }
            let element = self.parse(true)?;
            element_schema.merge(&element);
            result.push(element.map_or(Value::Null, |(_, v)| v));
            let current = self.mark();
            if self.can_consume("]") {
                self.rewind_to(current);
            } else if !self.can_consume(",") {
                return Err("Array elements missing ',' delimiter".into());
            }
        }
        if self.previous_token.as_deref() == Some(",") {
            return Err(format!(
                "Array is missing element after ',': {}",
                self.original
            ));
        }
        Err(format!(
            "Array is missing terminating ']': {}",
            self.original
        ))
    }

    fn parse_map(&mut self) -> Result<(SchemaRef, Value), String> {
        let mut result: Vec<(Value, Value)> = Vec::new();
        let mut key_schema = SchemaMerger::default();
        let mut value_schema = SchemaMerger::default();
        while self.has_next() {
            if self.can_consume("}") {
                let map_schema = |k: Option<SchemaRef>, v: Option<SchemaRef>| {
                    let mut s = (*SchemaBuilder::new(SchemaType::Map).build()).clone();
                    s.key_schema = k;
                    s.value_schema = v;
                    Arc::new(s)
                };
                return Ok(match (key_schema.common, value_schema.common) {
                    (Some(k), Some(v)) => {
                        let entries = result
                            .into_iter()
                            .map(|(key, value)| Ok((convert_to(&k, key)?, convert_to(&v, value)?)))
                            .collect::<Result<Vec<_>, String>>()?;
                        (map_schema(Some(k), Some(v)), Value::Map(entries))
                    }
                    (Some(k), None) => {
                        let entries = result
                            .into_iter()
                            .map(|(key, value)| Ok((convert_to(&k, key)?, value)))
                            .collect::<Result<Vec<_>, String>>()?;
                        (map_schema(Some(k), None), Value::Map(entries))
                    }
                    _ => (map_schema(None, None), Value::Map(result)),
                });
            }
            if self.can_consume(",") {
                return Err(format!(
                    "Unable to parse a map entry with no key or value: {}",
                    self.original
                ));
            }
            let key = self.parse(true)?;
            let Some((_, key_value)) = key.clone().filter(|(_, v)| !v.is_null()) else {
                return Err(format!(
                    "Map entry may not have a null key: {}",
                    self.original
                ));
            };
            if !self.can_consume(":") {
                return Err(format!(
                    "Map entry is missing ':' at {} in {}",
                    self.pos, self.original
                ));
            }
            let value = self.parse(true)?;
            let entry_value = value.clone().map_or(Value::Null, |(_, v)| v);
            match result.iter_mut().find(|(k, _)| *k == key_value) {
                Some(slot) => slot.1 = entry_value,
                None => result.push((key_value, entry_value)),
            }
            self.can_consume(",");
            key_schema.merge(&key);
            value_schema.merge(&value);
        }
        if self.previous_token.as_deref() == Some(",") {
            return Err(format!(
                "Map is missing element after ',': {}",
                self.original
            ));
        }
        Err(format!(
            "Map is missing terminating '}}': {}",
            self.original
        ))
    }

    /// A time or timestamp is split at its colons; try the next four tokens with it.
    fn parse_multiple_tokens_as_temporal(&mut self, token: &str) -> Parsed {
        let position = self.mark();
        if let Some(rest) = self.next_n(4) {
            if let Some(temporal) = parse_as_temporal(&format!("{token}{rest}")) {
                return Some(temporal);
            }
        }
        self.rewind_to(position);
        parse_as_temporal(token)
    }
}

const DATE_PATTERN: &str = "yyyy-MM-dd";
const TIME_PATTERN: &str = "HH:mm:ss.SSS'Z'";
const TIMESTAMP_PATTERN: &str = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";

fn parse_as_temporal(token: &str) -> Parsed {
    let token = token.replace("\\:", ":");
    let (pattern, schema) = match token.chars().count() {
        13 => (TIME_PATTERN, logical::time_schema().build()),
        24 => (TIMESTAMP_PATTERN, logical::timestamp_schema().build()),
        10 => (DATE_PATTERN, logical::date_schema().build()),
        _ => return None,
    };
    let (millis, _) = SimpleDateFormat::new(pattern).ok()?.parse_prefix(&token)?;
    let value = temporal_value(&schema, millis)?;
    Some((schema, value))
}

/// The logical value of `schema` (Date, Time or Timestamp) for an instant.
fn temporal_value(schema: &Schema, millis: i64) -> Option<Value> {
    const DAY: i64 = 86_400_000;
    Some(match schema.name.as_deref() {
        Some(logical::DATE_NAME) => {
            Value::Date(logical::date_from_days(i32::try_from(millis.div_euclid(DAY)).ok()?).ok()?)
        }
        Some(logical::TIME_NAME) => {
            Value::Time(logical::time_from_millis(millis.rem_euclid(DAY) as i32).ok()?)
        }
        _ => Value::Timestamp(logical::timestamp_from_millis(millis).ok()?),
    })
}

/// A decimal literal as `java.math.BigDecimal` reads it: (negative, unscaled digits, scale).
fn parse_big_decimal(s: &str) -> Option<(bool, String, i64)> {
    let (negative, rest) = match s.as_bytes().first()? {
        b'+' => (false, &s[1..]),
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(i) => {
            let exp = &rest[i + 1..];
            let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            (&rest[..i], exp.parse::<i32>().ok()?)
        }
        None => (rest, 0),
    };
    let (int, frac) = match mantissa.find('.') {
        Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
        None => (mantissa, ""),
    };
    if int.len() + frac.len() == 0 || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((
        negative,
        format!("{int}{frac}"),
        frac.len() as i64 - i64::from(exponent),
    ))
}

/// Kafka's `ValueParser.parseAsNumber`.
fn parse_as_number(token: &str) -> Parsed {
    let (negative, digits, scale) = parse_big_decimal(token)?;
    if let Some(exact) = parse_as_exact_integer(negative, &digits, scale) {
        return Some(exact);
    }
    let sign = if negative { "-" } else { "" };
    let literal = format!("{sign}{digits}e{}", -scale);
    let f: f32 = literal.parse().ok()?;
    let d: f64 = literal.parse().ok()?;
    if f.is_finite() && scale != 0 {
        return Some((Schema::float32(), Value::Float32(f)));
    }
    if d.is_finite() && scale != 0 {
        return Some((Schema::float64(), Value::Float64(d)));
    }
    let schema = logical::decimal_schema(i32::try_from(scale).ok()?).build();
    let bytes = twos_complement(negative, &digits);
    let value = logical::decimal_from_bytes(&schema, &bytes).ok()?;
    Some((schema, Value::Decimal(value)))
}

/// Kafka's `parseAsExactDecimal`: an integral value that fits a long, as the smallest of
/// INT8, INT16, INT32 and INT64.
fn parse_as_exact_integer(negative: bool, digits: &str, scale: i64) -> Parsed {
    let integral_digits = if scale > 0 {
        let split = digits.len().saturating_sub(scale as usize);
        if !digits[split..].bytes().all(|b| b == b'0') {
            return None;
        }
        digits[..split].to_string()
    } else {
        let zeros = usize::try_from(-scale).ok()?;
        if digits.bytes().all(|b| b == b'0') {
            "0".to_string()
        } else if zeros > 20 {
            return None;
        } else {
            format!("{digits}{}", "0".repeat(zeros))
        }
    };
    let trimmed = integral_digits.trim_start_matches('0');
    if trimmed.len() > 19 {
        return None;
    }
    let magnitude: i128 = if trimmed.is_empty() {
        0
    } else {
        trimmed.parse().ok()?
    };
    let value = i64::try_from(if negative { -magnitude } else { magnitude }).ok()?;
    Some(if let Ok(v) = i8::try_from(value) {
        (Schema::int8(), Value::Int8(v))
    } else if let Ok(v) = i16::try_from(value) {
        (Schema::int16(), Value::Int16(v))
    } else if let Ok(v) = i32::try_from(value) {
        (Schema::int32(), Value::Int32(v))
    } else {
        (Schema::int64(), Value::Int64(value))
    })
}

/// Big-endian two's-complement bytes of a decimal integer (Java's
/// `BigInteger.toByteArray`).
fn twos_complement(negative: bool, digits: &str) -> Vec<u8> {
    // Little-endian base-256 magnitude.
    let mut magnitude: Vec<u8> = Vec::new();
    for d in digits.bytes().map(|b| u32::from(b - b'0')) {
        let mut carry = d;
        for byte in magnitude.iter_mut() {
            let v = u32::from(*byte) * 10 + carry;
            *byte = v as u8;
            carry = v >> 8;
        }
        while carry > 0 {
            magnitude.push(carry as u8);
            carry >>= 8;
        }
    }
    magnitude.push(0); // room for the sign bit
    if negative {
        let mut carry = true;
        for byte in magnitude.iter_mut() {
            let (v, c) = (!*byte).overflowing_add(u8::from(carry));
            *byte = v;
            carry = c;
        }
    }
    magnitude.reverse();
    let filler = if negative { 0xFF } else { 0x00 };
    while magnitude.len() > 1 && magnitude[0] == filler && (magnitude[1] & 0x80 == filler & 0x80) {
        magnitude.remove(0);
    }
    magnitude
}

/// Kafka's `SchemaMerger`: the schema every value seen so far fits, if any.
#[derive(Default)]
struct SchemaMerger {
    common: Option<SchemaRef>,
    incompatible: bool,
}

impl SchemaMerger {
    fn merge(&mut self, latest: &Parsed) {
        if let Some((schema, _)) = latest {
            if self.incompatible {
                return;
            }
            self.common = match &self.common {
                None => Some(schema.clone()),
                Some(previous) => merge_schemas(previous, schema),
            };
            self.incompatible = self.common.is_none();
        }
    }
}

/// Kafka's `Values.mergeSchemas`: numeric types widen; others must be equal.
fn merge_schemas(previous: &SchemaRef, new: &SchemaRef) -> Option<SchemaRef> {
    use SchemaType::*;
    let (p, n) = (previous.schema_type, new.schema_type);
    if p != n {
        let rank = |t: SchemaType| match t {
            Int8 => Some(0),
            Int16 => Some(1),
            Int32 => Some(2),
            Int64 => Some(3),
            Float32 => Some(4),
            Float64 => Some(5),
            _ => None,
        };
        return match (rank(p), rank(n)) {
            (Some(a), Some(b)) if a > b => Some(previous.clone()),
            (Some(_), Some(_)) => Some(new.clone()),
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

/// Kafka's `Values.convertTo(schema, null, value)` for the values the parser produces.
fn convert_to(schema: &SchemaRef, value: Value) -> Result<Value, String> {
    const DAY: i64 = 86_400_000;
    if value.is_null() {
        return if schema.optional {
            Ok(Value::Null)
        } else {
            Err("Unable to convert a null value to a schema that requires a value".into())
        };
    }
    let instant = match &value {
        Value::Date(d) => Some(i64::from(logical::date_to_days(d)) * DAY),
        Value::Time(t) => Some(i64::from(logical::time_to_millis(t))),
        Value::Timestamp(t) => Some(logical::timestamp_to_millis(t)),
        _ => None,
    };
    let number = match &value {
        Value::Int8(v) => Some((i64::from(*v), f64::from(*v))),
        Value::Int16(v) => Some((i64::from(*v), f64::from(*v))),
        Value::Int32(v) => Some((i64::from(*v), f64::from(*v))),
        Value::Int64(v) => Some((*v, *v as f64)),
        Value::Float32(v) => Some((*v as i64, f64::from(*v))),
        Value::Float64(v) => Some((*v as i64, *v)),
        _ => None,
    };
    let unable = || {
        format!(
            "Unable to convert {value} ({}) to {}",
            value.kind_name(),
            schema.schema_type
        )
    };
    match schema.name.as_deref() {
        Some(logical::DATE_NAME) | Some(logical::TIME_NAME) | Some(logical::TIMESTAMP_NAME) => {
            let millis = match (instant, number, schema.name.as_deref()) {
                (Some(ms), _, _) => ms,
                (None, Some((n, _)), Some(logical::DATE_NAME)) => i64::from(n as i32) * DAY,
                (None, Some((n, _)), Some(logical::TIME_NAME)) => {
                    let n = i64::from(n as i32);
                    if !(0..=DAY).contains(&n) {
                        return Err("Time values must use number of milliseconds greater than 0 and less than 86400000".into());
                    }
                    n
                }
                (None, Some((n, _)), _) => n,
                _ => return Err(unable()),
            };
            temporal_value(schema, millis).ok_or_else(unable)
        }
        _ => match (schema.schema_type, number) {
            (SchemaType::Int8, Some((n, _))) => Ok(Value::Int8(n as i8)),
            (SchemaType::Int16, Some((n, _))) => Ok(Value::Int16(n as i16)),
            (SchemaType::Int32, Some((n, _))) => Ok(Value::Int32(n as i32)),
            (SchemaType::Int64, Some((n, _))) => Ok(Value::Int64(n)),
            (SchemaType::Float32, Some((_, d))) => Ok(Value::Float32(d as f32)),
            (SchemaType::Float64, Some((_, d))) => Ok(Value::Float64(d)),
            (
                SchemaType::Int8
                | SchemaType::Int16
                | SchemaType::Int32
                | SchemaType::Int64
                | SchemaType::Float32
                | SchemaType::Float64,
                None,
            ) => Err(unable()),
            _ => Ok(value),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use connect_api::{Headers, Record, SourceRecord};

    fn props(header: &str, literal: &str) -> Props {
        [(HEADER_FIELD, header), (VALUE_LITERAL_FIELD, literal)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn record(headers: Headers) -> SourceRecord {
        SourceRecord {
            source_partition: [("foo".to_string(), "bar".into())].into_iter().collect(),
            source_offset: [("baz".to_string(), "quxx".into())].into_iter().collect(),
            record: Record {
                topic: "topic".into(),
                kafka_partition: Some(0),
                key: Value::from("key"),
                value: Value::from("value"),
                timestamp: Some(0),
                headers,
                ..Record::default()
            },
        }
    }

    fn with_string(mut h: Headers, key: &str, value: &str) -> Headers {
        h.add(key, Some(Schema::string()), Value::from(value));
        h
    }

    fn apply(x: &InsertHeader, r: SourceRecord) -> SourceRecord {
        let out = Transformation::<SourceRecord>::apply(x, r.clone())
            .unwrap()
            .unwrap();
        // Everything but the headers is untouched.
        let mut same = out.clone();
        same.record.headers = r.record.headers.clone();
        assert_eq!(same, r);
        out
    }

    #[test]
    fn insertion_with_existing_other_header() {
        let x = InsertHeader::configure(&props("inserted", "inserted-value")).unwrap();
        let headers = with_string(Headers::new(), "existing", "existing-value");
        let out = apply(&x, record(headers.clone()));
        assert_eq!(
            out.record.headers,
            with_string(headers, "inserted", "inserted-value")
        );
    }

    #[test]
    fn insertion_with_existing_same_header() {
        let x = InsertHeader::configure(&props("existing", "inserted-value")).unwrap();
        let headers = with_string(Headers::new(), "existing", "preexisting-value");
        let out = apply(&x, record(headers.clone()));
        assert_eq!(
            out.record.headers,
            with_string(headers, "existing", "inserted-value")
        );
    }

    #[test]
    fn insertion_with_byte_header() {
        let x = InsertHeader::configure(&props("inserted", "1")).unwrap();
        let headers = with_string(Headers::new(), "existing", "existing-value");
        let out = apply(&x, record(headers.clone()));
        let mut expected = headers;
        expected.add("inserted", Some(Schema::int8()), Value::Int8(1));
        assert_eq!(out.record.headers, expected);
    }

    #[test]
    fn config_requires_header_and_value() {
        let mut p = props("inserted", "1");
        p.remove(HEADER_FIELD);
        assert_eq!(
            InsertHeader::configure(&p).unwrap_err().message,
            "Missing required configuration \"header\" which has no default value."
        );
        let mut p = props("inserted", "1");
        p.remove(VALUE_LITERAL_FIELD);
        assert_eq!(
            InsertHeader::configure(&p).unwrap_err().message,
            "Missing required configuration \"value.literal\" which has no default value."
        );
    }

    fn parsed(s: &str) -> (Option<SchemaType>, Value) {
        let (schema, value) = parse_string(s);
        (schema.map(|s| s.schema_type), value)
    }

    fn string(s: &str) -> (Option<SchemaType>, Value) {
        (Some(SchemaType::String), Value::from(s))
    }

    #[test]
    fn parses_scalars_like_values_parse_string() {
        assert_eq!(parsed(""), string(""));
        assert_eq!(parsed("null"), (None, Value::Null));
        assert_eq!(
            parsed("true"),
            (Some(SchemaType::Boolean), Value::Boolean(true))
        );
        assert_eq!(
            parsed("false"),
            (Some(SchemaType::Boolean), Value::Boolean(false))
        );
        assert_eq!(parsed("true}"), string("true}"));
        assert_eq!(parsed("false]"), string("false]"));
        assert_eq!(parsed("null="), string("null="));
        assert_eq!(parsed("simple string"), string("simple string"));
        assert_eq!(parsed("si\\:mple"), string("si\\:mple"));
        assert_eq!(parsed("1"), (Some(SchemaType::Int8), Value::Int8(1)));
        assert_eq!(parsed("-128"), (Some(SchemaType::Int8), Value::Int8(-128)));
        assert_eq!(parsed("1.0"), (Some(SchemaType::Int8), Value::Int8(1)));
        assert_eq!(parsed("300"), (Some(SchemaType::Int16), Value::Int16(300)));
        assert_eq!(
            parsed("70000"),
            (Some(SchemaType::Int32), Value::Int32(70_000))
        );
        assert_eq!(parsed("1e3"), (Some(SchemaType::Int16), Value::Int16(1000)));
        assert_eq!(
            parsed("9223372036854775807"),
            (Some(SchemaType::Int64), Value::Int64(i64::MAX))
        );
        assert_eq!(
            parsed("1.5"),
            (Some(SchemaType::Float32), Value::Float32(1.5))
        );
        assert_eq!(
            parsed("-0.25"),
            (Some(SchemaType::Float32), Value::Float32(-0.25))
        );
        assert_eq!(
            parsed("1e-50"),
            (Some(SchemaType::Float32), Value::Float32(0.0))
        );
        assert_eq!(
            parsed("1.5e300"),
            (Some(SchemaType::Float64), Value::Float64(1.5e300))
        );
        assert_eq!(parsed("12abc"), string("12abc"));
        assert_eq!(parsed("-"), string("-"));
    }

    #[test]
    fn parses_big_integers_as_decimals() {
        let (schema, value) = parse_string("99999999999999999999");
        let schema = schema.unwrap();
        assert_eq!(schema.name.as_deref(), Some(logical::DECIMAL_NAME));
        assert_eq!(schema.parameter("scale"), Some("0"));
        assert_eq!(value.to_string(), "99999999999999999999");
        let (_, value) = parse_string("-99999999999999999999");
        assert_eq!(value.to_string(), "-99999999999999999999");
        assert_eq!(twos_complement(false, "128"), vec![0x00, 0x80]);
        assert_eq!(twos_complement(true, "128"), vec![0x80]);
        assert_eq!(twos_complement(true, "129"), vec![0xff, 0x7f]);
        assert_eq!(twos_complement(false, "0"), vec![0x00]);
        assert_eq!(twos_complement(true, "1"), vec![0xff]);
    }

    #[test]
    fn parses_temporal_literals_in_utc() {
        let (schema, value) = parse_string("2019-07-04");
        assert_eq!(schema.unwrap().name.as_deref(), Some(logical::DATE_NAME));
        assert_eq!(
            value,
            Value::Date(chrono::NaiveDate::from_ymd_opt(2019, 7, 4).unwrap())
        );
        let (schema, value) = parse_string("12:34:56.789Z");
        assert_eq!(schema.unwrap().name.as_deref(), Some(logical::TIME_NAME));
        assert_eq!(
            value,
            Value::Time(chrono::NaiveTime::from_hms_milli_opt(12, 34, 56, 789).unwrap())
        );
        let (schema, value) = parse_string("2019-07-04T12:34:56.789Z");
        assert_eq!(
            schema.unwrap().name.as_deref(),
            Some(logical::TIMESTAMP_NAME)
        );
        assert_eq!(
            value,
            Value::Timestamp(logical::timestamp_from_millis(1_562_243_696_789).unwrap())
        );
        // Escaped colons, and a ten-digit number that is not a date.
        let (schema, _) = parse_string("12\\:34\\:56.789Z");
        assert_eq!(schema.unwrap().name.as_deref(), Some(logical::TIME_NAME));
        assert_eq!(
            parsed("1234567890"),
            (Some(SchemaType::Int32), Value::Int32(1_234_567_890))
        );
    }

    #[test]
    fn parses_arrays_and_maps() {
        let (schema, value) = parse_string("[true, false]");
        let schema = schema.unwrap();
        assert_eq!(schema.schema_type, SchemaType::Array);
        assert_eq!(
            schema.value_schema.as_ref().unwrap().schema_type,
            SchemaType::Boolean
        );
        assert_eq!(
            value,
            Value::Array(vec![Value::Boolean(true), Value::Boolean(false)])
        );

        // Numbers widen to a common type.
        let (schema, value) = parse_string("[1, 300, 2]");
        assert_eq!(
            schema.unwrap().value_schema.as_ref().unwrap().schema_type,
            SchemaType::Int16
        );
        assert_eq!(
            value,
            Value::Array(vec![Value::Int16(1), Value::Int16(300), Value::Int16(2)])
        );
        let (schema, value) = parse_string("[1, 2.5]");
        assert_eq!(
            schema.unwrap().value_schema.as_ref().unwrap().schema_type,
            SchemaType::Float32
        );
        assert_eq!(
            value,
            Value::Array(vec![Value::Float32(1.0), Value::Float32(2.5)])
        );

        // Mixed types: no element schema.
        let (schema, value) = parse_string("[1, \"a\"]");
        assert_eq!(schema.unwrap().value_schema, None);
        assert_eq!(value, Value::Array(vec![Value::Int8(1), Value::from("a")]));

        let (schema, value) = parse_string("{\"a\": 1, \"b\": 2}");
        let schema = schema.unwrap();
        assert_eq!(
            schema.key_schema.as_ref().unwrap().schema_type,
            SchemaType::String
        );
        assert_eq!(
            schema.value_schema.as_ref().unwrap().schema_type,
            SchemaType::Int8
        );
        assert_eq!(
            value,
            Value::Map(vec![
                (Value::from("a"), Value::Int8(1)),
                (Value::from("b"), Value::Int8(2))
            ])
        );
        let (schema, value) = parse_string("{true: false, false: true}");
        assert_eq!(
            schema.unwrap().key_schema.as_ref().unwrap().schema_type,
            SchemaType::Boolean
        );
        assert_eq!(
            value,
            Value::Map(vec![
                (Value::Boolean(true), Value::Boolean(false)),
                (Value::Boolean(false), Value::Boolean(true))
            ])
        );
        let (schema, value) = parse_string("{3: null}");
        let schema = schema.unwrap();
        assert_eq!(
            schema.key_schema.as_ref().unwrap().schema_type,
            SchemaType::Int8
        );
        assert_eq!(schema.value_schema, None);
        assert_eq!(value, Value::Map(vec![(Value::Int8(3), Value::Null)]));

        let (schema, value) = parse_string("[null]");
        assert_eq!(schema.unwrap().value_schema, None);
        assert_eq!(value, Value::Array(vec![Value::Null]));
        assert_eq!(parse_string("[]").1, Value::Array(vec![]));
        assert_eq!(parse_string("{}").1, Value::Map(vec![]));
        assert_eq!(
            parse_string("[[]]").1,
            Value::Array(vec![Value::Array(vec![])])
        );
        assert_eq!(
            parse_string("{\"a\":[]}").1,
            Value::Map(vec![(Value::from("a"), Value::Array(vec![]))])
        );
    }

    #[test]
    fn malformed_arrays_and_maps_are_strings() {
        for s in [
            "{foo: 3}",
            "{3: foo}",
            "[foo]",
            "{6:9 4:20}",
            "[0 1 2]",
            "{null: 3}",
            "[1, 2, 3,,,]",
            "[1, 2",
            "{\"a\": 1",
            "[,1]",
            "[1, null]",
        ] {
            assert_eq!(parsed(s), string(s), "{s}");
        }
        // As in Kafka, a trailing comma is accepted.
        assert_eq!(parse_string("[1,]").1, Value::Array(vec![Value::Int8(1)]));
    }
}
