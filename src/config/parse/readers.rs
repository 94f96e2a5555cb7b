//! The generic readers every section's parser uses: tables ([`Tbl`], with
//! the unknown-key check), arrays, strings, booleans, numbers or `"$name"`
//! references, plain numbers, counts, and per-cell-type tables checked
//! against the model's cell types.

use std::collections::BTreeMap;
use std::ops::Range;

use super::context::{idx, join, Ctx, RefSite, Res};
use crate::config::error::ConfigError;
use crate::config::raw::{Key, Node, Value};
use crate::config::suggest::{unknown_key, unknown_name};
use crate::config::types::{Num, PerCellType, Unresolved};

// --- tables ---

/// A TOML table being read: its path, its span and its entries.
pub(super) struct Tbl<'n> {
    pub(super) path: String,
    pub(super) span: Option<Range<usize>>,
    pub(super) entries: &'n [(Key, Node)],
}

impl<'n> Tbl<'n> {
    pub(super) fn get(&self, ctx: &mut Ctx, key: &str) -> Option<&'n Node> {
        let (k, v) = self.entries.iter().find(|(k, _)| k.name == key)?;
        ctx.note(&join(&self.path, key), v.span.as_ref().or(k.span.as_ref()));
        Some(v)
    }

    pub(super) fn has(&self, key: &str) -> bool {
        self.entries.iter().any(|(k, _)| k.name == key)
    }

    pub(super) fn key_span(&self, key: &str) -> Option<&'n Range<usize>> {
        self.entries
            .iter()
            .find(|(k, _)| k.name == key)
            .and_then(|(k, v)| k.span.as_ref().or(v.span.as_ref()))
    }

    pub(super) fn sub(&self, key: &str) -> String {
        join(&self.path, key)
    }

    pub(super) fn missing(&self, ctx: &Ctx, key: &str, what: &str) -> ConfigError {
        let msg = format!("missing required key `{key}` ({what})");
        ctx.err_span(&self.sub(key), self.span.as_ref(), msg)
    }

    /// A required number or reference (`what` explains it when missing).
    pub(super) fn required_num(&self, ctx: &mut Ctx, key: &str, what: &str) -> Res<Num<f64>> {
        let n = self
            .get(ctx, key)
            .ok_or_else(|| self.missing(ctx, key, what))?;
        num(ctx, &self.sub(key), n)
    }

    /// A number or reference, `default` when left out.
    pub(super) fn num_or(&self, ctx: &mut Ctx, key: &str, default: f64) -> Res<Num<f64>> {
        match self.get(ctx, key) {
            Some(n) => num(ctx, &self.sub(key), n),
            None => Ok(Num::Value(default)),
        }
    }

    /// A number or reference, `None` when left out.
    pub(super) fn optional_num(&self, ctx: &mut Ctx, key: &str) -> Res<Option<Num<f64>>> {
        match self.get(ctx, key) {
            Some(n) => Ok(Some(num(ctx, &self.sub(key), n)?)),
            None => Ok(None),
        }
    }

    /// Every key must be in `allowed`; `hint(key)` may explain a key that
    /// belongs elsewhere (e.g. to another drive type).
    pub(super) fn check_keys(
        &self,
        ctx: &Ctx,
        allowed: &[&str],
        hint: &dyn Fn(&str) -> Option<String>,
    ) -> Res<()> {
        for (k, v) in self.entries {
            if allowed.contains(&k.name.as_str()) {
                continue;
            }
            let span = k.span.as_ref().or(v.span.as_ref()).or(self.span.as_ref());
            let msg = hint(&k.name).unwrap_or_else(|| unknown_key(&k.name, allowed));
            return Err(ctx.err_span(&self.sub(&k.name), span, msg));
        }
        Ok(())
    }
}

pub(super) fn no_hint(_: &str) -> Option<String> {
    None
}

pub(super) fn type_err(ctx: &Ctx, path: &str, node: &Node, expected: &str) -> ConfigError {
    let got = match &node.value {
        Value::Table(_) | Value::Array(_) => node.value.type_name().to_string(),
        v => format!("{} ({})", v.type_name(), v.show()),
    };
    ctx.err_span(
        path,
        node.span.as_ref(),
        format!("expected {expected}, got {got}"),
    )
}

