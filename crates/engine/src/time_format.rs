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
}
