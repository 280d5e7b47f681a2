//! Value types of `warroom.toml` that check themselves while being read: durations, URLs,
//! T-0, time zones, week days, clock times, dates, workload references, names.
//!
//! Each is written as a string in the file; a bad one is reported at its position with a
//! message that quotes it and says what to write instead.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Time, Weekday};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Implements serde for a type that is written as a string, via `FromStr<Err = String>` and
/// `Display`.
macro_rules! string_serde {
    ($t:ty) => {
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
    };
}

/// A length of time written like `500ms`, `5s`, `15m`, `1h`, `1h30m`, `2d` (jiff's friendly
/// format, a day being 24 hours; ISO 8601 `PT5S` works too). Never negative. The one parser
/// for durations: the config and the command line (`--duration`) both read through it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Duration(pub std::time::Duration);

impl Duration {
    /// From whole seconds.
    pub const fn secs(s: u64) -> Self {
        Self(std::time::Duration::from_secs(s))
    }

    /// From milliseconds.
    pub const fn millis(ms: u64) -> Self {
        Self(std::time::Duration::from_millis(ms))
    }

    /// Whether it is zero.
    pub fn is_zero(&self) -> bool {
        self.0.is_zero()
    }
}

impl FromStr for Duration {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "\"{s}\" is not a duration; write e.g. \"500ms\", \"30s\", \"15m\", \"1h30m\" or \"2d\""
            )
        };
        let span: jiff::Span = s.trim().parse().map_err(|_| bad())?;
        // Days are 24 hours here: a duration is a length of time, not a calendar step.
        let d = span
            .to_duration(jiff::SpanRelativeTo::days_are_24_hours())
            .map_err(|_| bad())?;
        if d.is_negative() {
            return Err(format!(
                "\"{s}\" is negative; durations count forward, e.g. \"5m\""
            ));
        }
        d.try_into()
            .map(Duration)
            .map_err(|_| format!("\"{s}\" is out of range"))
    }
}

impl fmt::Display for Duration {
    /// The shortest exact form that reads back the same: `0s`, `250ms`, `45s`, `1m30s`,
    /// `2h`, `1h30m`, `1s500ms`. The one formatter for exact durations (config, messages,
    /// chart windows); panes show approximate ages with `ui::timefmt::span`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0.as_millis();
        if ms == 0 {
            return f.write_str("0s");
        }
        let (h, m, s, rest) = (
            ms / 3_600_000,
            ms % 3_600_000 / 60_000,
            ms % 60_000 / 1_000,
            ms % 1_000,
        );
        for (n, unit) in [(h, "h"), (m, "m"), (s, "s"), (rest, "ms")] {
            if n > 0 {
                write!(f, "{n}{unit}")?;
            }
        }
        Ok(())
    }
}
string_serde!(Duration);

/// An `http://` or `https://` URL with no credentials in it (secrets never go in the config).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpUrl(pub reqwest::Url);

/// Query parameters whose values are secrets.
const SECRET_PARAMS: &[&str] = &[
    "token",
    "key",
    "secret",
    "password",
    "passwd",
    "apikey",
    "api_key",
    "access_token",
    "auth",
];

impl FromStr for HttpUrl {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let url = reqwest::Url::parse(s.trim()).map_err(|e| {
            format!(
                "\"{}\" is not a URL ({e}); write e.g. \"https://host:9090\"",
                crate::session::redact::text(s)
            )
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!(
                "\"{s}\" uses `{}`; only http:// and https:// URLs are supported",
                url.scheme()
            ));
        }
        if url.password().is_some() {
            return Err(
                "the URL carries a password; secrets never go in warroom.toml: \
                 use `bearer_token_file` or an environment variable instead"
                    .to_string(),
            );
        }
        // `https://ghp_…@github.com`: a user name alone is sent as Basic credentials and is
        // usually a token. The name is not quoted back, since it may be one.
        if !url.username().is_empty() {
            return Err(format!(
                "the URL carries user info (`…@{}`), which is sent as a credential and is often \
                 a token; secrets never go in warroom.toml: remove it and use `bearer_token_file` \
                 or an environment variable instead",
                url.host_str().unwrap_or("host")
            ));
        }
        if let Some((k, _)) = url
            .query_pairs()
            .find(|(k, _)| SECRET_PARAMS.contains(&k.to_ascii_lowercase().as_str()))
        {
            return Err(format!(
                "the URL carries a secret in `{k}=`; secrets never go in warroom.toml: \
                 use a `…_file` or `…_env` key instead"
            ));
        }
        Ok(HttpUrl(url))
    }
}