pub(super) fn table<'n>(ctx: &mut Ctx, path: &str, node: &'n Node) -> Res<Tbl<'n>> {
    ctx.note(path, node.span.as_ref());
    match &node.value {
        Value::Table(entries) => Ok(Tbl {
            path: path.to_string(),
            span: node.span.clone(),
            entries,
        }),
        _ => Err(type_err(ctx, path, node, "a table")),
    }
}

pub(super) fn array<'n>(ctx: &Ctx, path: &str, node: &'n Node, expected: &str) -> Res<&'n [Node]> {
    match &node.value {
        Value::Array(a) => Ok(a),
        _ => Err(type_err(ctx, path, node, expected)),
    }
}

/// An array of tables (`[[x]]` or `x = [{...}, ...]`).
pub(super) fn table_array<'n>(ctx: &mut Ctx, path: &str, node: &'n Node) -> Res<Vec<Tbl<'n>>> {
    let items = match &node.value {
        Value::Array(a) => a,
        Value::Table(_) => {
            let name = path.rsplit('.').next().unwrap_or(path);
            return Err(ctx.err_span(
                path,
                node.span.as_ref(),
                format!("expected an array of tables: write [[{path}]] (or {name} = [{{...}}, ...]), not [{path}]"),
            ));
        }
        _ => return Err(type_err(ctx, path, node, "an array of tables")),
    };
    let mut out = Vec::new();
    for (i, it) in items.iter().enumerate() {
        out.push(table(ctx, &idx(path, i), it)?);
    }
    Ok(out)
}

// --- scalars ---

pub(super) fn string(ctx: &Ctx, path: &str, node: &Node) -> Res<String> {
    match &node.value {
        Value::String(s) if s.starts_with('$') => Err(ctx.err_span(
            path,
            node.span.as_ref(),
            format!("references (\"$name\") stand for numbers only; this key takes a string (got {s:?})"),
        )),
        Value::String(s) => Ok(s.clone()),
        _ => Err(type_err(ctx, path, node, "a string")),
    }
}

pub(super) fn boolean(ctx: &Ctx, path: &str, node: &Node) -> Res<bool> {
    match &node.value {
        Value::Boolean(b) => Ok(*b),
        _ => Err(type_err(ctx, path, node, "a boolean (true or false)")),
    }
}

pub(super) fn is_ident(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}

fn reference(ctx: &mut Ctx, path: &str, node: &Node, s: &str) -> Res<String> {
    let name = &s[1..];
    if !is_ident(name) {
        return Err(ctx.err_span(
            path,
            node.span.as_ref(),
            format!(
                "invalid reference {s:?}: write \"$name\" with the name of a sweep parameter \
                 (letters, digits and _, not starting with a digit)"
            ),
        ));
    }
    ctx.refs.push(RefSite {
        name: name.to_string(),
        path: path.to_string(),
    });
    Ok(name.to_string())
}

/// A real number or a `"$name"` reference.
pub(super) fn num(ctx: &mut Ctx, path: &str, node: &Node) -> Res<Num<f64>> {
    ctx.note(path, node.span.as_ref());
    match &node.value {
        Value::Integer(i) => Ok(Num::Value(*i as f64)),
        Value::Float(f) if f.is_finite() => Ok(Num::Value(*f)),
        Value::Float(f) => Err(ctx.err_span(
            path,
            node.span.as_ref(),
            format!("must be a finite number (got {f})"),
        )),
        Value::String(s) if s.starts_with('$') => Ok(Num::Ref(reference(ctx, path, node, s)?)),
        _ => Err(type_err(
            ctx,
            path,
            node,
            "a number or \"$name\" (a sweep parameter)",
        )),
    }
}

/// A non-negative integer from the file: integers, or floats with no
/// fractional part.
fn literal_uint(ctx: &Ctx, path: &str, node: &Node) -> Res<u64> {
    match &node.value {
        Value::Integer(i) if *i >= 0 => Ok(*i as u64),
        Value::Integer(i) => {
            Err(ctx.err_span(path, node.span.as_ref(), format!("must be >= 0 (got {i})")))
        }
        Value::Float(f) if f.fract() == 0.0 && *f >= 0.0 && *f <= 9007199254740992.0 => {
            Ok(*f as u64)
        }
        Value::Float(f) => Err(ctx.err_span(
            path,
            node.span.as_ref(),
            format!("must be a non-negative integer (got {f})"),
        )),
        _ => Err(type_err(ctx, path, node, "an integer")),
    }
}

