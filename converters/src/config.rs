//! Parsing of converter properties the way Kafka's `ConfigDef` parses them: values are
//! trimmed, booleans are case-insensitive `true`/`false`, ints are 32-bit.

use connect_api::Props;

use crate::ConverterError;

pub(crate) fn get_bool(props: &Props, key: &str, default: bool) -> Result<bool, ConverterError> {
    match props.get(key) {
        None => Ok(default),
        Some(raw) => {
            let v = raw.trim();
            if v.eq_ignore_ascii_case("true") {
                Ok(true)
            } else if v.eq_ignore_ascii_case("false") {
                Ok(false)
            } else {
                Err(ConverterError::config(
                    key,
                    format!("\"{raw}\": Expected value to be either true or false"),
                ))
            }
        }
    }
}

pub(crate) fn get_int(props: &Props, key: &str, default: i32) -> Result<i32, ConverterError> {
    match props.get(key) {
        None => Ok(default),
        Some(raw) => raw.trim().parse::<i32>().map_err(|_| {
            ConverterError::config(key, format!("\"{raw}\": Not a number of type INT"))
        }),
    }
}

/// A string property restricted to some values, compared case-insensitively (Kafka's
/// `CaseInsensitiveValidString`); returns the canonical (upper-case) choice.
pub(crate) fn get_choice(
    props: &Props,
    key: &str,
    default: &'static str,
    choices: &[&'static str],
) -> Result<&'static str, ConverterError> {
    match props.get(key) {
        None => Ok(default),
        Some(raw) => {
            let v = raw.trim();
            choices
                .iter()
                .find(|c| c.eq_ignore_ascii_case(v))
                .copied()
                .ok_or_else(|| {
                    ConverterError::config(
                        key,
                        format!(
                            "\"{raw}\": String must be one of (case insensitive): {}",
                            choices.join(", ")
                        ),
                    )
                })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(kv: &[(&str, &str)]) -> Props {
        kv.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn booleans_ints_and_choices() {
        let p = props(&[
            ("a", " TRUE "),
            ("b", "no"),
            ("n", " 12 "),
            ("x", "1.5"),
            ("c", "numeric"),
        ]);
        assert!(get_bool(&p, "a", false).unwrap());
        assert!(get_bool(&p, "missing", true).unwrap());
        let err = get_bool(&p, "b", true).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Invalid value for configuration b: \"no\": Expected value to be either true or false"
        );
        assert_eq!(get_int(&p, "n", 0).unwrap(), 12);
        assert!(get_int(&p, "x", 0).is_err());
        assert_eq!(
            get_choice(&p, "c", "BASE64", &["BASE64", "NUMERIC"]).unwrap(),
            "NUMERIC"
        );
        assert_eq!(
            get_choice(&p, "z", "BASE64", &["BASE64", "NUMERIC"]).unwrap(),
            "BASE64"
        );
        assert!(get_choice(&p, "a", "BASE64", &["BASE64", "NUMERIC"]).is_err());
    }
}
