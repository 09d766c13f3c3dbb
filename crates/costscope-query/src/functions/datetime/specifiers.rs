//! Presto/MySQL date format specifiers (`'%Y-%m-%d %H:%i:%s'`), printed and
//! parsed the way Trino's `date_format` and `date_parse` do.
//!
//! Trino rejects `%D %U %u %V %w %X`; a lone `%` at the end is an error and
//! `%x` for any other `x` is the literal `x`. Parsing is lenient like Trino's:
//! numeric fields take one digit up to their width, names match any case.

use std::fmt::Write;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Weekday};

use super::calendar::days_in_month;

const MONTH_NAMES: [&str; 12] = [
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

const WEEKDAY_NAMES: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Trino reads two-digit years in the century window around this pivot.
const TWO_DIGIT_YEAR_PIVOT: i32 = 2020;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Field {
    Literal(String),
    /// `%Y`
    Year,
    /// `%y`
    TwoDigitYear,
    /// `%m` (padded) and `%c`
    Month {
        padded: bool,
    },
    /// `%M`
    MonthName,
    /// `%b`
    MonthAbbrev,
    /// `%d` (padded) and `%e`
    Day {
        padded: bool,
    },
    /// `%j`
    DayOfYear,
    /// `%H` (padded) and `%k`
    Hour24 {
        padded: bool,
    },
    /// `%h`, `%I` (padded) and `%l`
    Hour12 {
        padded: bool,
    },
    /// `%i`
    Minute,
    /// `%s` and `%S`
    Second,
    /// `%f`: six digits, the timestamp truncated to milliseconds
    Fraction,
    /// `%p`
    Meridiem,
    /// `%W`
    WeekdayName,
    /// `%a`
    WeekdayAbbrev,
    /// `%v`: ISO week of the week-based year
    IsoWeek,
    /// `%x`: ISO week-based year
    IsoWeekYear,
}

/// A compiled format string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MySqlFormat {
    fields: Vec<Field>,
}

