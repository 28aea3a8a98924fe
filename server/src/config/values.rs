//! Reading a directive's arguments into its canonical value (the text
//! CONFIG GET prints), with Redis's error texts for each kind.
//!
//! One function serves redis.conf lines, `--directive value` arguments and
//! CONFIG SET, so the three accept and refuse exactly the same values.

use super::directives::Kind;

/// The canonical value of `args` for `kind`; `current` is the value being
/// changed (an output buffer limit line changes one class of it).
pub fn normalize(kind: Kind, args: &[String]) -> Result<String, String> {
    normalize_onto(kind, args, None)
}

/// The stored form of a value Redis adjusts after reading it (`hz` is
/// clamped to 1..=500 and CONFIG GET then prints the clamped number).
pub fn adjust(name: &str, value: String) -> String {
    match name {
        "hz" => value
            .parse::<i64>()
            .map_or(value, |hz| hz.clamp(1, 500).to_string()),
        _ => value,
    }
}

/// What CONFIG SET alone adjusts (a file's value is kept as written):
/// `repl-backlog-size` grows to Redis's 16kb minimum backlog.
pub fn adjust_on_set(name: &str, value: String) -> String {
    const MIN_BACKLOG_BYTES: i64 = 16 * 1024;
    match name {
        "repl-backlog-size" => value
            .parse::<i64>()
            .map_or(value, |bytes| bytes.max(MIN_BACKLOG_BYTES).to_string()),
        _ => value,
    }
}

/// As `normalize`, merging into `current` where the kind accumulates.
pub fn normalize_onto(
    kind: Kind,
    args: &[String],
    current: Option<&str>,
) -> Result<String, String> {
    match kind {
        Kind::Bool => single(args).and_then(|arg| parse_bool(arg).map(|b| yes_no(b).to_owned())),
        Kind::Int { min, max } => {
            let n = parse_int(single(args)?)?;
            in_range(n, min, max)?;
            Ok(n.to_string())
        }
        Kind::Memory { min, max } => {
            let n = parse_memory(single(args)?).ok_or("argument must be a memory value")?;
            // A signed (or LONG_MAX-bounded) directive: what memtoull read,
            // as Redis stores it, wrapped past i64::MAX.
            let n = n as i64;
            in_range(n, min, max)?;
            Ok(n.to_string())
        }
        Kind::MemoryUnsigned => parse_memory(single(args)?)
            .map(|n| n.to_string())
            .ok_or_else(|| "argument must be a memory value".into()),
        Kind::MemoryOrPercent => memory_or_percent(single(args)?),
        Kind::Enum(names) => {
            let arg = single(args)?;
            names
                .iter()
                .find(|name| name.eq_ignore_ascii_case(arg))
                .map(|name| (*name).to_owned())
                .ok_or_else(|| {
                    format!(
                        "argument(s) must be one of the following: {}",
                        names.join(", ")
                    )
                })
        }
        Kind::Str => single(args).map(str::to_owned),
        Kind::Octal => {
            let arg = single(args)?;
            let n = u32::from_str_radix(arg, 8)
                .map_err(|_| "argument couldn't be parsed into an integer")?;
            Ok(format!("{n:o}"))
        }
        Kind::Save => save(&single_space_words(args)),
        Kind::OutputBufferLimit => match args {
            // CONFIG SET's empty value changes nothing, as in Redis.
            [] => Ok(current.unwrap_or_default().to_owned()),
            [arg] if arg.is_empty() => Ok(current.unwrap_or_default().to_owned()),
            _ => output_buffer_limit(&single_space_words(args), current),
        },
        Kind::Bind => Ok(split_words(args).join(" ")),
        Kind::NotifyFlags => notify_flags(single(args)?),
        Kind::Percentiles => percentiles(&single_space_words(args)),
        Kind::OomScoreValues => oom_score_values(&single_space_words(args)),
        Kind::ReplicaOf => {
            let words = split_words(args);
            match words.as_slice() {
                [] => Ok(String::new()),
                [no, one] if no.eq_ignore_ascii_case("no") && one.eq_ignore_ascii_case("one") => {
                    Ok(String::new())
                }
                [host, port] => {
                    let port = parse_int(port)?;
                    in_range(port, 0, 65535)?;
                    Ok(format!("{host} {port}"))
                }
                _ => Err("wrong number of arguments".into()),
            }
        }
    }
}

