//! One group file's Rust source from redis-server's COMMAND INFO and
//! COMMAND DOCS replies: the facts as Redis reports them, the prose from
//! what the file held (`TODO` where it held none). A complexity that is a
//! bare formula (`O(1)`) and a `replaced_by` that is a bare command name
//! are facts, written as Redis has them; any longer text of Redis's is
//! never written.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write;

use anyhow::{bail, Context};
use resp_codec::Frame;

use super::prose::Prose;

/// What a missing piece of prose is written as (the test refuses it).
const TODO: &str = "TODO";

/// One command to render: its name and its COMMAND INFO and DOCS entries.
pub struct Entry {
    pub name: String,
    pub info: Frame,
    pub docs: Frame,
}

/// The Rust source of a group file holding `entries`.
pub fn group_file(
    group: &str,
    entries: &[Entry],
    prose: &Prose,
    documented: &BTreeSet<String>,
) -> anyhow::Result<String> {
    let writer = Writer { prose, documented };
    let mut body = String::from("pub const COMMANDS: &[CommandMeta] = &[\n");
    for entry in entries {
        body.push_str("    CommandMeta {\n");
        body.push_str(
            &writer
                .meta(&entry.name, &entry.info, &entry.docs, 2)
                .with_context(|| entry.name.clone())?,
        );
        body.push_str("        ..CommandMeta::NONE\n    },\n");
    }
    body.push_str("];\n");
    let mut uses = Vec::new();
    if body.contains("arg(") {
        uses.push("use super::ArgType::*;".to_string());
    }
    if body.contains("B::") {
        uses.push("use super::BeginSearch as B;".into());
    }
    if body.contains("FK::") {
        uses.push("use super::FindKeys as FK;".into());
    }
    if body.replace("FK::", "").contains("K::") {
        uses.push("use super::KeyFlags as K;".into());
    }
    uses.push("use super::*;".into());
    let command: Vec<&str> = [("Categories as C", "C::"), ("Flags as F", "F::")]
        .into_iter()
        .filter(|(_, prefix)| body.contains(prefix))
        .map(|(import, _)| import)
        .collect();
    match command[..] {
        [] => {}
        [one] => uses.push(format!("use crate::command::{one};")),
        _ => uses.push(format!("use crate::command::{{{}}};", command.join(", "))),
    }
    Ok(format!(
        "//! COMMAND INFO and DOCS data for the {group} commands (see `mod.rs`).\n\n{}\n\n{body}",
        uses.join("\n")
    ))
}

struct Writer<'a> {
    prose: &'a Prose,
    documented: &'a BTreeSet<String>,
}

