//! Command-line options, spelled and combined as redis-cli 7.0 spells and
//! combines them.
//!
//! clap reads the options; the order they came in is then replayed, left to
//! right, because redis-cli lets a later option override an earlier one
//! across spellings: `-u redis://h:1/2 -n 3` selects db 3, `-n 3 -u
//! redis://h:1/2` selects db 2, and the last of `--raw`/`--no-raw`/`--csv`
//! wins. Options stop at the first argument that is not one: it and all
//! after it are the command.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgAction, ArgMatches, CommandFactory, FromArgMatches, Parser};
use resp_codec::Protocol;

use crate::format::{Output, OutputMode};
use crate::uri::{parse_uri, UriError};

/// Where to connect and as whom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionConfig {
    pub host: String,
    pub port: u16,
    /// `-s`: a unix socket, which overrides host and port.
    pub socket: Option<PathBuf>,
    /// `--user`: sent only with a password (`AUTH user password`).
    pub user: Option<Vec<u8>>,
    pub password: Option<Vec<u8>>,
    /// `-n`: selected after connecting when not 0.
    pub db: i64,
    /// `-3` sends `HELLO 3` after connecting.
    pub protocol: Protocol,
}

impl Default for ConnectionConfig {
    fn default() -> Self {
        ConnectionConfig {
            host: "127.0.0.1".to_string(),
            port: 6379,
            socket: None,
            user: None,
            password: None,
            db: 0,
            protocol: Protocol::Resp2,
        }
    }
}

/// What the run does.
#[derive(Clone, Debug, PartialEq)]
pub enum Mode {
    /// Arguments after the options: run that command (`-r` times).
    Command(Vec<Vec<u8>>),
    /// No command: the prompt (or, with stdin not a terminal, one command
    /// per line of stdin).
    Repl,
    /// `--pipe`: mass insertion of raw protocol from stdin.
    Pipe { timeout: Option<Duration> },
    /// `--scan [--pattern P]`.
    Scan { pattern: Option<Vec<u8>> },
    /// `--bigkeys`.
    BigKeys { pattern: Option<Vec<u8>> },
    /// `--memkeys [--memkeys-samples N]`.
    MemKeys {
        pattern: Option<Vec<u8>>,
        samples: Option<u64>,
    },
    /// `--latency`.
    Latency,
    /// `--latency-history`.
    LatencyHistory,
    /// `--stat`.
    Stat,
    /// `--rdb FILE`.
    Rdb(PathBuf),
    /// `--help`.
    Help,
    /// `-v`, `--version`.
    Version,
}

/// Everything the options decided.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub connection: ConnectionConfig,
    pub output: Output,
    pub mode: Mode,
    /// `-r`: how many times to run the command; negative is forever.
    pub repeat: i64,
    /// `-i`: pause between repeats (and between cycles of the tools).
    pub interval: Option<Duration>,
    /// `-x`: the command's last argument is read from stdin.
    pub stdin_last_arg: bool,
    /// `-X TAG`: the argument equal to TAG is replaced by stdin.
    pub stdin_tag: Option<Vec<u8>>,
    /// `-e`: an error reply makes the exit code 1.
    pub exit_on_error: bool,
    /// `--show-pushes yes|no`; unset means "when stdout is a terminal".
    pub show_pushes: Option<bool>,
    /// The password came from the command line and `--no-auth-warning`
    /// was not given: warn that this is unsafe.
    pub warn_about_password: bool,
}

/// What the environment tells the option parser.
#[derive(Clone, Debug, Default)]
pub struct Environment {
    /// Replies default to raw output when stdout is not a terminal.
    pub stdout_is_tty: bool,
    /// `FAKETTY` set: behave as if stdout were a terminal.
    pub fake_tty: bool,
    /// `REDISCLI_AUTH`: the password when no option gives one.
    pub auth: Option<Vec<u8>>,
}