impl MySqlFormat {
    /// Compiles `pattern`, failing on specifiers Trino does not support.
    pub(crate) fn compile(pattern: &str) -> Result<Self, String> {
        let mut fields = Vec::new();
        let mut literal = String::new();
        let mut chars = pattern.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                literal.push(c);
                continue;
            }
            let Some(spec) = chars.next() else {
                return Err(format!("Invalid date format: '{pattern}'"));
            };
            let expansion: &[Field] = match spec {
                'a' => &[Field::WeekdayAbbrev],
                'b' => &[Field::MonthAbbrev],
                'c' => &[Field::Month { padded: false }],
                'd' => &[Field::Day { padded: true }],
                'e' => &[Field::Day { padded: false }],
                'f' => &[Field::Fraction],
                'H' => &[Field::Hour24 { padded: true }],
                'h' | 'I' => &[Field::Hour12 { padded: true }],
                'i' => &[Field::Minute],
                'j' => &[Field::DayOfYear],
                'k' => &[Field::Hour24 { padded: false }],
                'l' => &[Field::Hour12 { padded: false }],
                'M' => &[Field::MonthName],
                'm' => &[Field::Month { padded: true }],
                'p' => &[Field::Meridiem],
                'S' | 's' => &[Field::Second],
                'v' => &[Field::IsoWeek],
                'W' => &[Field::WeekdayName],
                'x' => &[Field::IsoWeekYear],
                'Y' => &[Field::Year],
                'y' => &[Field::TwoDigitYear],
                'r' | 'T' => {
                    let hour = if spec == 'r' {
                        Field::Hour12 { padded: true }
                    } else {
                        Field::Hour24 { padded: true }
                    };
                    push_literal(&mut fields, &mut literal);
                    fields.extend([
                        hour,
                        Field::Literal(":".into()),
                        Field::Minute,
                        Field::Literal(":".into()),
                        Field::Second,
                    ]);
                    if spec == 'r' {
                        fields.extend([Field::Literal(" ".into()), Field::Meridiem]);
                    }
                    continue;
                }
                'D' | 'U' | 'u' | 'V' | 'w' | 'X' => {
                    return Err(format!("%{spec} not supported in date format string"));
                }
                other => {
                    literal.push(other);
                    continue;
                }
            };
            push_literal(&mut fields, &mut literal);
            fields.extend_from_slice(expansion);
        }
        push_literal(&mut fields, &mut literal);
        Ok(Self { fields })
    }

    /// Appends `value` printed with this format to `out`.
    pub(crate) fn format(&self, value: NaiveDateTime, out: &mut String) {
        for field in &self.fields {
            // Writing to a String cannot fail.
            let _ = match field {
                Field::Literal(text) => out.write_str(text),
                Field::Year => write!(out, "{:04}", value.year()),
                Field::TwoDigitYear => write!(out, "{:02}", value.year().rem_euclid(100)),
                Field::Month { padded: true } => write!(out, "{:02}", value.month()),
                Field::Month { padded: false } => write!(out, "{}", value.month()),
                Field::MonthName => out.write_str(month_name(value.month0())),
                Field::MonthAbbrev => out.write_str(&month_name(value.month0())[..3]),
                Field::Day { padded: true } => write!(out, "{:02}", value.day()),
                Field::Day { padded: false } => write!(out, "{}", value.day()),
                Field::DayOfYear => write!(out, "{:03}", value.ordinal()),
                Field::Hour24 { padded: true } => write!(out, "{:02}", value.hour()),
                Field::Hour24 { padded: false } => write!(out, "{}", value.hour()),
                Field::Hour12 { padded: true } => write!(out, "{:02}", value.hour12().1),
                Field::Hour12 { padded: false } => write!(out, "{}", value.hour12().1),
                Field::Minute => write!(out, "{:02}", value.minute()),
                Field::Second => write!(out, "{:02}", value.second()),
                Field::Fraction => {
                    write!(out, "{:06}", value.nanosecond() / 1_000_000 * 1_000)
                }
                Field::Meridiem => out.write_str(if value.hour() < 12 { "AM" } else { "PM" }),
                Field::WeekdayName => out.write_str(weekday_name(value.weekday())),
                Field::WeekdayAbbrev => out.write_str(&weekday_name(value.weekday())[..3]),
                Field::IsoWeek => write!(out, "{:02}", value.iso_week().week()),
                Field::IsoWeekYear => write!(out, "{:04}", value.iso_week().year()),
            };
        }
    }

    /// Parses `input`, which must match the whole format. Fields the format
    /// lacks default to 1970-01-01 00:00:00.
    pub(crate) fn parse(&self, input: &str) -> Result<NaiveDateTime, String> {
        let mut parsed = Parsed::default();
        let mut rest = input;
        for field in &self.fields {
            rest = parsed
                .read(field, rest)
                .ok_or_else(|| malformed(input, rest))?;
        }
        if !rest.is_empty() {
            return Err(malformed(input, rest));
        }
        parsed
            .resolve()
            .map_err(|reason| format!("Cannot parse \"{input}\": {reason}"))
    }
}

fn push_literal(fields: &mut Vec<Field>, literal: &mut String) {
    if !literal.is_empty() {
        fields.push(Field::Literal(std::mem::take(literal)));
    }
}

fn malformed(input: &str, rest: &str) -> String {
    if rest.is_empty() {
        format!("Invalid format: \"{input}\" is too short")
    } else {
        format!("Invalid format: \"{input}\" is malformed at \"{rest}\"")
    }
}

fn month_name(month0: u32) -> &'static str {
    MONTH_NAMES[month0 as usize % 12]
}

fn weekday_name(day: Weekday) -> &'static str {
    WEEKDAY_NAMES[day.num_days_from_monday() as usize]
}

/// Field values read so far by [`MySqlFormat::parse`].
#[derive(Default)]
struct Parsed {
    year: Option<i32>,
    month: Option<u32>,
    day: Option<u32>,
    day_of_year: Option<u32>,
    hour24: Option<u32>,
    hour12: Option<u32>,
    pm: Option<bool>,
    minute: Option<u32>,
    second: Option<u32>,
    nanos: Option<u32>,
    iso_week: Option<u32>,
    iso_week_year: Option<i32>,
}