impl Writer<'_> {
    /// The fields of one `CommandMeta` (or a subcommand's), indented.
    fn meta(
        &self,
        name: &str,
        info: &Frame,
        docs: &Frame,
        indent: usize,
    ) -> anyhow::Result<String> {
        const KNOWN: &[&str] = &[
            "summary",
            "since",
            "group",
            "complexity",
            "doc_flags",
            "deprecated_since",
            "replaced_by",
            "history",
            "arguments",
            "subcommands",
        ];
        for (key, _) in pairs(docs)? {
            if !KNOWN.contains(&text(key)?.as_str()) {
                bail!("a COMMAND DOCS field this tool does not know: {key:?}");
            }
        }
        let p = "    ".repeat(indent);
        let ours =
            |map: &HashMap<String, String>| map.get(name).map_or(TODO, String::as_str).to_string();
        let mut o = String::new();
        writeln!(o, "{p}name: {},", quoted(name))?;
        writeln!(o, "{p}summary: {},", quoted(&ours(&self.prose.summaries)))?;
        writeln!(o, "{p}since: {},", quoted(&text(field(docs, "since")?)?))?;
        writeln!(
            o,
            "{p}group: Group::{},",
            group_ident(&text(field(docs, "group")?)?)
        )?;
        let fact_or_ours = |key: &str, bare: fn(&str) -> bool, mine: &HashMap<String, String>| {
            get(docs, key)
                .map(text)
                .transpose()
                .map(|redis| redis.map(|redis| if bare(&redis) { redis } else { ours(mine) }))
        };
        if let Some(complexity) =
            fact_or_ours("complexity", bare_formula, &self.prose.complexities)?
        {
            writeln!(o, "{p}complexity: Some({}),", quoted(&complexity))?;
        }
        if let Some(flags) = get(docs, "doc_flags") {
            let flags: Vec<String> = list(flags)?
                .iter()
                .map(|f| Ok(format!("DocFlags::{}.0", text(f)?.to_uppercase())))
                .collect::<anyhow::Result<_>>()?;
            writeln!(o, "{p}doc_flags: DocFlags({}),", flags.join(" | "))?;
        }
        if let Some(since) = get(docs, "deprecated_since") {
            writeln!(o, "{p}deprecated_since: Some({}),", quoted(&text(since)?))?;
        }
        if let Some(replaced_by) = fact_or_ours("replaced_by", bare_name, &self.prose.replaced_by)?
        {
            writeln!(o, "{p}replaced_by: Some({}),", quoted(&replaced_by))?;
        }
        if let Some(history) = get(docs, "history").map(list).transpose()? {
            if !history.is_empty() {
                writeln!(o, "{p}history: &[")?;
                for (i, entry) in history.iter().enumerate() {
                    let version = text(&list(entry)?[0])?;
                    let change = match self.prose.history.get(&(name.to_string(), i)) {
                        Some((v, change)) if *v == version => change.as_str(),
                        _ => TODO,
                    };
                    writeln!(o, "{p}    ({}, {}),", quoted(&version), quoted(change))?;
                }
                writeln!(o, "{p}],")?;
            }
        }
        let info = list(info)?;
        let tips = list(&info[7])?;
        if !tips.is_empty() {
            let tips: Vec<String> = tips
                .iter()
                .map(|t| Ok(quoted(&text(t)?)))
                .collect::<anyhow::Result<_>>()?;
            writeln!(o, "{p}tips: &[{}],", tips.join(", "))?;
        }
        let specs = list(&info[8])?;
        if !specs.is_empty() {
            writeln!(o, "{p}key_specs: &[")?;
            for (i, spec) in specs.iter().enumerate() {
                writeln!(o, "{p}    {},", self.key_spec(name, i, spec)?)?;
            }
            writeln!(o, "{p}],")?;
        }
        if let Some(arguments) = get(docs, "arguments") {
            writeln!(o, "{p}arguments: &[")?;
            o.push_str(&arguments_source(list(arguments)?, indent + 1)?);
            writeln!(o, "{p}],")?;
        }
        let mut subs: Vec<(String, &Frame)> = Vec::new();
        for sub in list(&info[9])? {
            let sub_name = text(&list(sub)?[0])?;
            if self.documented.contains(&sub_name) {
                subs.push((sub_name, sub));
            }
        }
        subs.sort_by(|a, b| a.0.cmp(&b.0));
        if !subs.is_empty() {
            let sub_docs = field(docs, "subcommands")?;
            writeln!(o, "{p}subcommands: &[")?;
            for (sub_name, sub) in subs {
                let q = format!("{p}    ");
                let fields = list(sub)?;
                writeln!(o, "{q}Subcommand {{")?;
                writeln!(o, "{q}    arity: {},", int(&fields[1])?)?;
                writeln!(o, "{q}    flags: {},", flags_source(&fields[2])?)?;
                writeln!(o, "{q}    categories: {},", categories_source(&fields[6])?)?;
                writeln!(o, "{q}    meta: CommandMeta {{")?;
                o.push_str(&self.meta(&sub_name, sub, field(sub_docs, &sub_name)?, indent + 3)?);
                writeln!(o, "{q}        ..CommandMeta::NONE")?;
                writeln!(o, "{q}    }},")?;
                writeln!(o, "{q}}},")?;
            }
            writeln!(o, "{p}],")?;
        }
        Ok(o)
    }

    /// `ks(flags, where)`, with our notes where Redis has notes.
    fn key_spec(&self, name: &str, index: usize, spec: &Frame) -> anyhow::Result<String> {
        let begin = field(spec, "begin_search")?;
        let find = field(spec, "find_keys")?;
        let (begin_type, find_type) = (text(field(begin, "type")?)?, text(field(find, "type")?)?);
        let (bs, fs) = (field(begin, "spec")?, field(find, "spec")?);
        let n = |map: &Frame, key: &str| -> anyhow::Result<i64> { int(field(map, key)?) };
        let place = match (begin_type.as_str(), find_type.as_str()) {
            ("index", "range") => format!(
                "range({}, {}, {}, {})",
                n(bs, "index")?,
                n(fs, "lastkey")?,
                n(fs, "keystep")?,
                n(fs, "limit")?
            ),
            ("index", "keynum") => format!(
                "keynum({}, {}, {}, {})",
                n(bs, "index")?,
                n(fs, "keynumidx")?,
                n(fs, "firstkey")?,
                n(fs, "keystep")?
            ),
            _ => {
                let begin = match begin_type.as_str() {
                    "index" => format!("B::Index({})", n(bs, "index")?),
                    "keyword" => format!(
                        "B::Keyword {{ keyword: {}, startfrom: {} }}",
                        quoted(&text(field(bs, "keyword")?)?),
                        n(bs, "startfrom")?
                    ),
                    _ => "B::Unknown".to_string(),
                };
                let find = match find_type.as_str() {
                    "range" => format!(
                        "FK::Range {{ lastkey: {}, keystep: {}, limit: {} }}",
                        n(fs, "lastkey")?,
                        n(fs, "keystep")?,
                        n(fs, "limit")?
                    ),
                    "keynum" => format!(
                        "FK::Keynum {{ keynumidx: {}, firstkey: {}, keystep: {} }}",
                        n(fs, "keynumidx")?,
                        n(fs, "firstkey")?,
                        n(fs, "keystep")?
                    ),
                    _ => "FK::Unknown".to_string(),
                };
                format!("({begin}, {find})")
            }
        };
        let flags: Vec<String> = list(field(spec, "flags")?)?
            .iter()
            .map(|f| Ok(format!("K::{}", text(f)?.to_uppercase())))
            .collect::<anyhow::Result<_>>()?;
        let mut out = format!("ks(K::of(&[{}]), {place})", flags.join(", "));
        if get(spec, "notes").is_some() {
            let notes = self.prose.notes.get(&(name.to_string(), index));
            write!(
                out,
                ".notes({})",
                quoted(notes.map_or(TODO, String::as_str))
            )?;
        }
        Ok(out)
    }
}

