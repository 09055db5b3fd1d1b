//! A JSON tree with Jackson's semantics, as Kafka's `JsonConverter` configures Jackson:
//!
//! * reading: numbers keep their exact decimal text (`USE_BIG_DECIMAL_FOR_FLOATS` with an
//!   exact `JsonNodeFactory`), leading zeros are allowed, duplicate object keys keep the
//!   last value at the first position, content after the first root value is ignored,
//!   nesting is limited to 1000 levels;
//! * writing: compact output, Java number formatting, `NaN`/`Infinity` as strings, control
//!   characters escaped as `\u00XX` with upper-case hex, binary as padded base64.

use std::collections::HashMap;

use base64::Engine;
use bigdecimal::BigDecimal;

use connect_api::java::{self, JavaDecimal};

/// Jackson's `StreamReadConstraints` defaults.
const MAX_DEPTH: usize = 1000;
const MAX_NUMBER_LEN: usize = 1000;

/// A parsed JSON number, exact: its decimal value (Jackson's `decimalValue()`, with
/// `longValue()`, `doubleValue()` and the like) and whether it was an integer token.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct JNum {
    value: JavaDecimal,
    /// An integer token (no fraction, no exponent): Jackson's int/long/BigInteger node.
    integral: bool,
}

impl std::ops::Deref for JNum {
    type Target = JavaDecimal;

    fn deref(&self) -> &JavaDecimal {
        &self.value
    }
}

impl JNum {
    pub(crate) fn is_integral(&self) -> bool {
        self.integral
    }

    /// Jackson's `isInt()`: an integer token whose value fits in 32 bits.
    pub(crate) fn is_int(&self) -> bool {
        self.integral && self.digits.len() <= 10 && i32::try_from(self.exact_i64_small()).is_ok()
    }

    fn exact_i64_small(&self) -> i64 {
        // Only called with at most 10 digits.
        let mut v: i64 = 0;
        for b in self.digits.bytes() {
            v = v * 10 + i64::from(b - b'0');
        }
        if self.negative {
            -v
        } else {
            v
        }
    }
}

/// A parsed JSON value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum JNode {
    Null,
    Bool(bool),
    Num(JNum),
    Str(String),
    Arr(Vec<JNode>),
    Obj(Vec<(String, JNode)>),
}

