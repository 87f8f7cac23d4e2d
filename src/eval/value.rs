//! Values as an operator reads them. Operands arrive untyped (a request string, a literal, a
//! list); the operator's family decides how both sides are read, and a value that cannot be
//! read so is an error that names it (DECISIONS §3).

use std::fmt;

use crate::ast::Family;
pub(crate) use crate::parse::lexeme::parse_guid;

/// A value before an operator types it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Raw<'a> {
    Str(&'a str),
    Int(i64),
    Bool(bool),
    /// A bare GUID literal, as written (read as a GUID when the condition is prepared).
    Guid(&'a str),
    /// A time supplied by the clock, in ticks.
    Time(i64),
    /// A request's string that reads as a date-time, read when the request was built: the
    /// string, and its ticks. It is a string to every family but the date-time one.
    DateTime(&'a str, i64),
}

impl fmt::Display for Raw<'_> {
    /// As it would be written in a condition.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Raw::Str(s) | Raw::DateTime(s, _) => write!(f, "'{s}'"),
            Raw::Int(n) => write!(f, "{n}"),
            Raw::Bool(b) => write!(f, "{b}"),
            Raw::Guid(text) => f.write_str(text),
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
    /// The two halves (high, low): a `u128` would make every value 16-byte aligned, and the
    /// evaluator's memo of values twice as large.
    Guid([u64; 2]),
    /// 100-nanosecond ticks since the Unix epoch.
    Time(i64),
}

/// Why a value cannot be read as an operator's family: a small value, so that the evaluator
/// carries it without allocating; the message is written only when it is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Why {
    NotInteger,
    NotBool,
    NotGuid,
    DateTimeShape,
    CalendarDate,
    TimeOfDay,
    FractionDigits,
    /// A `.` with no digit before the `Z`.
    NoFractionDigits,
    /// A year outside 0001 to 9999, the range Azure's date-times (.NET `DateTime`) have.
    Year,
    /// A value of another kind: (the value's kind, the family).
    Kind(&'static str, Family),
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Why::NotInteger => f.write_str("is not an integer"),
            Why::NotBool => f.write_str("is not `true` or `false`"),
            Why::NotGuid => f.write_str("is not a GUID (8-4-4-4-12 or 32 hexadecimal digits)"),
            Why::DateTimeShape => {
                f.write_str("is not a date-time of the form `YYYY-MM-DDThh:mm:ss[.fffffff]Z`")
            }
            Why::CalendarDate => f.write_str("is not a valid calendar date"),
            Why::TimeOfDay => f.write_str("is not a valid time of day"),
            Why::FractionDigits => f.write_str("has more than 7 fractional digits"),
            Why::NoFractionDigits => {
                f.write_str("has no digit after `.` (write `.0Z`, or drop the `.`)")
            }
            Why::Year => f.write_str("has a year outside 0001 to 9999"),
            Why::Kind(kind, family) => write!(f, "is {kind}, not {}", family_name(*family)),
        }
    }
}

/// A GUID's value as its two halves, high first (ordered as the whole is).
pub(crate) fn guid_halves(g: u128) -> [u64; 2] {
    [(g >> 64) as u64, g as u64]
}