impl Environment {
    pub fn from_process() -> Self {
        use std::io::IsTerminal;
        use std::os::unix::ffi::OsStringExt;
        Environment {
            stdout_is_tty: std::io::stdout().is_terminal(),
            fake_tty: std::env::var_os("FAKETTY").is_some(),
            auth: std::env::var_os("REDISCLI_AUTH").map(OsStringExt::into_vec),
        }
    }
}

/// Why the options cannot be used; `Display` is the line printed before
/// exiting with status 1.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UsageError {
    #[error("Unrecognized option or bad number of args for: '{0}'")]
    Unrecognized(String),
    #[error("Invalid server port: '{0}'")]
    Port(String),
    #[error("Invalid database number: '{0}'")]
    Db(String),
    #[error("Invalid {option} value: '{value}'")]
    Value { option: &'static str, value: String },
    #[error(transparent)]
    Uri(#[from] UriError),
    #[error("{0} is not supported yet by redis-rust-cli")]
    Unsupported(&'static str),
}

/// The options as clap reads them, before their order is replayed.
#[derive(Parser, Debug)]
#[command(
    name = "redis-rust-cli",
    disable_help_flag = true,
    disable_version_flag = true,
    args_override_self = true
)]
struct RawOptions {
    #[arg(short = 'h', value_name = "hostname", action = ArgAction::Append)]
    host: Vec<String>,
    #[arg(short = 'p', value_name = "port", action = ArgAction::Append)]
    port: Vec<String>,
    #[arg(short = 's', value_name = "socket")]
    socket: Option<PathBuf>,
    #[arg(short = 'a', long = "pass", value_name = "password", action = ArgAction::Append)]
    password: Vec<OsString>,
    #[arg(long = "user", value_name = "username", action = ArgAction::Append)]
    user: Vec<OsString>,
    #[arg(short = 'u', value_name = "uri", action = ArgAction::Append)]
    uri: Vec<String>,
    #[arg(short = 'n', value_name = "db", action = ArgAction::Append)]
    db: Vec<String>,
    #[arg(short = '2', action = ArgAction::Count)]
    resp2: u8,
    #[arg(short = '3', action = ArgAction::Count)]
    resp3: u8,
    #[arg(short = 'r', value_name = "repeat", allow_negative_numbers = true)]
    repeat: Option<String>,
    #[arg(short = 'i', value_name = "interval")]
    interval: Option<String>,
    #[arg(short = 'x')]
    stdin_last_arg: bool,
    #[arg(short = 'X', value_name = "tag")]
    stdin_tag: Option<OsString>,
    #[arg(short = 'd', value_name = "delimiter")]
    bulk_delimiter: Option<OsString>,
    #[arg(short = 'D', value_name = "delimiter")]
    reply_delimiter: Option<OsString>,
    #[arg(short = 'e')]
    exit_on_error: bool,
    #[arg(short = 'c')]
    cluster: bool,
    #[arg(long = "raw", action = ArgAction::Count)]
    raw: u8,
    #[arg(long = "no-raw", action = ArgAction::Count)]
    no_raw: u8,
    #[arg(long = "csv", action = ArgAction::Count)]
    csv: u8,
    #[arg(long = "json")]
    json: bool,
    #[arg(long = "quoted-json")]
    quoted_json: bool,
    #[arg(long = "show-pushes", value_name = "yn")]
    show_pushes: Option<String>,
    #[arg(long = "no-auth-warning")]
    no_auth_warning: bool,
    #[arg(long = "askpass")]
    askpass: bool,
    #[arg(long = "tls")]
    tls: bool,
    #[arg(long = "sni", value_name = "host")]
    sni: Option<String>,
    #[arg(long = "cacert", value_name = "file")]
    cacert: Option<String>,
    #[arg(long = "cacertdir", value_name = "dir")]
    cacertdir: Option<String>,
    #[arg(long = "insecure")]
    insecure: bool,
    #[arg(long = "cert", value_name = "file")]
    cert: Option<String>,
    #[arg(long = "key", value_name = "file")]
    key: Option<String>,
    #[arg(long = "pipe")]
    pipe: bool,
    #[arg(long = "pipe-timeout", value_name = "n")]
    pipe_timeout: Option<String>,
    #[arg(long = "scan")]
    scan: bool,
    #[arg(long = "pattern", value_name = "pat")]
    pattern: Option<OsString>,
    #[arg(long = "quoted-pattern", value_name = "pat")]
    quoted_pattern: Option<OsString>,
    #[arg(long = "bigkeys")]
    bigkeys: bool,
    #[arg(long = "memkeys")]
    memkeys: bool,
    #[arg(long = "memkeys-samples", value_name = "n")]
    memkeys_samples: Option<String>,
    #[arg(long = "latency")]
    latency: bool,
    #[arg(long = "latency-history")]
    latency_history: bool,
    #[arg(long = "stat")]
    stat: bool,
    #[arg(long = "rdb", value_name = "filename")]
    rdb: Option<PathBuf>,
    #[arg(long = "verbose")]
    verbose: bool,
    #[arg(long = "help")]
    help: bool,
    #[arg(short = 'v', long = "version")]
    version: bool,
    #[arg(
        value_name = "cmd",
        trailing_var_arg = true,
        allow_hyphen_values = true,
        num_args = 0..
    )]
    command: Vec<OsString>,
}

