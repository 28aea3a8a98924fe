//! The escape hatch: `// lint: allow(rule-name) because <reason>` on the
//! line before a finding (or before its statement; attribute and other
//! comment lines in between are fine). The reason is required: an escape
//! without one suppresses nothing.

use std::collections::BTreeMap;

/// One `lint: allow(..)` comment.
#[derive(Clone, Debug)]
pub struct Escape {
    pub line: usize,
    pub rule_names: Vec<String>,
    /// The text after `because`; `None` when the comment gives none.
    pub reason: Option<String>,
}

/// Every escape comment of a file, by line.
pub struct Escapes {
    by_line: BTreeMap<usize, Escape>,
    lines: Vec<String>,
}

/// What an escape search found for one finding.
pub enum Lookup<'a> {
    None,
    Allowed(&'a Escape),
    MissingReason(&'a Escape),
}

const MARKER: &str = "lint: allow(";

impl Escapes {
    pub fn of_source(source: &str) -> Escapes {
        let lines: Vec<String> = source.lines().map(str::to_owned).collect();
        let by_line = lines
            .iter()
            .enumerate()
            .filter_map(|(index, text)| parse_escape(index + 1, text))
            .map(|escape| (escape.line, escape))
            .collect();
        Escapes { by_line, lines }
    }

    pub fn all(&self) -> impl Iterator<Item = &Escape> {
        self.by_line.values()
    }

    /// The escape for `rule_name` in the comment and attribute lines right
    /// above `line` or above `anchor_line`.
    pub fn lookup(&self, rule_name: &str, line: usize, anchor_line: usize) -> Lookup<'_> {
        for start in [line, anchor_line] {
            if let Some(escape) = self.escape_above(rule_name, start) {
                return match escape.reason {
                    Some(_) => Lookup::Allowed(escape),
                    None => Lookup::MissingReason(escape),
                };
            }
        }
        Lookup::None
    }

    fn escape_above(&self, rule_name: &str, start: usize) -> Option<&Escape> {
        let mut line = start.checked_sub(1)?;
        while line >= 1 {
            let text = self.lines.get(line - 1)?.trim_start();
            let is_comment_or_attribute = text.starts_with("//") || text.starts_with("#[");
            if !is_comment_or_attribute {
                return None;
            }
            if let Some(escape) = self.by_line.get(&line) {
                if escape.rule_names.iter().any(|name| name == rule_name) {
                    return Some(escape);
                }
            }
            line -= 1;
        }
        None
    }
}

fn parse_escape(line: usize, text: &str) -> Option<Escape> {
    let comment = text.trim_start().strip_prefix("//")?;
    let body = comment.trim_start_matches('/').trim_start();
    let rest = body.strip_prefix(MARKER)?;
    let (names, after) = rest.split_once(')')?;
    let rule_names = names
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect();
    let reason = after
        .trim_start()
        .strip_prefix("because")
        .map(str::trim)
        .filter(|reason| !reason.is_empty())
        .map(str::to_owned);
    Some(Escape {
        line,
        rule_names,
        reason,
    })
}