impl Parsed {
    /// Reads one field from the front of `input`, returning what is left.
    fn read<'a>(&mut self, field: &Field, input: &'a str) -> Option<&'a str> {
        match field {
            Field::Literal(text) => {
                let head = input.get(..text.len())?;
                head.eq_ignore_ascii_case(text)
                    .then(|| &input[text.len()..])
            }
            Field::Year => read_number(input, 4).map(|(v, rest)| {
                self.year = Some(v as i32);
                rest
            }),
            Field::TwoDigitYear => {
                let (value, rest) = read_number(input, 2)?;
                if input.len() - rest.len() != 2 {
                    return None;
                }
                let window_start = TWO_DIGIT_YEAR_PIVOT - 50;
                let mut year = window_start - window_start.rem_euclid(100) + value as i32;
                if year < window_start {
                    year += 100;
                }
                self.year = Some(year);
                Some(rest)
            }
            Field::Month { .. } => read_into(input, 2, &mut self.month),
            Field::MonthName | Field::MonthAbbrev => {
                let (index, rest) = read_name(input, &MONTH_NAMES)?;
                self.month = Some(index as u32 + 1);
                Some(rest)
            }
            Field::Day { .. } => read_into(input, 2, &mut self.day),
            Field::DayOfYear => read_into(input, 3, &mut self.day_of_year),
            Field::Hour24 { .. } => read_into(input, 2, &mut self.hour24),
            Field::Hour12 { .. } => read_into(input, 2, &mut self.hour12),
            Field::Minute => read_into(input, 2, &mut self.minute),
            Field::Second => read_into(input, 2, &mut self.second),
            Field::Fraction => {
                let digits = input.bytes().take(9).take_while(u8::is_ascii_digit).count();
                if digits == 0 {
                    return None;
                }
                let value: u32 = input[..digits].parse().ok()?;
                self.nanos = Some(value * 10u32.pow(9 - digits as u32));
                Some(&input[digits..])
            }
            Field::Meridiem => {
                let head = input.get(..2)?;
                if head.eq_ignore_ascii_case("AM") {
                    self.pm = Some(false);
                } else if head.eq_ignore_ascii_case("PM") {
                    self.pm = Some(true);
                } else {
                    return None;
                }
                Some(&input[2..])
            }
            // The weekday is read but, as in Trino, does not move the date.
            Field::WeekdayName | Field::WeekdayAbbrev => {
                read_name(input, &WEEKDAY_NAMES).map(|(_, rest)| rest)
            }
            Field::IsoWeek => read_into(input, 2, &mut self.iso_week),
            Field::IsoWeekYear => read_number(input, 4).map(|(v, rest)| {
                self.iso_week_year = Some(v as i32);
                rest
            }),
        }
    }

    fn resolve(&self) -> Result<NaiveDateTime, String> {
        let date = if let Some(week) = self.iso_week {
            let year = self.iso_week_year.or(self.year).unwrap_or(1970);
            check_range("weekOfWeekyear", week, 1, 53)?;
            NaiveDate::from_isoywd_opt(year, week, Weekday::Mon)
                .ok_or_else(|| format!("Value {week} for weekOfWeekyear is out of range"))?
        } else {
            let year = self.year.unwrap_or(1970);
            match (self.day_of_year, self.month, self.day) {
                (Some(ordinal), None, None) => {
                    let days = if NaiveDate::from_yo_opt(year, 366).is_some() {
                        366
                    } else {
                        365
                    };
                    check_range("dayOfYear", ordinal, 1, days)?;
                    NaiveDate::from_yo_opt(year, ordinal)
                        .ok_or_else(|| format!("Value {ordinal} for dayOfYear is out of range"))?
                }
                (_, month, day) => {
                    let month = month.unwrap_or(1);
                    check_range("monthOfYear", month, 1, 12)?;
                    let day = day.unwrap_or(1);
                    check_range("dayOfMonth", day, 1, days_in_month(year, month))?;
                    NaiveDate::from_ymd_opt(year, month, day)
                        .ok_or_else(|| format!("Value {year} for year is out of range"))?
                }
            }
        };
        let hour = match (self.hour12, self.hour24) {
            (Some(hour12), _) => {
                check_range("clockhourOfHalfday", hour12, 1, 12)?;
                hour12 % 12 + if self.pm == Some(true) { 12 } else { 0 }
            }
            (None, Some(hour24)) => {
                check_range("hourOfDay", hour24, 0, 23)?;
                hour24
            }
            (None, None) => {
                if self.pm == Some(true) {
                    12
                } else {
                    0
                }
            }
        };
        let minute = self.minute.unwrap_or(0);
        check_range("minuteOfHour", minute, 0, 59)?;
        let second = self.second.unwrap_or(0);
        check_range("secondOfMinute", second, 0, 59)?;
        let time = NaiveTime::from_hms_nano_opt(hour, minute, second, self.nanos.unwrap_or(0))
            .ok_or_else(|| "time of day out of range".to_string())?;
        Ok(date.and_time(time))
    }
}

