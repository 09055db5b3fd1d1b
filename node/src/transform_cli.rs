//! `raftconnect transform` and `raftconnect test`: run a connector config's SMT chain
//! offline, on records written as JSON lines, without a cluster or a broker.
//!
//! A record line: `{"topic": "t", "partition": 0, "offset": 5, "timestamp": 1700000000000,
//! "key": ..., "value": ..., "headers": {"h": ...}}`. A key or value written as
//! JsonConverter's envelope `{"schema": {...}, "payload": ...}` has a schema; anything else
//! is schemaless. Output records use the same shape.
//!
//! A test file is a JSON object (or an array of them):
//! `{"name": "...", "config": {...}, "input": [records], "expected": [records]}`.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use connect_api::config::properties::load_connector_config_file;
use connect_api::{Headers, Props, Record, SinkRecord, TimestampType};
use converters::{Converter, JsonConverter};
use serde_json::{json, Map, Value as Json};
use smt::TransformChain;

/// Converts between the JSON of a record line and Connect data.
struct Codec {
    with_schema: JsonConverter,
    without_schema: JsonConverter,
}

impl Codec {
    fn new() -> Result<Self, String> {
        let mut with_schema = JsonConverter::new();
        with_schema
            .configure(&Props::new(), false)
            .map_err(|e| e.to_string())?;
        let mut without_schema = JsonConverter::new();
        let props: Props = [("schemas.enable".to_string(), "false".to_string())].into();
        without_schema
            .configure(&props, false)
            .map_err(|e| e.to_string())?;
        Ok(Codec {
            with_schema,
            without_schema,
        })
    }

    fn is_envelope(v: &Json) -> bool {
        v.as_object()
            .is_some_and(|o| o.len() == 2 && o.contains_key("schema") && o.contains_key("payload"))
    }

    fn to_connect(&self, topic: &str, v: &Json) -> Result<converters::SchemaAndValue, String> {
        if v.is_null() {
            return Ok(converters::SchemaAndValue::new(
                None,
                connect_api::Value::Null,
            ));
        }
        let bytes = v.to_string().into_bytes();
        let conv = if Self::is_envelope(v) {
            &self.with_schema
        } else {
            &self.without_schema
        };
        conv.to_connect_data(topic, Some(&bytes))
            .map_err(|e| e.to_string())
    }

    fn to_json(
        &self,
        topic: &str,
        schema: Option<&connect_api::SchemaRef>,
        value: &connect_api::Value,
    ) -> Result<Json, String> {
        let conv = if schema.is_some() {
            &self.with_schema
        } else {
            &self.without_schema
        };
        match conv
            .from_connect_data(topic, schema, value)
            .map_err(|e| e.to_string())?
        {
            None => Ok(Json::Null),
            Some(bytes) => serde_json::from_slice(&bytes).map_err(|e| e.to_string()),
        }
    }

    fn record(&self, line: &Json, index: usize) -> Result<SinkRecord, String> {
        let topic = line["topic"]
            .as_str()
            .ok_or("a record needs a \"topic\" string")?
            .to_string();
        let partition = line["partition"].as_i64().unwrap_or(0) as i32;
        let offset = line["offset"].as_i64().unwrap_or(index as i64);
        let key = self.to_connect(&topic, &line["key"])?;
        let value = self.to_connect(&topic, &line["value"])?;
        let mut headers = Headers::new();
        if let Some(h) = line["headers"].as_object() {
            for (k, v) in h {
                let sv = self.to_connect(&topic, v)?;
                headers.add(k.clone(), sv.schema, sv.value);
            }
        }
        let timestamp = line["timestamp"].as_i64();
        Ok(SinkRecord {
            record: Record {
                topic: topic.clone(),
                kafka_partition: Some(partition),
                key_schema: key.schema,
                key: key.value,
                value_schema: value.schema,
                value: value.value,
                timestamp,
                headers,
            },
            kafka_offset: offset,
            timestamp_type: if timestamp.is_some() {
                TimestampType::CreateTime
            } else {
                TimestampType::NoTimestampType
            },
            original_topic: topic,
            original_kafka_partition: partition,
            original_kafka_offset: offset,
        })
    }

    fn line(&self, r: &SinkRecord) -> Result<Json, String> {
        let rec = &r.record;
        let mut headers = Map::new();
        for h in rec.headers.iter() {
            headers.insert(
                h.key.clone(),
                self.to_json(&rec.topic, h.schema.as_ref(), &h.value)?,
            );
        }
        let mut out = json!({
            "topic": rec.topic,
            "partition": r.kafka_partition(),
            "offset": r.kafka_offset,
            "key": self.to_json(&rec.topic, rec.key_schema.as_ref(), &rec.key)?,
            "value": self.to_json(&rec.topic, rec.value_schema.as_ref(), &rec.value)?,
        });
        if let Some(ts) = rec.timestamp {
            out["timestamp"] = json!(ts);
        }
        if !headers.is_empty() {
            out["headers"] = Json::Object(headers);
        }
        Ok(out)
    }
}

/// Runs `config`'s chain over `input` records, returning the output lines.
fn run_chain(config: &Props, input: &[Json]) -> Result<Vec<Json>, String> {
    let chain = TransformChain::<SinkRecord>::from_config(config).map_err(|e| e.to_string())?;
    let codec = Codec::new()?;
    let mut out = Vec::new();
    for (i, line) in input.iter().enumerate() {
        let record = codec
            .record(line, i)
            .map_err(|e| format!("input record {}: {e}", i + 1))?;
        match chain.apply(record) {
            Ok(Some(r)) => out.push(
                codec
                    .line(&r)
                    .map_err(|e| format!("record {}: {e}", i + 1))?,
            ),
            Ok(None) => {}
            Err(e) => return Err(format!("record {}: {} ({})", i + 1, e.message, e.class)),
        }
    }
    Ok(out)
}

