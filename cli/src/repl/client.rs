//! The prompt's connection and what it does with one line: split it as
//! redis-cli does, handle the prompt's own words (`quit`, `help`,
//! `connect`, `<n> cmd`), run the command with one reconnect-and-retry when
//! the connection was lost, and track what the prompt shows (db after
//! SELECT, `(TX)` inside MULTI, RESP3 after HELLO 3).

use std::io::{self, Write};

use resp_codec::{split_inline_args, Frame, Protocol};

use super::docs::CommandDocs;
use super::help::{help_text, Style};
use crate::args::ConnectionConfig;
use crate::commands::{streaming, Streaming};
use crate::connection::{Connection, ReadError, Target};
use crate::format::OutputMode;
use crate::printer::{Printed, Printer, NOAUTH_HINT};
use crate::session::{self, read_reply, target_of};

/// Whether the prompt goes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Quit,
}

pub struct ReplClient {
    config: ConnectionConfig,
    connection: Option<Connection>,
    db: i64,
    protocol: Protocol,
    in_transaction: bool,
    printer: Printer,
    /// Stdin is a terminal: Ctrl-C interrupts a command, colors in HELP.
    interactive: bool,
    docs: CommandDocs,
    noauth_hint_shown: bool,
}

impl ReplClient {
    pub fn new(config: ConnectionConfig, printer: Printer, interactive: bool) -> Self {
        ReplClient {
            db: config.db,
            protocol: config.protocol,
            config,
            connection: None,
            in_transaction: false,
            printer,
            interactive,
            docs: CommandDocs::default(),
            noauth_hint_shown: false,
        }
    }

    pub fn docs(&self) -> &CommandDocs {
        &self.docs
    }

    /// `host:port[db](TX)> `, or `not connected> `.
    pub fn prompt(&self) -> String {
        let target = self.connection.as_ref().map(|_| target_of(&self.config));
        prompt_text(target.as_ref(), self.db, self.in_transaction)
    }

    /// Connects (again), printing why when it fails.
    pub async fn connect(&mut self) -> bool {
        self.connection = None;
        self.in_transaction = false;
        match session::open(&self.config, self.db, self.protocol).await {
            Ok(opened) => {
                for failure in &opened.failures {
                    eprintln!("{failure}");
                }
                self.db = opened.db;
                self.protocol = opened.protocol;
                self.connection = Some(opened.connection);
                true
            }
            Err(error) => {
                eprintln!("{error}");
                false
            }
        }
    }

    /// Asks the server for its command documentation.
    pub async fn load_docs(&mut self) {
        let Some(connection) = self.connection.as_mut() else {
            return;
        };
        self.docs = match connection.request(&["COMMAND", "DOCS"]).await {
            Ok(reply @ (Frame::Array(_) | Frame::Map(_))) => CommandDocs::from_docs_reply(&reply),
            _ => match connection.request(&["COMMAND"]).await {
                Ok(reply @ Frame::Array(_)) => CommandDocs::from_command_reply(&reply),
                _ => CommandDocs::default(),
            },
        };
    }

    /// Handles one line typed (or read from stdin).
    pub async fn run_line(&mut self, line: &[u8]) -> Flow {
        let Some(mut args) = split_inline_args(line) else {
            println!("Invalid argument(s)");
            return Flow::Continue;
        };
        let Some(first) = args.first() else {
            return Flow::Continue;
        };
        let word = String::from_utf8_lossy(first).to_lowercase();
        match word.as_str() {
            "quit" | "exit" => return Flow::Quit,
            "help" | "?" => {
                let topic: Vec<String> = args[1..]
                    .iter()
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect();
                print!(
                    "{}",
                    help_text(
                        &self.docs,
                        &topic,
                        Style {
                            color: self.interactive
                        }
                    )
                );
                return Flow::Continue;
            }
            "clear" if self.interactive => {
                print!("\x1b[H\x1b[2J");
                return Flow::Continue;
            }
            "connect" if args.len() >= 2 => {
                self.reconnect_to(&args[1..]).await;
                return Flow::Continue;
            }
            _ => {}
        }
        let mut times = 1;
        if args.len() > 1 {
            if let Some(n) = std::str::from_utf8(first)
                .ok()
                .and_then(|t| t.parse::<i64>().ok())
            {
                if n <= 0 {
                    println!("Invalid redis-cli repeat command option value.");
                    return Flow::Continue;
                }
                times = n;
                args.remove(0);
            }
        }
        for _ in 0..times {
            self.run_command(&args).await;
        }
        Flow::Continue
    }

    /// `connect host port`: the prompt points elsewhere from now on.
    async fn reconnect_to(&mut self, args: &[Vec<u8>]) {
        self.config.host = String::from_utf8_lossy(&args[0]).into_owned();
        self.config.socket = None;
        if let Some(port) = args.get(1) {
            match std::str::from_utf8(port).ok().and_then(|p| p.parse().ok()) {
                Some(port) => self.config.port = port,
                None => {
                    println!("Invalid port: '{}'", String::from_utf8_lossy(port));
                    return;
                }
            }
        }
        self.db = 0;
        self.connect().await;
    }

