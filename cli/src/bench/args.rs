//! `redis-rust-cli bench` options, spelled as redis-benchmark spells them:
//! `-h -p -s -a --user -u --dbnum -3` to connect, `-c -n -d -P -r -t -l -q
//! --csv` to shape the run; `--json` and `--threads` are ours. A command
//! after the options is benchmarked instead of the standard tests.

use std::ffi::OsString;

use clap::{ArgAction, Parser};
use resp_codec::Protocol;

use crate::args::{usage_error, ConnectionConfig, UsageError};
use crate::uri::parse_uri;

/// How the results are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    /// A block per test with throughput and the latency summary.
    Full,
    /// `-q`: one line per test.
    Quiet,
    Csv,
    Json,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BenchConfig {
    pub connection: ConnectionConfig,
    /// `-c`: connections, each with one request (or pipeline) in flight.
    pub clients: usize,
    /// `-n`: requests per test.
    pub requests: u64,
    /// `-d`: bytes of each SET/LPUSH/... value.
    pub data_size: usize,
    /// `-P`: requests sent together per connection.
    pub pipeline: usize,
    /// `-r`: `__rand_int__` becomes a random number below this.
    pub keyspace: Option<u64>,
    /// `-t`: test names to run (lower case); empty is all.
    pub tests: Vec<String>,
    /// A command given after the options, benchmarked on its own.
    pub command: Option<Vec<Vec<u8>>>,
    /// `-l`: run the tests forever.
    pub repeat_forever: bool,
    pub format: ReportFormat,
    /// `--precision`: decimals of the latencies shown.
    pub precision: usize,
    /// `--threads`: worker threads; 1 runs all clients on one thread, as
    /// redis-benchmark does by default.
    pub threads: usize,
}

/// Bounds that keep a typo from asking for the impossible.
const MAX_CLIENTS: usize = 10_000;
const MAX_PIPELINE: usize = 100_000;
const MAX_DATA_SIZE: usize = 512 * 1024 * 1024;
const MAX_THREADS: usize = 256;

#[derive(Parser, Debug)]
#[command(
    name = "redis-rust-cli bench",
    disable_help_flag = true,
    disable_version_flag = true,
    args_override_self = true
)]
struct RawBenchOptions {
    #[arg(short = 'h', value_name = "hostname")]
    host: Option<String>,
    #[arg(short = 'p', value_name = "port")]
    port: Option<String>,
    #[arg(short = 's', value_name = "socket")]
    socket: Option<std::path::PathBuf>,
    #[arg(short = 'a', value_name = "password")]
    password: Option<OsString>,
    #[arg(long = "user", value_name = "username")]
    user: Option<OsString>,
    #[arg(short = 'u', value_name = "uri")]
    uri: Option<String>,
    #[arg(long = "dbnum", value_name = "db")]
    db: Option<String>,
    #[arg(short = '3', action = ArgAction::SetTrue)]
    resp3: bool,
    #[arg(short = 'c', value_name = "clients")]
    clients: Option<String>,
    #[arg(short = 'n', value_name = "requests")]
    requests: Option<String>,
    #[arg(short = 'd', value_name = "size")]
    data_size: Option<String>,
    #[arg(short = 'P', value_name = "numreq")]
    pipeline: Option<String>,
    #[arg(short = 'r', value_name = "keyspacelen")]
    keyspace: Option<String>,
    #[arg(short = 't', value_name = "tests")]
    tests: Option<String>,
    #[arg(short = 'k', value_name = "boolean")]
    keep_alive: Option<String>,
    #[arg(short = 'l')]
    repeat_forever: bool,
    #[arg(short = 'q')]
    quiet: bool,
    #[arg(long = "csv")]
    csv: bool,
    #[arg(long = "json")]
    json: bool,
    #[arg(long = "precision", value_name = "digits")]
    precision: Option<String>,
    #[arg(long = "threads", value_name = "num")]
    threads: Option<String>,
    #[arg(long = "help")]
    help: bool,
    #[arg(
        value_name = "command",
        trailing_var_arg = true,
        allow_hyphen_values = true,
        num_args = 0..
    )]
    command: Vec<OsString>,
}

/// What `bench` was asked to do.
#[derive(Clone, Debug, PartialEq)]
pub enum BenchRequest {
    Run(Box<BenchConfig>),
    Help,
}

