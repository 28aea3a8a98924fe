//! Loading a configuration: redis.conf text (comments, quoting, `include`)
//! and redis-server's command line, with Redis's fatal error messages.
//!
//! As redis-server does, the command line's `--name value ...` pairs are
//! turned into config lines appended after the file's text (after one
//! empty line), and the whole is read as one text. So an error in an
//! argument is reported at the line it became, quoted as Redis quotes it:
//! `redis-rust-server --port abc` fails "at line 2" with `>>> 'port "abc"'`.

use super::directives::{self, Kind, DIRECTIVES};
use super::values::normalize_onto;
use super::Config;
use std::fmt;
use std::path::{Path, PathBuf};

/// The Redis version whose behaviour we implement, as the fatal banner
/// names it.
pub const REDIS_VERSION: &str = "7.0.15";

/// Most nested `include`s followed before giving up (a file including
/// itself would otherwise never end).
const INCLUDE_DEPTH_MAX: usize = 16;

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A line is wrong: Redis's FATAL CONFIG FILE ERROR block.
    #[error(
        "\n*** FATAL CONFIG FILE ERROR (Redis {REDIS_VERSION}) ***\nReading the configuration file, at line {line}\n>>> '{text}'\n{reason}"
    )]
    Line {
        line: usize,
        text: String,
        reason: String,
    },
    #[error("Fatal error, can't open config file '{path}': {reason}")]
    Open { path: String, reason: String },
}

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Invocation {
    /// Serve with this configuration.
    Serve(Box<Config>),
    /// `--version` / `-v`.
    Version,
    /// `--help` / `-h`.
    Help,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config").field("file", &self.file).finish()
    }
}

impl PartialEq for Config {
    fn eq(&self, other: &Self) -> bool {
        self.values == other.values && self.file == other.file
    }
}
impl Eq for Config {}

/// Reads redis-server's arguments (without the program name).
pub fn from_args(args: &[String]) -> Result<Invocation, LoadError> {
    match args.first().map(String::as_str) {
        Some("-v" | "--version") => return Ok(Invocation::Version),
        Some("-h" | "--help") => return Ok(Invocation::Help),
        _ => {}
    }
    let (file, options) = match args.first() {
        Some(first) if !first.starts_with("--") => (Some(first.as_str()), &args[1..]),
        _ => (None, args),
    };
    let mut config = Config::defaults();
    let mut text = String::new();
    if let Some(path) = file {
        text = std::fs::read_to_string(path).map_err(|e| LoadError::Open {
            path: path.to_owned(),
            reason: io_reason(&e),
        })?;
        config.file = Some(absolute(Path::new(path)));
    }
    text.push('\n');
    text.push_str(&options_as_lines(options));
    let mut loader = Loader {
        enters_dir: true,
        ..Loader::default()
    };
    loader.load_text(&mut config, &text, 0)?;
    if loader.default_user_without_password {
        // Redis applies `user` lines once the whole file is read.
        config.values[directives::find("requirepass").expect("requirepass is a directive")] =
            String::new();
    }
    Ok(Invocation::Serve(Box::new(config)))
}

/// Reads config text into `config` (used by tests and by `include`).
pub fn load_text(config: &mut Config, text: &str) -> Result<(), LoadError> {
    Loader::default().load_text(config, text, 0)
}

/// Turns `--name arg ...` pairs into config lines, quoting each argument
/// as Redis does (`sdscatrepr`). `--save` with no argument means `save ""`.
fn options_as_lines(options: &[String]) -> String {
    let mut lines: Vec<String> = Vec::new();
    for (i, arg) in options.iter().enumerate() {
        if let Some(name) = arg.strip_prefix("--") {
            let mut line = name.to_owned();
            let has_value = options
                .get(i + 1)
                .is_some_and(|next| !next.starts_with("--"));
            if name.eq_ignore_ascii_case("save") && !has_value {
                line.push_str(" \"\"");
            }
            lines.push(line);
        } else {
            match lines.last_mut() {
                Some(line) => {
                    line.push(' ');
                    line.push_str(&quote(arg.as_bytes()));
                }
                // A bare word before any `--name`: Redis takes it as a
                // line of its own, which then fails as a bad directive.
                None => lines.push(quote(arg.as_bytes())),
            }
        }
    }
    lines.join("\n")
}

