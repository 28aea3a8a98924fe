//! The parts of COMMAND DOCS we write in our own words, and what each
//! must keep of Redis's: summaries, complexities, what replaces a
//! deprecated command, and history descriptions. The replies are compared
//! with these texts masked (so presence, history versions and order are
//! still exact), then each text is held to its rule here. None may be
//! empty, a `TODO`, or Redis's own text (compared ignoring case and
//! punctuation), except where Redis's is a bare fact that ours repeats.

use resp_codec::Frame;

/// COMMAND DOCS fields whose value is prose.
const FIELDS: &[&str] = &["summary", "complexity", "replaced_by"];

/// What a masked text reads.
const MASK: &str = "<own words>";

/// One text of a COMMAND DOCS entry.
pub struct Prose {
    /// The command or subcommand's full name.
    command: String,
    /// The field, or `history[i]` for the i-th history description.
    field: String,
    text: String,
}

fn bulk(text: &str) -> Frame {
    Frame::Bulk(bytes::Bytes::copy_from_slice(text.as_bytes()))
}

fn text(frame: &Frame) -> String {
    match frame {
        Frame::Bulk(b) | Frame::Simple(b) => String::from_utf8_lossy(b).into_owned(),
        other => format!("{other:?}"),
    }
}

/// A history (a set of `[version, description]`) with its descriptions
/// masked.
fn masked_history(history: &Frame) -> Frame {
    let mask = |entries: &[Frame]| -> Vec<Frame> {
        entries
            .iter()
            .map(|entry| match entry {
                Frame::Array(pair) if pair.len() == 2 => {
                    Frame::Array(vec![pair[0].clone(), bulk(MASK)])
                }
                other => other.clone(),
            })
            .collect()
    };
    match history {
        Frame::Array(entries) => Frame::Array(mask(entries)),
        Frame::Set(entries) => Frame::Set(mask(entries)),
        other => other.clone(),
    }
}

/// The value of a docs field with its prose masked, if it has any.
fn masked_value(field: &str, value: &Frame) -> Option<Frame> {
    if FIELDS.contains(&field) {
        Some(bulk(MASK))
    } else if field == "history" {
        Some(masked_history(value))
    } else {
        None
    }
}

