//! Reading connector and worker configurations as users write them: Java `.properties`
//! text (exactly as `java.util.Properties.load`) or a JSON connector config.

use std::path::{Path, PathBuf};

use crate::Props;

/// Why a properties text or file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PropertiesError {
    /// A `\u` escape not followed by four hex digits (Java's "Malformed \uxxxx
    /// encoding."); `line` is 1-based.
    #[error("Malformed \\uxxxx encoding on line {line}")]
    MalformedUnicodeEscape { line: usize },
    /// The file could not be read.
    #[error("Unable to read configuration file {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file was read but its content is invalid.
    #[error("Invalid configuration file {}: {source}", path.display())]
    File {
        path: PathBuf,
        #[source]
        source: Box<PropertiesError>,
    },
    /// A text starting with `{` is not valid JSON, or not an object.
    #[error("Invalid JSON connector configuration: {0}")]
    Json(String),
    /// A JSON connector config holds a value that is not a string.
    #[error("Invalid JSON connector configuration: the value of \"{key}\" must be a string, but it is {found}")]
    NonStringValue { key: String, found: String },
    /// `{"name":..,"config":{"name":..}}` with two different names.
    #[error("Connector name configuration in 'config' ({config_name}) doesn't match the one specified in 'name' ({name})")]
    NameMismatch { name: String, config_name: String },
}

/// Parses `.properties` text exactly as `java.util.Properties.load`:
///
/// * lines end at `\n`, `\r` or `\r\n`; blank lines and lines whose first non-blank
///   character is `#` or `!` are skipped;
/// * a line ending in an odd number of backslashes continues on the next line, whose
///   leading spaces, tabs and form feeds are dropped;
/// * the key ends at the first unescaped `=`, `:`, space, tab or form feed; blanks and at
///   most one `=` or `:` around it are skipped; the rest of the line is the value;
/// * in keys and values, `\t`, `\n`, `\r`, `\f` and `\uXXXX` are escapes, and `\x` is `x`
///   for any other character (so `\=`, `\:`, `\ ` and `\\` are literal).
///
/// Later duplicates replace earlier ones. A `\uXXXX` escape naming a lone UTF-16 surrogate
/// becomes U+FFFD (Java would keep the unpaired surrogate).
pub fn parse_properties(text: &str) -> Result<Props, PropertiesError> {
    let mut props = Props::new();
    for line in logical_lines(text) {
        let (key, value) = split_key_value(&line);
        let key = unescape(key)?;
        let value = unescape(value)?;
        props.insert(key, value);
    }
    Ok(props)
}

/// Reads and parses a `.properties` file ([`parse_properties`]). Like Kafka's
/// `Utils.loadProps` (an `InputStream`, so ISO-8859-1) it accepts Latin-1 files, but a
/// file that is valid UTF-8 is read as UTF-8.
pub fn load_properties_file(path: &Path) -> Result<Props, PropertiesError> {
    let text = read_text(path)?;
    parse_properties(&text).map_err(|e| in_file(path, e))
}

/// Parses a connector configuration in any of the forms Kafka Connect accepts (see
/// Kafka's `ConnectStandalone` and `POST /connectors`), detected by the first
/// non-blank character being `{`:
///
/// * Kafka's REST shape `{"name": "...", "config": {...}}` (top-level keys limited to
///   `name`, `config` and `initial_state`): the config, with `name` copied into it (an
///   existing, different `config.name` is an error);
/// * a JSON object of strings: the config itself;
/// * anything else: `.properties` text ([`parse_properties`]).
///
/// JSON values must be strings: `"tasks.max": 1` is rejected with an error naming the key.
pub fn parse_connector_config(text: &str) -> Result<Props, PropertiesError> {
    if !text.trim_start().starts_with('{') {
        return parse_properties(text);
    }
    let json: serde_json::Value =
        serde_json::from_str(text).map_err(|e| PropertiesError::Json(e.to_string()))?;
    let serde_json::Value::Object(top) = json else {
        return Err(PropertiesError::Json("expected a JSON object".into()));
    };
    let is_rest_shape = matches!(top.get("config"), Some(serde_json::Value::Object(_)))
        && top
            .keys()
            .all(|k| matches!(k.as_str(), "name" | "config" | "initial_state"));
    if !is_rest_shape {
        return string_map(&top, "");
    }
    let serde_json::Value::Object(config) = &top["config"] else {
        unreachable!("checked above");
    };
    let mut props = string_map(config, "config.")?;
    match top.get("name") {
        None | Some(serde_json::Value::Null) => {}
        Some(serde_json::Value::String(name)) => match props.get("name") {
            Some(config_name) if config_name != name => {
                return Err(PropertiesError::NameMismatch {
                    name: name.clone(),
                    config_name: config_name.clone(),
                });
            }
            _ => {
                props.insert("name".into(), name.clone());
            }
        },
        Some(other) => {
            return Err(PropertiesError::NonStringValue {
                key: "name".into(),
                found: describe_json(other),
            });
        }
    }
    Ok(props)
}

