//! `RegexRouter`: renames the topic when `regex` matches the whole topic name (Java's
//! `Matcher.matches()`), replacing the first match with `replacement` (Java's
//! `Matcher.replaceFirst`, with its `$1`, `${name}` and `\$` syntax). A topic that does
//! not match is left as it is.
//!
//! The regex is a Java regular expression run by the `regex` crate: the common syntax is
//! the same (classes, groups, `(?<name>...)`, quantifiers, `\Q...\E`); what that crate
//! lacks (look-around, back-references, possessive quantifiers, atomic groups) is
//! rejected as an invalid regex when the transformation is configured.
//!
//! As in Kafka, an unusable replacement (`$` at the end, `$3` with two groups, an unknown
//! `${name}`) fails the first record whose topic matches, with Java's message.

use connect_api::config::{ConfigDef, ConfigKey, ConfigType, ConfigValue, Importance, Validator};
use connect_api::{ConnectRecord, Props};
use regex::Regex;

use crate::{TransformError, TransformPlugin, Transformation};

pub const CLASS: &str = "org.apache.kafka.connect.transforms.RegexRouter";

pub const OVERVIEW_DOC: &str = "Update the record topic using the configured regular expression and replacement string.<p/>Under the hood, the regex is compiled to a <code>java.util.regex.Pattern</code>. If the pattern matches the input topic, <code>java.util.regex.Matcher#replaceFirst()</code> is used with the replacement string to obtain the new topic.";

pub const REGEX: &str = "regex";
pub const REPLACEMENT: &str = "replacement";

pub fn plugins() -> Vec<TransformPlugin> {
    vec![TransformPlugin {
        class: CLASS,
        config_def,
        create_source: |p| Ok(Box::new(RegexRouter::configure(p)?)),
        create_sink: |p| Ok(Box::new(RegexRouter::configure(p)?)),
    }]
}

/// A Java regular expression in the `regex` crate's syntax: `\Q...\E` quoting becomes
/// escaped text; everything else is the same syntax.
pub(crate) fn translate_java_regex(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let Some(c) = after.chars().next() else {
            // A trailing backslash: leave it for the regex crate to reject.
            out.push('\\');
            return out;
        };
        if c == 'Q' {
            let quoted = &after[1..];
            let (text, next) = match quoted.find("\\E") {
                Some(end) => (&quoted[..end], &quoted[end + 2..]),
                None => (quoted, ""),
            };
            out.push_str(&regex::escape(text));
            rest = next;
        } else {
            out.push('\\');
            out.push(c);
            rest = &after[c.len_utf8()..];
        }
    }
    out.push_str(rest);
    out
}

/// Compiles a Java regular expression; the error text follows "Invalid regex: ".
pub(crate) fn compile_java_regex(pattern: &str) -> Result<Regex, String> {
    Regex::new(&translate_java_regex(pattern)).map_err(|e| e.to_string())
}

/// The same regular expression anchored at both ends (Java's `matches()`).
pub(crate) fn compile_java_regex_whole(pattern: &str) -> Result<Regex, String> {
    Regex::new(&format!(r"\A(?:{})\z", translate_java_regex(pattern))).map_err(|e| e.to_string())
}

/// Kafka's `RegexValidator` ("valid regex").
pub(crate) fn regex_validator() -> Validator {
    Validator::custom("valid regex", |_, value| match value {
        ConfigValue::String(s) => compile_java_regex(s)
            .map(|_| ())
            .map_err(|e| format!("Invalid regex: {e}")),
        _ => Ok(()),
    })
}

pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(REGEX, ConfigType::String)
                .validator(regex_validator())
                .importance(Importance::High)
                .doc("Regular expression to use for matching."),
        )
        .define(
            ConfigKey::new(REPLACEMENT, ConfigType::String)
                .importance(Importance::High)
                .doc("Replacement string."),
        )
}

/// A piece of a parsed replacement string.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    Group(usize),
}

