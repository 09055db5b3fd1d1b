//! `java.text.SimpleDateFormat` patterns, as Kafka's `TimestampConverter` (`format`) and
//! `TimestampRouter` (`timestamp.format`) use them: the pattern a user copies from a Kafka
//! config works unchanged.
//!
//! A pattern is compiled once ([`SimpleDateFormat::new`], with Java's
//! `IllegalArgumentException` messages) and then formats or parses instants given as
//! milliseconds since the epoch (Java's `java.util.Date`), or as chrono
//! `DateTime<Utc>`. As Kafka sets it, the time zone is always UTC; the locale is English
//! (`en_US`, what a default JVM uses: week starts on Sunday, week 1 contains January 1).
//!
//! Formatting and parsing are SimpleDateFormat's own rather than chrono's strftime, since
//! their meanings differ: `S` is a count of milliseconds (`SSS` pads to 3 digits, `S`
//! does not), `yy` is a two-digit year placed in the century around now when parsed, and
//! parsing is lenient (`2017-13-01` is January 2018, `25:00` the next day, `ss.SSSSSS`
//! reads `01.123456` as 123456 ms), ignores text after the pattern, skips spaces before a
//! field, and reads abutting numbers (`yyyyMMdd`) by their letter counts.
//!
//! Every letter of SimpleDateFormat is supported: `G y Y M L w W D d F E u a H k K h m s S
//! z Z X`, `'quoted text'` and `''`. Known differences from Java:
//! * The calendar is proleptic Gregorian: Java switches to the Julian calendar before
//!   1582-10-15, so instants before then format and parse differently.
//! * Zone names (`z`, and `z`/`Z` when parsing) are UTC's (`UTC`, `Coordinated Universal
//!   Time`); parsing accepts `GMT`, `GMT+hh:mm`, `+hhmm` and a table of common
//!   abbreviations and names (UTC, GMT, UT, the US zones EST/EDT ... HST, and
//!   WET/CET/EET and their summer names, JST, IST as India), each as a fixed offset,
//!   rather than every zone of the tz database.

use chrono::{DateTime, Utc};

const MILLIS_PER_DAY: i64 = 86_400_000;

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
const SHORT_MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
/// Sunday first, as Java's `Calendar.DAY_OF_WEEK` (1 = Sunday).
const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const SHORT_WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const AM_PM: [&str; 2] = ["AM", "PM"];
const ERAS: [&str; 2] = ["BC", "AD"];

/// Zone names accepted when parsing, with their offsets in minutes.
const ZONE_NAMES: &[(&str, i64)] = &[
    ("UTC", 0),
    ("Coordinated Universal Time", 0),
    ("UT", 0),
    ("GMT", 0),
    ("Greenwich Mean Time", 0),
    ("Z", 0),
    ("EST", -300),
    ("Eastern Standard Time", -300),
    ("EDT", -240),
    ("Eastern Daylight Time", -240),
    ("CST", -360),
    ("Central Standard Time", -360),
    ("CDT", -300),
    ("Central Daylight Time", -300),
    ("MST", -420),
    ("Mountain Standard Time", -420),
    ("MDT", -360),
    ("Mountain Daylight Time", -360),
    ("PST", -480),
    ("Pacific Standard Time", -480),
    ("PDT", -420),
    ("Pacific Daylight Time", -420),
    ("AKST", -540),
    ("AKDT", -480),
    ("HST", -600),
    ("WET", 0),
    ("WEST", 60),
    ("CET", 60),
    ("Central European Standard Time", 60),
    ("CEST", 120),
    ("Central European Summer Time", 120),
    ("EET", 120),
    ("EEST", 180),
    ("JST", 540),
    ("IST", 330),
];

/// One pattern letter (Java's `DateFormatSymbols.patternChars`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Letter {
    Era,              // G
    Year,             // y
    WeekYear,         // Y
    Month,            // M
    MonthStandalone,  // L
    WeekOfYear,       // w
    WeekOfMonth,      // W
    DayOfYear,        // D
    DayOfMonth,       // d
    DayOfWeekInMonth, // F
    DayName,          // E
    DayNumber,        // u
    AmPm,             // a
    Hour0To23,        // H
    Hour1To24,        // k
    Hour0To11,        // K
    Hour1To12,        // h
    Minute,           // m
    Second,           // s
    Millisecond,      // S
    ZoneName,         // z
    ZoneRfc822,       // Z
    ZoneIso,          // X
}

impl Letter {
    fn of(c: char) -> Option<Letter> {
        Some(match c {
            'G' => Letter::Era,
            'y' => Letter::Year,
            'Y' => Letter::WeekYear,
            'M' => Letter::Month,
            'L' => Letter::MonthStandalone,
            'w' => Letter::WeekOfYear,
            'W' => Letter::WeekOfMonth,
            'D' => Letter::DayOfYear,
            'd' => Letter::DayOfMonth,
            'F' => Letter::DayOfWeekInMonth,
            'E' => Letter::DayName,
            'u' => Letter::DayNumber,
            'a' => Letter::AmPm,
            'H' => Letter::Hour0To23,
            'k' => Letter::Hour1To24,
            'K' => Letter::Hour0To11,
            'h' => Letter::Hour1To12,
            'm' => Letter::Minute,
            's' => Letter::Second,
            'S' => Letter::Millisecond,
            'z' => Letter::ZoneName,
            'Z' => Letter::ZoneRfc822,
            'X' => Letter::ZoneIso,
            _ => return None,
        })
    }

    /// Java's `shouldObeyCount`: a field directly followed by this one reads exactly its
    /// letter count of characters (abutting numeric fields such as `yyyyMMdd`).
    fn makes_previous_obey_count(self, count: usize) -> bool {
        match self {
            Letter::Month | Letter::MonthStandalone => count <= 2,
            Letter::Era
            | Letter::DayName
            | Letter::AmPm
            | Letter::ZoneName
            | Letter::ZoneRfc822
            | Letter::ZoneIso => false,
            _ => true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Literal(Vec<char>),
    Field(Letter, usize),
}

/// The pattern could not be parsed (Java's `ParseException`: "Unparseable date: ...").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub text: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Unparseable date: \"{}\"", self.text)
    }
}

impl std::error::Error for ParseError {}

