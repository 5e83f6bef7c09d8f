//! Epoch milliseconds as the ISO 8601 UTC text DynamoDB uses in stream labels and ARNs
//! (`2026-01-01T00:00:00.000`), without any date library.

/// Days since 1970-01-01 to (year, month, day), by the proleptic Gregorian calendar.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `YYYY-MM-DDTHH:MM:SS.mmm` in UTC.
pub fn iso_millis(millis: i64) -> String {
    let days = millis.div_euclid(86_400_000);
    let rest = millis.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    let (h, min, s, ms) = (
        rest / 3_600_000,
        rest / 60_000 % 60,
        rest / 1000 % 60,
        rest % 1000,
    );
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}.{ms:03}")
}

/// The UTC day number of an instant, for limits that reset at midnight UTC.
pub fn utc_day(millis: i64) -> i64 {
    millis.div_euclid(86_400_000)
}

/// (year, month, day) to days since 1970-01-01, the inverse of `civil_from_days`.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Reads back what `iso_millis` wrote (stream labels carry their creation time this way).
pub fn parse_iso_millis(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 23 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[19] != b'.' {
        return None;
    }
    let n = |r: std::ops::Range<usize>| text.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (n(0..4)?, n(5..7)?, n(8..10)?);
    let (h, mi, s, ms) = (n(11..13)?, n(14..16)?, n(17..19)?, n(20..23)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let days = days_from_civil(y, mo as u32, d as u32);
    Some(days * 86_400_000 + h * 3_600_000 + mi * 60_000 + s * 1000 + ms)
}

/// Java's `Date.toString()` in UTC (`Thu Jul 02 12:57:57 UTC 2015`), which DynamoDB Streams
/// prints in ExpiredIteratorException messages.
pub fn java_date(millis: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = millis.div_euclid(86_400_000);
    let rest = millis.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    let weekday = DAYS[days.rem_euclid(7) as usize];
    let month = MONTHS[(m as usize).saturating_sub(1) % 12];
    format!(
        "{weekday} {month} {d:02} {:02}:{:02}:{:02} UTC {y}",
        rest / 3_600_000,
        rest / 60_000 % 60,
        rest / 1000 % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        // Why: stream labels and ARNs must read as DynamoDB writes them.
        assert_eq!(iso_millis(0), "1970-01-01T00:00:00.000");
        assert_eq!(iso_millis(1_767_225_600_000), "2026-01-01T00:00:00.000");
        assert_eq!(iso_millis(951_782_400_123), "2000-02-29T00:00:00.123");
        assert_eq!(iso_millis(-1), "1969-12-31T23:59:59.999");
    }

    #[test]
    fn parses_what_it_prints() {
        // Why: a stream's creation time is read back from its label after a restart.
        for t in [0, 1_767_225_600_000, 951_782_400_123, 4_102_444_799_999] {
            assert_eq!(parse_iso_millis(&iso_millis(t)), Some(t));
        }
        assert_eq!(parse_iso_millis("2026-13-01T00:00:00.000"), None);
        assert_eq!(parse_iso_millis("garbage"), None);
    }

    #[test]
    fn java_dates_match_known_messages() {
        // Why: ExpiredIteratorException quotes times as Java prints them.
        assert_eq!(java_date(1_435_841_877_000), "Thu Jul 02 12:57:57 UTC 2015");
        assert_eq!(java_date(1_767_225_600_000), "Thu Jan 01 00:00:00 UTC 2026");
    }
}