/// Reads and parses a connector configuration file ([`parse_connector_config`]).
pub fn load_connector_config_file(path: &Path) -> Result<Props, PropertiesError> {
    let text = read_text(path)?;
    parse_connector_config(&text).map_err(|e| in_file(path, e))
}

fn read_text(path: &Path) -> Result<String, PropertiesError> {
    let bytes = std::fs::read(path).map_err(|source| PropertiesError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => e.into_bytes().iter().map(|&b| char::from(b)).collect(),
    })
}

fn in_file(path: &Path, e: PropertiesError) -> PropertiesError {
    PropertiesError::File {
        path: path.to_path_buf(),
        source: Box::new(e),
    }
}

fn string_map(
    object: &serde_json::Map<String, serde_json::Value>,
    prefix: &str,
) -> Result<Props, PropertiesError> {
    object
        .iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => Ok((k.clone(), s.clone())),
            other => Err(PropertiesError::NonStringValue {
                key: format!("{prefix}{k}"),
                found: describe_json(other),
            }),
        })
        .collect()
}

fn describe_json(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "null".into(),
        serde_json::Value::Bool(b) => format!("a boolean ({b})"),
        serde_json::Value::Number(n) => format!("a number ({n})"),
        serde_json::Value::String(_) => "a string".into(),
        serde_json::Value::Array(_) => "an array".into(),
        serde_json::Value::Object(_) => "an object".into(),
    }
}

/// One logical line: its characters and, for each, the 1-based line it came from.
struct LogicalLine {
    chars: Vec<char>,
    lines: Vec<usize>,
}

/// Java's `Properties.LineReader`: logical lines, with comments and blank lines skipped,
/// continuations joined, the continuation backslash and following indentation dropped.
fn logical_lines(text: &str) -> Vec<LogicalLine> {
    let chars: Vec<char> = text.chars().collect();
    let mut line_of = Vec::with_capacity(chars.len());
    let mut line = 1;
    for (i, &c) in chars.iter().enumerate() {
        line_of.push(line);
        if c == '\n' || (c == '\r' && chars.get(i + 1) != Some(&'\n')) {
            line += 1;
        }
    }

    let mut out = Vec::new();
    let mut i = 0;
    loop {
        let mut buf = LogicalLine {
            chars: Vec::new(),
            lines: Vec::new(),
        };
        let mut skip_white_space = true;
        let mut is_comment_line = false;
        let mut is_new_line = true;
        let mut appended_line_begin = false;
        let mut preceding_backslash = false;
        let mut skip_lf = false;
        let done = loop {
            let Some(&c) = chars.get(i) else {
                if buf.chars.is_empty() || is_comment_line {
                    break None;
                }
                if preceding_backslash {
                    buf.chars.pop();
                    buf.lines.pop();
                }
                break Some(buf);
            };
            let line = line_of[i];
            i += 1;
            if skip_lf {
                skip_lf = false;
                if c == '\n' {
                    continue;
                }
            }
            if skip_white_space {
                if c == ' ' || c == '\t' || c == '\u{0C}' {
                    continue;
                }
                if !appended_line_begin && (c == '\r' || c == '\n') {
                    continue;
                }
                skip_white_space = false;
                appended_line_begin = false;
            }
            if is_new_line {
                is_new_line = false;
                if c == '#' || c == '!' {
                    is_comment_line = true;
                    continue;
                }
            }
            if c != '\n' && c != '\r' {
                buf.chars.push(c);
                buf.lines.push(line);
                preceding_backslash = c == '\\' && !preceding_backslash;
                continue;
            }
            // End of a natural line.
            if is_comment_line || buf.chars.is_empty() {
                is_comment_line = false;
                is_new_line = true;
                skip_white_space = true;
                buf.chars.clear();
                buf.lines.clear();
                continue;
            }
            if preceding_backslash {
                buf.chars.pop();
                buf.lines.pop();
                skip_white_space = true;
                appended_line_begin = true;
                preceding_backslash = false;
                if c == '\r' {
                    skip_lf = true;
                }
                continue;
            }
            break Some(buf);
        };
        match done {
            Some(line) => out.push(line),
            None => break,
        }
    }
    out
}