/// Redis's `sdscatrepr`: double quotes, C escapes, `\xHH` for the rest.
pub fn quote(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            b if b.is_ascii_graphic() || b == b' ' => out.push(char::from(b)),
            b => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('"');
    out
}

/// State that spans the whole load, includes too.
#[derive(Default)]
struct Loader {
    /// `save` lines accumulate; the first one replaces the default.
    save_seen: bool,
    /// A `user default on nopass ~* &* +@all` line was read.
    default_user_without_password: bool,
    /// `dir` must name a directory of the real file system (a start of
    /// the server, not a test's text for a simulated disk).
    enters_dir: bool,
}

/// The one ACL user line this server reads: the `default` user with no
/// password and every permission, which Redis 7.0's CONFIG REWRITE
/// writes into every file it rewrites while `requirepass` is unset.
/// (Any other `user` line still stops startup: there are no ACLs here.)
fn is_unrestricted_default_user(args: &[String]) -> bool {
    const RULES: [&str; 5] = ["on", "nopass", "~*", "&*", "+@all"];
    let Some((user, rules)) = args.split_first() else {
        return false;
    };
    user == "default"
        && rules.len() == RULES.len()
        && RULES.iter().all(|rule| rules.iter().any(|r| r == rule))
}

impl Loader {
    fn load_text(
        &mut self,
        config: &mut Config,
        text: &str,
        depth: usize,
    ) -> Result<(), LoadError> {
        for (index, raw) in text.split('\n').enumerate() {
            let line = raw.trim_matches([' ', '\t', '\r', '\n']);
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fail = |reason: &str| LoadError::Line {
                line: index + 1,
                text: line.to_owned(),
                reason: reason.to_owned(),
            };
            let Some(words) = resp_codec::split_inline_args(line.as_bytes()) else {
                return Err(fail("Unbalanced quotes in configuration line"));
            };
            let words: Vec<String> = words
                .into_iter()
                .map(|w| String::from_utf8_lossy(&w).into_owned())
                .collect();
            let Some((name, args)) = words.split_first() else {
                continue;
            };
            let name = name.to_ascii_lowercase();
            if name == "include" {
                let [path] = args else {
                    return Err(fail("Bad directive or wrong number of arguments"));
                };
                self.include(config, path, depth).map_err(|e| match e {
                    LoadError::Open { .. } if depth + 1 > INCLUDE_DEPTH_MAX => {
                        fail("include nesting too deep")
                    }
                    other => other,
                })?;
                continue;
            }
            if name == "user" && is_unrestricted_default_user(args) {
                self.default_user_without_password = true;
                continue;
            }
            self.apply(config, &name, args)
                .map_err(|reason| fail(&reason))?;
        }
        Ok(())
    }

    fn include(&mut self, config: &mut Config, path: &str, depth: usize) -> Result<(), LoadError> {
        if depth + 1 > INCLUDE_DEPTH_MAX {
            return Err(LoadError::Open {
                path: path.to_owned(),
                reason: "include nesting too deep".into(),
            });
        }
        let text = std::fs::read_to_string(path).map_err(|e| LoadError::Open {
            path: path.to_owned(),
            reason: io_reason(&e),
        })?;
        self.load_text(config, &text, depth + 1)
    }