/// Parses `args` (program name first) in `env`.
pub fn parse(args: Vec<OsString>, env: &Environment) -> Result<Settings, UsageError> {
    let matches = RawOptions::command()
        .try_get_matches_from(args)
        .map_err(usage_error)?;
    let raw = RawOptions::from_arg_matches(&matches).map_err(usage_error)?;
    // The command may start with anything but a dash: a dash there is an
    // option clap did not know.
    if let Some(first) = raw
        .command
        .first()
        .filter(|arg| bytes_of(arg).starts_with(b"-"))
    {
        return Err(UsageError::Unrecognized(
            first.to_string_lossy().into_owned(),
        ));
    }
    refuse_unsupported(&raw)?;

    let mut connection = ConnectionConfig::default();
    let mut mode = if env.stdout_is_tty || env.fake_tty {
        OutputMode::Standard
    } else {
        OutputMode::Raw
    };
    let mut password_on_command_line = false;
    for (_, setting) in ordered_settings(&matches, &raw)? {
        match setting {
            Setting::Host(host) => connection.host = host,
            Setting::Port(port) => connection.port = port,
            Setting::Db(db) => connection.db = db,
            Setting::User(user) => connection.user = Some(user),
            Setting::Password(password) => {
                connection.password = Some(password);
                password_on_command_line = true;
            }
            Setting::Uri(uri) => {
                if uri.tls {
                    return Err(UsageError::Unsupported("TLS (rediss://)"));
                }
                connection.host = uri.host.unwrap_or(connection.host);
                connection.port = uri.port.unwrap_or(connection.port);
                connection.db = uri.db.unwrap_or(connection.db);
                connection.user = uri.user.or(connection.user);
                if let Some(password) = uri.password {
                    connection.password = Some(password);
                    password_on_command_line = true;
                }
            }
            Setting::Output(output) => mode = output,
        }
    }
    if connection.password.is_none() {
        connection.password = env.auth.clone();
    }
    connection.socket = raw.socket.clone();
    connection.protocol = protocol(&matches);

    let mut output = Output::new(mode);
    if let Some(delimiter) = &raw.bulk_delimiter {
        output.bulk_delimiter = bytes_of(delimiter);
    }
    if let Some(delimiter) = &raw.reply_delimiter {
        output.reply_delimiter = bytes_of(delimiter);
    }
    Ok(Settings {
        connection,
        output,
        mode: run_mode(&raw)?,
        repeat: match &raw.repeat {
            Some(text) => parse_value("-r", text)?,
            None => 1,
        },
        interval: raw.interval.as_deref().map(parse_seconds).transpose()?,
        stdin_last_arg: raw.stdin_last_arg,
        stdin_tag: raw.stdin_tag.as_ref().map(bytes_of),
        exit_on_error: raw.exit_on_error,
        show_pushes: raw.show_pushes.as_deref().map(yes_or_no).transpose()?,
        warn_about_password: password_on_command_line && !raw.no_auth_warning,
    })
}