fn check_range(name: &str, value: u32, min: u32, max: u32) -> Result<(), String> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(format!(
            "Value {value} for {name} must be in the range [{min},{max}]"
        ))
    }
}

/// Reads one to `max_digits` ASCII digits.
fn read_number(input: &str, max_digits: usize) -> Option<(u32, &str)> {
    let digits = input
        .bytes()
        .take(max_digits)
        .take_while(u8::is_ascii_digit)
        .count();
    if digits == 0 {
        return None;
    }
    let value = input[..digits].parse().ok()?;
    Some((value, &input[digits..]))
}

fn read_into<'a>(input: &'a str, max_digits: usize, slot: &mut Option<u32>) -> Option<&'a str> {
    let (value, rest) = read_number(input, max_digits)?;
    *slot = Some(value);
    Some(rest)
}

/// Matches a full name or its three-letter abbreviation, ignoring case.
fn read_name<'a>(input: &'a str, names: &[&str]) -> Option<(usize, &'a str)> {
    names.iter().enumerate().find_map(|(index, name)| {
        [name.len(), 3].into_iter().find_map(|len| {
            let head = input.get(..len)?;
            head.eq_ignore_ascii_case(&name[..len])
                .then(|| (index, &input[len..]))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").expect("valid test time")
    }

    fn format(pattern: &str, value: &str) -> String {
        let mut out = String::new();
        MySqlFormat::compile(pattern)
            .expect("valid pattern")
            .format(at(value), &mut out);
        out
    }

    #[test]
    fn prints_every_specifier() {
        let value = "2026-03-07 14:05:09.123";
        assert_eq!(format("%Y-%m-%d %H:%i:%s", value), "2026-03-07 14:05:09");
        assert_eq!(format("%c/%e/%y", value), "3/7/26");
        assert_eq!(format("%f|%j|%p|%h|%l|%k", value), "123000|066|PM|02|2|14");
        assert_eq!(format("%M %b %W %a", value), "March Mar Saturday Sat");
        assert_eq!(format("%T|%r|%%|%q", value), "14:05:09|02:05:09 PM|%|q");
        assert_eq!(format("%x-%v", "2027-01-01 00:00:00"), "2026-53");
        assert_eq!(format("%h %p", "2026-01-01 00:30:00"), "12 AM");
    }

    #[test]
    fn rejects_unsupported_specifiers() {
        for pattern in ["%D", "%U", "%u", "%V", "%w", "%X", "%Y%"] {
            assert!(MySqlFormat::compile(pattern).is_err(), "{pattern}");
        }
    }

    #[test]
    fn parses_with_defaults_and_leniency() {
        let parse = |pattern: &str, input: &str| {
            MySqlFormat::compile(pattern)
                .expect("valid pattern")
                .parse(input)
        };
        assert_eq!(
            parse("%Y-%m-%d %H:%i:%s", "2026-9-1 7:05:09"),
            Ok(at("2026-09-01 07:05:09"))
        );
        assert_eq!(parse("%Y-%m", "2026-09"), Ok(at("2026-09-01 00:00:00")));
        assert_eq!(
            parse("%d %b %Y %h:%i %p", "05 DEC 2026 12:30 am"),
            Ok(at("2026-12-05 00:30:00"))
        );
        assert_eq!(parse("%y", "69"), Ok(at("2069-01-01 00:00:00")));
        assert_eq!(parse("%y", "70"), Ok(at("1970-01-01 00:00:00")));
        assert_eq!(parse("%Y %j", "2024 366"), Ok(at("2024-12-31 00:00:00")));
        assert_eq!(parse("%s.%f", "01.5"), Ok(at("1970-01-01 00:00:01.500")));
        assert!(parse("%Y-%m-%d", "2026-13-01").is_err());
        assert!(parse("%Y-%m-%d", "2026-02-30").is_err());
        assert!(parse("%Y-%m-%d", "2026-02-03x").is_err());
        assert!(parse("%Y-%m-%d", "2026-02").is_err());
    }
}
