//! `HELP` at the prompt: about one command, a `@group` of them, or how to
//! use the prompt itself.

use super::docs::{CommandDoc, CommandDocs};

/// ANSI styles, or none when stdout is not a terminal.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// The text for `HELP <topic...>`.
pub fn help_text(docs: &CommandDocs, topic: &[String], style: Style) -> String {
    if topic.is_empty() {
        return general_help();
    }
    if docs.is_empty() {
        return "No command documentation: the server answered neither COMMAND DOCS nor COMMAND.\n"
            .to_string();
    }
    if let Some(group) = topic[0].strip_prefix('@') {
        let members: Vec<&CommandDoc> = docs
            .all()
            .iter()
            .filter(|doc| doc.group.eq_ignore_ascii_case(group))
            .collect();
        if members.is_empty() {
            return format!(
                "No commands in group '{group}'. Groups: {}\n",
                docs.groups().join(", ")
            );
        }
        let mut out = String::new();
        for doc in members {
            out.push_str(&command_help(doc, style, false));
        }
        out.push('\n');
        return out;
    }
    let words: Vec<&str> = topic.iter().map(String::as_str).collect();
    match docs.lookup(&words) {
        Some((doc, _)) if doc.summary.is_empty() => {
            format!(
                "\n  {}\n  (the server gives no documentation for it)\n\n",
                style.paint("1", &doc.name)
            )
        }
        Some((doc, _)) => format!("{}\n", command_help(doc, style, true)),
        None => format!(
            "No help for '{}': the server does not document such a command.\n",
            words.join(" ")
        ),
    }
}

fn command_help(doc: &CommandDoc, style: Style, with_group: bool) -> String {
    let mut out = format!(
        "\n  {} {}\n  {} {}\n  {} {}\n",
        style.paint("1", &doc.name),
        style.paint("90", &doc.params),
        style.paint("33", "summary:"),
        doc.summary,
        style.paint("33", "since:"),
        doc.since,
    );
    if with_group {
        out.push_str(&format!(
            "  {} {}\n",
            style.paint("33", "group:"),
            doc.group
        ));
    }
    out
}

fn general_help() -> String {
    format!(
        "redis-rust-cli {}\n\
         Type \"help <command>\" for a command's syntax and summary (Tab completes),\n\
         \x20    \"help @<group>\" for the commands of a group (@string, @list, @hash, ...),\n\
         \x20    \"<n> <command>\" to run a command n times,\n\
         \x20    \"connect <host> <port>\" to switch server, \"clear\" to clear the screen,\n\
         \x20    \"quit\" or Ctrl-D to leave. Ctrl-C stops a command that waits (BLPOP, SUBSCRIBE, MONITOR).\n",
        crate::VERSION
    )
}
