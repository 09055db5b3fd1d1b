//! Joda-Time `DateTimeFormat` patterns, as users write them in `path.format`
//! (`'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH`): the subset that makes sense in a path.
//!
//! Joda's rules, which differ from Java's `SimpleDateFormat` and from chrono's: `Y` is
//! the year of era (not a week year), `x` the ISO week year, `yy`/`YY`/`xx` two digits,
//! `M` with 3+ letters is text; letters repeat to set the zero-padded width; text in
//! single quotes is literal (`''` is a quote); any other non-letter is literal. Text
//! fields are English whatever `locale` says.

use chrono::{DateTime, Datelike, FixedOffset, Timelike};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(String),
    /// A pattern letter and how many times it repeats.
    Field(char, usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JodaPattern {
    tokens: Vec<Token>,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Letters we format; Joda's others (era, century, zone names) are refused.
const SUPPORTED: &str = "YyxwMdDeEaKhHkmsSZ";

impl JodaPattern {
    pub fn parse(pattern: &str) -> Result<JodaPattern, String> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut tokens = Vec::new();
        let mut literal = String::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c == '\'' {
                // '' is a quote; otherwise read up to the closing quote.
                if chars.get(i + 1) == Some(&'\'') {
                    literal.push('\'');
                    i += 2;
                    continue;
                }
                let mut j = i + 1;
                loop {
                    match chars.get(j) {
                        None => return Err(format!("unterminated quote in '{pattern}'")),
                        Some('\'') if chars.get(j + 1) == Some(&'\'') => {
                            literal.push('\'');
                            j += 2;
                        }
                        Some('\'') => break,
                        Some(ch) => {
                            literal.push(*ch);
                            j += 1;
                        }
                    }
                }
                i = j + 1;
            } else if c.is_ascii_alphabetic() {
                if !SUPPORTED.contains(c) {
                    return Err(format!(
                        "pattern letter '{c}' in '{pattern}' is not supported (supported: {SUPPORTED}; quote literal text with ')"
                    ));
                }
                let mut n = 1;
                while chars.get(i + n) == Some(&c) {
                    n += 1;
                }
                if !literal.is_empty() {
                    tokens.push(Token::Literal(std::mem::take(&mut literal)));
                }
                tokens.push(Token::Field(c, n));
                i += n;
            } else {
                literal.push(c);
                i += 1;
            }
        }
        if !literal.is_empty() {
            tokens.push(Token::Literal(literal));
        }
        Ok(JodaPattern { tokens })
    }

    pub fn format(&self, t: &DateTime<FixedOffset>) -> String {
        let mut out = String::new();
        for token in &self.tokens {
            match token {
                Token::Literal(s) => out.push_str(s),
                Token::Field(c, n) => format_field(&mut out, *c, *n, t),
            }
        }
        out
    }
}

fn pad(out: &mut String, value: i64, width: usize) {
    if value < 0 {
        out.push_str(&format!("-{:0width$}", -value, width = width));
    } else {
        out.push_str(&format!("{value:0width$}"));
    }
}