/// One option that overrides what an earlier one set.
enum Setting {
    Host(String),
    Port(u16),
    Db(i64),
    User(Vec<u8>),
    Password(Vec<u8>),
    Uri(crate::uri::RedisUri),
    Output(OutputMode),
}

/// Every order-sensitive option with its position on the command line,
/// sorted by position.
fn ordered_settings(
    matches: &ArgMatches,
    raw: &RawOptions,
) -> Result<Vec<(usize, Setting)>, UsageError> {
    let mut settings = Vec::new();
    for (index, host) in indexed(matches, "host", &raw.host) {
        settings.push((index, Setting::Host(host.clone())));
    }
    for (index, port) in indexed(matches, "port", &raw.port) {
        let port = port.parse().map_err(|_| UsageError::Port(port.clone()))?;
        settings.push((index, Setting::Port(port)));
    }
    for (index, db) in indexed(matches, "db", &raw.db) {
        let db = db.parse().map_err(|_| UsageError::Db(db.clone()))?;
        settings.push((index, Setting::Db(db)));
    }
    for (index, user) in indexed(matches, "user", &raw.user) {
        settings.push((index, Setting::User(bytes_of(user))));
    }
    for (index, password) in indexed(matches, "password", &raw.password) {
        settings.push((index, Setting::Password(bytes_of(password))));
    }
    for (index, uri) in indexed(matches, "uri", &raw.uri) {
        settings.push((index, Setting::Uri(parse_uri(uri)?)));
    }
    for (id, mode) in [
        ("raw", OutputMode::Raw),
        ("no_raw", OutputMode::Standard),
        ("csv", OutputMode::Csv),
    ] {
        for index in given_indices(matches, id) {
            settings.push((index, Setting::Output(mode)));
        }
    }
    settings.sort_by_key(|(index, _)| *index);
    Ok(settings)
}

/// The values of a repeatable option paired with where each was given.
fn indexed<'a, T>(matches: &ArgMatches, id: &str, values: &'a [T]) -> Vec<(usize, &'a T)> {
    let indices: Vec<usize> = matches.indices_of(id).into_iter().flatten().collect();
    assert_eq!(indices.len(), values.len(), "one index per value of {id}");
    indices.into_iter().zip(values).collect()
}

/// Where a flag was given; none when it was not (a counted flag has a
/// default value, and so an index, even when absent).
fn given_indices(matches: &ArgMatches, id: &str) -> Vec<usize> {
    if matches.value_source(id) != Some(clap::parser::ValueSource::CommandLine) {
        return Vec::new();
    }
    matches.indices_of(id).into_iter().flatten().collect()
}

/// `-2` and `-3`: the later one wins.
fn protocol(matches: &ArgMatches) -> Protocol {
    let last = |id| given_indices(matches, id).into_iter().max();
    match (last("resp2"), last("resp3")) {
        (None, Some(_)) => Protocol::Resp3,
        (Some(two), Some(three)) if three > two => Protocol::Resp3,
        _ => Protocol::Resp2,
    }
}

