//! Line editing at the terminal (rustyline): history kept in a file,
//! completion of command names and HELP topics, and hints showing the
//! arguments still to type, greyed after the cursor.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::Arc;

use rustyline::completion::Completer;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{Context, Editor, Helper};

use super::docs::CommandDocs;

/// The history file: `REDISCLI_HISTFILE` (`/dev/null` for none), else
/// `~/.redisrustcli_history`.
pub fn history_path() -> Option<PathBuf> {
    match std::env::var_os("REDISCLI_HISTFILE") {
        Some(path) if path == "/dev/null" => None,
        Some(path) if !path.is_empty() => Some(PathBuf::from(path)),
        _ => std::env::var_os("HOME")
            .filter(|home| !home.is_empty())
            .map(|home| PathBuf::from(home).join(".redisrustcli_history")),
    }
}

/// Completion and hints from the server's command documentation.
pub struct PromptHelper {
    pub docs: Arc<CommandDocs>,
}

pub type PromptEditor = Editor<PromptHelper, DefaultHistory>;

pub fn editor(docs: Arc<CommandDocs>) -> rustyline::Result<PromptEditor> {
    let config = rustyline::Config::builder()
        .auto_add_history(false)
        .completion_type(rustyline::CompletionType::List)
        .build();
    let mut editor = Editor::with_config(config)?;
    editor.set_helper(Some(PromptHelper { docs }));
    Ok(editor)
}

impl Completer for PromptHelper {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        let typed = &line[..pos];
        if let Some(rest) = strip_word(typed, "help") {
            let start = pos - rest.len();
            return Ok((start, help_topics(&self.docs, rest)));
        }
        if typed.contains(char::is_whitespace) {
            return Ok((pos, Vec::new()));
        }
        let names = self
            .docs
            .all()
            .iter()
            .filter(|doc| !doc.name.contains(' '))
            .filter(|doc| starts_with_ignoring_case(&doc.name, typed))
            .map(|doc| doc.name.clone())
            .collect();
        Ok((0, names))
    }
}

impl Hinter for PromptHelper {
    type Hint = String;

    /// The arguments not typed yet; a word being typed counts as typed.
    fn hint(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> Option<String> {
        if pos < line.len() {
            return None;
        }
        let args = typed_args(line);
        let words: Vec<&str> = args.iter().map(String::as_str).collect();
        let (doc, used) = self.docs.lookup(&words)?;
        let remaining = skip_words(&doc.params, words.len() - used);
        if remaining.is_empty() {
            return None;
        }
        let lead = if line.ends_with(char::is_whitespace) {
            ""
        } else {
            " "
        };
        Some(format!("{lead}{remaining}"))
    }
}

impl Highlighter for PromptHelper {
    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        Cow::Owned(format!("\x1b[90m{hint}\x1b[0m"))
    }
}

impl Validator for PromptHelper {}

impl Helper for PromptHelper {}

/// The arguments of a line being typed, split by redis-cli's quoting; a
/// quote still open counts as one argument.
fn typed_args(line: &str) -> Vec<String> {
    let split = |text: &str| resp_codec::split_inline_args(text.as_bytes());
    let args = split(line)
        .or_else(|| split(&format!("{line}\"")))
        .or_else(|| split(&format!("{line}'")))
        .unwrap_or_default();
    args.iter()
        .map(|arg| String::from_utf8_lossy(arg).into_owned())
        .collect()
}

/// `line` without a leading `word` and the whitespace after it.
fn strip_word<'a>(line: &'a str, word: &str) -> Option<&'a str> {
    let head = line.get(..word.len())?;
    let rest = &line[word.len()..];
    (head.eq_ignore_ascii_case(word) && rest.starts_with(char::is_whitespace))
        .then(|| rest.trim_start())
}

fn starts_with_ignoring_case(text: &str, prefix: &str) -> bool {
    text.len() >= prefix.len() && text[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// HELP topics starting with `typed`: `@group`s and command names.
fn help_topics(docs: &CommandDocs, typed: &str) -> Vec<String> {
    let groups = docs.groups().into_iter().map(|g| format!("@{g}"));
    let names = docs.all().iter().map(|doc| doc.name.clone());
    groups
        .chain(names)
        .filter(|topic| starts_with_ignoring_case(topic, typed))
        .collect()
}

/// `params` without its first `n` top-level words (a bracketed group
/// counts as one word).
fn skip_words(params: &str, n: usize) -> &str {
    let mut depth = 0usize;
    let mut skipped = 0;
    let mut at_word_start = true;
    for (i, c) in params.char_indices() {
        if at_word_start && depth == 0 && c != ' ' {
            if skipped == n {
                return &params[i..];
            }
            skipped += 1;
        }
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        at_word_start = c == ' ' && depth == 0;
    }
    ""
}

#[cfg(test)]
mod tests {
    use super::{skip_words, typed_args};

    #[test]
    fn typed_arguments_follow_quoting() {
        assert_eq!(typed_args(r#"set a "b c"#), vec!["set", "a", "b c"]);
        assert_eq!(typed_args("set a 'b c"), vec!["set", "a", "b c"]);
        assert_eq!(typed_args(r#"set "k 1" v"#), vec!["set", "k 1", "v"]);
        assert!(typed_args("").is_empty());
    }

    #[test]
    fn skipping_typed_arguments_keeps_groups_whole() {
        let params = "key value [NX|XX] [EX seconds|PX milliseconds]";
        assert_eq!(skip_words(params, 0), params);
        assert_eq!(
            skip_words(params, 1),
            "value [NX|XX] [EX seconds|PX milliseconds]"
        );
        assert_eq!(
            skip_words(params, 2),
            "[NX|XX] [EX seconds|PX milliseconds]"
        );
        assert_eq!(skip_words(params, 3), "[EX seconds|PX milliseconds]");
        assert_eq!(skip_words(params, 4), "");
    }
}
