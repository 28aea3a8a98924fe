//! The server's configuration: every redis.conf directive with its value,
//! read from a file and redis-server style arguments, changed by CONFIG
//! SET, written back by CONFIG REWRITE.
//!
//! - [`directives`]: the table (names, aliases, kinds, defaults, flags).
//! - [`values`]: reading and checking a value of each kind.
//! - [`load`]: redis.conf text, `include`, the command line, fatal errors.
//! - [`settings`]: the typed snapshot the rest of the server reads
//!   (`Settings`, `kv_engine::EngineConfig`, `PersistenceSettings`).
//! - [`rewrite`]: CONFIG REWRITE, keeping the file's comments and order.
//!
//! A `Config` holds each directive's canonical text (what CONFIG GET
//! prints); typed views are derived from it whenever it changes, so the
//! hot path never parses text.

pub mod directives;
pub mod load;
pub mod rewrite;
pub mod settings;
pub mod values;

use directives::{Directive, Effect, DIRECTIVES};
use std::path::PathBuf;

pub use load::{from_args, Invocation, LoadError};
pub use settings::{PersistenceSettings, Settings};

/// Every directive's value, by its index in `DIRECTIVES`.
#[derive(Clone)]
pub struct Config {
    values: Vec<String>,
    /// Set by the file or the command line (rather than left at default).
    explicit: Vec<bool>,
    /// The config file, absolute, if one was given (CONFIG REWRITE's target).
    file: Option<PathBuf>,
}

/// Why CONFIG SET refused, with Redis's reply text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SetError {
    #[error("ERR Unknown option or number of arguments for CONFIG SET - '{0}'")]
    Unknown(String),
    #[error("ERR CONFIG SET failed (possibly related to argument '{name}') - {reason}")]
    Failed { name: String, reason: String },
}

impl Config {
    /// Redis's defaults (this server's, for `bind`).
    pub fn defaults() -> Config {
        Config {
            values: DIRECTIVES.iter().map(|d| d.default.to_owned()).collect(),
            explicit: vec![false; DIRECTIVES.len()],
            file: None,
        }
    }

    /// The value of `name` (or an alias), if it is a directive.
    pub fn get(&self, name: &str) -> Option<&str> {
        directives::find(name).map(|i| self.values[i].as_str())
    }

    /// The value of a directive this crate knows exists.
    pub fn value(&self, name: &str) -> &str {
        self.get(name)
            .unwrap_or_else(|| panic!("no directive named {name}"))
    }

    pub fn file(&self) -> Option<&std::path::Path> {
        self.file.as_deref()
    }

    /// Records the absolute working directory as `dir` (done at startup
    /// after changing to it, so CONFIG GET dir prints where we are).
    pub fn set_dir(&mut self, dir: String) {
        let index = directives::find("dir").expect("dir is a directive");
        self.values[index] = dir;
    }

    /// CONFIG GET: (name, value) for every directive whose name or alias
    /// matches one of `patterns`, each once. A pattern without glob
    /// characters is an exact name and answers under the name as given,
    /// as Redis does.
    pub fn matching(&self, patterns: &[&[u8]]) -> Vec<(String, String)> {
        let mut found: Vec<(String, String)> = Vec::new();
        let push = |found: &mut Vec<(String, String)>, name: String, value: &str| {
            if !found.iter().any(|(n, _)| *n == name) {
                found.push((name, value.to_owned()));
            }
        };
        for pattern in patterns {
            let is_glob = pattern.iter().any(|b| matches!(b, b'*' | b'?' | b'['));
            if !is_glob {
                let name = String::from_utf8_lossy(pattern);
                if let Some(value) = self.get(&name) {
                    push(&mut found, name.into_owned(), value);
                }
                continue;
            }
            for (directive, value) in DIRECTIVES.iter().zip(&self.values) {
                for name in std::iter::once(directive.name).chain(directive.alias) {
                    if kv_engine::glob::glob_match_nocase(pattern, name.as_bytes()) {
                        push(&mut found, name.to_owned(), value);
                    }
                }
            }
        }
        found
    }

