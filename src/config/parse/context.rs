//! Parsing state ([`Ctx`]): the file, its text, where each key path was
//! found and which `"$name"` references were seen; errors placed at a key.

use std::collections::BTreeMap;
use std::ops::Range;

use crate::config::error::ConfigError;
use crate::config::raw;
use crate::config::types::DEFAULT_CELL_TYPES;

/// Where a `"$name"` reference appears.
#[derive(Debug, Clone)]
pub(crate) struct RefSite {
    pub name: String,
    pub path: String,
}

/// Parsing state: the file, the text, and what has been located so far.
pub(crate) struct Ctx<'a> {
    pub file: String,
    pub text: &'a str,
    /// key path -> byte offset of its value (or key).
    pub locs: BTreeMap<String, usize>,
    pub refs: Vec<RefSite>,
    /// Cell types that per-cell-type tables may name (`None`: not checked,
    /// a network from `hnn_json`).
    pub cell_types: Option<&'static [&'static str]>,
}

/// What every parser returns.
pub(crate) type Res<T> = Result<T, ConfigError>;

impl<'a> Ctx<'a> {
    pub fn new(file: &str, text: &'a str) -> Self {
        Ctx {
            file: file.to_string(),
            text,
            locs: BTreeMap::new(),
            refs: Vec::new(),
            cell_types: Some(&DEFAULT_CELL_TYPES),
        }
    }

    /// Record where `path` is (the first place seen wins).
    pub(super) fn note(&mut self, path: &str, span: Option<&Range<usize>>) {
        if let Some(s) = span {
            self.locs.entry(path.to_string()).or_insert(s.start);
        }
    }

    /// An error at a byte span (or, without one, at the key's recorded place).
    pub fn err_span(
        &self,
        key: &str,
        span: Option<&Range<usize>>,
        msg: impl Into<String>,
    ) -> ConfigError {
        match span {
            Some(s) => {
                let (line, col) = raw::line_col(self.text, s.start);
                ConfigError {
                    file: self.file.clone(),
                    line: Some(line),
                    column: Some(col),
                    key: key.to_string(),
                    message: msg.into(),
                }
            }
            None => self.err(key, msg),
        }
    }

    /// An error at a key path's recorded place (or its nearest recorded
    /// parent's).
    pub fn err(&self, key: &str, msg: impl Into<String>) -> ConfigError {
        let (line, column) = match locate_offset(&self.locs, key) {
            Some(off) => {
                let (l, c) = raw::line_col(self.text, off);
                (Some(l), Some(c))
            }
            None => (Some(1), None),
        };
        ConfigError {
            file: self.file.clone(),
            line,
            column,
            key: key.to_string(),
            message: msg.into(),
        }
    }
}

/// The recorded offset of `path` or of its closest recorded ancestor.
pub(crate) fn locate_offset<V: Copy>(locs: &BTreeMap<String, V>, path: &str) -> Option<V> {
    let mut p = path;
    loop {
        if let Some(v) = locs.get(p) {
            return Some(*v);
        }
        let cut = p.rfind(['.', '['])?;
        p = &p[..cut];
    }
}

/// `path.key` (just `key` at the root).
pub(super) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// `path[i]`.
pub(super) fn idx(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}
