//! `db.timezone`: the zone in which the database keeps timestamps without time zone
//! (PostgreSQL `timestamp`, MySQL `DATETIME`). The source reads such a column's wall
//! clock in this zone; the sink writes timestamps as this zone's wall clock.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use connect_api::config::{ConfigKey, ConfigType, Importance, ParsedConfig, Validator};
use connect_api::ConnectError;

/// An IANA zone (`Europe/Berlin`, `UTC`) or a fixed offset (`+02:00`, `UTC-05:30`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbZone {
    Named(Tz),
    Fixed(FixedOffset),
}

impl Default for DbZone {
    fn default() -> Self {
        DbZone::Fixed(Utc.fix())
    }
}

/// A `db.timezone` value that names no zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownZone(pub String);

impl fmt::Display for UnknownZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "'{}' is not a time zone: expected an IANA name such as Europe/Berlin or UTC, or an offset such as +02:00",
            self.0
        )
    }
}

impl FromStr for DbZone {
    type Err = UnknownZone;

    fn from_str(text: &str) -> Result<DbZone, UnknownZone> {
        let text = text.trim();
        if let Ok(tz) = Tz::from_str(text) {
            return Ok(DbZone::Named(tz));
        }
        // Java's custom IDs: `+02:00`, `UTC+02:00`, `GMT-5`, `+0530`.
        let offset = ["UTC", "GMT"]
            .iter()
            .find_map(|p| text.strip_prefix(p))
            .unwrap_or(text);
        parse_offset(offset)
            .map(DbZone::Fixed)
            .ok_or_else(|| UnknownZone(text.to_string()))
    }
}

