//! Values as an operator reads them. Operands arrive untyped (a request string, a literal, a
//! list); the operator's family decides how both sides are read, and a value that cannot be
//! read so is an error that names it (DECISIONS §3).

use std::fmt;

use chrono::{NaiveDate, NaiveTime};

use crate::ast::Family;
use crate::parse::lexeme::is_guid;

/// A value before an operator types it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Raw<'a> {
    Str(&'a str),
    Int(i64),
    Bool(bool),
    /// A bare GUID literal: its value and its text.
    Guid(uuid::Uuid, &'a str),
    /// A time supplied by the clock, in ticks.
    Time(i64),
}

impl fmt::Display for Raw<'_> {
    /// As it would be written in a condition.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Raw::Str(s) => write!(f, "'{s}'"),
            Raw::Int(n) => write!(f, "{n}"),
            Raw::Bool(b) => write!(f, "{b}"),
            Raw::Guid(_, text) => f.write_str(text),
            Raw::Time(t) => f.write_str(&format_ticks(*t)),
        }
    }
}

/// A value read as one operator family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Typed<'a> {
    Str(&'a str),
    Int(i64),
    Bool(bool),
    Guid(u128),
    /// 100-nanosecond ticks since the Unix epoch.
    Time(i64),
}

/// Reads `raw` as `family`, or says why it cannot be.
pub(crate) fn typed(raw: Raw<'_>, family: Family) -> Result<Typed<'_>, String> {
    match (family, raw) {
        (Family::String, Raw::Str(s)) => Ok(Typed::Str(s)),
        (Family::String, Raw::Guid(_, text)) => Ok(Typed::Str(text)),
        (Family::Numeric, Raw::Int(n)) => Ok(Typed::Int(n)),
        (Family::Numeric, Raw::Str(s)) => parse_integer(s)
            .map(Typed::Int)
            .ok_or_else(|| "is not an integer".to_string()),
        (Family::Bool, Raw::Bool(b)) => Ok(Typed::Bool(b)),
        (Family::Bool, Raw::Str(s)) if s.eq_ignore_ascii_case("true") => Ok(Typed::Bool(true)),
        (Family::Bool, Raw::Str(s)) if s.eq_ignore_ascii_case("false") => Ok(Typed::Bool(false)),
        (Family::Bool, Raw::Str(_)) => Err("is not `true` or `false`".into()),
        (Family::DateTime, Raw::Time(t)) => Ok(Typed::Time(t)),
        (Family::DateTime, Raw::Str(s)) => parse_datetime(s).map(Typed::Time),
        (Family::Guid, Raw::Guid(g, _)) => Ok(Typed::Guid(g.as_u128())),
        (Family::Guid, Raw::Str(s)) => parse_guid(s)
            .map(Typed::Guid)
            .ok_or_else(|| "is not a GUID (8-4-4-4-12 or 32 hexadecimal digits)".to_string()),
        (_, raw) => Err(format!(
            "is {}, not {}",
            kind_name(raw),
            family_name(family)
        )),
    }
}

fn kind_name(raw: Raw<'_>) -> &'static str {
    match raw {
        Raw::Str(_) => "a string",
        Raw::Int(_) => "an integer",
        Raw::Bool(_) => "a boolean",
        Raw::Guid(..) => "a GUID",
        Raw::Time(_) => "a date-time",
    }
}

pub(crate) fn family_name(family: Family) -> &'static str {
    match family {
        Family::String => "a string",
        Family::Numeric => "an integer",
        Family::Bool => "a boolean",
        Family::DateTime => "a date-time",
        Family::Guid => "a GUID",
    }
}

fn parse_integer(s: &str) -> Option<i64> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A GUID in either of the forms conditions use, compared as its 128-bit value.
pub(crate) fn parse_guid(s: &str) -> Option<u128> {
    if !is_guid(s) {
        return None;
    }
    uuid::Uuid::try_parse(s).ok().map(|g| g.as_u128())
}

const TICKS_PER_SECOND: i64 = 10_000_000;

/// Parses `YYYY-MM-DDThh:mm:ss[.f{1,7}]Z` (UTC) into 100-ns ticks since the Unix epoch.
pub(crate) fn parse_datetime(s: &str) -> Result<i64, String> {
    let bad = || "is not a date-time of the form `YYYY-MM-DDThh:mm:ss[.fffffff]Z`".to_string();
    let body = s.strip_suffix('Z').ok_or_else(bad)?;
    let (whole, fraction) = match body.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (body, None),
    };
    let b = whole.as_bytes();
    let shape_ok = b.len() == 19
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        });
    if !shape_ok {
        return Err(bad());
    }
    let num = |range: std::ops::Range<usize>| -> Result<u32, String> {
        whole
            .get(range)
            .and_then(|t| t.parse().ok())
            .ok_or_else(bad)
    };
    let year = i32::try_from(num(0..4)?).map_err(|_| bad())?;
    let date = NaiveDate::from_ymd_opt(year, num(5..7)?, num(8..10)?)
        .ok_or_else(|| "is not a valid calendar date".to_string())?;
    let time = NaiveTime::from_hms_opt(num(11..13)?, num(14..16)?, num(17..19)?)
        .ok_or_else(|| "is not a valid time of day".to_string())?;
    let seconds = date.and_time(time).and_utc().timestamp();
    let ticks_fraction = match fraction {
        None => 0,
        Some(f) if (1..=7).contains(&f.len()) && f.bytes().all(|c| c.is_ascii_digit()) => {
            let padded = format!("{f:0<7}");
            padded.parse::<i64>().map_err(|_| bad())?
        }
        Some(_) => return Err("has more than 7 fractional digits, or none after `.`".into()),
    };
    seconds
        .checked_mul(TICKS_PER_SECOND)
        .and_then(|t| t.checked_add(ticks_fraction))
        .ok_or_else(bad)
}