fn format_field(out: &mut String, c: char, n: usize, t: &DateTime<FixedOffset>) {
    match c {
        'Y' | 'y' | 'x' => {
            let year = if c == 'x' {
                t.iso_week().year()
            } else {
                t.year()
            } as i64;
            if n == 2 {
                pad(out, year.rem_euclid(100), 2);
            } else {
                pad(out, year, n);
            }
        }
        'w' => pad(out, t.iso_week().week() as i64, n),
        'M' if n >= 4 => out.push_str(MONTHS[t.month0() as usize]),
        'M' if n == 3 => out.push_str(&MONTHS[t.month0() as usize][..3]),
        'M' => pad(out, t.month() as i64, n),
        'd' => pad(out, t.day() as i64, n),
        'D' => pad(out, t.ordinal() as i64, n),
        'e' => pad(out, t.weekday().number_from_monday() as i64, n),
        'E' => {
            let day = DAYS[t.weekday().num_days_from_monday() as usize];
            out.push_str(if n >= 4 { day } else { &day[..3] });
        }
        'a' => out.push_str(if t.hour() < 12 { "AM" } else { "PM" }),
        'K' => pad(out, (t.hour() % 12) as i64, n),
        'h' => {
            let h = t.hour() % 12;
            pad(out, if h == 0 { 12 } else { h as i64 }, n)
        }
        'H' => pad(out, t.hour() as i64, n),
        'k' => pad(out, if t.hour() == 0 { 24 } else { t.hour() as i64 }, n),
        'm' => pad(out, t.minute() as i64, n),
        's' => pad(out, t.second() as i64, n),
        'S' => {
            // A fraction of the second, truncated to n digits.
            let millis = format!("{:03}", t.timestamp_subsec_millis());
            let digits: String = millis
                .chars()
                .chain(std::iter::repeat('0'))
                .take(n)
                .collect();
            out.push_str(&digits);
        }
        'Z' => {
            let secs = t.offset().local_minus_utc();
            let sign = if secs < 0 { '-' } else { '+' };
            let (h, m) = (secs.abs() / 3600, secs.abs() % 3600 / 60);
            if n == 1 {
                out.push_str(&format!("{sign}{h:02}{m:02}"));
            } else {
                out.push_str(&format!("{sign}{h:02}:{m:02}"));
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<FixedOffset> {
        FixedOffset::east_opt(0)
            .unwrap()
            .with_ymd_and_hms(y, mo, d, h, mi, s)
            .unwrap()
    }

    #[test]
    fn hive_style_paths() {
        let p = JodaPattern::parse("'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH").unwrap();
        assert_eq!(
            p.format(&at(2024, 3, 5, 7, 0, 0)),
            "year=2024/month=03/day=05/hour=07"
        );
        let p = JodaPattern::parse("YYYY-MM-dd/HH-mm-ss").unwrap();
        assert_eq!(
            p.format(&at(2024, 12, 31, 23, 59, 58)),
            "2024-12-31/23-59-58"
        );
        let p = JodaPattern::parse("'dt'=yyyyMMdd").unwrap();
        assert_eq!(p.format(&at(2024, 1, 2, 0, 0, 0)), "dt=20240102");
    }

    #[test]
    fn joda_specifics() {
        // Two-digit years, text months and days, quotes inside quotes, ISO weeks.
        let t = at(2021, 1, 3, 0, 30, 0); // a Sunday in ISO week 53 of 2020
        assert_eq!(JodaPattern::parse("yy").unwrap().format(&t), "21");
        assert_eq!(
            JodaPattern::parse("MMM MMMM").unwrap().format(&t),
            "Jan January"
        );
        assert_eq!(
            JodaPattern::parse("EEE EEEE e").unwrap().format(&t),
            "Sun Sunday 7"
        );
        assert_eq!(
            JodaPattern::parse("xxxx-'W'ww").unwrap().format(&t),
            "2020-W53"
        );
        assert_eq!(
            JodaPattern::parse("'it''s' D").unwrap().format(&t),
            "it's 3"
        );
        assert_eq!(
            JodaPattern::parse("hh a kk KK").unwrap().format(&t),
            "12 AM 24 00"
        );
        let offset = FixedOffset::east_opt(-5 * 3600).unwrap();
        assert_eq!(
            JodaPattern::parse("Z ZZ")
                .unwrap()
                .format(&t.with_timezone(&offset)),
            "-0500 -05:00"
        );
    }

    #[test]
    fn unsupported_letters_and_open_quotes_are_errors() {
        assert!(JodaPattern::parse("G").unwrap_err().contains("'G'"));
        assert!(JodaPattern::parse("'year=YYYY")
            .unwrap_err()
            .contains("unterminated"));
        assert!(JodaPattern::parse("year=YYYY").unwrap_err().contains("'r'"));
    }
}