/// `+hh`, `+hh:mm` or `+hhmm` (or `-`), within ±18 hours as Java allows.
fn parse_offset(text: &str) -> Option<FixedOffset> {
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let (hours, minutes) = match rest.split_once(':') {
        Some((h, m)) => (h, m),
        None if rest.len() == 4 => rest.split_at(2),
        None => (rest, "0"),
    };
    let all_digits =
        |s: &str| !s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(hours) || !all_digits(minutes) {
        return None;
    }
    let (hours, minutes): (i32, i32) = (hours.parse().ok()?, minutes.parse().ok()?);
    if hours > 18 || minutes > 59 || (hours == 18 && minutes > 0) {
        return None;
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

impl DbZone {
    pub fn is_utc(&self) -> bool {
        match self {
            DbZone::Named(tz) => *tz == Tz::UTC || *tz == Tz::Etc__UTC,
            DbZone::Fixed(offset) => offset.local_minus_utc() == 0,
        }
    }

    /// The instant a wall-clock time of this zone stands for. A time skipped by a
    /// daylight-saving change is read with the offset in force before it (it lands
    /// after the change, as Java's lenient calendars do); a repeated one is the
    /// earlier of the two instants.
    pub fn to_utc(&self, local: NaiveDateTime) -> DateTime<Utc> {
        match self {
            DbZone::Named(tz) => resolve(tz, local),
            DbZone::Fixed(offset) => resolve(offset, local),
        }
    }

    /// This zone's wall-clock time at `instant`.
    pub fn to_local(&self, instant: DateTime<Utc>) -> NaiveDateTime {
        match self {
            DbZone::Named(tz) => instant.with_timezone(tz).naive_local(),
            DbZone::Fixed(offset) => instant.with_timezone(offset).naive_local(),
        }
    }

    /// The zone as PostgreSQL's `TimeZone` setting takes it. A bare `+02:00` there
    /// is a POSIX zone, whose sign is reversed (west positive): the offset goes in
    /// the POSIX form `<+02:00>-02:00`, whose meaning cannot be mistaken.
    pub fn postgres_setting(&self) -> String {
        match self {
            DbZone::Named(tz) => tz.name().to_string(),
            DbZone::Fixed(offset) if offset.local_minus_utc() == 0 => "UTC".to_string(),
            DbZone::Fixed(offset) => {
                let east = offset.local_minus_utc();
                let (sign, posix_sign, abs) = if east < 0 {
                    ('-', '+', -east)
                } else {
                    ('+', '-', east)
                };
                let (h, m) = (abs / 3600, abs % 3600 / 60);
                format!("<{sign}{h:02}{m:02}>{posix_sign}{h:02}:{m:02}")
            }
        }
    }
}

fn resolve<Z: TimeZone>(zone: &Z, local: NaiveDateTime) -> DateTime<Utc> {
    match zone.from_local_datetime(&local).earliest() {
        Some(t) => t.with_timezone(&Utc),
        // In a gap: use the offset in force before it (a day earlier: zones do not
        // change offsets twice within a day).
        None => {
            let before = local - chrono::Duration::days(1);
            let offset = zone.offset_from_utc_datetime(&before).fix();
            (local - chrono::Duration::seconds(i64::from(offset.local_minus_utc()))).and_utc()
        }
    }
}

pub const DB_TIMEZONE_CONFIG: &str = "db.timezone";

/// The `db.timezone` key both connectors define (Confluent's default: UTC).
pub(crate) fn config_key(doc: &str) -> ConfigKey {
    ConfigKey::new(DB_TIMEZONE_CONFIG, ConfigType::String)
        .default_value("UTC")
        .validator(Validator::custom(
            "an IANA time zone name (e.g. Europe/Berlin) or an offset (e.g. +02:00)",
            |_, value| match value.as_str() {
                Some(text) => text
                    .parse::<DbZone>()
                    .map(|_| ())
                    .map_err(|e| e.to_string()),
                None => Ok(()),
            },
        ))
        .importance(Importance::Medium)
        .doc(doc)
}

/// The zone a parsed config names (UTC when unset; the validator has vetted it).
pub(crate) fn from_config(parsed: &ParsedConfig) -> Result<DbZone, ConnectError> {
    let text = parsed.get_string(DB_TIMEZONE_CONFIG).unwrap_or("UTC");
    text.parse()
        .map_err(|e: UnknownZone| ConnectError::config(DB_TIMEZONE_CONFIG, e.to_string()))
}

impl fmt::Display for DbZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DbZone::Named(tz) => f.write_str(tz.name()),
            DbZone::Fixed(offset) => write!(f, "{offset}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .and_then(|d| d.and_hms_opt(h, mi, 0))
            .unwrap_or_default()
    }

    #[test]
    fn names_and_offsets_parse() {
        assert!(matches!(
            "Europe/Berlin".parse(),
            Ok(DbZone::Named(Tz::Europe__Berlin))
        ));
        assert!("UTC".parse::<DbZone>().is_ok_and(|z| z.is_utc()));
        for (text, secs) in [
            ("+02:00", 7200),
            ("-05:30", -19800),
            ("UTC+2", 7200),
            ("GMT-0100", -3600),
        ] {
            let zone: Result<DbZone, _> = text.parse();
            assert_eq!(
                zone,
                Ok(DbZone::Fixed(
                    FixedOffset::east_opt(secs).unwrap_or(Utc.fix())
                )),
                "{text}"
            );
        }
        for bad in ["Mars/Olympus", "+25:00", "2", "+1:2:3", ""] {
            assert!(bad.parse::<DbZone>().is_err(), "{bad}");
        }
    }

    #[test]
    fn wall_clocks_convert_both_ways() {
        let berlin = DbZone::Named(Tz::Europe__Berlin);
        // Winter (+01:00) and summer (+02:00).
        assert_eq!(
            berlin.to_utc(at(2024, 1, 15, 12, 0)).naive_utc(),
            at(2024, 1, 15, 11, 0)
        );
        assert_eq!(
            berlin.to_utc(at(2024, 7, 15, 12, 0)).naive_utc(),
            at(2024, 7, 15, 10, 0)
        );
        assert_eq!(
            berlin.to_local(at(2024, 7, 15, 10, 0).and_utc()),
            at(2024, 7, 15, 12, 0)
        );
        // 02:30 on 31 March 2024 does not exist in Berlin: read with +01:00.
        assert_eq!(
            berlin.to_utc(at(2024, 3, 31, 2, 30)).naive_utc(),
            at(2024, 3, 31, 1, 30)
        );
        // 02:30 on 27 October 2024 happens twice: the earlier (+02:00) wins.
        assert_eq!(
            berlin.to_utc(at(2024, 10, 27, 2, 30)).naive_utc(),
            at(2024, 10, 27, 0, 30)
        );
        let minus = "-05:30".parse::<DbZone>().unwrap_or_default();
        assert_eq!(
            minus.to_utc(at(2024, 1, 1, 0, 0)).naive_utc(),
            at(2024, 1, 1, 5, 30)
        );
    }

    #[test]
    fn postgres_gets_unambiguous_settings() {
        assert_eq!(
            DbZone::Named(Tz::Europe__Berlin).postgres_setting(),
            "Europe/Berlin"
        );
        let plus = "+02:00".parse::<DbZone>().unwrap_or_default();
        assert_eq!(plus.postgres_setting(), "<+0200>-02:00");
        let minus = "-05:30".parse::<DbZone>().unwrap_or_default();
        assert_eq!(minus.postgres_setting(), "<-0530>+05:30");
        assert_eq!(DbZone::default().postgres_setting(), "UTC");
    }
}