/// A RESP3 COMMAND DOCS entry (a map) with its own prose masked; the
/// subcommands' entries are the caller's to walk.
pub fn masked(entry: &Frame) -> Frame {
    match entry {
        Frame::Map(pairs) => Frame::Map(
            pairs
                .iter()
                .map(|(k, v)| {
                    let value = masked_value(&text(k), v).unwrap_or_else(|| v.clone());
                    (k.clone(), value)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A RESP2 reply (maps flattened to arrays) with the value after each
/// prose field name masked, at any depth.
pub fn masked_flat(frame: &Frame) -> Frame {
    let Frame::Array(elements) = frame else {
        return frame.clone();
    };
    let mut out: Vec<Frame> = Vec::with_capacity(elements.len());
    for element in elements {
        let field = out.last().map(text).unwrap_or_default();
        out.push(masked_value(&field, element).unwrap_or_else(|| masked_flat(element)));
    }
    Frame::Array(out)
}

/// Every text of a RESP3 COMMAND DOCS entry, its subcommands' included.
pub fn collect(entry: &Frame, command: &str, out: &mut Vec<Prose>) {
    let Frame::Map(pairs) = entry else { return };
    for (k, v) in pairs {
        let field = text(k);
        let mut push = |field: String, text: String| {
            out.push(Prose {
                command: command.to_string(),
                field,
                text,
            })
        };
        match (field.as_str(), v) {
            (f, v) if FIELDS.contains(&f) => push(field.clone(), text(v)),
            ("history", Frame::Array(entries) | Frame::Set(entries)) => {
                for (i, entry) in entries.iter().enumerate() {
                    if let Frame::Array(pair) = entry {
                        push(
                            format!("history[{i}]"),
                            pair.get(1).map(text).unwrap_or_default(),
                        );
                    }
                }
            }
            ("subcommands", Frame::Map(subs)) => {
                for (sub, docs) in subs {
                    collect(docs, &text(sub), out);
                }
            }
            _ => {}
        }
    }
}

/// The big-O formulas in a text, each `O(` to its matching `)`.
fn formulas(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(offset) = text[at..].find("O(") {
        let start = at + offset;
        let after_word = start > 0 && bytes[start - 1].is_ascii_alphanumeric();
        let mut depth = 0usize;
        let mut end = None;
        for (i, b) in bytes.iter().enumerate().skip(start + 1) {
            match b {
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(i + 1);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(end) = end else { break };
        if !after_word {
            found.push(&text[start..end]);
        }
        at = end;
    }
    found
}

/// The upper-case words (command and argument names) quoted in
/// backticks, punctuation dropped.
fn quoted_names(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .flat_map(|quoted| quoted.split(' '))
        .map(|word| {
            word.chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
        })
        .filter(|word| !word.is_empty() && word.chars().all(|c| !c.is_ascii_lowercase()))
        .collect()
}

/// A text folded to its lower-case letters and digits, so that a copy
/// with other case or punctuation is still a copy.
fn folded(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Whether Redis's text is a fact with no prose around it: a bare
/// formula (`O(1)`) or only backticked names (`` `GETRANGE` ``).
fn bare_fact(redis: &str) -> bool {
    formulas(redis) == [redis]
        || (redis.starts_with('`') && redis.ends_with('`') && redis.matches('`').count() == 2)
}

/// What is wrong with our text against Redis's, if anything.
fn fault(field: &str, ours: &str, redis: &str) -> Option<String> {
    if ours.trim().is_empty() || ours.contains("TODO") {
        return Some("is not written".into());
    }
    if bare_fact(redis) {
        return (ours != redis).then(|| format!("must be Redis's bare fact {redis:?}"));
    }
    if folded(ours) == folded(redis) {
        return Some(format!("is Redis's text {redis:?}"));
    }
    match field {
        "complexity" => {
            let (ours_f, redis_f) = (formulas(ours), formulas(redis));
            if ours_f.first() != redis_f.first() {
                return Some(format!("does not lead with Redis's formula {redis:?}"));
            }
            if let Some(f) = ours_f.iter().find(|f| !redis_f.contains(f)) {
                return Some(format!("has {f}, which {redis:?} does not"));
            }
        }
        "replaced_by" => {
            let ours_names = quoted_names(ours);
            if let Some(name) = quoted_names(redis).iter().find(|n| !ours_names.contains(n)) {
                return Some(format!("does not name {name} as {redis:?} does"));
            }
        }
        _ => {}
    }
    None
}

/// Holds each of our texts to its rule against Redis's text for the same
/// command and field (whether both have it is the masked comparison's
/// job).
pub fn check(ours: &[Prose], redis: &[Prose], differences: &mut Vec<String>) {
    for own in ours {
        let theirs = redis
            .iter()
            .find(|r| r.command == own.command && r.field == own.field);
        let Some(theirs) = theirs else { continue };
        let field = own.field.split('[').next().unwrap_or_default();
        if let Some(fault) = fault(field, &own.text, &theirs.text) {
            differences.push(format!(
                "{} {}: {:?} {fault}",
                own.command, own.field, own.text
            ));
        }
    }
}

#[test]
fn the_rules_catch_what_they_are_for() {
    assert_eq!(formulas("O(1), or O(N) given N"), ["O(1)", "O(N)"]);
    assert_eq!(formulas("O(L + (N-K)log(N)) ok"), ["O(L + (N-K)log(N))"]);
    assert_eq!(formulas("See each subcommand"), Vec::<&str>::new());
    const KEYS: &str = "O(N) where N is the number of keys.";
    const GET: &str = "`SET` with the `!GET` argument";
    // (field, ours, Redis's, whether ours passes)
    let cases = [
        ("complexity", "O(1)", "O(1)", true),
        ("complexity", "O(1) here", "O(1)", false),
        ("complexity", "O(N) for N keys", KEYS, true),
        (
            "complexity",
            "O(N) Where N is the number of keys",
            KEYS,
            false,
        ),
        ("complexity", "O(1) for N keys", KEYS, false),
        ("complexity", "O(N), O(M) for N keys", KEYS, false),
        ("complexity", "TODO", KEYS, false),
        ("replaced_by", "`GETRANGE`", "`GETRANGE`", true),
        ("replaced_by", "`SET key value GET`", GET, true),
        ("replaced_by", "`SET key value`", GET, false),
        ("history", "", "Added the `X` option.", false),
        ("history", "The `X` flag", "Added the `X` option.", true),
    ];
    for (field, ours, redis, passes) in cases {
        assert_eq!(
            fault(field, ours, redis).is_none(),
            passes,
            "{field} {ours:?}"
        );
    }
}