/// Ticks since the Unix epoch from a chrono time, truncated to 100 ns.
pub(crate) fn ticks_from(time: chrono::DateTime<chrono::Utc>) -> i64 {
    time.timestamp()
        .saturating_mul(TICKS_PER_SECOND)
        .saturating_add(i64::from(time.timestamp_subsec_nanos() / 100))
}

/// `YYYY-MM-DDThh:mm:ss.fffffffZ`.
pub(crate) fn format_ticks(ticks: i64) -> String {
    let seconds = ticks.div_euclid(TICKS_PER_SECOND);
    let fraction = ticks.rem_euclid(TICKS_PER_SECOND);
    match chrono::DateTime::from_timestamp(seconds, 0) {
        Some(t) => format!("{}.{fraction:07}Z", t.format("%Y-%m-%dT%H:%M:%S")),
        None => format!("{ticks} ticks"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_with_0_to_7_fraction_digits() {
        let base = parse_datetime("2023-05-01T13:00:00Z").unwrap();
        assert_eq!(parse_datetime("2023-05-01T13:00:00.0Z"), Ok(base));
        assert_eq!(parse_datetime("2023-05-01T13:00:00.000Z"), Ok(base));
        assert_eq!(parse_datetime("2023-05-01T13:00:00.0000001Z"), Ok(base + 1));
        assert_eq!(
            parse_datetime("2023-05-01T13:00:00.5Z"),
            Ok(base + 5_000_000)
        );
        assert_eq!(format_ticks(base + 1), "2023-05-01T13:00:00.0000001Z");
    }

    #[test]
    fn malformed_datetimes_are_errors() {
        for bad in [
            "2023-05-01T13:00:00",
            "2023-05-01 13:00:00Z",
            "2023-05-01T13:00:00.00000001Z",
            "2023-05-01T13:00:00.Z",
            "2023-02-30T13:00:00Z",
            "2023-05-01T25:00:00Z",
            "2023-05-01T13:00:00+01:00",
            "yesterday",
        ] {
            assert!(parse_datetime(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn guids_compare_by_value() {
        assert_eq!(
            parse_guid("b24988ac-6180-42a0-ab88-20f7382dd24c"),
            parse_guid("B24988AC618042A0AB8820F7382DD24C")
        );
        assert_eq!(parse_guid("{b24988ac-6180-42a0-ab88-20f7382dd24c}"), None);
        assert_eq!(
            parse_guid("urn:uuid:b24988ac-6180-42a0-ab88-20f7382dd24c"),
            None
        );
    }

    #[test]
    fn values_are_read_by_the_operator_family() {
        assert_eq!(typed(Raw::Str("42"), Family::Numeric), Ok(Typed::Int(42)));
        assert!(typed(Raw::Str("4.2"), Family::Numeric).is_err());
        assert_eq!(typed(Raw::Str("True"), Family::Bool), Ok(Typed::Bool(true)));
        assert!(typed(Raw::Int(1), Family::String).is_err());
        assert!(typed(Raw::Bool(true), Family::Guid).is_err());
    }
}