/// A non-negative integer or a `"$name"` reference (whose values must then
/// be integral).
pub(super) fn num_uint(ctx: &mut Ctx, path: &str, node: &Node) -> Res<Num<u64>> {
    ctx.note(path, node.span.as_ref());
    match &node.value {
        Value::String(s) if s.starts_with('$') => Ok(Num::Ref(reference(ctx, path, node, s)?)),
        Value::Integer(_) | Value::Float(_) => Ok(Num::Value(literal_uint(ctx, path, node)?)),
        _ => Err(type_err(
            ctx,
            path,
            node,
            "an integer or \"$name\" (a sweep parameter)",
        )),
    }
}

pub(super) fn num_usize(ctx: &mut Ctx, path: &str, node: &Node) -> Res<Num<usize>> {
    Ok(match num_uint(ctx, path, node)? {
        Num::Value(v) => Num::Value(v as usize),
        Num::Ref(r) => Num::Ref(r),
    })
}

/// A plain number (no references): sweep definitions, summary, output.
pub(super) fn plain_f64(ctx: &mut Ctx, path: &str, node: &Node) -> Res<f64> {
    ctx.note(path, node.span.as_ref());
    match &node.value {
        Value::Integer(i) => Ok(*i as f64),
        Value::Float(f) if f.is_finite() => Ok(*f),
        Value::Float(f) => Err(ctx.err_span(
            path,
            node.span.as_ref(),
            format!("must be a finite number (got {f})"),
        )),
        Value::String(s) if s.starts_with('$') => Err(ctx.err_span(
            path,
            node.span.as_ref(),
            format!(
                "references ({s:?}) are allowed only in [simulation], [network] and [[drives]]"
            ),
        )),
        _ => Err(type_err(ctx, path, node, "a number")),
    }
}

pub(super) fn plain_uint(ctx: &mut Ctx, path: &str, node: &Node) -> Res<u64> {
    ctx.note(path, node.span.as_ref());
    if let Value::String(s) = &node.value {
        if s.starts_with('$') {
            return Err(ctx.err_span(
                path,
                node.span.as_ref(),
                format!(
                    "references ({s:?}) are allowed only in [simulation], [network] and [[drives]]"
                ),
            ));
        }
    }
    literal_uint(ctx, path, node)
}

// --- cell types ---

/// Check a cell type name against the model's cell types.
pub(super) fn check_cell_type(
    ctx: &Ctx,
    path: &str,
    span: Option<&Range<usize>>,
    name: &str,
) -> Res<()> {
    if let Some(types) = ctx.cell_types {
        if !types.contains(&name) {
            return Err(ctx.err_span(
                path,
                span,
                unknown_name("cell type", name, types, "cell types"),
            ));
        }
    }
    Ok(())
}

/// A table cell type -> number (weights, delays, probabilities, rates).
pub(super) fn cell_table(
    ctx: &mut Ctx,
    path: &str,
    node: &Node,
) -> Res<BTreeMap<String, Num<f64>>> {
    let t = table(ctx, path, node)?;
    let mut out = BTreeMap::new();
    for (k, v) in t.entries {
        let p = join(path, &k.name);
        ctx.note(&p, v.span.as_ref().or(k.span.as_ref()));
        check_cell_type(ctx, &p, k.span.as_ref().or(v.span.as_ref()), &k.name)?;
        out.insert(k.name.clone(), num(ctx, &p, v)?);
    }
    Ok(out)
}

/// A number for all cell types or a per-cell-type table.
pub(super) fn per_cell_type(
    ctx: &mut Ctx,
    path: &str,
    node: &Node,
) -> Res<PerCellType<Unresolved>> {
    match &node.value {
        Value::Table(_) => Ok(PerCellType::ByType(cell_table(ctx, path, node)?)),
        Value::Integer(_) | Value::Float(_) | Value::String(_) => {
            Ok(PerCellType::All(num(ctx, path, node)?))
        }
        _ => Err(type_err(
            ctx,
            path,
            node,
            "a number, \"$name\" or a table { cell_type = number, ... }",
        )),
    }
}