    fn apply(&mut self, config: &mut Config, name: &str, args: &[String]) -> Result<(), String> {
        let bad = || "Bad directive or wrong number of arguments".to_owned();
        let index = directives::find(name).ok_or_else(bad)?;
        let directive = &DIRECTIVES[index];
        // A known directive without a value: Redis hands a list directive
        // its (empty) list, and refuses any other.
        if args.is_empty() && !directive.kind.takes_a_list() {
            return Err("wrong number of arguments".into());
        }
        let value = match directive.kind {
            Kind::Save => {
                let new = normalize_onto(Kind::Save, args, None)?;
                let first = !std::mem::replace(&mut self.save_seen, true);
                let old = &config.values[index];
                match (first, new.is_empty(), old.is_empty()) {
                    (true, _, _) | (_, true, _) | (_, _, true) => new,
                    _ => format!("{old} {new}"),
                }
            }
            kind => normalize_onto(kind, args, Some(&config.values[index]))?,
        };
        if directive.name == "dir" && self.enters_dir {
            check_dir(&value)?;
        }
        config.values[index] = super::values::adjust(directive.name, value);
        config.explicit[index] = true;
        Ok(())
    }
}

/// An OS error as C's `strerror` words it (Rust's text without its
/// `(os error N)` suffix), as Redis prints it.
pub fn io_reason(error: &std::io::Error) -> String {
    let text = error.to_string();
    match (error.raw_os_error(), text.rfind(" (os error ")) {
        (Some(_), Some(at)) => text[..at].to_owned(),
        _ => text,
    }
}