/// `raw` read as `family` when that needs no work: a string read as a string is itself, and a
/// request's date-time string was read when the request was built. `None` for the others,
/// which [`typed`] reads.
#[inline(always)]
pub(crate) fn read_as_is(raw: Raw<'_>, family: Family) -> Option<Typed<'_>> {
    match (family, raw) {
        (Family::String, Raw::Str(s) | Raw::DateTime(s, _)) => Some(Typed::Str(s)),
        (Family::DateTime, Raw::DateTime(_, t)) => Some(Typed::Time(t)),
        _ => None,
    }
}

/// Reads `raw` as `family`, or says why it cannot be.
#[inline]
pub(crate) fn typed(raw: Raw<'_>, family: Family) -> Result<Typed<'_>, Why> {
    if let Some(t) = read_as_is(raw, family) {
        return Ok(t);
    }
    match (family, raw) {
        (Family::String, Raw::Guid(text)) => Ok(Typed::Str(text)),
        (Family::Numeric, Raw::Int(n)) => Ok(Typed::Int(n)),
        (Family::Numeric, Raw::Str(s)) => parse_integer(s).map(Typed::Int).ok_or(Why::NotInteger),
        (Family::Bool, Raw::Bool(b)) => Ok(Typed::Bool(b)),
        (Family::Bool, Raw::Str(s)) if s.eq_ignore_ascii_case("true") => Ok(Typed::Bool(true)),
        (Family::Bool, Raw::Str(s)) if s.eq_ignore_ascii_case("false") => Ok(Typed::Bool(false)),
        (Family::Bool, Raw::Str(_)) => Err(Why::NotBool),
        (Family::DateTime, Raw::Time(t)) => Ok(Typed::Time(t)),
        (_, Raw::DateTime(s, _)) => typed(Raw::Str(s), family),
        (Family::DateTime, Raw::Str(s)) => datetime_ticks(s).map(Typed::Time),
        (Family::Guid, Raw::Str(s) | Raw::Guid(s)) => parse_guid(s)
            .map(|g| Typed::Guid(guid_halves(g)))
            .ok_or(Why::NotGuid),
        (_, raw) => Err(Why::Kind(kind_name(raw), family)),
    }
}

fn kind_name(raw: Raw<'_>) -> &'static str {
    match raw {
        Raw::Str(_) | Raw::DateTime(..) => "a string",
        Raw::Int(_) => "an integer",
        Raw::Bool(_) => "a boolean",
        Raw::Guid(_) => "a GUID",
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

const TICKS_PER_SECOND: i64 = 10_000_000;

/// Parses `YYYY-MM-DDThh:mm:ss[.f{1,7}]Z` (UTC) into 100-ns ticks since the Unix epoch.
pub(crate) fn parse_datetime(s: &str) -> Result<i64, String> {
    datetime_ticks(s).map_err(|why| why.to_string())
}

/// [`parse_datetime`] without building a message: arithmetic on the bytes, no allocation.
pub(crate) fn datetime_ticks(s: &str) -> Result<i64, Why> {
    let b = s.as_bytes();
    // `YYYY-MM-DDThh:mm:ss` and then `Z` or `.fffffffZ`.
    let Some((head, tail)) = b.split_first_chunk::<19>() else {
        return Err(Why::DateTimeShape);
    };
    let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1, b'T', h0, h1, b':', i0, i1, b':', s0, s1] =
        *head
    else {
        return Err(Why::DateTimeShape);
    };
    let fields = (|| {
        Some([
            number(&[y0, y1, y2, y3])?,
            number(&[m0, m1])?,
            number(&[d0, d1])?,
            number(&[h0, h1])?,
            number(&[i0, i1])?,
            number(&[s0, s1])?,
        ])
    })();
    let Some([year, month, day, hour, minute, second]) = fields else {
        return Err(Why::DateTimeShape);
    };
    let fraction = match tail {
        [b'Z'] => None,
        [b'.', digits @ .., b'Z'] => Some(digits),
        _ => return Err(Why::DateTimeShape),
    };
    if year == 0 {
        return Err(Why::Year);
    }
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return Err(Why::CalendarDate);
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Err(Why::TimeOfDay);
    }
    // One to seven digits after `.`, in units of 100 ns.
    let ticks_fraction = match fraction {
        None => 0,
        Some(digits @ [_, ..]) if digits.len() <= 7 => number(digits)
            .map(|value| value * 10i64.pow(7 - digits.len() as u32))
            .ok_or(Why::FractionDigits)?,
        Some([]) => return Err(Why::NoFractionDigits),
        Some(_) => return Err(Why::FractionDigits),
    };
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second;
    Ok(seconds * TICKS_PER_SECOND + ticks_fraction)
}

/// The value of a run of decimal digits (at most 7 here), `None` if one is not a digit.
fn number(digits: &[u8]) -> Option<i64> {
    digits.iter().try_fold(0i64, |v, d| {
        d.is_ascii_digit().then(|| v * 10 + i64::from(d - b'0'))
    })
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
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
    fn datetimes_agree_with_chrono_over_the_calendar() {
        for (y, m, d) in [
            (1, 1, 1),
            (1600, 2, 29),
            (1900, 2, 28),
            (1970, 1, 1),
            (1969, 12, 31),
            (2000, 2, 29),
            (2024, 12, 31),
            (9999, 12, 31),
        ] {
            let text = format!("{y:04}-{m:02}-{d:02}T23:59:58.25Z");
            let expected = chrono::NaiveDate::from_ymd_opt(y, m, d)
                .unwrap()
                .and_hms_milli_opt(23, 59, 58, 250)
                .unwrap()
                .and_utc();
            assert_eq!(parse_datetime(&text), Ok(ticks_from(expected)), "{text}");
            assert_eq!(
                format_ticks(ticks_from(expected)),
                text.replace(".25Z", ".2500000Z")
            );
        }
        assert!(parse_datetime("1900-02-29T00:00:00Z").is_err());
        assert!(parse_datetime("2023-04-31T00:00:00Z").is_err());
        assert!(parse_datetime("2023-00-10T00:00:00Z").is_err());
        assert!(parse_datetime("2023-01-00T00:00:00Z").is_err());
        assert!(parse_datetime("2023-01-01T23:60:00Z").is_err());
    }

    #[test]
    fn datetime_messages_say_what_is_wrong() {
        let why = |s: &str| parse_datetime(s).unwrap_err();
        assert_eq!(
            why("2023-05-01T13:00:00.Z"),
            "has no digit after `.` (write `.0Z`, or drop the `.`)"
        );
        assert_eq!(
            why("2023-05-01T13:00:00.00000001Z"),
            "has more than 7 fractional digits"
        );
        assert_eq!(
            why("0000-01-01T00:00:00Z"),
            "has a year outside 0001 to 9999"
        );
        assert!(parse_datetime("0001-01-01T00:00:00Z").is_ok());
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
        assert_eq!(
            parse_guid("b24988ac-6180-42a0-ab88-20f7382dd24c"),
            uuid::Uuid::try_parse("b24988ac-6180-42a0-ab88-20f7382dd24c")
                .ok()
                .map(|g| g.as_u128())
        );
        assert_eq!(
            parse_guid("00000000-0000-0000-0000-000000000001"),
            Some(1),
            "digits in order, the last the least significant"
        );
        for bad in [
            "b24988ac-6180-42a0-ab88-20f7382dd24",
            "b24988ac06180-42a0-ab88-20f7382dd24c",
            "b24988a-c6180-42a0-ab88-20f7382dd24c",
            "g24988ac-6180-42a0-ab88-20f7382dd24c",
            "+24988ac-6180-42a0-ab88-20f7382dd24c",
            "b24988ac618042a0ab8820f7382dd24-",
            "",
        ] {
            assert_eq!(parse_guid(bad), None, "{bad}");
        }
        assert_eq!(parse_guid("{b24988ac-6180-42a0-ab88-20f7382dd24c}"), None);
        assert_eq!(
            parse_guid("urn:uuid:b24988ac-6180-42a0-ab88-20f7382dd24c"),
            None
        );
    }

    #[test]
    fn values_are_read_by_the_operator_family() {
        assert_eq!(typed(Raw::Str("42"), Family::Numeric), Ok(Typed::Int(42)));
        assert_eq!(typed(Raw::Str("x"), Family::Numeric), Err(Why::NotInteger));
        assert!(typed(Raw::Str("4.2"), Family::Numeric).is_err());
        assert_eq!(typed(Raw::Str("True"), Family::Bool), Ok(Typed::Bool(true)));
        assert!(typed(Raw::Int(1), Family::String).is_err());
        assert!(typed(Raw::Bool(true), Family::Guid).is_err());
    }
}
