//! Calendar time without a time-zone database: Unix seconds to and from proleptic Gregorian UTC,
//! as certificates, timestamps, profiles and plist dates need it.

/// Seconds from 0001-01-01T00:00:00Z to the Unix epoch, and from the epoch to the end of 9999:
/// the range [`rfc3339_from_unix`] formats. Inside it no arithmetic below can overflow.
const MIN_UNIX: i64 = -62_135_596_800;
const MAX_UNIX: i64 = 253_402_300_799;
const SECONDS_PER_DAY: i64 = 86_400;

/// Formats Unix seconds as RFC 3339 UTC (`"2027-02-01T22:12:15Z"`); `None` outside years 1–9999.
pub fn rfc3339_from_unix(unix: i64) -> Option<String> {
    if !(MIN_UNIX..=MAX_UNIX).contains(&unix) {
        return None;
    }
    let days = unix.div_euclid(SECONDS_PER_DAY);
    let second_of_day = unix.rem_euclid(SECONDS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    Some(format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        second_of_day / 3600,
        second_of_day % 3600 / 60,
        second_of_day % 60
    ))
}

/// Unix seconds of a UTC calendar time, or `None` when a field is out of range
/// (years 1–9999; a leap second `:60` is accepted and counted as the next second).
pub fn unix_from_civil(year: i64, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> Option<i64> {
    if !(1..=9999).contains(&year)
        || !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let seconds = i64::from(hour * 3600 + minute * 60 + second);
    days.checked_mul(SECONDS_PER_DAY)?.checked_add(seconds)
}

fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
/// Callers keep `year` within 1–9999 and `month`/`day` valid.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let shifted_month = i64::from(if month > 2 { month - 3 } else { month + 9 });
    let day_of_year = (153 * shifted_month + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's `civil_from_days`).
/// Exact for any day count below 2^50 in magnitude.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 { shifted_month + 3 } else { shifted_month - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_conversions() {
        assert_eq!(rfc3339_from_unix(0).as_deref(), Some("1970-01-01T00:00:00Z"));
        assert_eq!(rfc3339_from_unix(1_801_519_935).as_deref(), Some("2027-02-01T22:12:15Z"));
        assert_eq!(rfc3339_from_unix(-1).as_deref(), Some("1969-12-31T23:59:59Z"));
        assert_eq!(rfc3339_from_unix(951_782_400).as_deref(), Some("2000-02-29T00:00:00Z"));
        assert_eq!(rfc3339_from_unix(MAX_UNIX).as_deref(), Some("9999-12-31T23:59:59Z"));
        assert_eq!(rfc3339_from_unix(MIN_UNIX).as_deref(), Some("0001-01-01T00:00:00Z"));
        assert_eq!(rfc3339_from_unix(MAX_UNIX + 1), None);
        assert_eq!(rfc3339_from_unix(i64::MIN), None);
        assert_eq!(unix_from_civil(2027, 2, 1, 22, 12, 15), Some(1_801_519_935));
        assert_eq!(unix_from_civil(2000, 2, 29, 0, 0, 0), Some(951_782_400));
        assert_eq!(unix_from_civil(1900, 2, 29, 0, 0, 0), None);
        assert_eq!(unix_from_civil(2021, 13, 1, 0, 0, 0), None);
        for unix in [MIN_UNIX, -86_401, 0, 1_000_000_000, MAX_UNIX] {
            let text = rfc3339_from_unix(unix).unwrap();
            let field = |range: std::ops::Range<usize>| text[range].parse::<u32>().unwrap();
            let back = unix_from_civil(
                i64::from(field(0..4)),
                field(5..7),
                field(8..10),
                field(11..13),
                field(14..16),
                field(17..19),
            );
            assert_eq!(back, Some(unix), "{text}");
        }
    }
}