/// A compiled `java.text.SimpleDateFormat` pattern, in UTC.
#[derive(Debug, Clone)]
pub struct SimpleDateFormat {
    pattern: String,
    items: Vec<Item>,
    /// Two-digit years parse into the 100 years starting here (now minus 80 years).
    century_start_millis: i64,
    century_start_year: i64,
}

impl PartialEq for SimpleDateFormat {
    fn eq(&self, other: &Self) -> bool {
        self.pattern == other.pattern
    }
}

impl SimpleDateFormat {
    /// Compiles `pattern`; the error is Java's `IllegalArgumentException` message
    /// (`Illegal pattern character 'b'`, `Unterminated quote`).
    pub fn new(pattern: &str) -> Result<SimpleDateFormat, String> {
        let items = compile(pattern)?;
        let (century_start_millis, century_start_year) =
            century_start(Utc::now().timestamp_millis());
        Ok(SimpleDateFormat {
            pattern: pattern.to_string(),
            items,
            century_start_millis,
            century_start_year,
        })
    }

    /// The pattern as given (Java's `toPattern()`).
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// Formats milliseconds since the epoch, in UTC.
    pub fn format_millis(&self, millis: i64) -> String {
        let t = Instant::of(millis);
        let mut out = String::new();
        for item in &self.items {
            match item {
                Item::Literal(chars) => out.extend(chars.iter()),
                Item::Field(letter, count) => t.format_field(&mut out, *letter, *count),
            }
        }
        out
    }

    pub fn format(&self, ts: &DateTime<Utc>) -> String {
        self.format_millis(ts.timestamp_millis())
    }

    /// Parses `text` into milliseconds since the epoch (Java's `parse(String)`): the
    /// whole pattern must match from the start of the text; text after it is ignored.
    pub fn parse_millis(&self, text: &str) -> Result<i64, ParseError> {
        self.parse_prefix(text)
            .map(|(millis, _)| millis)
            .ok_or_else(|| ParseError {
                text: text.to_string(),
            })
    }

    pub fn parse(&self, text: &str) -> Result<DateTime<Utc>, ParseError> {
        let millis = self.parse_millis(text)?;
        DateTime::<Utc>::from_timestamp_millis(millis).ok_or_else(|| ParseError {
            text: text.to_string(),
        })
    }

    /// Java's `parse(String, ParsePosition)` from position 0: the instant and the number
    /// of characters read, or None when the pattern does not match.
    pub fn parse_prefix(&self, text: &str) -> Option<(i64, usize)> {
        let t: Vec<char> = text.chars().collect();
        let mut pos = 0;
        let mut fields = Fields::default();
        for (i, item) in self.items.iter().enumerate() {
            match item {
                Item::Literal(chars) => {
                    for c in chars {
                        if t.get(pos) != Some(c) {
                            return None;
                        }
                        pos += 1;
                    }
                }
                Item::Field(letter, count) => {
                    let obey_count = matches!(
                        self.items.get(i + 1),
                        Some(Item::Field(next, next_count)) if next.makes_previous_obey_count(*next_count)
                    );
                    pos = self.sub_parse(&t, pos, *letter, *count, obey_count, &mut fields)?;
                }
            }
        }
        let mut millis = fields.compute(0)?;
        if fields.ambiguous_year && millis < self.century_start_millis {
            millis = fields.compute(100)?;
        }
        Some((millis, pos))
    }

    /// Java's `SimpleDateFormat.subParse`: one field at `start`; the position after it.
    fn sub_parse(
        &self,
        t: &[char],
        start: usize,
        letter: Letter,
        count: usize,
        obey_count: bool,
        f: &mut Fields,
    ) -> Option<usize> {
        // Spaces and tabs before a field are skipped; the end of the text fails.
        let mut pos = start;
        loop {
            let c = *t.get(pos)?;
            if c != ' ' && c != '\t' {
                break;
            }
            pos += 1;
        }
        let actual_start = pos;
        // Numbers read at most up to here; an abutting field that does not fit fails.
        let limit = if obey_count {
            (start + count <= t.len()).then_some(start + count)
        } else {
            Some(t.len())
        };
        let mut value = 0i64;
        let numeric_first = matches!(
            letter,
            Letter::Hour1To24 | Letter::Hour1To12 | Letter::Year | Letter::WeekYear
        ) || (matches!(letter, Letter::Month | Letter::MonthStandalone)
            && count <= 2);
        if numeric_first {
            let (v, p) = parse_number(t, pos, limit?)?;
            value = v;
            pos = p;
        }
        match letter {
            Letter::Era => match_names(t, start, &[&ERAS]).map(|(i, p)| {
                f.set(Cf::Era, i as i64);
                p
            }),
            Letter::Year | Letter::WeekYear => {
                if count <= 2
                    && pos - actual_start == 2
                    && t[actual_start].is_ascii_digit()
                    && t[actual_start + 1].is_ascii_digit()
                {
                    let ambiguous = self.century_start_year.rem_euclid(100);
                    f.ambiguous_year = value == ambiguous;
                    value += self.century_start_year.div_euclid(100) * 100
                        + if value < ambiguous { 100 } else { 0 };
                }
                let field = if letter == Letter::Year {
                    Cf::Year
                } else {
                    Cf::WeekYear
                };
                f.set(field, value);
                Some(pos)
            }
            Letter::Month | Letter::MonthStandalone => {
                if count <= 2 {
                    f.set(Cf::Month, value - 1);
                    return Some(pos);
                }
                match_names(t, start, &[&MONTHS, &SHORT_MONTHS]).map(|(i, p)| {
                    f.set(Cf::Month, i as i64);
                    p
                })
            }
            Letter::Hour1To24 => {
                f.set(Cf::HourOfDay, if value == 24 { 0 } else { value });
                Some(pos)
            }
            Letter::Hour1To12 => {
                f.set(Cf::Hour, if value == 12 { 0 } else { value });
                Some(pos)
            }
            Letter::DayName => {
                match_names(t, start, &[&WEEKDAYS, &SHORT_WEEKDAYS]).map(|(i, p)| {
                    f.set(Cf::DayOfWeek, i as i64 + 1);
                    p
                })
            }
            Letter::AmPm => match_names(t, start, &[&AM_PM]).map(|(i, p)| {
                f.set(Cf::AmPm, i as i64);
                p
            }),
            Letter::ZoneName | Letter::ZoneRfc822 => {
                let (offset, p) = parse_general_zone(t, start, pos)?;
                f.zone_offset_millis = Some(offset);
                Some(p)
            }
            Letter::ZoneIso => {
                let c = *t.get(pos)?;
                if c == 'Z' {
                    f.zone_offset_millis = Some(0);
                    return Some(pos + 1);
                }
                let sign = match c {
                    '+' => 1,
                    '-' => -1,
                    _ => return None,
                };
                let (offset, p) = parse_numeric_zone(t, pos + 1, sign, count, count == 3)?;
                f.zone_offset_millis = Some(offset);
                Some(p)
            }
            _ => {
                let (v, p) = parse_number(t, pos, limit?)?;
                let (field, v) = match letter {
                    Letter::DayOfMonth => (Cf::DayOfMonth, v),
                    Letter::Hour0To23 => (Cf::HourOfDay, v),
                    Letter::Minute => (Cf::Minute, v),
                    Letter::Second => (Cf::Second, v),
                    Letter::Millisecond => (Cf::Millisecond, v),
                    Letter::DayOfYear => (Cf::DayOfYear, v),
                    Letter::DayOfWeekInMonth => (Cf::DayOfWeekInMonth, v),
                    Letter::WeekOfYear => (Cf::WeekOfYear, v),
                    Letter::WeekOfMonth => (Cf::WeekOfMonth, v),
                    Letter::Hour0To11 => (Cf::Hour, v),
                    // ISO day number (1 = Monday) to Calendar's (1 = Sunday).
                    Letter::DayNumber => (
                        Cf::DayOfWeek,
                        if (1..=7).contains(&v) {
                            if v == 7 {
                                1
                            } else {
                                v + 1
                            }
                        } else {
                            v
                        },
                    ),
                    _ => unreachable!("handled above"),
                };
                f.set(field, v);
                Some(p)
            }
        }
    }
}