impl fmt::Display for HttpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str())
    }
}
string_serde!(HttpUrl);

/// T-0 of the release: an instant (`2026-11-24T15:00:00Z`, `…-05:00`, `…[America/New_York]`,
/// or `2026-11-24T10:00 America/New_York`), or a local time read in `[deployment] timezone`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum T0 {
    /// A fixed instant.
    Instant(Timestamp),
    /// A wall-clock time; the zone comes from `[deployment] timezone`.
    Local(DateTime),
}

impl T0 {
    /// The instant, reading a local time in `tz`.
    pub fn resolve(&self, tz: &jiff::tz::TimeZone) -> Option<Timestamp> {
        match self {
            T0::Instant(t) => Some(*t),
            T0::Local(dt) => tz
                .to_ambiguous_zoned(*dt)
                .compatible()
                .ok()
                .map(|z| z.timestamp()),
        }
    }
}

impl FromStr for T0 {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        if let Ok(ts) = t.parse::<Timestamp>() {
            return Ok(T0::Instant(ts));
        }
        if let Ok(z) = t.parse::<jiff::Zoned>() {
            return Ok(T0::Instant(z.timestamp()));
        }
        let bad = || {
            format!(
                "\"{s}\" is not a time; write \"2026-11-24T10:00:00\" (read in `timezone`), \
                 \"2026-11-24T15:00:00Z\" or \"2026-11-24T10:00 America/New_York\""
            )
        };
        if let Some((civil, zone)) = t.rsplit_once(' ')
            && let Ok(dt) = civil.trim().parse::<DateTime>()
        {
            let tz = time_zone(zone).map_err(|e| format!("\"{s}\": {e}"))?;
            return T0::Local(dt).resolve(&tz).map(T0::Instant).ok_or_else(bad);
        }
        t.parse::<DateTime>().map(T0::Local).map_err(|_| bad())
    }
}

impl fmt::Display for T0 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            T0::Instant(t) => write!(f, "{t}"),
            T0::Local(dt) => write!(f, "{dt}"),
        }
    }
}
string_serde!(T0);

/// Looks a zone up in the system's time-zone database.
pub fn time_zone(name: &str) -> Result<jiff::tz::TimeZone, String> {
    match name {
        "UTC" | "Etc/UTC" | "Z" => Ok(jiff::tz::TimeZone::UTC),
        _ => jiff::tz::TimeZone::get(name).map_err(|_| {
            format!("\"{name}\" is not a known IANA time zone; write e.g. \"America/New_York\", \"Europe/Berlin\" or \"UTC\"")
        }),
    }
}

/// An IANA time-zone name that exists in the system's database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone(pub String);

impl Zone {
    /// The zone.
    pub fn tz(&self) -> jiff::tz::TimeZone {
        time_zone(&self.0).unwrap_or(jiff::tz::TimeZone::UTC)
    }
}

impl FromStr for Zone {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        time_zone(s.trim()).map(|_| Zone(s.trim().to_string()))
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
string_serde!(Zone);

/// A day of the week: `Mon` … `Sun` or the full name, any case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day(pub Weekday);

impl FromStr for Day {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let l = s.trim().to_ascii_lowercase();
        let day = match l.get(..3).filter(|_| l.len() == 3 || l.ends_with("day")) {
            Some("mon") if l == "mon" || l == "monday" => Weekday::Monday,
            Some("tue") if l == "tue" || l == "tuesday" => Weekday::Tuesday,
            Some("wed") if l == "wed" || l == "wednesday" => Weekday::Wednesday,
            Some("thu") if l == "thu" || l == "thursday" => Weekday::Thursday,
            Some("fri") if l == "fri" || l == "friday" => Weekday::Friday,
            Some("sat") if l == "sat" || l == "saturday" => Weekday::Saturday,
            Some("sun") if l == "sun" || l == "sunday" => Weekday::Sunday,
            _ => {
                return Err(format!(
                    "\"{s}\" is not a day of the week; write Mon, Tue, Wed, Thu, Fri, Sat or Sun"
                ));
            }
        };
        Ok(Day(day))
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            Weekday::Monday => "Mon",
            Weekday::Tuesday => "Tue",
            Weekday::Wednesday => "Wed",
            Weekday::Thursday => "Thu",
            Weekday::Friday => "Fri",
            Weekday::Saturday => "Sat",
            Weekday::Sunday => "Sun",
        })
    }
}
string_serde!(Day);