/// Parses the arguments after `bench` (`args[0]` is the program name).
pub fn parse(args: Vec<OsString>) -> Result<BenchRequest, UsageError> {
    let raw = RawBenchOptions::try_parse_from(args).map_err(usage_error)?;
    if raw.help {
        return Ok(BenchRequest::Help);
    }
    if let Some(first) = raw
        .command
        .first()
        .filter(|arg| arg.to_string_lossy().starts_with('-'))
    {
        return Err(UsageError::Unrecognized(
            first.to_string_lossy().into_owned(),
        ));
    }
    if raw.keep_alive.as_deref().is_some_and(|k| k != "1") {
        return Err(UsageError::Unsupported(
            "-k 0 (reconnecting for each request)",
        ));
    }
    let mut connection = ConnectionConfig::default();
    if let Some(uri) = &raw.uri {
        let uri = parse_uri(uri)?;
        if uri.tls {
            return Err(UsageError::Unsupported("TLS (rediss://)"));
        }
        connection.host = uri.host.unwrap_or(connection.host);
        connection.port = uri.port.unwrap_or(connection.port);
        connection.db = uri.db.unwrap_or(connection.db);
        connection.user = uri.user;
        connection.password = uri.password;
    }
    if let Some(host) = raw.host {
        connection.host = host;
    }
    if let Some(port) = &raw.port {
        connection.port = port.parse().map_err(|_| UsageError::Port(port.clone()))?;
    }
    if let Some(db) = &raw.db {
        connection.db = db.parse().map_err(|_| UsageError::Db(db.clone()))?;
    }
    connection.socket = raw.socket;
    connection.user = raw.user.map(bytes_of).or(connection.user);
    connection.password = raw.password.map(bytes_of).or(connection.password);
    if raw.resp3 {
        connection.protocol = Protocol::Resp3;
    }
    let format = if raw.json {
        ReportFormat::Json
    } else if raw.csv {
        ReportFormat::Csv
    } else if raw.quiet {
        ReportFormat::Quiet
    } else {
        ReportFormat::Full
    };
    Ok(BenchRequest::Run(Box::new(BenchConfig {
        connection,
        clients: bounded("-c", raw.clients.as_deref(), 50, 1, MAX_CLIENTS)?,
        requests: bounded("-n", raw.requests.as_deref(), 100_000, 1, u64::MAX)?,
        data_size: bounded("-d", raw.data_size.as_deref(), 3, 1, MAX_DATA_SIZE)?,
        pipeline: bounded("-P", raw.pipeline.as_deref(), 1, 1, MAX_PIPELINE)?,
        keyspace: raw
            .keyspace
            .as_deref()
            .map(|text| bounded("-r", Some(text), 0, 1, u64::MAX))
            .transpose()?,
        tests: raw
            .tests
            .map(|list| {
                list.split(',')
                    .map(|name| name.trim().to_ascii_lowercase())
                    .filter(|name| !name.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        command: (!raw.command.is_empty()).then(|| raw.command.into_iter().map(bytes_of).collect()),
        repeat_forever: raw.repeat_forever,
        format,
        precision: bounded("--precision", raw.precision.as_deref(), 3, 0, 6)?,
        threads: bounded("--threads", raw.threads.as_deref(), 1, 1, MAX_THREADS)?,
    })))
}

/// A number option within `[min, max]`, `default` when absent.
fn bounded<T>(
    option: &'static str,
    text: Option<&str>,
    default: T,
    min: T,
    max: T,
) -> Result<T, UsageError>
where
    T: std::str::FromStr + PartialOrd + Copy,
{
    let Some(text) = text else {
        return Ok(default);
    };
    match text.parse::<T>() {
        Ok(value) if value >= min && value <= max => Ok(value),
        _ => Err(UsageError::Value {
            option,
            value: text.to_string(),
        }),
    }
}

fn bytes_of(text: OsString) -> Vec<u8> {
    use std::os::unix::ffi::OsStringExt;
    text.into_vec()
}

/// `redis-rust-cli bench --help`.
pub fn usage() -> &'static str {
    "Usage: redis-rust-cli bench [OPTIONS] [COMMAND ARGS...]\n\
     \n\
     A load generator with redis-benchmark's options and test names.\n\
     \n\
     \x20 -h <hostname> -p <port> -s <socket> -a <password> --user <username>\n\
     \x20 -u <uri> --dbnum <db> -3     where to connect, as whom, RESP3\n\
     \x20 -c <clients>                 parallel connections (default 50)\n\
     \x20 -n <requests>                requests per test (default 100000)\n\
     \x20 -d <size>                    value size in bytes (default 3)\n\
     \x20 -P <numreq>                  requests pipelined per connection (default 1)\n\
     \x20 -r <keyspacelen>             __rand_int__ becomes a random 12-digit number below this\n\
     \x20 -t <tests>                   comma-separated tests: ping_inline ping_mbulk set get incr\n\
     \x20                              lpush rpush lpop rpop sadd hset spop zadd zpopmin lrange\n\
     \x20                              lrange_100 lrange_300 lrange_500 lrange_600 mset (ping, lrange: all)\n\
     \x20 -l                           run the tests forever\n\
     \x20 -q | --csv | --json          one line per test | CSV | JSON instead of the full report\n\
     \x20 --precision <digits>         decimals of latencies in milliseconds (default 3)\n\
     \x20 --threads <num>              worker threads for the clients (default 1)\n\
     \n\
     A progress bar shows live throughput on a terminal; each test ends with requests per\n\
     second and its latency percentiles (p50 p90 p99 p99.9 max) from an HDR histogram.\n"
}

#[cfg(test)]
mod tests {
    use super::{parse, BenchConfig, BenchRequest, ReportFormat};

    fn config(line: &str) -> BenchConfig {
        let args = std::iter::once("bench")
            .chain(line.split_whitespace())
            .map(Into::into)
            .collect();
        match parse(args) {
            Ok(BenchRequest::Run(config)) => *config,
            other => panic!("{line}: {other:?}"),
        }
    }

    fn error(line: &str) -> String {
        let args = std::iter::once("bench")
            .chain(line.split_whitespace())
            .map(Into::into)
            .collect();
        parse(args).expect_err(line).to_string()
    }

    #[test]
    fn defaults_are_redis_benchmarks() {
        let c = config("");
        assert_eq!(
            (c.clients, c.requests, c.data_size, c.pipeline),
            (50, 100_000, 3, 1)
        );
        assert_eq!(c.keyspace, None);
        assert!(c.tests.is_empty() && c.command.is_none());
        assert_eq!(c.format, ReportFormat::Full);
        assert_eq!(
            (c.connection.host.as_str(), c.connection.port),
            ("127.0.0.1", 6379)
        );
    }

    #[test]
    fn options() {
        let c = config(
            "-h example -p 7000 -c 8 -n 1000 -d 64 -P 16 -r 100000 -t SET,get -q --dbnum 2 -a pw",
        );
        assert_eq!(
            (
                c.connection.host.as_str(),
                c.connection.port,
                c.connection.db
            ),
            ("example", 7000, 2)
        );
        assert_eq!(c.connection.password.as_deref(), Some(&b"pw"[..]));
        assert_eq!(
            (c.clients, c.requests, c.data_size, c.pipeline),
            (8, 1000, 64, 16)
        );
        assert_eq!(c.keyspace, Some(100_000));
        assert_eq!(c.tests, vec!["set", "get"]);
        assert_eq!(c.format, ReportFormat::Quiet);
        assert_eq!(config("--csv").format, ReportFormat::Csv);
        assert_eq!(config("--json --csv").format, ReportFormat::Json);
        let c = config("-n 10 set __rand_int__ -1");
        let expect: Vec<Vec<u8>> = ["set", "__rand_int__", "-1"]
            .iter()
            .map(|a| a.as_bytes().to_vec())
            .collect();
        assert_eq!(c.command, Some(expect));
    }

    #[test]
    fn bad_values_are_refused() {
        assert_eq!(error("-c 0"), "Invalid -c value: '0'");
        assert_eq!(error("-P many"), "Invalid -P value: 'many'");
        assert_eq!(error("-n -5"), "Invalid -n value: '-5'");
        assert_eq!(
            error("--bogus"),
            "Unrecognized option or bad number of args for: '--bogus'"
        );
        assert_eq!(
            error("-k 0"),
            "-k 0 (reconnecting for each request) is not supported yet by redis-rust-cli"
        );
    }
}