impl JNode {
    /// Jackson's `JsonNodeType` name, as Kafka's messages print it.
    pub(crate) fn node_type(&self) -> &'static str {
        match self {
            JNode::Null => "NULL",
            JNode::Bool(_) => "BOOLEAN",
            JNode::Num(_) => "NUMBER",
            JNode::Str(_) => "STRING",
            JNode::Arr(_) => "ARRAY",
            JNode::Obj(_) => "OBJECT",
        }
    }

    /// `get(fieldName)` of an object node; `None` for other nodes or a missing field.
    pub(crate) fn get(&self, key: &str) -> Option<&JNode> {
        match self {
            JNode::Obj(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// Parses a whole message as Jackson's `ObjectMapper.readTree` does. `Ok(None)` is the
/// empty document (Jackson's missing node).
pub(crate) fn parse(bytes: &[u8]) -> Result<Option<JNode>, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut p = JsonParser {
        b: bytes,
        pos: 0,
        depth: 0,
    };
    p.skip_ws();
    if p.pos >= p.b.len() {
        return Ok(None);
    }
    let node = p.value()?;
    // Content after the root value is not read (FAIL_ON_TRAILING_TOKENS is off).
    Ok(Some(node))
}

struct JsonParser<'a> {
    b: &'a [u8],
    pos: usize,
    depth: usize,
}

impl JsonParser<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn err_unexpected(&self, expected: &str) -> String {
        match self.peek() {
            None => format!("Unexpected end-of-input: expected {expected}"),
            Some(c) => format!(
                "Unexpected character ('{}' (code {})): expected {expected} at position {}",
                char::from(c).escape_default(),
                c,
                self.pos
            ),
        }
    }

    fn value(&mut self) -> Result<JNode, String> {
        match self.peek() {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => self.string().map(JNode::Str),
            Some(b't') => self.literal("true", JNode::Bool(true)),
            Some(b'f') => self.literal("false", JNode::Bool(false)),
            Some(b'n') => self.literal("null", JNode::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.err_unexpected("a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')")),
        }
    }

    fn enter(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!(
                "Document nesting depth ({}) exceeds the maximum allowed ({MAX_DEPTH})",
                self.depth
            ));
        }
        Ok(())
    }

    fn literal(&mut self, word: &str, node: JNode) -> Result<JNode, String> {
        let end = self.pos + word.len();
        let ok = self.b.get(self.pos..end) == Some(word.as_bytes());
        let next_is_ident = matches!(
            self.b.get(end),
            Some(c) if c.is_ascii_alphanumeric() || *c == b'_' || *c == b'$' || *c >= 0x80
        );
        if !ok || next_is_ident {
            let token: String = self.b[self.pos..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_' || **c == b'$')
                .take(256)
                .map(|c| char::from(*c))
                .collect();
            return Err(format!(
                "Unrecognized token '{token}': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
            ));
        }
        self.pos = end;
        Ok(node)
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<JNode, String> {
        let start = self.pos;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        let int_start = self.pos;
        if self.digits() == 0 {
            return Err(self.err_unexpected("digit for a valid numeric value"));
        }
        let int_part = &self.b[int_start..self.pos];
        let mut frac_part: &[u8] = &[];
        let mut exp: i64 = 0;
        let mut integral = true;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            let frac_start = self.pos;
            if self.digits() == 0 {
                return Err(self.err_unexpected("Decimal point not followed by a digit"));
            }
            frac_part = &self.b[frac_start..self.pos];
            integral = false;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            integral = false;
            let exp_negative = match self.peek() {
                Some(b'-') => {
                    self.pos += 1;
                    true
                }
                Some(b'+') => {
                    self.pos += 1;
                    false
                }
                _ => false,
            };
            let exp_start = self.pos;
            if self.digits() == 0 {
                return Err(self.err_unexpected("Exponent indicator not followed by a digit"));
            }
            let text = std::str::from_utf8(&self.b[exp_start..self.pos]).unwrap_or("");
            exp = text
                .parse::<i64>()
                .ok()
                .filter(|e| *e <= i64::from(i32::MAX) * 2)
                .ok_or_else(|| format!("Invalid numeric value: exponent {text} out of range"))?;
            if exp_negative {
                exp = -exp;
            }
        }
        if self.pos - start > MAX_NUMBER_LEN {
            return Err(format!(
                "Number value length ({}) exceeds the maximum allowed ({MAX_NUMBER_LEN})",
                self.pos - start
            ));
        }
        if self.depth == 0 {
            // Jackson: a root-level number must be followed by white space.
            if let Some(c) = self.peek() {
                if !matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
                    return Err(format!(
                        "Unexpected character ('{}' (code {c})): Expected space separating root-level values",
                        char::from(c).escape_default()
                    ));
                }
            }
        }
        let mut digits = String::with_capacity(int_part.len() + frac_part.len());
        digits.extend(int_part.iter().map(|c| char::from(*c)));
        digits.extend(frac_part.iter().map(|c| char::from(*c)));
        let digits = digits.trim_start_matches('0').to_string();
        let scale = frac_part.len() as i64 - exp;
        if i32::try_from(scale).is_err() {
            return Err(format!("Invalid numeric value: scale {scale} out of range"));
        }
        Ok(JNode::Num(JNum {
            value: JavaDecimal {
                negative,
                digits,
                scale,
            },
            integral,
        }))
    }

    fn hex4(&mut self) -> Result<u16, String> {
        let h = self
            .b
            .get(self.pos..self.pos + 4)
            .and_then(|s| std::str::from_utf8(s).ok())
            .and_then(|s| u16::from_str_radix(s, 16).ok())
            .ok_or_else(|| self.err_unexpected("hex-digit for character escape sequence"))?;
        self.pos += 4;
        Ok(h)
    }

    fn string(&mut self) -> Result<String, String> {
        self.pos += 1; // opening quote
        let mut out: Vec<u8> = Vec::new();
        loop {
            let start = self.pos;
            while let Some(c) = self.peek() {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.extend_from_slice(&self.b[start..self.pos]);
            match self.peek() {
                None => return Err("Unexpected end-of-input in a String value".to_string()),
                Some(b'"') => {
                    self.pos += 1;
                    break;
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let Some(e) = self.peek() else {
                        return Err("Unexpected end-of-input in character escape sequence".to_string());
                    };
                    self.pos += 1;
                    let ch = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            if (0xD800..0xDC00).contains(&hi)
                                && self.b.get(self.pos..self.pos + 2) == Some(b"\\u")
                            {
                                let save = self.pos;
                                self.pos += 2;
                                let lo = self.hex4()?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    let c = 0x10000
                                        + ((u32::from(hi) - 0xD800) << 10)
                                        + (u32::from(lo) - 0xDC00);
                                    char::from_u32(c).unwrap_or('\u{FFFD}')
                                } else {
                                    self.pos = save;
                                    '\u{FFFD}'
                                }
                            } else {
                                char::from_u32(u32::from(hi)).unwrap_or('\u{FFFD}')
                            }
                        }
                        other => {
                            return Err(format!(
                                "Unrecognized character escape '{}' (code {other})",
                                char::from(other).escape_default()
                            ))
                        }
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                Some(c) => {
                    return Err(format!(
                        "Illegal unquoted character ((CTRL-CHAR, code {c})): has to be escaped using backslash to be included in string value"
                    ))
                }
            }
        }
        String::from_utf8(out).map_err(|e| format!("Invalid UTF-8 in String value: {e}"))
    }

    fn array(&mut self) -> Result<JNode, String> {
        self.enter()?;
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(JNode::Arr(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value()?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    break;
                }
                _ => return Err(self.err_unexpected("comma to separate Array entries")),
            }
        }
        self.depth -= 1;
        Ok(JNode::Arr(items))
    }

    fn object(&mut self) -> Result<JNode, String> {
        self.enter()?;
        self.pos += 1;
        let mut entries: Vec<(String, JNode)> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(JNode::Obj(entries));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.err_unexpected("double-quote to start field name"));
            }
            let key = self.string()?;
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.err_unexpected("a colon to separate field name and value"));
            }
            self.pos += 1;
            self.skip_ws();
            let value = self.value()?;
            match index.get(&key) {
                Some(i) => entries[*i].1 = value,
                None => {
                    index.insert(key.clone(), entries.len());
                    entries.push((key, value));
                }
            }
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                _ => return Err(self.err_unexpected("comma to separate Object entries")),
            }
        }
        self.depth -= 1;
        Ok(JNode::Obj(entries))
    }
}

