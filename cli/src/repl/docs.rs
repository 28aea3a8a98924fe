//! Command documentation for the prompt's hints, completion and `HELP`,
//! read from the server's `COMMAND DOCS` (Redis 7). A server without it is
//! asked for `COMMAND` instead, which gives names to complete and no more.

use resp_codec::Frame;

/// One command (or subcommand, named `CONFIG GET`) as the prompt shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandDoc {
    /// Upper case, a space before a subcommand.
    pub name: String,
    /// The argument syntax, e.g. `key value [NX|XX] [GET]`.
    pub params: String,
    pub summary: String,
    pub since: String,
    pub group: String,
}

/// Everything known about the server's commands, sorted by name.
#[derive(Clone, Debug, Default)]
pub struct CommandDocs {
    docs: Vec<CommandDoc>,
}

impl CommandDocs {
    /// From a `COMMAND DOCS` reply (a map, or in RESP2 a flat array).
    pub fn from_docs_reply(reply: &Frame) -> CommandDocs {
        let mut docs = Vec::new();
        for (name, doc) in pairs(reply) {
            collect(&mut docs, &text(name).to_uppercase().replace('|', " "), doc);
        }
        docs.sort_by(|a, b| a.name.cmp(&b.name));
        CommandDocs { docs }
    }

