//! The TOML document as a tree of values that remember where they are in the
//! file (byte spans), so that every config error can name its line.
//!
//! The `toml` crate (0.8) hands spans to `toml::Spanned<T>`, through a private
//! serde protocol: deserializing a struct named `$__serde_spanned_private_Spanned`
//! yields a map `{start, end, value}`. Implicit tables (`[a.b]` without `[a]`)
//! have no span, and then the deserializer falls back to the bare value:
//! `toml::Spanned` would fail on them, so this module speaks the protocol
//! itself and accepts both forms. A unit test checks that spans do arrive.

use std::fmt;
use std::ops::Range;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

const SPANNED_NAME: &str = "$__serde_spanned_private_Spanned";
const SPANNED_START: &str = "$__serde_spanned_private_start";
const SPANNED_END: &str = "$__serde_spanned_private_end";
const SPANNED_VALUE: &str = "$__serde_spanned_private_value";
const SPANNED_FIELDS: &[&str] = &[SPANNED_START, SPANNED_END, SPANNED_VALUE];
const DATETIME_FIELD: &str = "$__toml_private_datetime";

/// A TOML value with its byte span in the file, when the parser knows it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub span: Option<Range<usize>>,
    pub value: Value,
}

/// A table key with its byte span.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Key {
    pub name: String,
    pub span: Option<Range<usize>>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    String(String),
    Integer(i64),
    Float(f64),
    Boolean(bool),
    Datetime(String),
    Array(Vec<Node>),
    /// Entries in file order.
    Table(Vec<(Key, Node)>),
}

impl Value {
    /// How a value's type is named in messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::String(_) => "a string",
            Value::Integer(_) => "an integer",
            Value::Float(_) => "a float",
            Value::Boolean(_) => "a boolean",
            Value::Datetime(_) => "a date-time",
            Value::Array(_) => "an array",
            Value::Table(_) => "a table",
        }
    }

    /// Short rendering of the value for messages.
    pub fn show(&self) -> String {
        match self {
            Value::String(s) => format!("{s:?}"),
            Value::Integer(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Boolean(b) => b.to_string(),
            Value::Datetime(d) => d.clone(),
            Value::Array(_) => "[...]".to_string(),
            Value::Table(_) => "{...}".to_string(),
        }
    }
}

/// Parse a TOML document. The root is always a table.
pub(crate) fn parse_document(text: &str) -> Result<Node, toml::de::Error> {
    let de = toml::Deserializer::new(text);
    Node::deserialize(de)
}

// ---------------------------------------------------------------------------
// serde plumbing

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_struct(SPANNED_NAME, SPANNED_FIELDS, KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a table key")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
        Ok(Key {
            name: v.to_string(),
            span: None,
        })
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Key, E> {
        Ok(Key {
            name: v,
            span: None,
        })
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Key, A::Error> {
        let (start, end) = read_span_bounds(&mut map)?;
        let name: String = map.next_value()?;
        Ok(Key {
            name,
            span: Some(start..end),
        })
    }
}

/// After the `start` key of a spanned map: read `start`, the `end` key and
/// value, and the `value` key (its value is left for the caller).
fn read_span_bounds<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(usize, usize), A::Error> {
    let k: Option<Key> = map.next_key()?;
    match k {
        Some(k) if k.name == SPANNED_START => {}
        _ => return Err(de::Error::custom("spanned value: missing start")),
    }
    let start: usize = map.next_value()?;
    let k: Option<Key> = map.next_key()?;
    match k {
        Some(k) if k.name == SPANNED_END => {}
        _ => return Err(de::Error::custom("spanned value: missing end")),
    }
    let end: usize = map.next_value()?;
    let k: Option<Key> = map.next_key()?;
    match k {
        Some(k) if k.name == SPANNED_VALUE => {}
        _ => return Err(de::Error::custom("spanned value: missing value")),
    }
    Ok((start, end))
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_struct(SPANNED_NAME, SPANNED_FIELDS, NodeVisitor)
    }
}

struct NodeVisitor;