/// A JSON value to write, with the number kinds Jackson distinguishes when writing.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Out {
    Null,
    Bool(bool),
    Int(i64),
    Float(f32),
    Double(f64),
    Decimal(BigDecimal),
    Str(String),
    Binary(Vec<u8>),
    Arr(Vec<Out>),
    Obj(Vec<(String, Out)>),
}

impl Out {
    /// Jackson's `asText()` of the node (used for map keys in object mode).
    pub(crate) fn as_text(&self) -> String {
        match self {
            Out::Null => "null".to_string(),
            Out::Bool(b) => b.to_string(),
            Out::Int(i) => i.to_string(),
            Out::Float(f) => java::float_to_string(*f),
            Out::Double(d) => java::double_to_string(*d),
            Out::Decimal(d) => java::bigdecimal_to_string(d),
            Out::Str(s) => s.clone(),
            Out::Binary(b) => base64::engine::general_purpose::STANDARD.encode(b),
            Out::Arr(_) | Out::Obj(_) => String::new(),
        }
    }

    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut Vec<u8>) {
        match self {
            Out::Null => out.extend_from_slice(b"null"),
            Out::Bool(true) => out.extend_from_slice(b"true"),
            Out::Bool(false) => out.extend_from_slice(b"false"),
            Out::Int(i) => out.extend_from_slice(i.to_string().as_bytes()),
            Out::Float(f) => {
                let s = java::float_to_string(*f);
                if f.is_finite() {
                    out.extend_from_slice(s.as_bytes());
                } else {
                    write_string(out, &s);
                }
            }
            Out::Double(d) => {
                let s = java::double_to_string(*d);
                if d.is_finite() {
                    out.extend_from_slice(s.as_bytes());
                } else {
                    write_string(out, &s);
                }
            }
            Out::Decimal(d) => out.extend_from_slice(java::bigdecimal_to_string(d).as_bytes()),
            Out::Str(s) => write_string(out, s),
            Out::Binary(b) => {
                out.push(b'"');
                out.extend_from_slice(
                    base64::engine::general_purpose::STANDARD
                        .encode(b)
                        .as_bytes(),
                );
                out.push(b'"');
            }
            Out::Arr(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    item.write(out);
                }
                out.push(b']');
            }
            Out::Obj(entries) => {
                out.push(b'{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write_string(out, k);
                    out.push(b':');
                    v.write(out);
                }
                out.push(b'}');
            }
        }
    }
}