    /// From a `COMMAND` reply: names only.
    pub fn from_command_reply(reply: &Frame) -> CommandDocs {
        let mut docs: Vec<CommandDoc> = elements(reply)
            .iter()
            .filter_map(|info| elements(info).first().map(text))
            .map(|name| CommandDoc {
                name: name.to_uppercase(),
                params: String::new(),
                summary: String::new(),
                since: String::new(),
                group: String::new(),
            })
            .collect();
        docs.sort_by(|a, b| a.name.cmp(&b.name));
        CommandDocs { docs }
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    pub fn all(&self) -> &[CommandDoc] {
        &self.docs
    }

    /// The documentation for the command `words` start with: the
    /// subcommand when there is one (`CONFIG GET`), else the command; also
    /// how many of `words` its name took.
    pub fn lookup(&self, words: &[&str]) -> Option<(&CommandDoc, usize)> {
        let first = words.first()?.to_uppercase();
        if let Some(second) = words.get(1) {
            let name = format!("{first} {}", second.to_uppercase());
            if let Some(doc) = self.find(&name) {
                return Some((doc, 2));
            }
        }
        self.find(&first).map(|doc| (doc, 1))
    }

    fn find(&self, name: &str) -> Option<&CommandDoc> {
        self.docs
            .binary_search_by(|doc| doc.name.as_str().cmp(name))
            .ok()
            .map(|i| &self.docs[i])
    }

    /// The groups commands belong to, sorted, without repeats.
    pub fn groups(&self) -> Vec<&str> {
        let mut groups: Vec<&str> = self
            .docs
            .iter()
            .map(|doc| doc.group.as_str())
            .filter(|group| !group.is_empty())
            .collect();
        groups.sort_unstable();
        groups.dedup();
        groups
    }
}

/// Adds `doc` under `name`, and its subcommands under `NAME SUB`.
fn collect(docs: &mut Vec<CommandDoc>, name: &str, doc: &Frame) {
    let mut entry = CommandDoc {
        name: name.to_string(),
        params: String::new(),
        summary: String::new(),
        since: String::new(),
        group: String::new(),
    };
    for (key, value) in pairs(doc) {
        match text(key).as_str() {
            "summary" => entry.summary = text(value),
            "since" => entry.since = text(value),
            "group" => entry.group = text(value),
            "arguments" => entry.params = syntax(elements(value), " "),
            "subcommands" => {
                for (sub_name, sub_doc) in pairs(value) {
                    let sub_name = text(sub_name).to_uppercase().replace('|', " ");
                    collect(docs, &sub_name, sub_doc);
                }
            }
            _ => {}
        }
    }
    docs.push(entry);
}

/// The syntax of a list of arguments, joined by `separator`.
fn syntax(arguments: &[Frame], separator: &str) -> String {
    arguments
        .iter()
        .map(argument_syntax)
        .collect::<Vec<_>>()
        .join(separator)
}

/// One argument: `name`, `TOKEN name`, `TOKEN`, `a|b`, a block of several,
/// `[...]` when optional and `x [x ...]` when it repeats.
fn argument_syntax(argument: &Frame) -> String {
    let mut name = String::new();
    let mut kind = String::new();
    let mut token = None;
    let mut children: &[Frame] = &[];
    let mut optional = false;
    let mut multiple = false;
    for (key, value) in pairs(argument) {
        match text(key).as_str() {
            "name" => name = text(value),
            "display_text" => name = text(value),
            "type" => kind = text(value),
            "token" => token = Some(text(value)),
            "arguments" => children = elements(value),
            "flags" => {
                for flag in elements(value) {
                    match text(flag).as_str() {
                        "optional" => optional = true,
                        "multiple" => multiple = true,
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    let body = match kind.as_str() {
        "pure-token" => token.clone().unwrap_or(name),
        "oneof" => syntax(children, "|"),
        "block" => syntax(children, " "),
        _ => name,
    };
    let mut one = match (&token, kind.as_str()) {
        (Some(token), kind) if kind != "pure-token" => format!("{token} {body}"),
        _ => body,
    };
    if multiple {
        one = format!("{one} [{one} ...]");
    }
    if optional {
        one = format!("[{one}]");
    }
    one
}

/// The key/value pairs of a map, or of a flat RESP2 array of them.
fn pairs(frame: &Frame) -> Vec<(&Frame, &Frame)> {
    match frame {
        Frame::Map(pairs) => pairs.iter().map(|(k, v)| (k, v)).collect(),
        Frame::Array(items) => items.chunks_exact(2).map(|kv| (&kv[0], &kv[1])).collect(),
        _ => Vec::new(),
    }
}

fn elements(frame: &Frame) -> &[Frame] {
    match frame {
        Frame::Array(items) | Frame::Set(items) => items,
        _ => &[],
    }
}

fn text(frame: &Frame) -> String {
    match frame.as_bytes() {
        Some(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use resp_codec::Frame;

    use super::CommandDocs;

    fn bulk(text: &str) -> Frame {
        Frame::bulk(text.as_bytes())
    }

    fn arg(fields: &[(&str, Frame)]) -> Frame {
        Frame::Array(
            fields
                .iter()
                .flat_map(|(k, v)| [bulk(k), v.clone()])
                .collect(),
        )
    }

    fn flags(names: &[&'static str]) -> Frame {
        Frame::Array(names.iter().map(|name| Frame::simple(name)).collect())
    }

    /// The shape of `COMMAND DOCS set` and `COMMAND DOCS config` in RESP2.
    fn docs_reply() -> Frame {
        let set_args = Frame::Array(vec![
            arg(&[("name", bulk("key")), ("type", bulk("key"))]),
            arg(&[("name", bulk("value")), ("type", bulk("string"))]),
            arg(&[
                ("name", bulk("condition")),
                ("type", bulk("oneof")),
                ("flags", flags(&["optional"])),
                (
                    "arguments",
                    Frame::Array(vec![
                        arg(&[
                            ("name", bulk("nx")),
                            ("type", bulk("pure-token")),
                            ("token", bulk("NX")),
                        ]),
                        arg(&[
                            ("name", bulk("xx")),
                            ("type", bulk("pure-token")),
                            ("token", bulk("XX")),
                        ]),
                    ]),
                ),
            ]),
            arg(&[
                ("name", bulk("seconds")),
                ("type", bulk("integer")),
                ("token", bulk("EX")),
                ("flags", flags(&["optional"])),
            ]),
        ]);
        let set = arg(&[
            ("summary", bulk("Set the string value of a key")),
            ("since", bulk("1.0.0")),
            ("group", bulk("string")),
            ("arguments", set_args),
        ]);
        let config_get = arg(&[
            (
                "summary",
                bulk("Get the values of configuration parameters"),
            ),
            ("since", bulk("2.0.0")),
            ("group", bulk("server")),
            (
                "arguments",
                Frame::Array(vec![arg(&[
                    ("name", bulk("parameter")),
                    ("type", bulk("string")),
                    ("flags", flags(&["multiple"])),
                ])]),
            ),
        ]);
        let config = arg(&[
            (
                "summary",
                bulk("A container for server configuration commands"),
            ),
            ("group", bulk("server")),
            (
                "subcommands",
                Frame::Array(vec![bulk("config|get"), config_get]),
            ),
        ]);
        Frame::Array(vec![bulk("set"), set, bulk("config"), config])
    }

    #[test]
    fn argument_syntax_reads_like_redis_help() {
        let docs = CommandDocs::from_docs_reply(&docs_reply());
        let (set, used) = docs.lookup(&["set", "k"]).expect("SET is documented");
        assert_eq!(used, 1);
        assert_eq!(set.params, "key value [NX|XX] [EX seconds]");
        assert_eq!(set.summary, "Set the string value of a key");
        assert_eq!(
            (set.since.as_str(), set.group.as_str()),
            ("1.0.0", "string")
        );
        let (get, used) = docs
            .lookup(&["Config", "get"])
            .expect("CONFIG GET is documented");
        assert_eq!((get.name.as_str(), used), ("CONFIG GET", 2));
        assert_eq!(get.params, "parameter [parameter ...]");
        assert_eq!(
            docs.lookup(&["config"]).map(|(d, _)| d.name.as_str()),
            Some("CONFIG")
        );
        assert_eq!(docs.groups(), vec!["server", "string"]);
        assert!(docs.lookup(&["nosuch"]).is_none());
    }

    #[test]
    fn command_reply_gives_names() {
        let info = |name: &str| Frame::Array(vec![bulk(name), Frame::Integer(-1)]);
        let docs = CommandDocs::from_command_reply(&Frame::Array(vec![info("get"), info("set")]));
        let names: Vec<&str> = docs.all().iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, vec!["GET", "SET"]);
    }
}