/// The `arg(...)` lines of an argument list, nested ones indented further.
fn arguments_source(arguments: &[Frame], indent: usize) -> anyhow::Result<String> {
    const KNOWN: &[&str] = &[
        "name",
        "type",
        "key_spec_index",
        "token",
        "since",
        "deprecated_since",
        "flags",
        "arguments",
    ];
    let p = "    ".repeat(indent);
    let mut out = String::new();
    for argument in arguments {
        for (key, _) in pairs(argument)? {
            if !KNOWN.contains(&text(key)?.as_str()) {
                bail!("an argument field this tool does not know: {key:?}");
            }
        }
        let kind = text(field(argument, "type")?)?;
        let Some(kind_ident) = ARG_TYPES.iter().find(|(k, _)| *k == kind).map(|(_, i)| i) else {
            bail!("an argument type this tool does not know: {kind}");
        };
        let mut e = format!(
            "arg({}, {kind_ident})",
            quoted(&text(field(argument, "name")?)?)
        );
        if let Some(index) = get(argument, "key_spec_index") {
            write!(e, ".ks({})", int(index)?)?;
        }
        for (key, method) in [
            ("token", "token"),
            ("since", "since"),
            ("deprecated_since", "deprecated_since"),
        ] {
            if let Some(value) = get(argument, key) {
                write!(e, ".{method}({})", quoted(&text(value)?))?;
            }
        }
        if let Some(flags) = get(argument, "flags") {
            for flag in list(flags)? {
                write!(e, ".{}()", text(flag)?)?;
            }
        }
        if let Some(nested) = get(argument, "arguments") {
            write!(
                e,
                ".args(&[\n{}{p}])",
                arguments_source(list(nested)?, indent + 1)?
            )?;
        }
        writeln!(out, "{p}{e},")?;
    }
    Ok(out)
}

const ARG_TYPES: &[(&str, &str)] = &[
    ("string", "String"),
    ("integer", "Integer"),
    ("double", "Double"),
    ("key", "Key"),
    ("pattern", "Pattern"),
    ("unix-time", "UnixTime"),
    ("pure-token", "PureToken"),
    ("oneof", "Oneof"),
    ("block", "Block"),
];

/// COMMAND INFO's flag names and our `Flags` constants.
const FLAGS: &[(&str, &str)] = &[
    ("write", "WRITE"),
    ("readonly", "READONLY"),
    ("denyoom", "DENYOOM"),
    ("admin", "ADMIN"),
    ("pubsub", "PUBSUB"),
    ("noscript", "NOSCRIPT"),
    ("blocking", "BLOCKING"),
    ("loading", "LOADING"),
    ("stale", "STALE"),
    ("skip_monitor", "SKIP_MONITOR"),
    ("skip_slowlog", "SKIP_SLOWLOG"),
    ("asking", "ASKING"),
    ("fast", "FAST"),
    ("no_auth", "NO_AUTH"),
    ("no_mandatory_keys", "NO_MANDATORY_KEYS"),
    ("no_async_loading", "NO_ASYNC_LOADING"),
    ("no_multi", "NO_MULTI"),
    ("movablekeys", "MOVABLE_KEYS"),
    ("allow_busy", "ALLOW_BUSY"),
];

