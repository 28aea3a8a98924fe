//! What MONITOR and SLOWLOG may show of a command others ran, as Redis
//! 7.0 shows it: secrets appear as `(redacted)` in both (AUTH's
//! arguments, the user and password after HELLO's AUTH, the value of a
//! sensitive directive in CONFIG SET), and monitors are never fed an
//! admin command or subcommand (CONFIG, CLIENT LIST, DEBUG, SLOWLOG, ...:
//! "too dangerous to be shown"), nor one flagged skip-monitor.

use kv_engine::command::{CommandSpec, Flags};
use resp_codec::Argv;

/// What a hidden argument is shown as.
pub const REDACTED: &[u8] = b"(redacted)";

/// Directives whose values CONFIG SET hides (Redis's sensitive configs).
const SENSITIVE: [&str; 3] = ["requirepass", "masterauth", "masteruser"];

/// Argument `i` of `argv` as MONITOR and SLOWLOG show it.
pub fn shown<'a>(argv: Argv<'a>, i: usize) -> &'a [u8] {
    if is_secret(argv, i) {
        REDACTED
    } else {
        argv.arg(i)
    }
}

fn is_secret(argv: Argv<'_>, i: usize) -> bool {
    if i == 0 {
        return false;
    }
    let name = argv.arg(0);
    if name.eq_ignore_ascii_case(b"auth") {
        return true;
    }
    if name.eq_ignore_ascii_case(b"hello") {
        return hello_secret(argv, i);
    }
    if name.eq_ignore_ascii_case(b"config")
        && argv.len() > 2
        && argv.arg(1).eq_ignore_ascii_case(b"set")
    {
        // CONFIG SET name value [name value ...]: a value at an odd
        // distance from the first name, after a sensitive name.
        return i >= 3
            && (i - 3).is_multiple_of(2)
            && SENSITIVE
                .iter()
                .any(|s| argv.arg(i - 1).eq_ignore_ascii_case(s.as_bytes()));
    }
    false
}

/// HELLO [protover [AUTH username password] [SETNAME clientname]]: the
/// two arguments after each AUTH that has both.
fn hello_secret(argv: Argv<'_>, i: usize) -> bool {
    let mut j = 2;
    // Bounded by the arguments: every round moves on at least one.
    while j < argv.len() {
        let option = argv.arg(j);
        if option.eq_ignore_ascii_case(b"auth") && j + 2 < argv.len() {
            if i == j + 1 || i == j + 2 {
                return true;
            }
            j += 3;
        } else if option.eq_ignore_ascii_case(b"setname") && j + 1 < argv.len() {
            j += 2;
        } else {
            // Redis stops at a syntax error; nothing after it was seen.
            return false;
        }
    }
    false
}

/// Whether monitors see `argv`, run as `spec`: not when the command, or
/// the subcommand it names, is admin or skip-monitor.
pub fn monitored(spec: &CommandSpec, argv: Argv<'_>) -> bool {
    let hidden = |flags: Flags| flags.contains(Flags::ADMIN) || flags.contains(Flags::SKIP_MONITOR);
    if hidden(spec.flags) {
        return false;
    }
    let subcommand = kv_engine::command_docs::meta(spec.name)
        .filter(|_| argv.len() > 1)
        .and_then(|meta| meta.subcommand(argv.arg(1)));
    !subcommand.is_some_and(|sub| hidden(sub.flags))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown_all(words: &[&str]) -> Vec<String> {
        let args: Vec<bytes::Bytes> = words
            .iter()
            .map(|w| bytes::Bytes::copy_from_slice(w.as_bytes()))
            .collect();
        let argv = Argv::from(&args);
        (0..words.len())
            .map(|i| String::from_utf8_lossy(shown(argv, i)).into_owned())
            .collect()
    }

    #[test]
    fn secrets_are_redacted_as_redis_redacts_them() {
        assert_eq!(shown_all(&["AUTH", "pw"]), ["AUTH", "(redacted)"]);
        assert_eq!(
            shown_all(&["auth", "default", "pw"]),
            ["auth", "(redacted)", "(redacted)"]
        );
        assert_eq!(
            shown_all(&["HELLO", "3", "AUTH", "u", "pw", "SETNAME", "n"]),
            [
                "HELLO",
                "3",
                "AUTH",
                "(redacted)",
                "(redacted)",
                "SETNAME",
                "n"
            ]
        );
        assert_eq!(
            shown_all(&["HELLO", "3", "SETNAME", "auth", "AUTH", "u", "p"]),
            [
                "HELLO",
                "3",
                "SETNAME",
                "auth",
                "AUTH",
                "(redacted)",
                "(redacted)"
            ]
        );
        assert_eq!(
            shown_all(&[
                "CONFIG",
                "SET",
                "maxclients",
                "100",
                "MasterAuth",
                "s",
                "requirepass",
                "x"
            ]),
            [
                "CONFIG",
                "SET",
                "maxclients",
                "100",
                "MasterAuth",
                "(redacted)",
                "requirepass",
                "(redacted)"
            ]
        );
        // A value named like a sensitive directive is not a name.
        assert_eq!(
            shown_all(&["CONFIG", "SET", "dbfilename", "requirepass", "x", "y"]),
            ["CONFIG", "SET", "dbfilename", "requirepass", "x", "y"]
        );
        assert_eq!(
            shown_all(&["SET", "requirepass", "x"]),
            ["SET", "requirepass", "x"]
        );
        assert_eq!(
            shown_all(&["CONFIG", "GET", "requirepass"]),
            ["CONFIG", "GET", "requirepass"]
        );
    }
}