/// Java's `SimpleDateFormat.compile`.
fn compile(pattern: &str) -> Result<Vec<Item>, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut items = Vec::new();
    let mut literal: Vec<char> = Vec::new();
    let mut field: Option<(char, Letter, usize)> = None;
    let mut in_quote = false;

    fn flush_field(
        items: &mut Vec<Item>,
        field: &mut Option<(char, Letter, usize)>,
    ) -> Result<(), String> {
        if let Some((_, letter, count)) = field.take() {
            if letter == Letter::ZoneIso && count >= 4 {
                return Err(format!("invalid ISO 8601 format: length={count}"));
            }
            items.push(Item::Field(letter, count));
        }
        Ok(())
    }
    fn flush_literal(items: &mut Vec<Item>, literal: &mut Vec<char>) {
        if !literal.is_empty() {
            items.push(Item::Literal(std::mem::take(literal)));
        }
    }

    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if c == '\'' {
            // '' is a single quote, inside quoted text or not.
            if chars.get(i) == Some(&'\'') {
                i += 1;
                flush_field(&mut items, &mut field)?;
                literal.push('\'');
                continue;
            }
            flush_field(&mut items, &mut field)?;
            in_quote = !in_quote;
            continue;
        }
        if in_quote || !c.is_ascii_alphabetic() {
            flush_field(&mut items, &mut field)?;
            literal.push(c);
            continue;
        }
        let letter = Letter::of(c).ok_or_else(|| format!("Illegal pattern character '{c}'"))?;
        match &mut field {
            Some((prev, _, count)) if *prev == c => *count += 1,
            _ => {
                flush_field(&mut items, &mut field)?;
                flush_literal(&mut items, &mut literal);
                field = Some((c, letter, 1));
            }
        }
    }
    if in_quote {
        return Err("Unterminated quote".to_string());
    }
    flush_field(&mut items, &mut field)?;
    flush_literal(&mut items, &mut literal);
    Ok(items)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (month 1-12); any day number.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian (year, month 1-12, day) of a day since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn month_length(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Day of week of a day since the epoch, 0 = Sunday (1970-01-01 was a Thursday).
fn weekday0(days: i64) -> i64 {
    (days + 4).rem_euclid(7)
}

/// The day on or before `days` that falls on `dow` (Calendar's 1 = Sunday).
fn weekday_on_or_before(days: i64, dow: i64) -> i64 {
    days - (weekday0(days) - (dow - 1)).rem_euclid(7)
}

/// The first day of week 1 of `year`: the Sunday on or before January 1 (en_US: weeks
/// start on Sunday and week 1 is the one containing January 1).
fn week1_start(year: i64) -> i64 {
    weekday_on_or_before(days_from_civil(year, 1, 1), 1)
}

/// Now minus 80 years, and its year: where two-digit years start (Java's
/// `defaultCenturyStart`).
fn century_start(now_millis: i64) -> (i64, i64) {
    let days = now_millis.div_euclid(MILLIS_PER_DAY);
    let tod = now_millis.rem_euclid(MILLIS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    let year = y - 80;
    let d = d.min(month_length(year, m));
    (days_from_civil(year, m, d) * MILLIS_PER_DAY + tod, year)
}

/// The calendar fields of an instant, in UTC.
struct Instant {
    year: i64,
    month: i64,
    day: i64,
    days: i64,
    millis_of_day: i64,
}

impl Instant {
    fn of(millis: i64) -> Instant {
        let days = millis.div_euclid(MILLIS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        Instant {
            year,
            month,
            day,
            days,
            millis_of_day: millis.rem_euclid(MILLIS_PER_DAY),
        }
    }

    fn hour(&self) -> i64 {
        self.millis_of_day / 3_600_000
    }

    /// (week year, week of year), en_US rules.
    fn week_of_year(&self) -> (i64, i64) {
        let next = week1_start(self.year + 1);
        if self.days >= next {
            (self.year + 1, 1)
        } else {
            (self.year, (self.days - week1_start(self.year)) / 7 + 1)
        }
    }

    fn format_field(&self, out: &mut String, letter: Letter, count: usize) {
        let number = |out: &mut String, v: i64| pad(out, v, count);
        match letter {
            Letter::Era => out.push_str(ERAS[usize::from(self.year > 0)]),
            Letter::Year | Letter::WeekYear => {
                let y = if letter == Letter::Year {
                    self.year
                } else {
                    self.week_of_year().0
                };
                let y = if y <= 0 { 1 - y } else { y };
                if count == 2 {
                    pad(out, y % 100, 2)
                } else {
                    number(out, y)
                }
            }
            Letter::Month | Letter::MonthStandalone => match count {
                1 | 2 => number(out, self.month),
                3 => out.push_str(SHORT_MONTHS[(self.month - 1) as usize]),
                _ => out.push_str(MONTHS[(self.month - 1) as usize]),
            },
            Letter::WeekOfYear => number(out, self.week_of_year().1),
            Letter::WeekOfMonth => {
                let first = self.days - (self.day - 1);
                number(out, (self.days - weekday_on_or_before(first, 1)) / 7 + 1)
            }
            Letter::DayOfYear => number(out, self.days - days_from_civil(self.year, 1, 1) + 1),
            Letter::DayOfMonth => number(out, self.day),
            Letter::DayOfWeekInMonth => number(out, (self.day - 1) / 7 + 1),
            Letter::DayName => {
                let names = if count >= 4 {
                    &WEEKDAYS
                } else {
                    &SHORT_WEEKDAYS
                };
                out.push_str(names[weekday0(self.days) as usize])
            }
            Letter::DayNumber => {
                let dow = weekday0(self.days);
                number(out, if dow == 0 { 7 } else { dow })
            }
            Letter::AmPm => out.push_str(AM_PM[usize::from(self.hour() >= 12)]),
            Letter::Hour0To23 => number(out, self.hour()),
            Letter::Hour1To24 => number(out, if self.hour() == 0 { 24 } else { self.hour() }),
            Letter::Hour0To11 => number(out, self.hour() % 12),
            Letter::Hour1To12 => {
                let h = self.hour() % 12;
                number(out, if h == 0 { 12 } else { h })
            }
            Letter::Minute => number(out, self.millis_of_day / 60_000 % 60),
            Letter::Second => number(out, self.millis_of_day / 1000 % 60),
            Letter::Millisecond => number(out, self.millis_of_day % 1000),
            Letter::ZoneName => out.push_str(if count >= 4 {
                "Coordinated Universal Time"
            } else {
                "UTC"
            }),
            Letter::ZoneRfc822 => out.push_str("+0000"),
            Letter::ZoneIso => out.push('Z'),
        }
    }
}

/// `value` with at least `min_digits` digits (Java's `zeroPaddingNumber`).
fn pad(out: &mut String, value: i64, min_digits: usize) {
    if value < 0 {
        out.push('-');
    }
    let digits = value.unsigned_abs().to_string();
    for _ in digits.len()..min_digits {
        out.push('0');
    }
    out.push_str(&digits);
}

/// An integer at `pos` (before `limit`), as the `DecimalFormat` of SimpleDateFormat reads
/// it: an optional `-` and digits. Java keeps its `intValue()`.
fn parse_number(t: &[char], pos: usize, limit: usize) -> Option<(i64, usize)> {
    let limit = limit.min(t.len());
    let mut p = pos;
    let negative = p < limit && t[p] == '-';
    if negative {
        p += 1;
    }
    let digits_start = p;
    let mut value: i128 = 0;
    while p < limit && t[p].is_ascii_digit() {
        if value < i128::from(i64::MAX) * 10 {
            value = value * 10 + i128::from(t[p] as u8 - b'0');
        }
        p += 1;
    }
    if p == digits_start {
        return None;
    }
    if negative {
        value = -value;
    }
    // Long.intValue() wraps; a value beyond a long (a Double in Java) saturates.
    let v = match i64::try_from(value) {
        Ok(l) => i64::from(l as i32),
        Err(_) if value > 0 => i64::from(i32::MAX),
        Err(_) => i64::from(i32::MIN),
    };
    Some((v, p))
}

/// The longest of `names` (any list, case-insensitively) at `pos` (Java's `matchString`,
/// tried list by list): (index in its list, position after it).
fn match_names(t: &[char], pos: usize, lists: &[&[&str]]) -> Option<(usize, usize)> {
    for list in lists {
        let mut best: Option<(usize, usize)> = None;
        for (i, name) in list.iter().enumerate() {
            let len = name.chars().count();
            if len > best.map_or(0, |(_, l)| l) && region_matches(t, pos, name) {
                best = Some((i, len));
            }
        }
        if let Some((i, len)) = best {
            return Some((i, pos + len));
        }
    }
    None
}

fn region_matches(t: &[char], pos: usize, name: &str) -> bool {
    let mut p = pos;
    for c in name.chars() {
        match t.get(p) {
            Some(x) if x.to_lowercase().eq(c.to_lowercase()) => p += 1,
            _ => return false,
        }
    }
    true
}

/// `z` and `Z` when parsing: `GMT`, `GMT+h:mm`, `+hhmm`/`-hhmm`, or a zone name.
/// `start` is where the field began, `pos` after skipped spaces (Java checks `GMT` at
/// `start`).
fn parse_general_zone(t: &[char], start: usize, pos: usize) -> Option<(i64, usize)> {
    let c = *t.get(pos)?;
    match c {
        '+' => parse_numeric_zone(t, pos + 1, 1, 0, false),
        '-' => parse_numeric_zone(t, pos + 1, -1, 0, false),
        'G' | 'g' if region_matches(t, start, "GMT") => {
            let p = start + 3;
            match t.get(p) {
                Some('+') => parse_numeric_zone(t, p + 1, 1, 0, true),
                Some('-') => parse_numeric_zone(t, p + 1, -1, 0, true),
                _ => Some((0, p)),
            }
        }
        _ => {
            let mut best: Option<(i64, usize)> = None;
            for (name, minutes) in ZONE_NAMES {
                let len = name.chars().count();
                if len > best.map_or(0, |(_, l)| l) && region_matches(t, pos, name) {
                    best = Some((*minutes, len));
                }
            }
            best.map(|(minutes, len)| (minutes * 60_000, pos + len))
        }
    }
}

/// Java's `subParseNumericZone`: `hh[[:]mm]` after a sign; `count` is the `X` count (0
/// for `z`/`Z`), `colon` whether minutes follow a colon.
fn parse_numeric_zone(
    t: &[char],
    start: usize,
    sign: i64,
    count: usize,
    colon: bool,
) -> Option<(i64, usize)> {
    let digit = |p: usize| t.get(p).and_then(|c| c.to_digit(10)).map(i64::from);
    let mut p = start;
    let mut hours = digit(p)?;
    p += 1;
    match digit(p) {
        Some(d) => {
            hours = hours * 10 + d;
            p += 1;
        }
        None => {
            // One hour digit only with a colon form, and never for X.
            t.get(p)?;
            if count > 0 || !colon {
                return None;
            }
        }
    }
    if hours > 23 {
        return None;
    }
    let mut minutes = 0;
    if count != 1 {
        if colon {
            if t.get(p) != Some(&':') {
                return None;
            }
            p += 1;
        }
        let tens = digit(p)?;
        let ones = digit(p + 1)?;
        p += 2;
        minutes = tens * 10 + ones;
        if minutes > 59 {
            return None;
        }
    }
    Some((sign * (hours * 60 + minutes) * 60_000, p))
}

/// Java's `Calendar` field numbers that parsing sets.
#[derive(Debug, Clone, Copy)]
enum Cf {
    Era,
    Year,
    Month,
    WeekOfYear,
    WeekOfMonth,
    DayOfMonth,
    DayOfYear,
    DayOfWeek,
    DayOfWeekInMonth,
    AmPm,
    Hour,
    HourOfDay,
    Minute,
    Second,
    Millisecond,
    WeekYear,
}

const FIELD_COUNT: usize = 16;

/// Parsed calendar fields with the order they were set in (Java's `CalendarBuilder`
/// stamps: the most recently set group of fields decides the date).
#[derive(Default)]
struct Fields {
    values: [i64; FIELD_COUNT],
    /// 0: unset; otherwise increasing from 2 in the order of setting.
    stamps: [u32; FIELD_COUNT],
    next_stamp: u32,
    ambiguous_year: bool,
    zone_offset_millis: Option<i64>,
}

impl Fields {
    fn set(&mut self, field: Cf, value: i64) {
        if self.next_stamp < 2 {
            self.next_stamp = 2;
        }
        self.values[field as usize] = value;
        self.stamps[field as usize] = self.next_stamp;
        self.next_stamp += 1;
    }

    fn stamp(&self, field: Cf) -> u32 {
        self.stamps[field as usize]
    }

    fn is_set(&self, field: Cf) -> bool {
        self.stamp(field) != 0
    }

    fn get(&self, field: Cf) -> i64 {
        self.values[field as usize]
    }

    /// The instant the fields describe, `add_years` added to the year (lenient
    /// `GregorianCalendar.computeTime` with Java's `selectFields`).
    fn compute(&self, add_years: i64) -> Option<i64> {
        let bc = self.is_set(Cf::Era) && self.get(Cf::Era) == 0;
        let era_year = |y: i64| if bc { 1 - y } else { y };
        let week_date =
            self.is_set(Cf::WeekYear) && self.stamp(Cf::WeekYear) > self.stamp(Cf::Year);
        let days = if week_date {
            // CalendarBuilder.establish with a week year: setWeekDate(weekYear, week, dow).
            let week_year = era_year(self.get(Cf::WeekYear)) + add_years;
            let week = if self.is_set(Cf::WeekOfYear) {
                self.get(Cf::WeekOfYear)
            } else {
                1
            };
            let dow = if self.is_set(Cf::DayOfWeek) {
                self.get(Cf::DayOfWeek)
            } else {
                1
            };
            week1_start(week_year) + (week - 1) * 7 + (dow - 1)
        } else {
            let year = era_year(if self.is_set(Cf::Year) {
                self.get(Cf::Year)
            } else {
                1970
            }) + add_years;
            self.date_days(year)
        };

        // Time of day: HOUR_OF_DAY, or HOUR and AM_PM, whichever was set last.
        let hour_of_day_stamp = self.stamp(Cf::HourOfDay);
        let hour_stamp = aggregate(self.stamp(Cf::Hour), self.stamp(Cf::AmPm));
        let mut best = hour_stamp.max(hour_of_day_stamp);
        if best == 0 {
            best = self.stamp(Cf::Hour).max(self.stamp(Cf::AmPm));
        }
        let hours = if best != 0 && best == hour_of_day_stamp {
            self.get(Cf::HourOfDay)
        } else {
            self.get(Cf::Hour)
                + if self.is_set(Cf::AmPm) {
                    12 * self.get(Cf::AmPm)
                } else {
                    0
                }
        };
        let time_of_day = ((i128::from(hours) * 60 + i128::from(self.get(Cf::Minute))) * 60
            + i128::from(self.get(Cf::Second)))
            * 1000
            + i128::from(self.get(Cf::Millisecond));
        let millis = i128::from(days) * i128::from(MILLIS_PER_DAY) + time_of_day
            - i128::from(self.zone_offset_millis.unwrap_or(0));
        i64::try_from(millis).ok()
    }

    /// The day (since the epoch) the date fields give, in `year` (Java's
    /// `Calendar.selectFields` and `GregorianCalendar.getFixedDate`).
    fn date_days(&self, year: i64) -> i64 {
        let dow_stamp = self.stamp(Cf::DayOfWeek);
        let month_stamp = self.stamp(Cf::Month);
        let mut dom_stamp = self.stamp(Cf::DayOfMonth);
        let mut wom_stamp = aggregate(self.stamp(Cf::WeekOfMonth), dow_stamp);
        let mut dowim_stamp = aggregate(self.stamp(Cf::DayOfWeekInMonth), dow_stamp);
        let doy_stamp = self.stamp(Cf::DayOfYear);
        let mut woy_stamp = aggregate(self.stamp(Cf::WeekOfYear), dow_stamp);
        let mut best = dom_stamp
            .max(wom_stamp)
            .max(dowim_stamp)
            .max(doy_stamp)
            .max(woy_stamp);
        if best == 0 {
            wom_stamp = self.stamp(Cf::WeekOfMonth);
            dowim_stamp = self.stamp(Cf::DayOfWeekInMonth).max(dow_stamp);
            woy_stamp = self.stamp(Cf::WeekOfYear);
            best = wom_stamp.max(dowim_stamp).max(woy_stamp);
            if best == 0 {
                dom_stamp = month_stamp;
                best = month_stamp;
            }
        }
        let woy_field = self.stamp(Cf::WeekOfYear);
        let month_based = best == dom_stamp
            || (best == wom_stamp && self.stamp(Cf::WeekOfMonth) >= woy_field)
            || (best == dowim_stamp && self.stamp(Cf::DayOfWeekInMonth) >= woy_field);
        let use_dow = dow_stamp != 0;
        let dow = if use_dow { self.get(Cf::DayOfWeek) } else { 1 };

        if month_based {
            let month0 = self.get(Cf::Month);
            let year = year + month0.div_euclid(12);
            let month = month0.rem_euclid(12) + 1;
            let first = days_from_civil(year, month, 1);
            if best == dom_stamp {
                return if self.is_set(Cf::DayOfMonth) {
                    first + self.get(Cf::DayOfMonth) - 1
                } else {
                    first
                };
            }
            let by_week_of_month = if wom_stamp == dowim_stamp {
                self.stamp(Cf::WeekOfMonth) >= self.stamp(Cf::DayOfWeekInMonth)
            } else {
                best == wom_stamp
            };
            if by_week_of_month {
                let mut start = weekday_on_or_before(first + 6, 1);
                if start - first >= 1 {
                    start -= 7;
                }
                if use_dow {
                    start = weekday_on_or_before(start + 6, dow);
                }
                start + 7 * (self.get(Cf::WeekOfMonth) - 1)
            } else {
                let dowim = if self.is_set(Cf::DayOfWeekInMonth) {
                    self.get(Cf::DayOfWeekInMonth)
                } else {
                    1
                };
                if dowim >= 0 {
                    weekday_on_or_before(first + 7 * dowim - 1, dow)
                } else {
                    let last = month_length(year, month) + 7 * (dowim + 1);
                    weekday_on_or_before(first + last - 1, dow)
                }
            }
        } else {
            let jan1 = days_from_civil(year, 1, 1);
            if best == doy_stamp {
                return jan1 + self.get(Cf::DayOfYear) - 1;
            }
            let mut start = weekday_on_or_before(jan1 + 6, 1);
            if start - jan1 >= 1 {
                start -= 7;
            }
            if use_dow && dow != 1 {
                start = weekday_on_or_before(start + 6, dow);
            }
            start + 7 * (self.get(Cf::WeekOfYear) - 1)
        }
    }
}

/// Java's `Calendar.aggregateStamp`: unset unless both are set, else the later.
fn aggregate(a: u32, b: u32) -> u32 {
    if a == 0 || b == 0 {
        0
    } else {
        a.max(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 1970-01-02T00:00:01.234Z, Kafka's TimestampConverterTest DATE_PLUS_TIME.
    const DATE_PLUS_TIME: i64 = 86_401_234;
    /// 2017-01-03T06:30:01.864Z (TimestampRouterTest's record timestamp).
    const ROUTER_TS: i64 = 1_483_425_001_864;

    fn fmt(pattern: &str, millis: i64) -> String {
        SimpleDateFormat::new(pattern)
            .unwrap()
            .format_millis(millis)
    }

    fn parse(pattern: &str, text: &str) -> Option<i64> {
        SimpleDateFormat::new(pattern)
            .unwrap()
            .parse_millis(text)
            .ok()
    }

    fn millis(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64, ms: i64) -> i64 {
        days_from_civil(y, mo, d) * MILLIS_PER_DAY + ((h * 60 + mi) * 60 + s) * 1000 + ms
    }

    #[test]
    fn civil_conversions_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        for days in [-800_000, -1, 0, 1, 59, 11_016, 19_000, 2_000_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(weekday0(0), 4); // Thursday
    }

    #[test]
    fn compile_errors_are_javas() {
        assert_eq!(
            SimpleDateFormat::new("bad-format").unwrap_err(),
            "Illegal pattern character 'b'"
        );
        assert_eq!(
            SimpleDateFormat::new("yyyy 'T").unwrap_err(),
            "Unterminated quote"
        );
        assert_eq!(
            SimpleDateFormat::new("XXXX").unwrap_err(),
            "invalid ISO 8601 format: length=4"
        );
        assert!(SimpleDateFormat::new("").is_ok());
        assert!(SimpleDateFormat::new("GyYMLwWDdFEuaHkKhmsSzZX").is_ok());
        assert_eq!(SimpleDateFormat::new("yyyy").unwrap().pattern(), "yyyy");
    }

    #[test]
    fn formats_common_patterns() {
        let ts = millis(2024, 3, 5, 7, 8, 9, 42);
        assert_eq!(
            fmt("yyyy-MM-dd HH:mm:ss.SSS", ts),
            "2024-03-05 07:08:09.042"
        );
        assert_eq!(
            fmt("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", ts),
            "2024-03-05T07:08:09.042Z"
        );
        assert_eq!(fmt("dd/MM/yyyy", ts), "05/03/2024");
        assert_eq!(fmt("yyyyMMdd", ROUTER_TS), "20170103");
        assert_eq!(
            fmt("yyyy MM dd HH mm ss SSS z", DATE_PLUS_TIME),
            "1970 01 02 00 00 01 234 UTC"
        );
        assert_eq!(fmt("y yy yyy yyyyy", ts), "2024 24 2024 02024");
        assert_eq!(fmt("M MM MMM MMMM L LLL", ts), "3 03 Mar March 3 Mar");
        assert_eq!(fmt("d dd D DDDD", ts), "5 05 65 0065");
        assert_eq!(fmt("E EEE EEEE u", ts), "Tue Tue Tuesday 2");
        assert_eq!(fmt("h hh K k H a", ts), "7 07 7 7 7 AM");
        assert_eq!(
            fmt("h K k H a", millis(2024, 3, 5, 0, 0, 0, 0)),
            "12 0 24 0 AM"
        );
        assert_eq!(
            fmt("h K k H a", millis(2024, 3, 5, 12, 0, 0, 0)),
            "12 0 12 12 PM"
        );
        assert_eq!(
            fmt("h K k H a", millis(2024, 3, 5, 23, 0, 0, 0)),
            "11 11 23 23 PM"
        );
        assert_eq!(fmt("m mm s ss", ts), "8 08 9 09");
        assert_eq!(fmt("S SS SSS SSSS SSSSSS", ts), "42 42 042 0042 000042");
        assert_eq!(
            fmt("z zzzz Z X XX XXX", ts),
            "UTC Coordinated Universal Time +0000 Z Z Z"
        );
        assert_eq!(fmt("G GGGG", ts), "AD AD");
        assert_eq!(fmt("'at' HH 'o''clock' '' ''''", ts), "at 07 o'clock ' ''");
        assert_eq!(fmt("yyyy-MM-dd", -1), "1969-12-31");
        assert_eq!(fmt("HH:mm:ss.SSS", -1), "23:59:59.999");
    }

    #[test]
    fn formats_week_fields_like_en_us() {
        // Saturday 2022-01-01: week 1 of 2022 (the week of Jan 1, Sunday start).
        let jan1 = millis(2022, 1, 1, 0, 0, 0, 0);
        assert_eq!(fmt("Y w W F E", jan1), "2022 1 1 1 Sat");
        // Sunday 2022-01-02 starts week 2.
        assert_eq!(fmt("Y w W", millis(2022, 1, 2, 0, 0, 0, 0)), "2022 2 2");
        // Tuesday 2019-12-31 is in the week of 2020-01-01: week 1 of week year 2020.
        assert_eq!(
            fmt("YYYY yyyy ww", millis(2019, 12, 31, 0, 0, 0, 0)),
            "2020 2019 01"
        );
        // Saturday 2022-12-31 is still week 53 of 2022.
        assert_eq!(fmt("YYYY w", millis(2022, 12, 31, 0, 0, 0, 0)), "2022 53");
        assert_eq!(fmt("F", millis(2022, 1, 15, 0, 0, 0, 0)), "3");
    }

    #[test]
    fn parses_common_patterns() {
        assert_eq!(
            parse("yyyy-MM-dd HH:mm:ss.SSS", "2024-03-05 07:08:09.042"),
            Some(millis(2024, 3, 5, 7, 8, 9, 42))
        );
        assert_eq!(
            parse(
                "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
                "2024-03-05T07:08:09.042+02:00"
            ),
            Some(millis(2024, 3, 5, 5, 8, 9, 42))
        );
        assert_eq!(
            parse("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2024-03-05T07:08:09.042Z"),
            Some(millis(2024, 3, 5, 7, 8, 9, 42))
        );
        assert_eq!(
            parse("dd/MM/yyyy", "05/03/2024"),
            Some(millis(2024, 3, 5, 0, 0, 0, 0))
        );
        assert_eq!(
            parse("yyyy MM dd HH mm ss SSS z", "1970 01 02 00 00 01 234 UTC"),
            Some(DATE_PLUS_TIME)
        );
        assert_eq!(
            parse("yyyyMMdd", "20170103"),
            Some(millis(2017, 1, 3, 0, 0, 0, 0))
        );
        assert_eq!(
            parse("yyyyMMddHHmmss", "20170103063001"),
            Some(millis(2017, 1, 3, 6, 30, 1, 0))
        );
        assert_eq!(
            parse(
                "EEE, dd MMM yyyy HH:mm:ss Z",
                "Tue, 05 Mar 2024 07:08:09 -0130"
            ),
            Some(millis(2024, 3, 5, 8, 38, 9, 0))
        );
        assert_eq!(
            parse("EEEE d MMMM yyyy h:mm a", "tuesday 5 march 2024 7:08 pm"),
            Some(millis(2024, 3, 5, 19, 8, 0, 0))
        );
        assert_eq!(parse("hh a", "12 AM"), Some(0));
        assert_eq!(parse("hh a", "12 PM"), Some(12 * 3_600_000));
        assert_eq!(parse("kk", "24"), Some(0));
        assert_eq!(
            parse("HH:mm z", "10:00 GMT+5:30"),
            Some(millis(1970, 1, 1, 4, 30, 0, 0))
        );
        assert_eq!(
            parse("HH:mm z", "10:00 PST"),
            Some(millis(1970, 1, 1, 18, 0, 0, 0))
        );
        assert_eq!(
            parse("HH:mm z", "10:00 GMT"),
            Some(millis(1970, 1, 1, 10, 0, 0, 0))
        );
        assert_eq!(
            parse("HH:mm X", "10:00 -05"),
            Some(millis(1970, 1, 1, 15, 0, 0, 0))
        );
        assert_eq!(
            parse("HH:mm XX", "10:00 +0100"),
            Some(millis(1970, 1, 1, 9, 0, 0, 0))
        );
        assert_eq!(
            parse("yyyy-DDD", "2024-060"),
            Some(millis(2024, 2, 29, 0, 0, 0, 0))
        );
        assert_eq!(
            parse("G yyyy", "AD 2024"),
            Some(millis(2024, 1, 1, 0, 0, 0, 0))
        );
        // Proleptic Gregorian: Java's Julian calendar puts this two days later.
        assert_eq!(
            parse("G yyyy", "BC 0001"),
            Some(millis(0, 1, 1, 0, 0, 0, 0))
        );
        assert_eq!(
            parse("HH:mm z", "10:00 +0530"),
            Some(millis(1970, 1, 1, 4, 30, 0, 0))
        );
        assert_eq!(
            parse("HH:mm Z", "10:00 UTC"),
            Some(millis(1970, 1, 1, 10, 0, 0, 0))
        );
        assert_eq!(
            parse("HH:mm z", " 10:00  GMT"),
            Some(millis(1970, 1, 1, 10, 0, 0, 0))
        );
        assert_eq!(
            parse("hh:mm", "13:00"),
            Some(millis(1970, 1, 1, 13, 0, 0, 0))
        );
        assert_eq!(
            parse("HH:mm a", "13:00 PM"),
            Some(millis(1970, 1, 1, 13, 0, 0, 0))
        );
        assert_eq!(
            parse("MMM yyyy", "Mar 2024"),
            Some(millis(2024, 3, 1, 0, 0, 0, 0))
        );
        assert_eq!(parse("yyyy MMM dd", "2024 Sept 01"), None);
        assert_eq!(parse("yyyy-MM-dd", "+2017-01-01"), None);
        assert_eq!(
            parse("yyyyMMdd", "2017010"),
            Some(millis(2016, 12, 31, 0, 0, 0, 0))
        );
    }

    #[test]
    fn parsing_is_lenient_like_java() {
        // Out-of-range fields roll over.
        assert_eq!(
            parse("yyyy-MM-dd", "2017-13-01"),
            Some(millis(2018, 1, 1, 0, 0, 0, 0))
        );
        assert_eq!(
            parse("yyyy-MM-dd HH", "2017-02-30 25"),
            Some(millis(2017, 3, 3, 1, 0, 0, 0))
        );
        // S counts milliseconds, whatever the number of digits.
        assert_eq!(parse("ss.SSS", "01.123456"), Some(124_456));
        // Trailing text is ignored; spaces before a field are skipped.
        assert_eq!(
            parse("yyyy-MM-dd", "2017-01-03 trailing"),
            Some(millis(2017, 1, 3, 0, 0, 0, 0))
        );
        assert_eq!(
            parse("yyyy-MM-dd", "  2017-01-03"),
            Some(millis(2017, 1, 3, 0, 0, 0, 0))
        );
        // Literals must match exactly; the text must cover the pattern.
        assert_eq!(parse("yyyy-MM-dd", "2017/01/03"), None);
        assert_eq!(parse("yyyy-MM-dd HH", "2017-01-03"), None);
        assert_eq!(parse("yyyy", "abcd"), None);
        assert_eq!(parse("MMM", "Foo"), None);
        // Numeric fields followed by a literal read every digit.
        assert_eq!(
            parse("yyyy-MM", "20170-1"),
            Some(millis(20170, 1, 1, 0, 0, 0, 0))
        );
        // Negative numbers are accepted.
        assert_eq!(
            parse("yyyy-MM-dd", "2017-01--1"),
            Some(millis(2016, 12, 30, 0, 0, 0, 0))
        );
    }

    #[test]
    fn two_digit_years_fall_in_the_century_around_now() {
        let f = SimpleDateFormat::new("yy-MM-dd").unwrap();
        let start_year = f.century_start_year;
        let parsed = |text: &str| Instant::of(f.parse_millis(text).unwrap()).year;
        // Every two-digit year lands within [start, start + 100].
        for yy in 0..100 {
            let y = parsed(&format!("{yy:02}-06-15"));
            assert!(y >= start_year && y <= start_year + 100, "{yy} -> {y}");
            assert_eq!(y.rem_euclid(100), yy);
        }
        // Three digits, one digit or yyyy: taken literally.
        assert_eq!(Instant::of(f.parse_millis("123-01-01").unwrap()).year, 123);
        assert_eq!(Instant::of(f.parse_millis("5-01-01").unwrap()).year, 5);
        assert_eq!(
            parse("yyyy-MM-dd", "0017-01-01"),
            Some(millis(17, 1, 1, 0, 0, 0, 0))
        );
    }

    #[test]
    fn week_year_parsing_follows_java_week_dates() {
        // The infamous YYYY: M and d are ignored, week 1's Sunday is taken.
        assert_eq!(
            parse("YYYY-MM-dd", "2019-12-30"),
            Some(millis(2018, 12, 30, 0, 0, 0, 0))
        );
        assert_eq!(
            parse("YYYY ww EEE", "2020 02 Mon"),
            Some(millis(2020, 1, 6, 0, 0, 0, 0))
        );
        // Week of month / day of week in month with a day name.
        assert_eq!(
            parse("yyyy MM W EEE", "2022 01 2 Wed"),
            Some(millis(2022, 1, 5, 0, 0, 0, 0))
        );
        assert_eq!(
            parse("yyyy MM F EEE", "2022 01 2 Wed"),
            Some(millis(2022, 1, 12, 0, 0, 0, 0))
        );
        // Without a day of month: the weekday in the first week, or Sunday of the week.
        assert_eq!(
            parse("EEE yyyy", "Wed 2024"),
            Some(millis(2024, 1, 3, 0, 0, 0, 0))
        );
        assert_eq!(
            parse("yyyy W", "2024 3"),
            Some(millis(2024, 1, 14, 0, 0, 0, 0))
        );
        assert_eq!(
            parse("yyyy w", "2024 10"),
            Some(millis(2024, 3, 3, 0, 0, 0, 0))
        );
        // A day name before or after the day of month does not move the date.
        assert_eq!(
            parse("dd MM yyyy EEE", "05 03 2024 Mon"),
            Some(millis(2024, 3, 5, 0, 0, 0, 0))
        );
        assert_eq!(
            parse("EEE dd MM yyyy", "Mon 05 03 2024"),
            Some(millis(2024, 3, 5, 0, 0, 0, 0))
        );
    }

    #[test]
    fn format_then_parse_round_trips() {
        for pattern in [
            "yyyy-MM-dd HH:mm:ss.SSS",
            "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
            "yyyy-MM-dd'T'HH:mm:ss.SSSZ",
            "EEE, d MMM yyyy hh:mm:ss.SSS a z",
            "yyyyMMddHHmmssSSS",
            "D yyyy HH:mm:ss.SSS",
        ] {
            let f = SimpleDateFormat::new(pattern).unwrap();
            for ts in [
                0,
                DATE_PLUS_TIME,
                ROUTER_TS,
                millis(2024, 2, 29, 23, 59, 59, 999),
                -86_400_001,
            ] {
                let text = f.format_millis(ts);
                assert_eq!(f.parse_millis(&text), Ok(ts), "{pattern}: {text}");
            }
        }
    }

    #[test]
    fn parse_errors_read_like_javas() {
        let f = SimpleDateFormat::new("yyyy").unwrap();
        assert_eq!(
            f.parse_millis("x").unwrap_err().to_string(),
            "Unparseable date: \"x\""
        );
        assert_eq!(
            f.parse_prefix("2017abc"),
            Some((millis(2017, 1, 1, 0, 0, 0, 0), 4))
        );
        let dt = f.parse("2017").unwrap();
        assert_eq!(dt.timestamp_millis(), millis(2017, 1, 1, 0, 0, 0, 0));
        assert_eq!(f.format(&dt), "2017");
    }
}