/// The tools, in the order redis-cli checks them; then a command or the
/// prompt.
fn run_mode(raw: &RawOptions) -> Result<Mode, UsageError> {
    let pattern = match (&raw.quoted_pattern, &raw.pattern) {
        (Some(quoted), _) => Some(unquote(quoted, "--quoted-pattern")?),
        (None, pattern) => pattern.as_ref().map(bytes_of),
    };
    Ok(if raw.help {
        Mode::Help
    } else if raw.version {
        Mode::Version
    } else if raw.latency_history {
        Mode::LatencyHistory
    } else if raw.latency {
        Mode::Latency
    } else if let Some(path) = &raw.rdb {
        Mode::Rdb(path.clone())
    } else if raw.pipe {
        let seconds: u64 = match &raw.pipe_timeout {
            Some(text) => parse_value("--pipe-timeout", text)?,
            None => 30,
        };
        Mode::Pipe {
            timeout: (seconds > 0).then(|| Duration::from_secs(seconds)),
        }
    } else if raw.bigkeys {
        Mode::BigKeys { pattern }
    } else if raw.memkeys || raw.memkeys_samples.is_some() {
        Mode::MemKeys {
            pattern,
            samples: raw
                .memkeys_samples
                .as_deref()
                .map(|text| parse_value("--memkeys-samples", text))
                .transpose()?,
        }
    } else if raw.stat {
        Mode::Stat
    } else if raw.scan {
        Mode::Scan { pattern }
    } else if raw.command.is_empty() {
        Mode::Repl
    } else {
        Mode::Command(raw.command.iter().map(bytes_of).collect())
    })
}

fn refuse_unsupported(raw: &RawOptions) -> Result<(), UsageError> {
    let tls = raw.tls
        || raw.sni.is_some()
        || raw.cacert.is_some()
        || raw.cacertdir.is_some()
        || raw.insecure
        || raw.cert.is_some()
        || raw.key.is_some();
    if tls {
        return Err(UsageError::Unsupported("TLS (--tls)"));
    }
    if raw.cluster {
        return Err(UsageError::Unsupported("Cluster mode (-c)"));
    }
    if raw.json || raw.quoted_json {
        return Err(UsageError::Unsupported("JSON output (--json)"));
    }
    if raw.askpass {
        return Err(UsageError::Unsupported("--askpass"));
    }
    // `--verbose` only changes cluster and connection chatter redis-rust-cli
    // does not print; it is accepted so that scripts passing it still work.
    let _ = raw.verbose;
    Ok(())
}

/// A clap error as redis-cli words a bad command line.
pub(crate) fn usage_error(error: clap::Error) -> UsageError {
    use clap::error::{ContextKind, ContextValue};
    let argument = match error.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(text)) => text.clone(),
        Some(ContextValue::Strings(texts)) => texts.join(" "),
        _ => String::new(),
    };
    // clap names an option with its value placeholder ("-p <port>").
    let option = argument.split_whitespace().next().unwrap_or_default();
    UsageError::Unrecognized(option.to_string())
}

fn parse_value<T: std::str::FromStr>(option: &'static str, text: &str) -> Result<T, UsageError> {
    text.parse().map_err(|_| UsageError::Value {
        option,
        value: text.to_string(),
    })
}

fn parse_seconds(text: &str) -> Result<Duration, UsageError> {
    let seconds: f64 = parse_value("-i", text)?;
    Duration::try_from_secs_f64(seconds).map_err(|_| UsageError::Value {
        option: "-i",
        value: text.to_string(),
    })
}

fn yes_or_no(text: &str) -> Result<bool, UsageError> {
    match text.to_ascii_lowercase().as_str() {
        "yes" | "y" => Ok(true),
        "no" | "n" => Ok(false),
        _ => Err(UsageError::Value {
            option: "--show-pushes",
            value: text.to_string(),
        }),
    }
}

/// A quoted argument (`--quoted-pattern '"a\x00b"'`) as the bytes it means.
fn unquote(text: &OsString, option: &'static str) -> Result<Vec<u8>, UsageError> {
    let bad = || UsageError::Value {
        option,
        value: text.to_string_lossy().into_owned(),
    };
    let mut args = resp_codec::split_inline_args(&bytes_of(text)).ok_or_else(bad)?;
    if args.len() != 1 {
        return Err(bad());
    }
    Ok(args.remove(0))
}

fn bytes_of(text: &OsString) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    text.as_bytes().to_vec()
}

#[cfg(test)]
mod tests;
