//! Which tables and columns a connector captures: Debezium's `schema.include.list`,
//! `schema.exclude.list`, `table.include.list`, `table.exclude.list` and
//! `column.exclude.list` / `column.include.list`, each a comma-separated list of
//! regular expressions matched against the whole identifier (`schema`,
//! `schema.table`, `schema.table.column`), as Debezium's `Selectors` do.

use regex::Regex;

use crate::error::CdcError;

/// A comma-separated list of anchored regular expressions.
#[derive(Debug, Clone, Default)]
pub struct Patterns(Vec<Regex>);

impl Patterns {
    /// Parses `list` (items trimmed, empty ones dropped); an invalid regex is a config
    /// error naming `key`.
    pub fn parse(key: &str, list: &[String]) -> Result<Patterns, CdcError> {
        let mut out = Vec::new();
        for item in list.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            let re = Regex::new(&format!("^(?:{item})$")).map_err(|e| {
                CdcError::config(
                    key,
                    format!("'{item}' is not a valid regular expression: {e}"),
                )
            })?;
            out.push(re);
        }
        Ok(Patterns(out))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn matches(&self, s: &str) -> bool {
        self.0.iter().any(|re| re.is_match(s))
    }
}

/// The table and column selection of a connector.
#[derive(Debug, Clone, Default)]
pub struct TableFilter {
    pub schema_include: Patterns,
    pub schema_exclude: Patterns,
    pub table_include: Patterns,
    pub table_exclude: Patterns,
    pub column_include: Patterns,
    pub column_exclude: Patterns,
}

impl TableFilter {
    /// Whether `schema.table` is captured. Include lists win over exclude lists when
    /// both are set, as Debezium (which rejects that combination at validation).
    pub fn includes_table(&self, schema: &str, table: &str) -> bool {
        if !self.schema_include.is_empty() && !self.schema_include.matches(schema) {
            return false;
        }
        if self.schema_exclude.matches(schema) {
            return false;
        }
        let full = format!("{schema}.{table}");
        if !self.table_include.is_empty() {
            return self.table_include.matches(&full);
        }
        !self.table_exclude.matches(&full)
    }

    /// Whether column `schema.table.column` is captured. Key columns are always kept
    /// by callers (Debezium keeps primary key columns in the key regardless).
    pub fn includes_column(&self, schema: &str, table: &str, column: &str) -> bool {
        let full = format!("{schema}.{table}.{column}");
        if !self.column_include.is_empty() {
            return self.column_include.matches(&full);
        }
        !self.column_exclude.matches(&full)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn include_and_exclude_lists_are_anchored_regexes() {
        let f = TableFilter {
            table_include: Patterns::parse(
                "table.include.list",
                &list(&["public.cust.*", " inv.orders "]),
            )
            .unwrap(),
            ..TableFilter::default()
        };
        assert!(f.includes_table("public", "customers"));
        assert!(f.includes_table("inv", "orders"));
        assert!(!f.includes_table("inv", "orders2"));
        assert!(!f.includes_table("xpublic", "customers"));

        let f = TableFilter {
            schema_exclude: Patterns::parse("schema.exclude.list", &list(&["audit"])).unwrap(),
            table_exclude: Patterns::parse("table.exclude.list", &list(&["public\\.tmp_.*"]))
                .unwrap(),
            column_exclude: Patterns::parse(
                "column.exclude.list",
                &list(&["public.users.password"]),
            )
            .unwrap(),
            ..TableFilter::default()
        };
        assert!(f.includes_table("public", "users"));
        assert!(!f.includes_table("public", "tmp_1"));
        assert!(!f.includes_table("audit", "log"));
        assert!(!f.includes_column("public", "users", "password"));
        assert!(f.includes_column("public", "users", "name"));
    }

    #[test]
    fn bad_regex_names_the_key() {
        let err = Patterns::parse("table.include.list", &list(&["public.(x"])).unwrap_err();
        assert_eq!(err.key(), Some("table.include.list"));
    }
}