/// A wall-clock time of day, `HH:MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ClockTime(pub Time);

impl FromStr for ClockTime {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        s.trim().parse::<Time>().map(ClockTime).map_err(|_| {
            format!("\"{s}\" is not a time of day; write 24-hour \"HH:MM\", e.g. \"14:00\"")
        })
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.strftime("%H:%M"))
    }
}
string_serde!(ClockTime);

/// A calendar date, `YYYY-MM-DD` (quoted or a bare TOML date).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct CalendarDate(pub Date);

impl FromStr for CalendarDate {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        s.trim().parse::<Date>().map(CalendarDate).map_err(|_| {
            format!("\"{s}\" is not a date; write \"YYYY-MM-DD\", e.g. \"2026-11-26\"")
        })
    }
}

impl fmt::Display for CalendarDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
string_serde!(CalendarDate);

/// Whether `s` is a Kubernetes DNS-1123 label (namespaces, services, routes, deployments).
pub fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// A Kubernetes object name (DNS-1123 label).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct K8sName(pub String);

impl FromStr for K8sName {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if is_dns_label(s) {
            Ok(K8sName(s.to_string()))
        } else {
            Err(format!(
                "\"{s}\" is not a Kubernetes name; use lowercase letters, digits and '-', at most 63 characters"
            ))
        }
    }
}

impl fmt::Display for K8sName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
string_serde!(K8sName);

/// A workload: `deployment/NAME` (or just `NAME`, meaning a Deployment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workload {
    /// The Deployment's name.
    pub name: String,
}

impl FromStr for Workload {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (kind, name) = s.trim().split_once('/').unwrap_or(("deployment", s.trim()));
        if !matches!(kind, "deployment" | "deployments" | "deploy") {
            return Err(format!(
                "\"{s}\": only Deployments are supported; write \"deployment/NAME\""
            ));
        }
        if !is_dns_label(name) {
            return Err(format!(
                "\"{s}\": \"{name}\" is not a Kubernetes name; use lowercase letters, digits and '-'"
            ));
        }
        Ok(Workload {
            name: name.to_string(),
        })
    }
}

impl fmt::Display for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "deployment/{}", self.name)
    }
}
string_serde!(Workload);

/// The name of an environment variable that holds a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvVar(pub String);

impl FromStr for EnvVar {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let ok = !s.is_empty()
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && !s.as_bytes()[0].is_ascii_digit();
        if ok {
            Ok(EnvVar(s.to_string()))
        } else {
            Err(format!(
                "\"{}\" is not an environment variable name; name the variable that holds the secret, e.g. \"WARROOM_WEBHOOK_URL\", never the secret itself",
                elide(s)
            ))
        }
    }
}

impl fmt::Display for EnvVar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
string_serde!(EnvVar);