    /// CONFIG SET of several pairs, all or nothing: every pair is checked
    /// before any is applied. Returns the indexes of the changed directives.
    pub fn set_many(
        &mut self,
        pairs: &[(&str, &str)],
        protected_allowed: bool,
    ) -> Result<Vec<usize>, SetError> {
        let mut staged: Vec<(usize, String)> = Vec::with_capacity(pairs.len());
        for (at, (name, value)) in pairs.iter().enumerate() {
            let index =
                directives::find(name).ok_or_else(|| SetError::Unknown((*name).to_owned()))?;
            let directive: &Directive = &DIRECTIVES[index];
            let failed = |reason: &str| SetError::Failed {
                name: (*name).to_owned(),
                reason: reason.to_owned(),
            };
            // Redis compares the names as given: a directive and its alias
            // in one call are both applied, the later one winning.
            if pairs[..at]
                .iter()
                .any(|(other, _)| other.eq_ignore_ascii_case(name))
            {
                return Err(failed("duplicate parameter"));
            }
            if directive.immutable {
                return Err(failed("can't set immutable config"));
            }
            if directive.protected && !protected_allowed {
                return Err(failed("can't set protected config"));
            }
            let args = [(*value).to_owned()];
            let canonical =
                values::normalize_onto(directive.kind, &args, Some(&self.values[index]))
                    .map_err(|reason| failed(&reason))?;
            let adjusted =
                values::adjust_on_set(directive.name, values::adjust(directive.name, canonical));
            staged.push((index, adjusted));
        }
        let mut changed: Vec<usize> = staged.iter().map(|(i, _)| *i).collect();
        changed.sort_unstable();
        changed.dedup();
        for (index, value) in staged {
            self.values[index] = value;
            self.explicit[index] = true;
        }
        Ok(changed)
    }

    /// Puts back values saved before a `set_many` whose effects failed.
    pub fn restore(&mut self, saved: &Config) {
        self.values.clone_from(&saved.values);
        self.explicit.clone_from(&saved.explicit);
    }

    pub fn name_of(index: usize) -> &'static str {
        DIRECTIVES[index].name
    }

    /// Directives set to a non-default value that change nothing here (or
    /// not yet): what the startup log warns about.
    pub fn ineffective(&self) -> Vec<(&'static str, &str, Effect)> {
        DIRECTIVES
            .iter()
            .zip(&self.values)
            // Asking for nothing ("", "no") from a part that is missing is
            // simply true; anything else deserves a warning.
            .filter(|(d, value)| {
                d.effect != Effect::Live
                    && d.default != value.as_str()
                    && !matches!(value.as_str(), "" | "no")
            })
            .map(|(d, value)| (d.name, value.as_str(), d.effect))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_get_globs_and_exact_names() {
        let config = Config::defaults();
        let got = config.matching(&[b"maxmemory-p*"]);
        assert_eq!(got, vec![("maxmemory-policy".into(), "noeviction".into())]);
        assert_eq!(
            config.matching(&[b"PORT"]),
            vec![("PORT".into(), "6379".into())]
        );
        let slaves = config.matching(&[b"slave-read*"]);
        assert_eq!(slaves, vec![("slave-read-only".into(), "yes".into())]);
        assert_eq!(config.matching(&[b"port", b"p*rt"]).len(), 1);
        assert!(config.matching(&[b"nonexistent"]).is_empty());
        assert_eq!(config.matching(&[b"*"]).len(), 192);
    }

    #[test]
    fn config_set_is_all_or_nothing() {
        let mut config = Config::defaults();
        let err = config
            .set_many(&[("hz", "20"), ("maxmemory", "1x")], false)
            .unwrap_err();
        assert_eq!(err.to_string(), "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value");
        assert_eq!(config.value("hz"), "10");
        config
            .set_many(&[("hz", "20"), ("maxmemory", "1gb")], false)
            .unwrap();
        assert_eq!(config.value("hz"), "20");
        assert_eq!(config.value("maxmemory"), "1073741824");
        let cases = [
            (vec![("foo", "bar")], "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"),
            (vec![("databases", "3")], "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config"),
            (vec![("port", "1"), ("port", "2")], "ERR CONFIG SET failed (possibly related to argument 'port') - duplicate parameter"),
            (vec![("dir", "/tmp")], "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config"),
        ];
        for (pairs, expect) in cases {
            assert_eq!(
                config.set_many(&pairs, false).unwrap_err().to_string(),
                expect
            );
        }
    }
}