    /// Runs `args`, reconnecting and trying once more if the connection
    /// turns out to be gone.
    async fn run_command(&mut self, args: &[Vec<u8>]) {
        for attempt in 0..2 {
            if self.connection.is_none() && !self.connect().await {
                return;
            }
            match self.send_and_print(args).await {
                Ok(()) => return,
                Err(error) if error.is_disconnect() && attempt == 0 => self.connection = None,
                Err(error) => {
                    println!("Error: {error}");
                    self.connection = None;
                    return;
                }
            }
        }
    }

    async fn send_and_print(&mut self, args: &[Vec<u8>]) -> Result<(), ReadError> {
        let connection = self.connection.as_mut().expect("connected before sending");
        connection.queue(args);
        connection.flush().await?;
        if let Some(kind) = streaming(args) {
            return self.stream(args, kind).await;
        }
        let printer = &self.printer;
        let reply = read_reply(connection, args, |push| {
            let _ = printer.push(&mut io::stdout().lock(), push);
        })
        .await?;
        let printed = print_reply(&self.printer, args, &reply);
        if printed == Printed::NoAuth && !self.noauth_hint_shown {
            eprintln!("{NOAUTH_HINT}, or type AUTH <password>");
            self.noauth_hint_shown = true;
        }
        self.track(args, &reply);
        Ok(())
    }

    /// Follows what a successful command changed in the connection.
    fn track(&mut self, args: &[Vec<u8>], reply: &Frame) {
        let word = |i: usize| {
            args.get(i)
                .map(|a| String::from_utf8_lossy(a).to_lowercase())
        };
        let failed = matches!(reply, Frame::Error(_));
        match word(0).as_deref() {
            Some("select") if !failed => {
                if let Some(db) = word(1).and_then(|d| d.parse().ok()) {
                    self.db = db;
                }
            }
            Some("hello") if !failed => {
                self.protocol = match word(1).as_deref() {
                    Some("3") => Protocol::Resp3,
                    Some("2") => Protocol::Resp2,
                    _ => self.protocol,
                };
            }
            Some("multi") if !failed => self.in_transaction = true,
            Some("exec") | Some("discard") => self.in_transaction = false,
            _ => {}
        }
    }

    /// SUBSCRIBE or MONITOR: print what arrives until the connection ends
    /// or the prompt is interrupted (Ctrl-C drops this future). The
    /// connection is taken out first: it is in a mode the prompt cannot use
    /// again.
    async fn stream(&mut self, args: &[Vec<u8>], kind: Streaming) -> Result<(), ReadError> {
        if kind == Streaming::Subscribe && self.printer.output.mode == OutputMode::Standard {
            println!("Reading messages... (press Ctrl-C to quit)");
        }
        let mut connection = self.connection.take().expect("connected before streaming");
        loop {
            let frame = connection.read_frame().await?;
            print_reply(&self.printer, args, &frame);
        }
    }

    /// A command was interrupted: its reply may still come, so the
    /// connection cannot be trusted with the next one; a new one is made
    /// at once so that the prompt tells whether the server is there.
    pub async fn interrupted(&mut self) {
        self.connection = None;
        self.connect().await;
    }
}

/// The prompt for a connection to `target` (none: not connected).
fn prompt_text(target: Option<&Target>, db: i64, in_transaction: bool) -> String {
    let Some(target) = target else {
        return "not connected> ".to_string();
    };
    let mut prompt = match target {
        Target::Unix(path) => format!("redis {}", path.display()),
        tcp => tcp.to_string(),
    };
    if db != 0 {
        prompt.push_str(&format!("[{db}]"));
    }
    if in_transaction {
        prompt.push_str("(TX)");
    }
    prompt.push_str("> ");
    prompt
}

fn print_reply(printer: &Printer, args: &[Vec<u8>], frame: &Frame) -> Printed {
    let mut stdout = io::stdout().lock();
    let printed = printer
        .reply(&mut stdout, &mut io::stderr().lock(), args, frame)
        .unwrap_or(Printed::Value);
    let _ = stdout.flush();
    printed
}

#[cfg(test)]
mod tests {
    use super::prompt_text;
    use crate::connection::Target;

    #[test]
    fn prompts_read_as_redis_clis() {
        let tcp = Target::Tcp {
            host: "127.0.0.1".into(),
            port: 6379,
        };
        assert_eq!(prompt_text(Some(&tcp), 0, false), "127.0.0.1:6379> ");
        assert_eq!(prompt_text(Some(&tcp), 2, false), "127.0.0.1:6379[2]> ");
        assert_eq!(prompt_text(Some(&tcp), 2, true), "127.0.0.1:6379[2](TX)> ");
        let v6 = Target::Tcp {
            host: "::1".into(),
            port: 7000,
        };
        assert_eq!(prompt_text(Some(&v6), 0, false), "[::1]:7000> ");
        let unix = Target::Unix("/tmp/redis.sock".into());
        assert_eq!(
            prompt_text(Some(&unix), 0, false),
            "redis /tmp/redis.sock> "
        );
        assert_eq!(prompt_text(None, 3, true), "not connected> ");
    }
}