/// A slice of a logical line: characters and their line numbers.
type Part<'a> = (&'a [char], &'a [usize]);

/// Java's `Properties.load0` split of a logical line into key and value (both still
/// escaped).
fn split_key_value(line: &LogicalLine) -> (Part<'_>, Part<'_>) {
    let chars = &line.chars;
    let limit = chars.len();
    let mut key_len = 0;
    let mut value_start = limit;
    let mut has_sep = false;
    let mut preceding_backslash = false;
    while key_len < limit {
        let c = chars[key_len];
        if (c == '=' || c == ':') && !preceding_backslash {
            value_start = key_len + 1;
            has_sep = true;
            break;
        } else if (c == ' ' || c == '\t' || c == '\u{0C}') && !preceding_backslash {
            value_start = key_len + 1;
            break;
        }
        preceding_backslash = c == '\\' && !preceding_backslash;
        key_len += 1;
    }
    while value_start < limit {
        let c = chars[value_start];
        if c != ' ' && c != '\t' && c != '\u{0C}' {
            if !has_sep && (c == '=' || c == ':') {
                has_sep = true;
            } else {
                break;
            }
        }
        value_start += 1;
    }
    (
        (&chars[..key_len], &line.lines[..key_len]),
        (&chars[value_start..], &line.lines[value_start..]),
    )
}

/// Java's `Properties.loadConvert`: resolves escapes.
fn unescape((chars, lines): Part<'_>) -> Result<String, PropertiesError> {
    let mut out = String::with_capacity(chars.len());
    let mut high_surrogate: Option<u16> = None;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if c != '\\' {
            flush_surrogate(&mut out, &mut high_surrogate);
            out.push(c);
            continue;
        }
        let Some(&escaped) = chars.get(i) else {
            break;
        };
        i += 1;
        if escaped != 'u' {
            flush_surrogate(&mut out, &mut high_surrogate);
            out.push(match escaped {
                't' => '\t',
                'r' => '\r',
                'n' => '\n',
                'f' => '\u{0C}',
                other => other,
            });
            continue;
        }
        let malformed = || PropertiesError::MalformedUnicodeEscape { line: lines[i - 2] };
        let hex = chars.get(i..i + 4).ok_or_else(malformed)?;
        let mut unit: u16 = 0;
        for h in hex {
            let digit = h
                .to_digit(16)
                .filter(|_| h.is_ascii_hexdigit())
                .ok_or_else(malformed)?;
            unit = (unit << 4) | digit as u16;
        }
        i += 4;
        push_utf16(&mut out, &mut high_surrogate, unit);
    }
    flush_surrogate(&mut out, &mut high_surrogate);
    Ok(out)
}

/// Emits an unpaired high surrogate as U+FFFD.
fn flush_surrogate(out: &mut String, high: &mut Option<u16>) {
    if high.take().is_some() {
        out.push(char::REPLACEMENT_CHARACTER);
    }
}

