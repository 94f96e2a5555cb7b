//! The JSON of a network file as hnn-core wrote it: a value that keeps the
//! order of object members, a node that knows its field path (for error
//! messages), and the typed accessors every part of the reader uses.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::config::rules::RuleResult;

/// What is wrong with a network file: the file, the field (a dotted path
/// such as `cell_types.L5_pyramidal.cell_object.sections.soma.L`, empty for
/// the file as a whole) and the problem.
#[derive(Debug, Clone, PartialEq)]
pub struct HnnJsonError {
    pub file: PathBuf,
    pub field: String,
    pub message: String,
}

impl fmt::Display for HnnJsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(
                f,
                "{}: `{}`: {}",
                self.file.display(),
                self.field,
                self.message
            )
        }
    }
}

impl std::error::Error for HnnJsonError {}

/// A JSON value that keeps the order of object members (hnn-core's dicts
/// are ordered, and the order of cell types, sections, tree nodes and gid
/// pairs is meaningful).
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Json {
    Null,
    Bool(bool),
    /// The value, and whether it was written as an integer.
    Num(f64, bool),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Json;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_unit<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_none<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_bool<E>(self, b: bool) -> Result<Json, E> {
                Ok(Json::Bool(b))
            }
            fn visit_i64<E>(self, x: i64) -> Result<Json, E> {
                Ok(Json::Num(x as f64, true))
            }
            fn visit_u64<E>(self, x: u64) -> Result<Json, E> {
                Ok(Json::Num(x as f64, true))
            }
            fn visit_f64<E>(self, x: f64) -> Result<Json, E> {
                Ok(Json::Num(x, false))
            }
            fn visit_str<E>(self, s: &str) -> Result<Json, E> {
                Ok(Json::Str(s.to_string()))
            }
            fn visit_string<E>(self, s: String) -> Result<Json, E> {
                Ok(Json::Str(s))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Json, A::Error> {
                let mut v = Vec::new();
                while let Some(x) = a.next_element()? {
                    v.push(x);
                }
                Ok(Json::Arr(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Json, A::Error> {
                let mut v = Vec::new();
                while let Some((k, x)) = a.next_entry::<String, Json>()? {
                    v.push((k, x));
                }
                Ok(Json::Obj(v))
            }
        }
        d.deserialize_any(V)
    }
}

/// A value with its field path, for error messages.
#[derive(Clone, Copy)]
pub(super) struct Node<'a> {
    pub(super) v: &'a Json,
    pub(super) path: &'a str,
    pub(super) file: &'a Path,
}

pub(super) type Res<T> = Result<T, HnnJsonError>;

pub(super) fn kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Num(..) => "a number",
        Json::Str(_) => "a string",
        Json::Arr(_) => "a list",
        Json::Obj(_) => "an object",
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// A node that owns its path (children borrow from it).
pub(super) struct Owned<'a> {
    pub(super) v: &'a Json,
    pub(super) path: String,
    pub(super) file: &'a Path,
}

impl<'a> Owned<'a> {
    pub(super) fn node(&self) -> Node<'_> {
        Node {
            v: self.v,
            path: &self.path,
            file: self.file,
        }
    }
}

impl<'a> Node<'a> {
    pub(super) fn err(&self, message: impl Into<String>) -> HnnJsonError {
        HnnJsonError {
            file: self.file.to_path_buf(),
            field: self.path.to_string(),
            message: message.into(),
        }
    }

    pub(super) fn expected(&self, what: &str) -> HnnJsonError {
        self.err(format!("expected {what}, found {}", kind(self.v)))
    }

    pub(super) fn members(&self) -> Res<&'a [(String, Json)]> {
        match self.v {
            Json::Obj(m) => Ok(m),
            _ => Err(self.expected("an object")),
        }
    }

    /// Object members as owned nodes, in file order.
    pub(super) fn entries(&self) -> Res<Vec<(&'a str, Owned<'a>)>> {
        Ok(self
            .members()?
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str(),
                    Owned {
                        v,
                        path: join(self.path, k),
                        file: self.file,
                    },
                )
            })
            .collect())
    }

    pub(super) fn opt(&self, key: &str) -> Res<Option<Owned<'a>>> {
        Ok(self
            .members()?
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| Owned {
                v,
                path: join(self.path, key),
                file: self.file,
            }))
    }

    pub(super) fn get(&self, key: &str) -> Res<Owned<'a>> {
        self.opt(key)?
            .ok_or_else(|| self.err(format!("missing field `{key}`")))
    }

    /// Refuse members outside `known`.
    pub(super) fn only_keys(&self, known: &[&str]) -> Res<()> {
        for (k, _) in self.members()? {
            if !known.contains(&k.as_str()) {
                return Err(HnnJsonError {
                    file: self.file.to_path_buf(),
                    field: join(self.path, k),
                    message: format!(
                        "unknown field (hnn-core 0.6.1 writes: {})",
                        known.join(", ")
                    ),
                });
            }
        }
        Ok(())
    }

    pub(super) fn items(&self) -> Res<Vec<Owned<'a>>> {
        match self.v {
            Json::Arr(v) => Ok(v
                .iter()
                .enumerate()
                .map(|(i, v)| Owned {
                    v,
                    path: format!("{}[{i}]", self.path),
                    file: self.file,
                })
                .collect()),
            _ => Err(self.expected("a list")),
        }
    }

    pub(super) fn f64(&self) -> Res<f64> {
        match self.v {
            Json::Num(x, _) => Ok(*x),
            _ => Err(self.expected("a number")),
        }
    }

    /// A number that must satisfy one of the shared value rules
    /// ([`crate::config::rules`], the same as for the TOML).
    pub(super) fn checked(&self, rule: fn(f64) -> RuleResult<f64>) -> Res<f64> {
        let v = self.f64()?;
        rule(v).map_err(|e| self.err(e.to_string()))
    }

    pub(super) fn checked_usize(&self, rule: fn(usize) -> RuleResult<usize>) -> Res<usize> {
        let v = self.usize()?;
        rule(v).map_err(|e| self.err(e.to_string()))
    }

    pub(super) fn usize(&self) -> Res<usize> {
        match self.v {
            Json::Num(x, true) if *x >= 0.0 => Ok(*x as usize),
            _ => Err(self.expected("a non-negative integer")),
        }
    }

    pub(super) fn str(&self) -> Res<&'a str> {
        match self.v {
            Json::Str(s) => Ok(s),
            _ => Err(self.expected("a string")),
        }
    }

    pub(super) fn bool(&self) -> Res<bool> {
        match self.v {
            Json::Bool(b) => Ok(*b),
            // `allow_autapses` is written as 0/1
            Json::Num(x, true) if *x == 0.0 || *x == 1.0 => Ok(*x == 1.0),
            _ => Err(self.expected("a boolean")),
        }
    }

    pub(super) fn is_null(&self) -> bool {
        matches!(self.v, Json::Null)
    }

    pub(super) fn f64s(&self) -> Res<Vec<f64>> {
        self.items()?.iter().map(|n| n.node().f64()).collect()
    }

    pub(super) fn strings(&self) -> Res<Vec<String>> {
        self.items()?
            .iter()
            .map(|n| n.node().str().map(str::to_string))
            .collect()
    }

    pub(super) fn point(&self) -> Res<[f64; 3]> {
        let v = self.f64s()?;
        v.try_into()
            .map_err(|_| self.err("expected a point [x, y, z]"))
    }
}