fn flags_source(flags: &Frame) -> anyhow::Result<String> {
    let names: Vec<String> = list(flags)?
        .iter()
        .map(|f| {
            let flag = text(f)?;
            let Some((_, ident)) = FLAGS.iter().find(|(name, _)| *name == flag) else {
                bail!("a command flag this tool does not know: {flag}");
            };
            Ok(format!("F::{ident}"))
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(if names.is_empty() {
        "F(0)".into()
    } else {
        format!("F::of(&[{}])", names.join(", "))
    })
}

fn categories_source(categories: &Frame) -> anyhow::Result<String> {
    let names: Vec<String> = list(categories)?
        .iter()
        .map(|c| {
            Ok(format!(
                "C::{}",
                text(c)?.trim_start_matches('@').to_uppercase()
            ))
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(if names.is_empty() {
        "C(0)".into()
    } else {
        format!("C::of(&[{}])", names.join(", "))
    })
}

fn group_ident(group: &str) -> String {
    group
        .split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or(String::new(), |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect()
}

/// Whether a complexity is one big-O formula and nothing else: a fact.
fn bare_formula(text: &str) -> bool {
    let Some(inner) = text.strip_prefix("O(") else {
        return false;
    };
    let mut depth = 1usize;
    for (i, c) in inner.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1 == inner.len();
                }
            }
            _ => {}
        }
    }
    false
}

/// Whether a `replaced_by` is one backticked name and nothing else.
fn bare_name(text: &str) -> bool {
    text.len() > 2 && text.starts_with('`') && text.ends_with('`') && text.matches('`').count() == 2
}

/// A Rust string literal.
fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

fn text(frame: &Frame) -> anyhow::Result<String> {
    match frame {
        Frame::Bulk(b) | Frame::Simple(b) => Ok(String::from_utf8_lossy(b).into_owned()),
        Frame::Verbatim { text, .. } => Ok(String::from_utf8_lossy(text).into_owned()),
        other => bail!("expected text, got {other:?}"),
    }
}

fn int(frame: &Frame) -> anyhow::Result<i64> {
    match frame {
        Frame::Integer(n) => Ok(*n),
        other => bail!("expected an integer, got {other:?}"),
    }
}

fn list(frame: &Frame) -> anyhow::Result<&[Frame]> {
    match frame {
        Frame::Array(items) | Frame::Set(items) => Ok(items),
        other => bail!("expected an array, got {other:?}"),
    }
}

fn pairs(frame: &Frame) -> anyhow::Result<&[(Frame, Frame)]> {
    match frame {
        Frame::Map(pairs) => Ok(pairs),
        other => bail!("expected a map, got {other:?}"),
    }
}

/// A map's value for `key`, if it has one.
pub fn get<'f>(map: &'f Frame, key: &str) -> Option<&'f Frame> {
    pairs(map)
        .ok()?
        .iter()
        .find(|(k, _)| text(k).is_ok_and(|k| k == key))
        .map(|(_, v)| v)
}

/// A map's value for `key`, which it must have.
pub fn field<'f>(map: &'f Frame, key: &str) -> anyhow::Result<&'f Frame> {
    get(map, key).with_context(|| format!("no {key:?} in {map:?}"))
}

pub fn group_name(docs: &Frame) -> anyhow::Result<String> {
    text(field(docs, "group")?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_facts_are_told_from_prose() {
        assert!(bare_formula("O(1)"));
        assert!(bare_formula("O(log(N))"));
        assert!(!bare_formula("O(1) per key"));
        assert!(!bare_formula("O(N)+O(M*log(M))"));
        assert!(!bare_formula("Depends on subcommand."));
        assert!(bare_name("`GETRANGE`"));
        assert!(!bare_name("`SET` with the `!GET` argument"));
        assert_eq!(group_ident("sorted-set"), "SortedSet");
        assert_eq!(group_ident("string"), "String");
        assert_eq!(quoted("a \"b\" \\"), r#""a \"b\" \\""#);
    }
}