/// Appends one UTF-16 code unit from a `\uXXXX` escape, pairing surrogates.
fn push_utf16(out: &mut String, high: &mut Option<u16>, unit: u16) {
    match unit {
        0xD800..=0xDBFF => {
            flush_surrogate(out, high);
            *high = Some(unit);
        }
        0xDC00..=0xDFFF => match high.take() {
            Some(h) => {
                let code = 0x10000 + ((u32::from(h) - 0xD800) << 10) + (u32::from(unit) - 0xDC00);
                out.push(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
            }
            None => out.push(char::REPLACEMENT_CHARACTER),
        },
        _ => {
            flush_surrogate(out, high);
            out.push(char::from_u32(u32::from(unit)).unwrap_or(char::REPLACEMENT_CHARACTER));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> Props {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn parse(text: &str) -> Props {
        parse_properties(text).unwrap()
    }

    #[test]
    fn separators() {
        assert_eq!(
            parse("a=1\nb:2\nc 3\nd\t4\ne = 5\nf : 6\ng   =   7\nh  8\ni\u{0C}9\n"),
            props(&[
                ("a", "1"),
                ("b", "2"),
                ("c", "3"),
                ("d", "4"),
                ("e", "5"),
                ("f", "6"),
                ("g", "7"),
                ("h", "8"),
                ("i", "9")
            ])
        );
        // Only one '=' or ':' after whitespace is a separator; the next is part of the value.
        assert_eq!(parse("a = = b"), props(&[("a", "= b")]));
        assert_eq!(parse("a==b"), props(&[("a", "=b")]));
        assert_eq!(parse("a : :b"), props(&[("a", ":b")]));
        assert_eq!(parse("a b=c"), props(&[("a", "b=c")]));
        // A key alone has an empty value; trailing whitespace of values is kept.
        assert_eq!(
            parse("lonely\nempty=\nspaced=  v  "),
            props(&[("lonely", ""), ("empty", ""), ("spaced", "v  ")])
        );
        assert_eq!(parse("=novalue"), props(&[("", "novalue")]));
        assert_eq!(
            parse("url=http://host:8083/path?q=1"),
            props(&[("url", "http://host:8083/path?q=1")])
        );
    }

    #[test]
    fn comments_and_blank_lines() {
        let text = "# comment\n! also a comment\n   # indented comment\n\n   \n\t\na=1\n#b=2\nc=3 # not a comment\n";
        assert_eq!(
            parse(text),
            props(&[("a", "1"), ("c", "3 # not a comment")])
        );
        // A comment line is never continued.
        assert_eq!(parse("# comment \\\nb=2"), props(&[("b", "2")]));
        assert_eq!(parse("#only a comment"), Props::new());
        assert_eq!(parse(""), Props::new());
    }

    #[test]
    fn line_endings() {
        assert_eq!(
            parse("a=1\r\nb=2\rc=3\n"),
            props(&[("a", "1"), ("b", "2"), ("c", "3")])
        );
        assert_eq!(parse("a=1"), props(&[("a", "1")]));
    }

    #[test]
    fn continuation_lines() {
        assert_eq!(
            parse("fruits = apple, banana, \\\n         pear, \\\n   cantaloupe\nnext=x"),
            props(&[("fruits", "apple, banana, pear, cantaloupe"), ("next", "x")])
        );
        assert_eq!(parse("a=b\\\r\n   c"), props(&[("a", "bc")]));
        assert_eq!(parse("a=b\\\r   c"), props(&[("a", "bc")]));
        // An even number of backslashes does not continue.
        assert_eq!(parse("a=b\\\\\nc=d"), props(&[("a", "b\\"), ("c", "d")]));
        // Three backslashes: one escaped backslash, then a continuation.
        assert_eq!(parse("a=b\\\\\\\nc"), props(&[("a", "b\\c")]));
        // '#' at the start of a continuation line is not a comment.
        assert_eq!(parse("a=1\\\n  #2"), props(&[("a", "1#2")]));
        // An empty continuation line ends the logical line.
        assert_eq!(parse("a=1\\\n\n  b=2"), props(&[("a", "1"), ("b", "2")]));
        // A backslash at the very end is dropped.
        assert_eq!(parse("a=1\\"), props(&[("a", "1")]));
        // The key itself may continue.
        assert_eq!(parse("long\\\n   key=v"), props(&[("longkey", "v")]));
    }

    #[test]
    fn escapes() {
        assert_eq!(
            parse(r"a=tab\there\nnew\rret\fff\\back\q\"),
            props(&[("a", "tab\there\nnew\rret\u{0C}ff\\backq")])
        );
        assert_eq!(parse(r"u=\u0041\u00e9\u20AC"), props(&[("u", "Aé€")]));
        assert_eq!(parse(r"pair=\uD83D\uDE00"), props(&[("pair", "\u{1F600}")]));
        assert_eq!(parse(r"lone=\uD83Dx"), props(&[("lone", "\u{FFFD}x")]));
        // Escaped separators and spaces in keys.
        assert_eq!(parse(r"a\=b\:c\ d=v"), props(&[("a=b:c d", "v")]));
        assert_eq!(parse(r"\#notcomment=1"), props(&[("#notcomment", "1")]));
        assert_eq!(
            parse("key\\ with\\ spaces value"),
            props(&[("key with spaces", "value")])
        );
        // Non-ASCII text passes through.
        assert_eq!(parse("grüße=日本"), props(&[("grüße", "日本")]));
    }

    #[test]
    fn malformed_unicode_escape_names_the_line() {
        let err = parse_properties("a=1\nb=\\u12\nc=3").unwrap_err();
        assert!(
            matches!(err, PropertiesError::MalformedUnicodeEscape { line: 2 }),
            "{err:?}"
        );
        assert_eq!(err.to_string(), "Malformed \\uxxxx encoding on line 2");
        let err = parse_properties("a=1\nb=ok\\\n  \\uZZZZ").unwrap_err();
        assert!(
            matches!(err, PropertiesError::MalformedUnicodeEscape { line: 3 }),
            "{err:?}"
        );
        let err = parse_properties("\\u00g1=x").unwrap_err();
        assert!(
            matches!(err, PropertiesError::MalformedUnicodeEscape { line: 1 }),
            "{err:?}"
        );
    }

    #[test]
    fn duplicates_keep_the_last() {
        assert_eq!(parse("a=1\na=2"), props(&[("a", "2")]));
    }

    #[test]
    fn kafka_file_source_example() {
        let text = "# Licensed to the Apache Software Foundation (ASF)\n\
                    name=local-file-source\n\
                    connector.class=FileStreamSource\n\
                    tasks.max=1\n\
                    file=test.txt\n\
                    topic=connect-test";
        assert_eq!(
            parse(text),
            props(&[
                ("name", "local-file-source"),
                ("connector.class", "FileStreamSource"),
                ("tasks.max", "1"),
                ("file", "test.txt"),
                ("topic", "connect-test")
            ])
        );
    }

    #[test]
    fn files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.properties");
        std::fs::write(&path, b"a=1\nlatin=caf\xe9\n").unwrap();
        assert_eq!(
            load_properties_file(&path).unwrap(),
            props(&[("a", "1"), ("latin", "café")])
        );
        std::fs::write(&path, "utf8=café\n").unwrap();
        assert_eq!(
            load_properties_file(&path).unwrap(),
            props(&[("utf8", "café")])
        );

        std::fs::write(&path, "bad=\\u1\n").unwrap();
        let err = load_properties_file(&path).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("c.properties") && msg.contains("Malformed"),
            "{msg}"
        );

        let missing = dir.path().join("missing.properties");
        let err = load_properties_file(&missing).unwrap_err();
        assert!(matches!(err, PropertiesError::Io { .. }));
        assert!(err.to_string().contains("missing.properties"), "{err}");

        let json = dir.path().join("c.json");
        std::fs::write(&json, r#"{"name":"n","config":{"file":"f"}}"#).unwrap();
        assert_eq!(
            load_connector_config_file(&json).unwrap(),
            props(&[("name", "n"), ("file", "f")])
        );
        let err = load_connector_config_file(&path).unwrap_err();
        assert!(err.to_string().contains("c.properties"), "{err}");
    }

    #[test]
    fn connector_config_forms() {
        assert_eq!(
            parse_connector_config("name=n\nfile=f").unwrap(),
            props(&[("name", "n"), ("file", "f")])
        );
        assert_eq!(
            parse_connector_config("  \n {\"file\": \"f\", \"tasks.max\": \"2\"}").unwrap(),
            props(&[("file", "f"), ("tasks.max", "2")])
        );
        assert_eq!(
            parse_connector_config(r#"{"name": "n", "config": {"file": "f"}}"#).unwrap(),
            props(&[("name", "n"), ("file", "f")])
        );
        assert_eq!(
            parse_connector_config(
                r#"{"name": "n", "config": {"file": "f", "name": "n"}, "initial_state": "PAUSED"}"#
            )
            .unwrap(),
            props(&[("name", "n"), ("file", "f")])
        );
        // "config" next to other keys is just a key of a flat config (and must be a string).
        let err = parse_connector_config(r#"{"config": {"a": "b"}, "other": "x"}"#).unwrap_err();
        assert!(
            matches!(err, PropertiesError::NonStringValue { ref key, .. } if key == "config"),
            "{err:?}"
        );
    }

    #[test]
    fn connector_config_errors() {
        let err = parse_connector_config(r#"{"file": "f", "tasks.max": 1}"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Invalid JSON connector configuration: the value of \"tasks.max\" must be a string, but it is a number (1)"
        );
        let err =
            parse_connector_config(r#"{"name": "n", "config": {"enabled": true}}"#).unwrap_err();
        assert!(
            err.to_string().contains("\"config.enabled\"")
                && err.to_string().contains("a boolean (true)"),
            "{err}"
        );
        let err = parse_connector_config(r#"{"a": null}"#).unwrap_err();
        assert!(err.to_string().contains("but it is null"), "{err}");
        let err = parse_connector_config(r#"{"name": 5, "config": {}}"#).unwrap_err();
        assert!(
            matches!(err, PropertiesError::NonStringValue { ref key, .. } if key == "name"),
            "{err:?}"
        );
        let err = parse_connector_config(r#"{"name": "a", "config": {"name": "b"}}"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Connector name configuration in 'config' (b) doesn't match the one specified in 'name' (a)"
        );
        let err = parse_connector_config(r#"{"file": "f""#).unwrap_err();
        assert!(matches!(err, PropertiesError::Json(_)), "{err:?}");
    }
}