fn single(args: &[String]) -> Result<&str, String> {
    match args {
        [arg] => Ok(arg),
        _ => Err("wrong number of arguments".into()),
    }
}

/// CONFIG SET passes a multi-word value as one string; a config line as
/// several arguments. Either way, the words.
fn split_words(args: &[String]) -> Vec<String> {
    args.iter()
        .flat_map(|arg| arg.split(' '))
        .filter(|word| !word.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `save`'s and `latency-tracking-info-percentiles`'s words: split on
/// single spaces, as Redis splits a CONFIG SET value, so a doubled,
/// leading or trailing space makes an empty word, which is invalid; an
/// empty value is none.
fn single_space_words(args: &[String]) -> Vec<String> {
    if args.iter().all(|arg| arg.is_empty()) {
        return Vec::new();
    }
    args.iter()
        .flat_map(|arg| arg.split(' '))
        .map(str::to_owned)
        .collect()
}

pub fn yes_no(value: bool) -> &'static str {
    if value {
        "yes"
    } else {
        "no"
    }
}

pub fn parse_bool(arg: &str) -> Result<bool, String> {
    if arg.eq_ignore_ascii_case("yes") {
        Ok(true)
    } else if arg.eq_ignore_ascii_case("no") {
        Ok(false)
    } else {
        Err("argument must be 'yes' or 'no'".into())
    }
}

/// A decimal integer by Redis's `string2ll` rules: an optional `-`, no `+`,
/// no spaces, no leading zeros.
pub fn parse_int(arg: &str) -> Result<i64, String> {
    let error = || "argument couldn't be parsed into an integer".to_owned();
    let digits = arg.strip_prefix('-').unwrap_or(arg);
    let canonical = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
        && arg != "-0";
    if !canonical {
        return Err(error());
    }
    arg.parse().map_err(|_| error())
}

fn in_range(n: i64, min: i64, max: i64) -> Result<(), String> {
    if n < min || n > max {
        return Err(format!(
            "argument must be between {min} and {max} inclusive"
        ));
    }
    Ok(())
}

/// A memory size as Redis's `memtoull` reads it: leading digits, then an
/// optional unit, `b`, `k`/`m`/`g` (powers of 1000) or `kb`/`mb`/`gb`
/// (powers of 1024), in any case. No digits read as 0 (`""`, `kb`); a
/// `-`, another unit or 128 digits or more are refused; the digits
/// saturate at `u64::MAX` (strtoull) and the unit multiplies wrapping.
pub fn parse_memory(arg: &str) -> Option<u64> {
    const MAX_DIGITS: usize = 127;
    let split = arg.find(|c: char| !c.is_ascii_digit()).unwrap_or(arg.len());
    let (digits, unit) = arg.split_at(split);
    if digits.len() > MAX_DIGITS {
        return None;
    }
    let multiplier: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    let value = digits.bytes().fold(0u64, |value, digit| {
        value
            .checked_mul(10)
            .and_then(|value| value.checked_add(u64::from(digit - b'0')))
            .unwrap_or(u64::MAX)
    });
    Some(value.wrapping_mul(multiplier))
}

/// `maxmemory-clients`: a memory value, or a percentage (of `maxmemory`)
/// up to 100, kept as Redis keeps it, negative, and shown with its `%`.
fn memory_or_percent(arg: &str) -> Result<String, String> {
    const TOO_MUCH: &str = "percentage argument must be less or equal to 100";
    let stored = match parse_memory(arg) {
        Some(bytes) => bytes as i64,
        None => {
            let percent = arg
                .strip_suffix('%')
                .filter(|digits| !digits.is_empty())
                .and_then(|digits| parse_int(digits).ok())
                .filter(|percent| *percent >= 0)
                .ok_or("argument must be a memory or percent value")?;
            -percent
        }
    };
    if stored < -100 {
        return Err(TOO_MUCH.into());
    }
    Ok(percent_shown(stored))
}

/// A stored `maxmemory-clients` value as CONFIG GET prints it.
fn percent_shown(stored: i64) -> String {
    if stored < 0 {
        format!("{}%", stored.unsigned_abs())
    } else {
        stored.to_string()
    }
}

/// `bytes` in the largest unit that divides it exactly (CONFIG REWRITE's form).
pub fn memory_with_unit(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [
        (1024 * 1024 * 1024, "gb"),
        (1024 * 1024, "mb"),
        (1024, "kb"),
    ];
    for (size, unit) in UNITS {
        if bytes != 0 && bytes.is_multiple_of(size) {
            return format!("{}{unit}", bytes / size);
        }
    }
    bytes.to_string()
}

/// Save points as Redis reads them: each number by `strtoll` (a sign,
/// leading zeros, saturating), seconds at least 1, changes at least 0,
/// kept as Redis keeps them (seconds a time_t, changes an int).
fn save(words: &[String]) -> Result<String, String> {
    let error = || "Invalid save parameters".to_owned();
    if words.is_empty() {
        return Ok(String::new());
    }
    if !words.len().is_multiple_of(2) {
        return Err(error());
    }
    let mut points = Vec::with_capacity(words.len() / 2);
    for pair in words.chunks(2) {
        let seconds = strtoll_whole(&pair[0])
            .filter(|s| *s >= 1)
            .ok_or_else(error)?;
        let changes = strtoll_whole(&pair[1])
            .filter(|c| *c >= 0)
            .ok_or_else(error)?;
        points.push(format!("{seconds} {}", changes as i32));
    }
    Ok(points.join(" "))
}

/// `word` as C's `strtoll` reads it, when it reads all of it: leading
/// white space, a sign, digits saturating at the i64 bounds; an empty
/// word is 0 (nothing read, nothing left), a sign alone is refused.
pub fn strtoll_whole(word: &str) -> Option<i64> {
    strtoll_checked(word).map(|(value, _)| value)
}

/// As `strtoll_whole`, and whether the number was in range (no ERANGE).
fn strtoll_checked(word: &str) -> Option<(i64, bool)> {
    if word.is_empty() {
        return Some((0, true));
    }
    let unspaced = word.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let (negative, digits) = match unspaced.as_bytes().first() {
        Some(b'-') => (true, &unspaced[1..]),
        Some(b'+') => (false, &unspaced[1..]),
        _ => (false, unspaced),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let magnitude = digits.bytes().fold(0i128, |value, digit| {
        (value * 10 + i128::from(digit - b'0')).min(i128::from(u64::MAX))
    });
    let signed = if negative { -magnitude } else { magnitude };
    let clamped = signed.clamp(i128::from(i64::MIN), i128::from(i64::MAX));
    Some((clamped as i64, clamped == signed))
}

/// One class's limits: hard bytes, soft bytes, soft seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct BufferLimit {
    pub hard_bytes: u64,
    pub soft_bytes: u64,
    pub soft_seconds: u64,
}

/// The three classes, in Redis's order: normal, replica, pubsub.
pub const CLIENT_CLASSES: [&str; 3] = ["normal", "slave", "pubsub"];

/// Reads the canonical value `normal h s t slave h s t pubsub h s t`.
pub fn parse_buffer_limits(value: &str) -> [BufferLimit; 3] {
    let mut limits = [BufferLimit::default(); 3];
    let words: Vec<&str> = value.split(' ').collect();
    for group in words.chunks(4) {
        if let [class, hard, soft, seconds] = group {
            if let Some(i) = class_index(class) {
                limits[i] = BufferLimit {
                    hard_bytes: parse_memory(hard).unwrap_or(0),
                    soft_bytes: parse_memory(soft).unwrap_or(0),
                    soft_seconds: seconds.parse().unwrap_or(0),
                };
            }
        }
    }
    limits
}

fn class_index(class: &str) -> Option<usize> {
    match class.to_ascii_lowercase().as_str() {
        "normal" => Some(0),
        "slave" | "replica" => Some(1),
        "pubsub" => Some(2),
        _ => None,
    }
}

fn output_buffer_limit(words: &[String], current: Option<&str>) -> Result<String, String> {
    if words.is_empty() || !words.len().is_multiple_of(4) {
        return Err("Wrong number of arguments in buffer limit configuration.".into());
    }
    let mut limits = parse_buffer_limits(
        current.unwrap_or("normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"),
    );
    for group in words.chunks(4) {
        let class = class_index(&group[0])
            .ok_or("Invalid client class specified in buffer limit configuration.")?;
        let bad = || {
            "Error in hard, soft or soft_seconds setting in buffer limit configuration.".to_owned()
        };
        let hard = parse_memory(&group[1]).ok_or_else(bad)?;
        let soft = parse_memory(&group[2]).ok_or_else(bad)?;
        // Redis checks strtoll's range here (and not for save points).
        let seconds = strtoll_checked(&group[3])
            .filter(|(s, in_range)| *in_range && *s >= 0)
            .ok_or_else(bad)?
            .0;
        limits[class] = BufferLimit {
            hard_bytes: hard,
            soft_bytes: soft,
            soft_seconds: seconds as u64,
        };
    }
    Ok(CLIENT_CLASSES
        .iter()
        .zip(limits)
        .map(|(class, l)| {
            format!(
                "{class} {} {} {}",
                l.hard_bytes, l.soft_bytes, l.soft_seconds
            )
        })
        .collect::<Vec<_>>()
        .join(" "))
}

/// The engine's parser, stored losslessly: Redis's rendering (what CONFIG
/// GET shows, `notify_flags_shown`), plus `n` when `A` hides it there
/// (Redis keeps the flag though it does not show it).
fn notify_flags(arg: &str) -> Result<String, String> {
    use kv_engine::notify::NotifyFlags;
    let flags = NotifyFlags::parse(arg.as_bytes()).map_err(|e| e.to_string())?;
    let mut stored = flags.to_string();
    if flags.contains(NotifyFlags::ALL) && flags.contains(NotifyFlags::NEW) {
        stored.push('n');
    }
    Ok(stored)
}

/// A stored `notify-keyspace-events` value as CONFIG GET shows it.
pub fn notify_flags_shown(stored: &str) -> String {
    kv_engine::notify::NotifyFlags::parse(stored.as_bytes())
        .map_or_else(|_| stored.to_owned(), |flags| flags.to_string())
}

fn percentiles(words: &[String]) -> Result<String, String> {
    let mut out = Vec::with_capacity(words.len());
    for word in words {
        let value = percentile(word)?;
        if !(0.0..=100.0).contains(&value) {
            return Err(
                "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
                    .into(),
            );
        }
        out.push(percentile_label(value));
    }
    Ok(out.join(" "))
}

/// A percentile as Redis reads one (`string2ld`: hex and exponents, an
/// infinity, no spaces, no NaN), as the double Redis keeps.
pub fn percentile(word: &str) -> Result<f64, String> {
    match kv_engine::long_double::parse_long_double(word.as_bytes()) {
        Some(Some(value)) => Ok(value.to_f64()),
        Some(None) if word.starts_with('-') => Ok(f64::NEG_INFINITY),
        Some(None) => Ok(f64::INFINITY),
        None => Err("Invalid latency-tracking-info-percentiles parameters".into()),
    }
}

/// A percentile as Redis prints it, in CONFIG GET and INFO latencystats
/// (`p99.9=`): "%f" with trailing zeros (and point) trimmed.
pub fn percentile_label(value: f64) -> String {
    let fixed = format!("{value:.6}");
    fixed
        .trim_end_matches('0')
        .trim_end_matches('.')
        .to_string()
}

fn oom_score_values(words: &[String]) -> Result<String, String> {
    const INVALID: &str = "Invalid oom-score-adj-values, elements must be between -2000 and 2000.";
    if words.len() != 3 {
        return Err("wrong number of arguments".into());
    }
    let mut values = Vec::with_capacity(3);
    for word in words {
        let n = strtoll_whole(word)
            .filter(|n| (-2000..=2000).contains(n))
            .ok_or(INVALID)?;
        values.push(n.to_string());
    }
    Ok(values.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(kind: Kind, arg: &str, expect: Result<&str, &str>) {
        let got = normalize(kind, &[arg.to_owned()]);
        assert_eq!(
            got.as_deref().map_err(String::as_str),
            expect,
            "{kind:?} {arg:?}"
        );
    }

    #[test]
    fn integers_follow_string2ll() {
        let kind = Kind::Int { min: 0, max: 65535 };
        check(kind, "6380", Ok("6380"));
        for bad in ["+1", " 1", "01", "1.5", "", "abc", "-0"] {
            check(
                kind,
                bad,
                Err("argument couldn't be parsed into an integer"),
            );
        }
        check(
            kind,
            "99999",
            Err("argument must be between 0 and 65535 inclusive"),
        );
    }

    #[test]
    fn memory_units_are_redis_units() {
        let kind = Kind::Memory {
            min: 0,
            max: i64::MAX,
        };
        check(kind, "1gb", Ok("1073741824"));
        check(kind, "1KB", Ok("1024"));
        check(kind, "1k", Ok("1000"));
        check(kind, "5m", Ok("5000000"));
        for bad in ["1x", "1.5mb", "-1", "+1", " 1", "1%"] {
            check(kind, bad, Err("argument must be a memory value"));
        }
        // memtoull: no digits read as 0, leading zeros are fine, the
        // digits saturate and the unit wraps; the range is checked after.
        check(kind, "", Ok("0"));
        check(kind, "mb", Ok("0"));
        check(kind, "007", Ok("7"));
        check(
            kind,
            "99999999999999999999",
            Err("argument must be between 0 and 9223372036854775807 inclusive"),
        );
        check(
            Kind::MemoryUnsigned,
            "99999999999999999999",
            Ok("18446744073709551615"),
        );
        check(
            Kind::MemoryUnsigned,
            "18446744073709551615kb",
            Ok("18446744073709550592"),
        );
        check(Kind::MemoryOrPercent, "10%", Ok("10%"));
        check(Kind::MemoryOrPercent, "2kb", Ok("2048"));
        check(
            Kind::MemoryOrPercent,
            "101%",
            Err("percentage argument must be less or equal to 100"),
        );
        check(
            Kind::MemoryOrPercent,
            "-1%",
            Err("argument must be a memory or percent value"),
        );
        assert_eq!(memory_with_unit(104857600), "100mb");
        assert_eq!(memory_with_unit(1000), "1000");
        assert_eq!(memory_with_unit(0), "0");
    }

    #[test]
    fn booleans_and_enums() {
        check(Kind::Bool, "YES", Ok("yes"));
        check(Kind::Bool, "maybe", Err("argument must be 'yes' or 'no'"));
        let levels = Kind::Enum(&["debug", "verbose", "notice", "warning"]);
        check(levels, "Notice", Ok("notice"));
        check(
            levels,
            "foo",
            Err("argument(s) must be one of the following: debug, verbose, notice, warning"),
        );
    }

    #[test]
    fn save_points() {
        check(Kind::Save, "3600 1 300 100", Ok("3600 1 300 100"));
        check(Kind::Save, "", Ok(""));
        check(Kind::Save, "10", Err("Invalid save parameters"));
        check(Kind::Save, "100 x", Err("Invalid save parameters"));
        // Split on single spaces, as Redis splits a CONFIG SET value.
        check(Kind::Save, "  100   1  ", Err("Invalid save parameters"));
        // Each number by strtoll: a sign, leading zeros, saturation.
        check(Kind::Save, "+60 01", Ok("60 1"));
        check(
            Kind::Save,
            "99999999999999999999 1",
            Ok("9223372036854775807 1"),
        );
        check(Kind::Save, "0 1", Err("Invalid save parameters"));
        check(Kind::Save, "1 -1", Err("Invalid save parameters"));
    }

    #[test]
    fn output_buffer_limits_change_one_class() {
        let default = "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60";
        let got = normalize_onto(
            Kind::OutputBufferLimit,
            &["pubsub 1mb 2k 3".into()],
            Some(default),
        );
        assert_eq!(
            got.unwrap(),
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 2000 3"
        );
        let got = normalize_onto(
            Kind::OutputBufferLimit,
            &["replica".into(), "1".into(), "2".into(), "3".into()],
            Some(default),
        );
        assert_eq!(
            got.unwrap(),
            "normal 0 0 0 slave 1 2 3 pubsub 33554432 8388608 60"
        );
        check(
            Kind::OutputBufferLimit,
            "normal 0 0",
            Err("Wrong number of arguments in buffer limit configuration."),
        );
        check(
            Kind::OutputBufferLimit,
            "foo 1 2 3",
            Err("Invalid client class specified in buffer limit configuration."),
        );
        check(
            Kind::OutputBufferLimit,
            "normal 1x 2 3",
            Err("Error in hard, soft or soft_seconds setting in buffer limit configuration."),
        );
    }

    #[test]
    fn notify_flags_print_as_redis_prints_them() {
        for (input, expect) in [
            ("KEA", "AKE"),
            ("Ex", "xE"),
            ("gK", "gK"),
            ("$lshzxetmd", "$lshzxetdm"),
            ("En", "nE"),
            ("AEKmn", "AKEmn"),
            ("dn", "dn"),
            ("g$lshzxetd", "A"),
            ("", ""),
        ] {
            check(Kind::NotifyFlags, input, Ok(expect));
        }
        check(
            Kind::NotifyFlags,
            "Q",
            Err("Invalid event class character. Use 'Ag$lshzxeKEtmdn'."),
        );
    }

    #[test]
    fn octal_and_percentiles() {
        check(Kind::Octal, "700", Ok("700"));
        check(
            Kind::Octal,
            "8",
            Err("argument couldn't be parsed into an integer"),
        );
        check(Kind::Percentiles, "50.5 99", Ok("50.5 99"));
        // Redis's "%f" then trimmed, as CONFIG GET shows it (7.0.15).
        check(
            Kind::Percentiles,
            "0.0000001 99.9999999 12.5",
            Ok("0 100 12.5"),
        );
        check(
            Kind::Percentiles,
            "101",
            Err("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"),
        );
        // Read as string2ld reads: hex, exponents, an infinity (out of
        // range); no NaN, no empty word between doubled spaces.
        check(Kind::Percentiles, "0x10 1e1", Ok("16 10"));
        check(Kind::Percentiles, "", Ok(""));
        let invalid = Err("Invalid latency-tracking-info-percentiles parameters");
        for arg in ["abc", "nan", "50  99", " 50", "5 "] {
            check(Kind::Percentiles, arg, invalid);
        }
        check(
            Kind::Percentiles,
            "inf",
            Err("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"),
        );
    }
}