/// Jackson's string escaping: `"` and `\` with a backslash, `\b \t \n \f \r` short forms,
/// other control characters as `\u00XX` (upper-case hex); everything else raw UTF-8.
fn write_string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &c) in bytes.iter().enumerate() {
        let esc: Option<&[u8]> = match c {
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            0x08 => Some(b"\\b"),
            0x09 => Some(b"\\t"),
            0x0A => Some(b"\\n"),
            0x0C => Some(b"\\f"),
            0x0D => Some(b"\\r"),
            0..=0x1F => None,
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        match esc {
            Some(e) => out.extend_from_slice(e),
            None => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(c >> 4)],
                HEX[usize::from(c & 0xF)],
            ]),
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Builds a JSON object whose keys may repeat: a repeated key replaces the earlier value
/// in place (Jackson's `ObjectNode.set`).
pub(crate) struct ObjectBuilder {
    entries: Vec<(String, Out)>,
    index: HashMap<String, usize>,
}

impl ObjectBuilder {
    pub(crate) fn new() -> Self {
        ObjectBuilder {
            entries: Vec::new(),
            index: HashMap::new(),
        }
    }

    pub(crate) fn set(&mut self, key: String, value: Out) {
        match self.index.get(&key) {
            Some(i) => self.entries[*i].1 = value,
            None => {
                self.index.insert(key.clone(), self.entries.len());
                self.entries.push((key, value));
            }
        }
    }

    pub(crate) fn build(self) -> Out {
        Out::Obj(self.entries)
    }
}

/// Jackson's base64 decoding of a text node (standard alphabet, padding required;
/// white space is skipped).
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    use base64::alphabet::STANDARD;
    use base64::engine::general_purpose::GeneralPurposeConfig;
    use base64::engine::{DecodePaddingMode, GeneralPurpose};
    const ENGINE: GeneralPurpose = GeneralPurpose::new(
        &STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
    );
    if text.bytes().any(|b| b <= b' ') {
        let cleaned: String = text.chars().filter(|c| *c > ' ').collect();
        ENGINE.decode(cleaned).ok()
    } else {
        ENGINE.decode(text).ok()
    }
}

#[cfg(test)]
mod tests {
    use bigdecimal::num_bigint::BigInt;

    use super::*;

    fn p(s: &str) -> JNode {
        parse(s.as_bytes()).unwrap().unwrap()
    }

    fn num(s: &str) -> JNum {
        match p(s) {
            JNode::Num(n) => n,
            other => panic!("not a number: {other:?}"),
        }
    }