/// Shortens a value that may be a secret before it is quoted back.
fn elide(s: &str) -> String {
    if s.chars().count() > 12 {
        format!("{}…", s.chars().take(8).collect::<String>())
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!("5s".parse::<Duration>(), Ok(Duration::secs(5)));
        assert_eq!("500ms".parse::<Duration>(), Ok(Duration::millis(500)));
        assert_eq!("15m".parse::<Duration>(), Ok(Duration::secs(900)));
        assert_eq!("1h30m".parse::<Duration>(), Ok(Duration::secs(5400)));
        assert!("5x".parse::<Duration>().is_err());
        assert!("-5s".parse::<Duration>().is_err());
        assert_eq!("2d".parse::<Duration>(), Ok(Duration::secs(2 * 86_400)));
        assert_eq!("PT5S".parse::<Duration>(), Ok(Duration::secs(5)));
        assert!("1 month".parse::<Duration>().is_err());
        assert_eq!(Duration::millis(1500).to_string(), "1s500ms");
        assert_eq!(Duration::millis(250).to_string(), "250ms");
        assert_eq!(Duration::secs(1800).to_string(), "30m");
        assert_eq!(Duration::secs(5400).to_string(), "1h30m");
        assert_eq!(Duration::secs(90).to_string(), "1m30s");
        assert_eq!(Duration::secs(0).to_string(), "0s");
    }

    #[test]
    fn durations_read_back_what_they_print() {
        for ms in [
            0u64, 1, 999, 1000, 1500, 59_999, 60_000, 90_000, 3_600_000, 5_400_000, 86_400_000,
            90_061_001,
        ] {
            let d = Duration::millis(ms);
            assert_eq!(d.to_string().parse::<Duration>(), Ok(d), "{d}");
        }
    }

    #[test]
    fn urls_refuse_credentials() {
        assert!(
            "http://prometheus.monitoring:9090"
                .parse::<HttpUrl>()
                .is_ok()
        );
        assert!("ftp://x".parse::<HttpUrl>().is_err());
        assert!("not a url".parse::<HttpUrl>().is_err());
        let e = "https://u:p@host/"
            .parse::<HttpUrl>()
            .expect_err("password");
        assert!(e.contains("password"), "{e}");
        assert!("https://host/?token=abc".parse::<HttpUrl>().is_err());
        let token = "ghp_16C7e42F292c6912E7710c838347Ae178B4a";
        for url in [
            format!("https://{token}@github.com/org/repo"),
            format!("https://{token}:@github.com/"),
            "https://deploy-bot@git.example.com/health".to_string(),
        ] {
            let e = url.parse::<HttpUrl>().expect_err("user info");
            assert!(e.contains("user info"), "{e}");
            assert!(!e.contains(token) && !e.contains("deploy-bot"), "{e}");
        }
        let e = format!("https://{token} x")
            .parse::<HttpUrl>()
            .expect_err("bad");
        assert!(!e.contains(token), "{e}");
    }

    #[test]
    fn t0_forms() {
        let want: Timestamp = "2026-11-24T15:00:00Z".parse().expect("ts");
        assert_eq!("2026-11-24T15:00:00Z".parse(), Ok(T0::Instant(want)));
        assert_eq!(
            "2026-11-24T10:00 America/New_York".parse(),
            Ok(T0::Instant(want))
        );
        let local: T0 = "2026-11-24T10:00:00".parse().expect("local");
        let ny = time_zone("America/New_York").expect("zone");
        assert_eq!(local.resolve(&ny), Some(want));
        assert!("tomorrow".parse::<T0>().is_err());
    }

    #[test]
    fn small_values() {
        assert_eq!("wed".parse::<Day>(), Ok(Day(Weekday::Wednesday)));
        assert_eq!("Thursday".parse::<Day>(), Ok(Day(Weekday::Thursday)));
        assert!("Wedn".parse::<Day>().is_err());
        assert!("10:00".parse::<ClockTime>().is_ok());
        assert!("25:00".parse::<ClockTime>().is_err());
        assert!("2026-11-26".parse::<CalendarDate>().is_ok());
        assert_eq!(
            "deployment/app-blue".parse::<Workload>().map(|w| w.name),
            Ok("app-blue".into())
        );
        assert!("statefulset/db".parse::<Workload>().is_err());
        assert!("Bad_Name".parse::<K8sName>().is_err());
        assert!("WARROOM_WEBHOOK_URL".parse::<EnvVar>().is_ok());
        let e = "https://hooks.example.com/services/T000/B000/XXXX"
            .parse::<EnvVar>()
            .expect_err("url");
        assert!(!e.contains("XXXX"), "secrets are not echoed: {e}");
        assert!("Europe/Berlin".parse::<Zone>().is_ok());
        assert!("Mars/Olympus".parse::<Zone>().is_err());
    }
}