fn bare(value: Value) -> Node {
    Node { span: None, value }
}

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a TOML value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(bare(Value::Boolean(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(bare(Value::Integer(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        i64::try_from(v)
            .map(|v| bare(Value::Integer(v)))
            .map_err(|_| E::custom("integer out of range"))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        Ok(bare(Value::Float(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(bare(Value::String(v.to_string())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        Ok(bare(Value::String(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(n) = seq.next_element::<Node>()? {
            items.push(n);
        }
        Ok(bare(Value::Array(items)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let first: Option<Key> = map.next_key()?;
        let Some(first) = first else {
            return Ok(bare(Value::Table(Vec::new())));
        };
        if first.name == SPANNED_START {
            // The spanned protocol: {start, end, value}.
            let start: usize = map.next_value()?;
            let k: Option<Key> = map.next_key()?;
            if !matches!(k, Some(ref k) if k.name == SPANNED_END) {
                return Err(de::Error::custom("spanned value: missing end"));
            }
            let end: usize = map.next_value()?;
            let k: Option<Key> = map.next_key()?;
            if !matches!(k, Some(ref k) if k.name == SPANNED_VALUE) {
                return Err(de::Error::custom("spanned value: missing value"));
            }
            let inner: Node = map.next_value_seed(ValueOnly)?;
            return Ok(Node {
                span: Some(start..end),
                value: inner.value,
            });
        }
        if first.name == DATETIME_FIELD {
            let s: String = map.next_value()?;
            return Ok(bare(Value::Datetime(s)));
        }
        // A table without span: its entries follow directly.
        let mut entries = Vec::new();
        let v: Node = map.next_value()?;
        entries.push((first, v));
        while let Some(k) = map.next_key::<Key>()? {
            let v: Node = map.next_value()?;
            entries.push((k, v));
        }
        Ok(bare(Value::Table(entries)))
    }
}

/// The `value` part of a spanned map: deserialized with `deserialize_any`
/// (asking for a spanned struct again would not give a span twice).
struct ValueOnly;

impl<'de> de::DeserializeSeed<'de> for ValueOnly {
    type Value = Node;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

// ---------------------------------------------------------------------------
// positions

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let col = match before.rfind('\n') {
        Some(i) => before[i + 1..].chars().count() + 1,
        None => before.chars().count() + 1,
    };
    (line, col)
}

/// [`line_col`] of many byte offsets in one pass over `text` (a config with
/// an array of 10^5 spike times has as many recorded offsets: one
/// [`line_col`] each would be quadratic). Same results, in `offsets` order.
pub(crate) fn line_cols(text: &str, offsets: &[usize]) -> Vec<(usize, usize)> {
    let mut order: Vec<usize> = (0..offsets.len()).collect();
    order.sort_by_key(|&i| offsets[i]);
    let mut out = vec![(1, 1); offsets.len()];
    // Position reached so far: byte offset, line, column of that byte.
    let (mut at, mut line, mut col) = (0, 1, 1);
    for i in order {
        let end = floor_char_boundary(text, offsets[i].min(text.len()));
        for c in text[at..end].chars() {
            if c == '\n' {
                line += 1;
                col = 1;
            } else {
                col += 1;
            }
        }
        at = end;
        out[i] = (line, col);
    }
    out
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(n: &Node) -> &Vec<(Key, Node)> {
        match &n.value {
            Value::Table(t) => t,
            v => panic!("not a table: {v:?}"),
        }
    }

    #[test]
    fn spans_arrive_for_keys_values_and_implicit_tables() {
        let text = "a = 1\n[x.y]\nb = \"s\"\n[[d]]\nc = [1.5, 2]\nt = 1979-05-27\n";
        let root = parse_document(text).unwrap();
        let t = table(&root);
        assert_eq!(t[0].0.name, "a");
        let ks = t[0].0.span.clone().unwrap();
        assert_eq!(&text[ks], "a");
        let vs = t[0].1.span.clone().unwrap();
        assert_eq!(&text[vs], "1");
        // implicit table x: the key has a span even if the table may not.
        let (kx, x) = &t[1];
        assert_eq!(kx.name, "x");
        assert!(kx.span.is_some());
        let (ky, y) = &table(x)[0];
        assert_eq!(ky.name, "y");
        let (kb, b) = &table(y)[0];
        assert_eq!(kb.name, "b");
        assert_eq!(line_col(text, kb.span.clone().unwrap().start), (3, 1));
        assert_eq!(b.value, Value::String("s".into()));
        let (_, d) = &t[2];
        let Value::Array(items) = &d.value else {
            panic!()
        };
        let (kc, c) = &table(&items[0])[0];
        assert_eq!(kc.name, "c");
        assert_eq!(line_col(text, c.span.clone().unwrap().start), (5, 5));
        let Value::Array(cs) = &c.value else { panic!() };
        assert_eq!(cs[0].value, Value::Float(1.5));
        assert_eq!(cs[1].value, Value::Integer(2));
        assert_eq!(line_col(text, cs[1].span.clone().unwrap().start), (5, 11));
        let (_, dt) = &table(&items[0])[1];
        assert_eq!(dt.value, Value::Datetime("1979-05-27".into()));
    }

    #[test]
    fn line_col_counts_characters() {
        let text = "ab\nçd\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 1));
        assert_eq!(line_col(text, 5), (2, 2));
    }

    #[test]
    fn line_cols_equal_line_col_in_any_order() {
        let text = "ab\nçd\n\nxyz";
        let offsets = [9, 0, 5, 3, 4, 100, 6, 7, 3];
        let expected: Vec<_> = offsets.iter().map(|&o| line_col(text, o)).collect();
        assert_eq!(line_cols(text, &offsets), expected);
    }
}