    #[test]
    fn parses_documents() {
        assert_eq!(parse(b"").unwrap(), None);
        assert_eq!(parse(b"  \n ").unwrap(), None);
        assert_eq!(p("true"), JNode::Bool(true));
        assert_eq!(p(" null "), JNode::Null);
        assert_eq!(p("\"a\\u00e9\\n\\\"\""), JNode::Str("aé\n\"".into()));
        assert_eq!(p("\"\\ud83d\\ude00\""), JNode::Str("😀".into()));
        assert_eq!(p("\"\\ud83d\""), JNode::Str("\u{FFFD}".into()));
        assert_eq!(
            p(r#"{"a":1,"b":[true,null],"a":2}"#),
            JNode::Obj(vec![
                ("a".into(), JNode::Num(num("2"))),
                ("b".into(), JNode::Arr(vec![JNode::Bool(true), JNode::Null])),
            ])
        );
        // trailing content after the root value is ignored, as Jackson's readTree does
        assert_eq!(p("{} trailing"), JNode::Obj(vec![]));
        assert_eq!(p("12 34"), JNode::Num(num("12")));
        assert_eq!(
            parse("\u{feff}1".as_bytes()).unwrap().unwrap(),
            JNode::Num(num("1"))
        );
    }

    #[test]
    fn rejects_invalid_documents() {
        for bad in [
            "{",
            "[1,]",
            "{\"a\" 1}",
            "{a:1}",
            "tru",
            "truex",
            "nul",
            "1.",
            ".5",
            "+1",
            "1e",
            "-",
            "\"abc",
            "\"a\nb\"",
            "NaN",
            "'a'",
            "12}",
            "[1 2]",
            "\"\\x\"",
            "\"\\u12\"",
        ] {
            assert!(parse(bad.as_bytes()).is_err(), "{bad}");
        }
        assert!(parse(b"\"\xff\"").is_err());
        let deep = "[".repeat(1001) + &"]".repeat(1001);
        assert!(parse(deep.as_bytes())
            .unwrap_err()
            .contains("nesting depth"));
        let ok = "[".repeat(1000) + &"]".repeat(1000);
        assert!(parse(ok.as_bytes()).is_ok());
        let long = "1".repeat(1001);
        assert!(parse(long.as_bytes()).is_err());
    }

    #[test]
    fn numbers_keep_exact_values() {
        let n = num("0012");
        assert!(n.is_int() && n.is_integral());
        assert_eq!(n.low64(), 12);
        assert!(num("2147483647").is_int());
        assert!(!num("2147483648").is_int());
        assert!(num("-2147483648").is_int());
        assert!(!num("1.0").is_integral());
        assert!(!num("1e2").is_integral());
        assert_eq!(num("1e2").low64(), 100);
        assert_eq!(num("-1.9").low64(), -1);
        assert_eq!(num("123.456e1").low64(), 1234);
        assert_eq!(num("1e-400").low64(), 0);
        // BigInteger.longValue(): low 64 bits
        assert_eq!(num("18446744073709551617").low64(), 1);
        assert_eq!(num("9223372036854775808").low64(), i64::MIN);
        assert_eq!(num("1e100").low64(), 0);
        assert_eq!(num("12.34").to_f64(), 12.34);
        assert_eq!(num("12.34").to_f32(), 12.34f32);
        assert_eq!(num("-0.0").to_f64().to_bits(), 0.0f64.to_bits());
        assert_eq!(num("-1e-400").to_f64().to_bits(), (-0.0f64).to_bits());
        assert_eq!(num("1e400").to_f64(), f64::INFINITY);
        let d = num("1.5600").to_decimal();
        assert_eq!(d.as_bigint_and_exponent(), (BigInt::from(15600), 4));
        let d = num("-1e2").to_decimal();
        assert_eq!(d.as_bigint_and_exponent(), (BigInt::from(-1), -2));
        let d = num("1.23456789123456789").to_decimal();
        assert_eq!(java::bigdecimal_to_string(&d), "1.23456789123456789");
    }

    #[test]
    fn writes_like_jackson() {
        let o = Out::Obj(vec![
            ("s".into(), Out::Str("a\"b\\c\n\u{1}\u{1f}é\u{7f}".into())),
            ("f".into(), Out::Float(12.34)),
            ("d".into(), Out::Double(1e10)),
            ("n".into(), Out::Double(f64::NAN)),
            ("i".into(), Out::Float(f32::NEG_INFINITY)),
            ("b".into(), Out::Binary(b"test-string".to_vec())),
            ("x".into(), Out::Decimal("1.00".parse().unwrap())),
            (
                "a".into(),
                Out::Arr(vec![Out::Int(-1), Out::Null, Out::Bool(false)]),
            ),
        ]);
        assert_eq!(
            String::from_utf8(o.to_bytes()).unwrap(),
            "{\"s\":\"a\\\"b\\\\c\\n\\u0001\\u001Fé\u{7f}\",\"f\":12.34,\"d\":1.0E10,\"n\":\"NaN\",\"i\":\"-Infinity\",\"b\":\"dGVzdC1zdHJpbmc=\",\"x\":1.00,\"a\":[-1,null,false]}"
        );
    }

    #[test]
    fn object_builder_replaces_in_place() {
        let mut b = ObjectBuilder::new();
        b.set("a".into(), Out::Int(1));
        b.set("b".into(), Out::Int(2));
        b.set("a".into(), Out::Int(3));
        assert_eq!(b.build().to_bytes(), b"{\"a\":3,\"b\":2}");
    }

    #[test]
    fn base64_like_jackson() {
        assert_eq!(decode_base64("dGVzdC1zdHJpbmc=").unwrap(), b"test-string");
        assert_eq!(decode_base64("AJw=").unwrap(), vec![0, 0x9c]);
        assert_eq!(decode_base64("AJw=\n").unwrap(), vec![0, 0x9c]);
        assert_eq!(decode_base64("").unwrap(), Vec::<u8>::new());
        assert!(decode_base64("AJw").is_none());
        assert!(decode_base64("!!!!").is_none());
    }
}