/// Java's `Matcher.appendExpandedReplacement`, resolved against the pattern's groups:
/// the pieces, or the exception message Java gives when the replacement is applied.
fn parse_replacement(replacement: &str, regex: &Regex) -> Result<Vec<Piece>, String> {
    let group_count = regex.captures_len() - 1;
    let chars: Vec<char> = replacement.chars().collect();
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            '\\' => {
                let escaped = chars
                    .get(i)
                    .ok_or_else(|| "character to be escaped is missing".to_string())?;
                text.push(*escaped);
                i += 1;
            }
            '$' => {
                let next = *chars
                    .get(i)
                    .ok_or_else(|| "Illegal group reference: group index is missing".to_string())?;
                let group = if next == '{' {
                    i += 1;
                    let mut name = String::new();
                    while let Some(c) = chars.get(i).filter(|c| c.is_ascii_alphanumeric()) {
                        name.push(*c);
                        i += 1;
                    }
                    if name.is_empty() {
                        return Err("named capturing group has 0 length name".into());
                    }
                    if chars.get(i) != Some(&'}') {
                        return Err("named capturing group is missing trailing '}'".into());
                    }
                    i += 1;
                    if name.starts_with(|c: char| c.is_ascii_digit()) {
                        return Err(format!(
                            "capturing group name {{{name}}} starts with digit character"
                        ));
                    }
                    regex
                        .capture_names()
                        .position(|n| n == Some(name.as_str()))
                        .ok_or_else(|| format!("No group with name {{{name}}}"))?
                } else {
                    let mut group = next
                        .to_digit(10)
                        .ok_or_else(|| "Illegal group reference".to_string())?
                        as usize;
                    i += 1;
                    // The longest number that is still a group.
                    while let Some(d) = chars.get(i).and_then(|c| c.to_digit(10)) {
                        let longer = group * 10 + d as usize;
                        if longer > group_count {
                            break;
                        }
                        group = longer;
                        i += 1;
                    }
                    if group > group_count {
                        return Err(format!("No group {group}"));
                    }
                    group
                };
                if !text.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut text)));
                }
                pieces.push(Piece::Group(group));
            }
            c => text.push(c),
        }
    }
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    Ok(pieces)
}

#[derive(Debug, Clone)]
pub struct RegexRouter {
    whole: Regex,
    first: Regex,
    replacement: Result<Vec<Piece>, String>,
}

impl RegexRouter {
    pub fn configure(props: &Props) -> Result<Self, TransformError> {
        let err = |m: String| TransformError::new(CLASS, m);
        let config = config_def().parse(props).map_err(|e| err(e.to_string()))?;
        let pattern = config.get_string(REGEX).unwrap_or_default();
        let invalid = |e: String| {
            err(format!(
                "Invalid value {pattern} for configuration {REGEX}: Invalid regex: {e}"
            ))
        };
        let first = compile_java_regex(pattern).map_err(invalid)?;
        let whole = compile_java_regex_whole(pattern).map_err(invalid)?;
        let replacement =
            parse_replacement(config.get_string(REPLACEMENT).unwrap_or_default(), &first);
        Ok(RegexRouter {
            whole,
            first,
            replacement,
        })
    }

    /// The new topic, None when the regex does not match the whole topic.
    pub fn route(&self, topic: &str) -> Result<Option<String>, String> {
        if !self.whole.is_match(topic) {
            return Ok(None);
        }
        let pieces = self.replacement.as_ref().map_err(Clone::clone)?;
        let Some(caps) = self.first.captures(topic) else {
            return Ok(None);
        };
        let m = caps.get(0).expect("group 0 is the match");
        let mut out = String::with_capacity(topic.len());
        out.push_str(&topic[..m.start()]);
        for piece in pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Group(g) => out.push_str(caps.get(*g).map_or("", |m| m.as_str())),
            }
        }
        out.push_str(&topic[m.end()..]);
        Ok(Some(out))
    }
}