/// Redis changes into `dir` while it reads the line, so a directory it
/// cannot enter stops startup there, with the system's reason.
fn check_dir(dir: &str) -> Result<(), String> {
    match std::fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => Err("Not a directory".into()),
        Err(e) => Err(io_reason(&e)),
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &[&str]) -> Vec<String> {
        line.iter().map(|s| s.to_string()).collect()
    }

    fn serve(line: &[&str]) -> Config {
        match from_args(&args(line)) {
            Ok(Invocation::Serve(config)) => *config,
            other => panic!("{line:?}: {other:?}"),
        }
    }

    fn fatal(line: &[&str]) -> String {
        from_args(&args(line)).expect_err("must fail").to_string()
    }

    #[test]
    fn a_file_redis_rewrote_loads_with_its_default_user_line() {
        let dir = std::env::temp_dir().join(format!("rr-user-line-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("redis.conf");
        // The tail redis-server 7.0.15's CONFIG REWRITE wrote, with a
        // requirepass line before it that the user line then overrides.
        std::fs::write(
            &file,
            "port 7001\nrequirepass pw\n\n# Generated by CONFIG REWRITE\nuser default on nopass ~* &* +@all\n",
        )
        .unwrap();
        let config = serve(&[file.to_str().unwrap()]);
        assert_eq!(config.get("port"), Some("7001"));
        assert_eq!(config.get("requirepass"), Some(""));
        std::fs::write(&file, "user default on >pw ~* &* +@all\n").unwrap();
        let refused = fatal(&[file.to_str().unwrap()]);
        assert!(
            refused.contains(">>> 'user default on >pw ~* &* +@all'"),
            "{refused}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_dir_that_cannot_be_entered_stops_startup_at_its_line() {
        // As redis-server 7.0.15 prints it.
        assert_eq!(
            fatal(&["--port", "7001", "--dir", "/nonexistent-rr-dir"]),
            "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 3\n>>> 'dir \"/nonexistent-rr-dir\"'\nNo such file or directory"
        );
        assert!(fatal(&["--dir", "/etc/hostname"]).ends_with("\nNot a directory"));
    }

    #[test]
    fn no_arguments_is_the_defaults() {
        let config = serve(&[]);
        assert_eq!(config.get("port"), Some("6379"));
        assert_eq!(config.get("bind"), Some("127.0.0.1 -::1"));
        assert_eq!(config.get("save"), Some("3600 1 300 100 60 10000"));
    }

    #[test]
    fn argument_pairs_set_directives() {
        let config = serve(&[
            "--port",
            "6380",
            "--save",
            "",
            "--appendonly",
            "yes",
            "--maxmemory",
            "1gb",
        ]);
        assert_eq!(config.get("port"), Some("6380"));
        assert_eq!(config.get("save"), Some(""));
        assert_eq!(config.get("appendonly"), Some("yes"));
        assert_eq!(config.get("maxmemory"), Some("1073741824"));
        assert_eq!(serve(&["--save", "--port", "1"]).get("save"), Some(""));
        assert_eq!(serve(&["--save", "60", "100"]).get("save"), Some("60 100"));
    }

    #[test]
    fn argument_errors_name_the_line_redis_would() {
        assert_eq!(
            fatal(&["--port", "0", "--foo", "bar"]),
            "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 3\n>>> 'foo \"bar\"'\nBad directive or wrong number of arguments"
        );
        let cases: &[(&[&str], &str, &str)] = &[
            (
                &["--port", "abc"],
                "port \"abc\"",
                "argument couldn't be parsed into an integer",
            ),
            (
                &["--maxmemory", "1x"],
                "maxmemory \"1x\"",
                "argument must be a memory value",
            ),
            (
                &["--appendonly", "maybe"],
                "appendonly \"maybe\"",
                "argument must be 'yes' or 'no'",
            ),
            (
                &["--port", "99999"],
                "port \"99999\"",
                "argument must be between 0 and 65535 inclusive",
            ),
            (&["--save", "10"], "save \"10\"", "Invalid save parameters"),
            (
                &["--port", "1", "2"],
                "port \"1\" \"2\"",
                "wrong number of arguments",
            ),
            (
                &["--client-output-buffer-limit", "normal", "0", "0"],
                "client-output-buffer-limit \"normal\" \"0\" \"0\"",
                "Wrong number of arguments in buffer limit configuration.",
            ),
        ];
        for (line, text, reason) in cases {
            let expect = format!("\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n>>> '{text}'\n{reason}");
            assert_eq!(fatal(line), expect, "{line:?}");
        }
    }

    #[test]
    fn file_lines_comments_quotes_and_includes() {
        let dir = std::env::temp_dir().join(format!("rrs-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let included = dir.join("inc.conf");
        std::fs::write(&included, "maxclients 77\n").unwrap();
        let main = dir.join("main.conf");
        std::fs::write(
            &main,
            format!("# comment\n  port 7001  \n\nrequirepass \"a b\\x41\"\nlogfile 'x y'\ninclude {}\nsave 900 1\nsave 300 10\nclient-output-buffer-limit pubsub 1mb 2mb 3\n", included.display()),
        )
        .unwrap();
        let config = serve(&[main.to_str().unwrap(), "--hz", "20"]);
        assert_eq!(config.get("port"), Some("7001"));
        assert_eq!(config.get("requirepass"), Some("a bA"));
        assert_eq!(config.get("logfile"), Some("x y"));
        assert_eq!(config.get("maxclients"), Some("77"));
        assert_eq!(config.get("save"), Some("900 1 300 10"));
        assert_eq!(
            config.get("client-output-buffer-limit"),
            Some("normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 2097152 3")
        );
        assert_eq!(config.get("hz"), Some("20"));

        std::fs::write(&main, "port 7001\n# c\nfoo bar baz\n").unwrap();
        assert_eq!(
            fatal(&[main.to_str().unwrap(), "--port", "12"]),
            "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 3\n>>> 'foo bar baz'\nBad directive or wrong number of arguments"
        );
        std::fs::write(&main, "port \"70\n").unwrap();
        assert!(fatal(&[main.to_str().unwrap()])
            .ends_with("at line 1\n>>> 'port \"70'\nUnbalanced quotes in configuration line"));
        std::fs::write(&main, format!("include {}\n", main.display())).unwrap();
        assert!(fatal(&[main.to_str().unwrap()]).contains("include nesting too deep"));
        assert_eq!(
            fatal(&["/nonexistent/redis.conf"]),
            "Fatal error, can't open config file '/nonexistent/redis.conf': No such file or directory"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn quoting_matches_sdscatrepr() {
        assert_eq!(quote(b"a \"b\"\n\x01"), "\"a \\\"b\\\"\\n\\x01\"");
    }
}