fn props_of(config: &Json) -> Result<Props, String> {
    let obj = config
        .get("config")
        .unwrap_or(config)
        .as_object()
        .ok_or("\"config\" must be an object")?;
    obj.iter()
        .map(|(k, v)| match v {
            Json::String(s) => Ok((k.clone(), s.clone())),
            Json::Number(_) | Json::Bool(_) => Ok((k.clone(), v.to_string())),
            _ => Err(format!("config key {k}: expected a string")),
        })
        .collect()
}

/// `raftconnect transform CONFIG [RECORDS]`: prints the transformed records.
pub fn transform(config_file: &Path, records: Option<&Path>) -> Result<(), String> {
    let config = load_connector_config_file(config_file).map_err(|e| e.to_string())?;
    let reader: Box<dyn BufRead> = match records {
        Some(p) => Box::new(std::io::BufReader::new(
            std::fs::File::open(p).map_err(|e| format!("{}: {e}", p.display()))?,
        )),
        None => Box::new(std::io::BufReader::new(std::io::stdin())),
    };
    let mut input = Vec::new();
    for (n, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| format!("reading records: {e}"))?;
        if line.trim().is_empty() {
            continue;
        }
        input.push(
            serde_json::from_str::<Json>(&line)
                .map_err(|e| format!("records line {}: not JSON: {e}", n + 1))?,
        );
    }
    let out = run_chain(&config, &input)?;
    let stdout = std::io::stdout();
    let mut w = stdout.lock();
    for line in out {
        writeln!(w, "{line}").map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// `raftconnect test FILE...`: runs declarative SMT tests; prints a diff per failure.
/// Returns (passed, failed).
pub fn run_tests(files: &[PathBuf]) -> Result<(usize, usize), String> {
    let (mut passed, mut failed) = (0, 0);
    for file in files {
        let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
        let doc: Json = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not JSON: {e}", file.display()))?;
        let cases = match doc {
            Json::Array(a) => a,
            other => vec![other],
        };
        for (i, case) in cases.iter().enumerate() {
            let name = case["name"]
                .as_str()
                .map(String::from)
                .unwrap_or_else(|| format!("{}#{}", file.display(), i + 1));
            let outcome = props_of(&case["config"]).and_then(|config| {
                let input = case["input"]
                    .as_array()
                    .ok_or("\"input\" must be an array")?;
                let expected = case["expected"]
                    .as_array()
                    .ok_or("\"expected\" must be an array")?;
                let actual = run_chain(&config, input)?;
                diff(expected, &actual)
            });
            match outcome {
                Ok(()) => {
                    passed += 1;
                    println!("ok    {name}");
                }
                Err(d) => {
                    failed += 1;
                    println!("FAIL  {name}\n{d}");
                }
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    Ok((passed, failed))
}

/// Compares records field by field; fields absent from an expected record are not
/// checked (so tests need not spell out offsets or timestamps).
fn diff(expected: &[Json], actual: &[Json]) -> Result<(), String> {
    let mut out = String::new();
    if expected.len() != actual.len() {
        out.push_str(&format!(
            "  expected {} records, got {}\n",
            expected.len(),
            actual.len()
        ));
    }
    for (i, (e, a)) in expected.iter().zip(actual).enumerate() {
        let mismatch = match (e.as_object(), a.as_object()) {
            (Some(eo), Some(ao)) => eo.iter().any(|(k, v)| ao.get(k) != Some(v)),
            _ => e != a,
        };
        if mismatch {
            out.push_str(&format!(
                "  record {}:\n  - expected {e}\n  + actual   {a}\n",
                i + 1
            ));
        }
    }
    for (i, a) in actual.iter().enumerate().skip(expected.len()) {
        out.push_str(&format!("  record {}: unexpected {a}\n", i + 1));
    }
    if out.is_empty() {
        Ok(())
    } else {
        Err(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_transforms_round_trips_records_with_and_without_schema() {
        let input = vec![
            json!({"topic": "t", "partition": 1, "offset": 7, "key": "k", "value": {"a": 1}}),
            json!({"topic": "t", "value": {"schema": {"type": "string", "optional": false}, "payload": "x"}}),
        ];
        let out = run_chain(&Props::new(), &input).unwrap();
        assert_eq!(out[0]["value"], json!({"a": 1}));
        assert_eq!(out[0]["offset"], 7);
        assert_eq!(
            out[1]["value"],
            json!({"schema": {"type": "string", "optional": false}, "payload": "x"})
        );
        assert_eq!(out[1]["offset"], 1, "offset defaults to the line index");
    }

    #[test]
    fn unknown_transform_is_an_error_naming_the_key() {
        let config: Props = [
            ("transforms".to_string(), "x".to_string()),
            (
                "transforms.x.type".to_string(),
                "com.example.Nope".to_string(),
            ),
        ]
        .into();
        let e = run_chain(&config, &[]).unwrap_err();
        assert!(e.contains("transforms.x.type"), "{e}");
    }

    #[test]
    fn diff_reports_mismatches_and_counts() {
        let e = vec![json!({"value": 1})];
        assert!(diff(&e, &[json!({"value": 1, "offset": 3})]).is_ok());
        let d = diff(&e, &[json!({"value": 2})]).unwrap_err();
        assert!(d.contains("expected") && d.contains("actual"), "{d}");
        assert!(diff(&e, &[])
            .unwrap_err()
            .contains("expected 1 records, got 0"));
    }
}