impl<R: ConnectRecord> Transformation<R> for RegexRouter {
    fn apply(&self, mut record: R) -> Result<Option<R>, TransformError> {
        let routed = self
            .route(&record.record().topic)
            .map_err(|m| TransformError::new(CLASS, m))?;
        if let Some(topic) = routed {
            record.record_mut().topic = topic;
        }
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use connect_api::{Record, SinkRecord};

    fn router(regex: &str, replacement: &str) -> RegexRouter {
        let props: Props = [(REGEX, regex), (REPLACEMENT, replacement)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        RegexRouter::configure(&props).unwrap()
    }

    /// Kafka's RegexRouterTest.apply, through a sink record.
    fn apply(regex: &str, replacement: &str, topic: &str) -> String {
        let record = SinkRecord {
            record: Record {
                topic: topic.into(),
                kafka_partition: Some(0),
                ..Record::default()
            },
            original_topic: topic.into(),
            ..SinkRecord::default()
        };
        let out = Transformation::<SinkRecord>::apply(&router(regex, replacement), record)
            .unwrap()
            .unwrap();
        assert_eq!(out.original_topic, topic);
        out.record.topic
    }

    #[test]
    fn kafka_cases() {
        assert_eq!(apply("foo", "bar", "foo"), "bar");
        assert_eq!(apply("foo", "bar", "orig"), "orig");
        assert_eq!(apply("(.*)", "$1", "orig"), "orig");
        assert_eq!(apply("(.*)", "prefix-$1", "orig"), "prefix-orig");
        assert_eq!(apply("(.*)", "$1-suffix", "orig"), "orig-suffix");
        assert_eq!(
            apply("(.*)-(\\d\\d\\d\\d\\d\\d\\d\\d)", "$1", "index-20160117"),
            "index"
        );
    }

    #[test]
    fn the_regex_must_match_the_whole_topic() {
        assert_eq!(apply("foo", "bar", "foobar"), "foobar");
        assert_eq!(apply("foo", "bar", "xfoo"), "xfoo");
        // replaceFirst after matches(): the first match, which may be shorter than the
        // topic (as in Java: "a|ab" matches "ab" whole, then replaces its first match "a").
        assert_eq!(apply("a|ab", "X", "ab"), "Xb");
        assert_eq!(apply("(.*?)", "[$1]", "abc"), "[]abc");
    }

    #[test]
    fn java_replacement_syntax() {
        assert_eq!(
            apply("(?<name>[a-z]+)-(\\d+)", "${name}_$2", "orders-42"),
            "orders_42"
        );
        assert_eq!(apply("(a)(b)", "$21", "ab"), "b1");
        assert_eq!(apply("(.*)", "\\$1 \\\\ $0", "t"), "$1 \\ t");
        assert_eq!(apply("(a)|(b)", "[$2]", "a"), "[]");
        assert_eq!(
            apply("(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)", "$10", "abcdefghij"),
            "j"
        );
        assert_eq!(apply("\\Qa.b\\E(.*)", "$1", "a.bc"), "c");
        assert_eq!(apply("\\Qa.b\\E(.*)", "$1", "axbc"), "axbc");
    }

    #[test]
    fn bad_replacements_fail_matching_records_with_javas_messages() {
        for (replacement, message) in [
            ("$", "Illegal group reference: group index is missing"),
            ("$x", "Illegal group reference"),
            ("$2", "No group 2"),
            ("${}", "named capturing group has 0 length name"),
            ("${a", "named capturing group is missing trailing '}'"),
            (
                "${1a}",
                "capturing group name {1a} starts with digit character",
            ),
            ("${nope}", "No group with name {nope}"),
            ("x\\", "character to be escaped is missing"),
        ] {
            let r = router("(.*)", replacement);
            assert_eq!(r.route("t"), Err(message.to_string()), "{replacement}");
        }
        // Not applied (no error) when the topic does not match.
        assert_eq!(router("a", "$9").route("b"), Ok(None));
    }

    #[test]
    fn chain_validation_names_the_alias_and_key() {
        let props: Props = [
            ("transforms", "route"),
            ("transforms.route.type", "RegexRouter"),
            ("transforms.route.regex", "(unclosed"),
            ("transforms.route.replacement", "$1"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let errors = crate::chain::validate(&props);
        assert!(
            errors.iter().any(|(k, m)| k == "transforms.route.regex"
                && m.starts_with(
                    "Invalid value (unclosed for configuration regex: Invalid regex: "
                )),
            "{errors:?}"
        );
    }

    #[test]
    fn config_errors() {
        let props = |regex: &str| -> Props {
            [(REGEX, regex), (REPLACEMENT, "x")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let e = RegexRouter::configure(&props("(")).unwrap_err().message;
        assert!(
            e.starts_with("Invalid value ( for configuration regex: Invalid regex: "),
            "{e}"
        );
        let missing: Props = [(REGEX.to_string(), "a".to_string())].into_iter().collect();
        assert_eq!(
            RegexRouter::configure(&missing).unwrap_err().message,
            "Missing required configuration \"replacement\" which has no default value."
        );
        let infos = config_def().validate(&props("[a"));
        assert_eq!(infos.error_count, 1);
        assert_eq!(
            config_def()
                .key(REGEX)
                .unwrap()
                .validator
                .as_ref()
                .unwrap()
                .to_string(),
            "valid regex"
        );
    }
}
