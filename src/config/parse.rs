//! From the spanned TOML tree to the typed [`Config`]: unknown keys, types,
//! required keys, enumerations, per-cell-type tables, references and the
//! sweep's shape. Value ranges are checked afterwards, on every resolved
//! sweep point (`resolve.rs`), so literal and referenced numbers get the same
//! checks.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::PathBuf;

use super::error::{did_you_mean, ConfigError};
use super::raw::{self, Key, Node, Value};
use super::types::*;

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

type Res<T> = Result<T, ConfigError>;

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

    fn note(&mut self, path: &str, span: Option<&Range<usize>>) {
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

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn idx(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

// ---------------------------------------------------------------------------
// tables

/// A TOML table being read: its path, its span and its entries.
struct Tbl<'n> {
    path: String,
    span: Option<Range<usize>>,
    entries: &'n [(Key, Node)],
}

impl<'n> Tbl<'n> {
    fn get(&self, ctx: &mut Ctx, key: &str) -> Option<&'n Node> {
        let (k, v) = self.entries.iter().find(|(k, _)| k.name == key)?;
        ctx.note(&join(&self.path, key), v.span.as_ref().or(k.span.as_ref()));
        Some(v)
    }

    fn has(&self, key: &str) -> bool {
        self.entries.iter().any(|(k, _)| k.name == key)
    }

    fn key_span(&self, key: &str) -> Option<&'n Range<usize>> {
        self.entries
            .iter()
            .find(|(k, _)| k.name == key)
            .and_then(|(k, v)| k.span.as_ref().or(v.span.as_ref()))
    }

    fn sub(&self, key: &str) -> String {
        join(&self.path, key)
    }

    fn missing(&self, ctx: &Ctx, key: &str, what: &str) -> ConfigError {
        let msg = format!("missing required key `{key}` ({what})");
        ctx.err_span(&self.sub(key), self.span.as_ref(), msg)
    }

    /// Every key must be in `allowed`; `hint(key)` may explain a key that
    /// belongs elsewhere (e.g. to another drive type).
    fn check_keys(
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
            let msg = match hint(&k.name) {
                Some(h) => h,
                None => {
                    let dym = did_you_mean(&k.name, allowed);
                    if dym.is_empty() {
                        format!("unknown key (allowed: {})", allowed.join(", "))
                    } else {
                        format!("unknown key{dym}")
                    }
                }
            };
            return Err(ctx.err_span(&self.sub(&k.name), span, msg));
        }
        Ok(())
    }
}

fn no_hint(_: &str) -> Option<String> {
    None
}

fn type_err(ctx: &Ctx, path: &str, node: &Node, expected: &str) -> ConfigError {
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

fn table<'n>(ctx: &mut Ctx, path: &str, node: &'n Node) -> Res<Tbl<'n>> {
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

fn array<'n>(ctx: &Ctx, path: &str, node: &'n Node, expected: &str) -> Res<&'n [Node]> {
    match &node.value {
        Value::Array(a) => Ok(a),
        _ => Err(type_err(ctx, path, node, expected)),
    }
}

/// An array of tables (`[[x]]` or `x = [{...}, ...]`).
fn table_array<'n>(ctx: &mut Ctx, path: &str, node: &'n Node) -> Res<Vec<Tbl<'n>>> {
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

// ---------------------------------------------------------------------------
// scalars

fn string(ctx: &Ctx, path: &str, node: &Node) -> Res<String> {
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

fn boolean(ctx: &Ctx, path: &str, node: &Node) -> Res<bool> {
    match &node.value {
        Value::Boolean(b) => Ok(*b),
        _ => Err(type_err(ctx, path, node, "a boolean (true or false)")),
    }
}

fn is_ident(s: &str) -> bool {
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
fn num(ctx: &mut Ctx, path: &str, node: &Node) -> Res<Num<f64>> {
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
fn num_uint(ctx: &mut Ctx, path: &str, node: &Node) -> Res<Num<u64>> {
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

fn num_usize(ctx: &mut Ctx, path: &str, node: &Node) -> Res<Num<usize>> {
    Ok(match num_uint(ctx, path, node)? {
        Num::Value(v) => Num::Value(v as usize),
        Num::Ref(r) => Num::Ref(r),
    })
}

/// A plain number (no references): sweep definitions, summary, output.
fn plain_f64(ctx: &mut Ctx, path: &str, node: &Node) -> Res<f64> {
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

fn plain_uint(ctx: &mut Ctx, path: &str, node: &Node) -> Res<u64> {
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

// ---------------------------------------------------------------------------
// cell types

/// Check a cell type name against the model's cell types.
fn check_cell_type(ctx: &Ctx, path: &str, span: Option<&Range<usize>>, name: &str) -> Res<()> {
    if let Some(types) = ctx.cell_types {
        if !types.contains(&name) {
            let dym = did_you_mean(name, types);
            return Err(ctx.err_span(
                path,
                span,
                format!(
                    "unknown cell type `{name}`{dym} (cell types: {})",
                    types.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// A table cell type -> number (weights, delays, probabilities, rates).
fn cell_table(ctx: &mut Ctx, path: &str, node: &Node) -> Res<BTreeMap<String, Num<f64>>> {
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
fn per_cell_type(ctx: &mut Ctx, path: &str, node: &Node) -> Res<PerCellType<Unresolved>> {
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

// ---------------------------------------------------------------------------
// the document

/// Everything `Config` holds, before the cross-checks.
pub(crate) struct Parsed {
    pub simulation: Simulation<Unresolved>,
    pub network: Network<Unresolved>,
    pub drives: Vec<Drive<Unresolved>>,
    pub sweep: Option<Sweep>,
    pub summary: Summary,
    pub output: Output,
    pub parallel: Parallel,
}

const TOP_KEYS: &[&str] = &[
    "simulation",
    "network",
    "drives",
    "sweep",
    "summary",
    "output",
    "parallel",
];

pub(crate) fn toml_error(ctx: &Ctx, e: &toml::de::Error) -> ConfigError {
    let mut msg = e.message().trim().replace('\n', "; ");
    if msg.contains("$__toml_private_datetime") {
        msg = "dates and times are not config values".to_string();
    }
    let mut err = ctx.err_span("", e.span().as_ref(), format!("invalid TOML: {msg}"));
    if e.span().is_none() {
        err.line = None;
    }
    err
}

pub(crate) fn parse_document(ctx: &mut Ctx, root: &Node, output_stem: &str) -> Res<Parsed> {
    let root = table(ctx, "", root)?;
    root.check_keys(ctx, TOP_KEYS, &|k| match k {
        "drive" => Some("unknown key; did you mean `drives` (written [[drives]])?".into()),
        "tstop" | "dt" | "n_trials" | "celsius" => {
            Some(format!("unknown key; `{k}` belongs in [simulation]"))
        }
        "model" | "mesh_shape" | "erp_drives" | "hnn_json" | "params_file" => {
            Some(format!("unknown key; `{k}` belongs in [network]"))
        }
        "stats" | "smooth_window_ms" | "reference" => {
            Some(format!("unknown key; `{k}` belongs in [summary]"))
        }
        "save" | "path" => Some(format!("unknown key; `{k}` belongs in [output]")),
        "ranks_per_sim" => Some("unknown key; `ranks_per_sim` belongs in [parallel]".into()),
        "params" | "mode" => Some(format!("unknown key; `{k}` belongs in [sweep]")),
        _ => None,
    })?;

    let simulation = match root.get(ctx, "simulation") {
        Some(n) => parse_simulation(ctx, n)?,
        None => Simulation {
            tstop: Num::Value(170.0),
            dt: Num::Value(0.025),
            n_trials: Num::Value(1),
            celsius: Num::Value(37.0),
        },
    };
    let network = match root.get(ctx, "network") {
        Some(n) => parse_network(ctx, n)?,
        None => parse_network(
            ctx,
            &Node {
                span: None,
                value: Value::Table(Vec::new()),
            },
        )?,
    };
    let drives = match root.get(ctx, "drives") {
        Some(n) => parse_drives(ctx, n, &network)?,
        None => Vec::new(),
    };
    // Connections may come from drives: check their sources now.
    check_connection_sources(ctx, &network, &drives)?;
    let sweep = match root.get(ctx, "sweep") {
        Some(n) => Some(parse_sweep(ctx, n)?),
        None => None,
    };
    let summary = match root.get(ctx, "summary") {
        Some(n) => parse_summary(ctx, n)?,
        None => Summary {
            smooth_window_ms: None,
            stats: Vec::new(),
            reference: None,
        },
    };
    let output = match root.get(ctx, "output") {
        Some(n) => parse_output(ctx, n, output_stem)?,
        None => Output {
            path: default_output(output_stem),
            save: vec![SaveItem::Dipole],
        },
    };
    let parallel = match root.get(ctx, "parallel") {
        Some(n) => {
            let t = table(ctx, "parallel", n)?;
            t.check_keys(ctx, &["ranks_per_sim"], &no_hint)?;
            let ranks_per_sim = match t.get(ctx, "ranks_per_sim") {
                Some(v) => plain_uint(ctx, "parallel.ranks_per_sim", v)? as usize,
                None => 1,
            };
            if ranks_per_sim < 1 {
                return Err(ctx.err(
                    "parallel.ranks_per_sim",
                    format!("must be >= 1 (got {ranks_per_sim})"),
                ));
            }
            Parallel { ranks_per_sim }
        }
        None => Parallel { ranks_per_sim: 1 },
    };
    Ok(Parsed {
        simulation,
        network,
        drives,
        sweep,
        summary,
        output,
        parallel,
    })
}

fn default_output(stem: &str) -> PathBuf {
    PathBuf::from("results").join(format!("{stem}.h5"))
}

fn parse_simulation(ctx: &mut Ctx, node: &Node) -> Res<Simulation<Unresolved>> {
    let t = table(ctx, "simulation", node)?;
    t.check_keys(ctx, &["tstop", "dt", "n_trials", "celsius"], &no_hint)?;
    let f = |ctx: &mut Ctx, key: &str, default: f64| -> Res<Num<f64>> {
        match t.get(ctx, key) {
            Some(n) => num(ctx, &t.sub(key), n),
            None => Ok(Num::Value(default)),
        }
    };
    let tstop = f(ctx, "tstop", 170.0)?;
    let dt = f(ctx, "dt", 0.025)?;
    let celsius = f(ctx, "celsius", 37.0)?;
    let n_trials = match t.get(ctx, "n_trials") {
        Some(n) => num_usize(ctx, "simulation.n_trials", n)?,
        None => Num::Value(1),
    };
    Ok(Simulation {
        tstop,
        dt,
        n_trials,
        celsius,
    })
}

const NETWORK_KEYS: &[&str] = &[
    "model",
    "hnn_json",
    "mesh_shape",
    "erp_drives",
    "global_gains",
    "tonic_bias",
    "connections",
    "params_file",
    "params",
];

fn parse_network(ctx: &mut Ctx, node: &Node) -> Res<Network<Unresolved>> {
    let t = table(ctx, "network", node)?;
    t.check_keys(ctx, NETWORK_KEYS, &|k| match k {
        "drives" => Some("unknown key; drives are written as [[drives]] at the top level".into()),
        "gains" => Some("unknown key; did you mean `global_gains`?".into()),
        _ => None,
    })?;
    let model_node = t.get(ctx, "model");
    let json_node = t.get(ctx, "hnn_json");
    let model = match (model_node, json_node) {
        (Some(_), Some(_)) => {
            return Err(ctx.err_span(
                "network.hnn_json",
                t.key_span("hnn_json"),
                "`hnn_json` replaces `model`: give one of them, not both",
            ))
        }
        (None, Some(j)) => {
            let p = string(ctx, "network.hnn_json", j)?;
            ctx.cell_types = None;
            ModelSource::HnnJson(PathBuf::from(p))
        }
        (Some(m), None) => {
            let s = string(ctx, "network.model", m)?;
            match ModelName::from_name(&s) {
                Some(m) => ModelSource::Builtin(m),
                None => {
                    let names: Vec<&str> = ModelName::ALL.iter().map(|m| m.as_str()).collect();
                    return Err(ctx.err_span(
                        "network.model",
                        m.span.as_ref(),
                        format!(
                            "unknown model {s:?}{} (models: {})",
                            did_you_mean(&s, &names),
                            names.join(", ")
                        ),
                    ));
                }
            }
        }
        (None, None) => ModelSource::Builtin(ModelName::Jones2009),
    };
    let is_json = matches!(model, ModelSource::HnnJson(_));

    let mesh_shape = match t.get(ctx, "mesh_shape") {
        Some(n) => {
            if is_json {
                return Err(ctx.err_span(
                    "network.mesh_shape",
                    t.key_span("mesh_shape"),
                    "not allowed with `hnn_json` (the network file fixes the cell positions)",
                ));
            }
            let bad = || {
                ctx.err_span(
                    "network.mesh_shape",
                    n.span.as_ref(),
                    "must be two positive integers [n_x, n_y]",
                )
            };
            let Value::Array(items) = &n.value else {
                return Err(bad());
            };
            if items.len() != 2 {
                return Err(bad());
            }
            [
                num_usize(ctx, "network.mesh_shape[0]", &items[0])?,
                num_usize(ctx, "network.mesh_shape[1]", &items[1])?,
            ]
        }
        None => [Num::Value(10), Num::Value(10)],
    };

    let erp_drives = match t.get(ctx, "erp_drives") {
        None => None,
        Some(n) => match &n.value {
            Value::Boolean(true) => Some(ErpDrives {
                tstart: Num::Value(0.0),
            }),
            Value::Boolean(false) => None,
            Value::Table(_) => {
                let e = table(ctx, "network.erp_drives", n)?;
                e.check_keys(ctx, &["tstart"], &no_hint)?;
                let tstart = match e.get(ctx, "tstart") {
                    Some(v) => num(ctx, "network.erp_drives.tstart", v)?,
                    None => Num::Value(0.0),
                };
                Some(ErpDrives { tstart })
            }
            _ => {
                return Err(type_err(
                    ctx,
                    "network.erp_drives",
                    n,
                    "true, false or { tstart = ms }",
                ))
            }
        },
    };

    let mut global_gains = GlobalGains {
        e_e: None,
        e_i: None,
        i_e: None,
        i_i: None,
    };
    if let Some(n) = t.get(ctx, "global_gains") {
        let g = table(ctx, "network.global_gains", n)?;
        g.check_keys(ctx, &["e_e", "e_i", "i_e", "i_i"], &no_hint)?;
        for (key, slot) in [
            ("e_e", &mut global_gains.e_e),
            ("e_i", &mut global_gains.e_i),
            ("i_e", &mut global_gains.i_e),
            ("i_i", &mut global_gains.i_i),
        ] {
            if let Some(v) = g.get(ctx, key) {
                *slot = Some(num(ctx, &g.sub(key), v)?);
            }
        }
    }

    let mut tonic_bias = Vec::new();
    if let Some(n) = t.get(ctx, "tonic_bias") {
        for b in table_array(ctx, "network.tonic_bias", n)? {
            tonic_bias.push(parse_tonic_bias(ctx, &b)?);
        }
        let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
        for (i, b) in tonic_bias.iter().enumerate() {
            let types: Vec<String> = match &b.amplitude {
                PerCellType::All(_) => b.cell_type.iter().cloned().collect(),
                PerCellType::ByType(m) => m.keys().cloned().collect(),
            };
            for ct in types {
                if let Some(j) = seen.insert((b.bias_name.clone(), ct.clone()), i) {
                    return Err(ctx.err(
                        &format!("network.tonic_bias[{i}]"),
                        format!(
                            "bias {:?} is already defined for {ct} (network.tonic_bias[{j}]); \
                             give one of them another `bias_name`",
                            b.bias_name
                        ),
                    ));
                }
            }
        }
    }

    let mut connections = Vec::new();
    if let Some(n) = t.get(ctx, "connections") {
        for c in table_array(ctx, "network.connections", n)? {
            connections.push(parse_connection(ctx, &c)?);
        }
    }

    let params_file = match t.get(ctx, "params_file") {
        Some(n) => {
            if is_json {
                return Err(ctx.err_span(
                    "network.params_file",
                    t.key_span("params_file"),
                    "not allowed with `hnn_json` (parameters override a built-in model's defaults)",
                ));
            }
            Some(PathBuf::from(string(ctx, "network.params_file", n)?))
        }
        None => None,
    };
    let mut params = BTreeMap::new();
    if let Some(n) = t.get(ctx, "params") {
        if is_json {
            return Err(ctx.err_span(
                "network.params",
                t.key_span("params"),
                "not allowed with `hnn_json` (parameters override a built-in model's defaults)",
            ));
        }
        let p = table(ctx, "network.params", n)?;
        for (k, v) in p.entries {
            let path = join("network.params", &k.name);
            ctx.note(&path, v.span.as_ref().or(k.span.as_ref()));
            params.insert(k.name.clone(), num(ctx, &path, v)?);
        }
    }

    Ok(Network {
        model,
        mesh_shape,
        erp_drives,
        global_gains,
        tonic_bias,
        connections,
        params_file,
        params,
    })
}

fn parse_tonic_bias(ctx: &mut Ctx, t: &Tbl) -> Res<TonicBias<Unresolved>> {
    t.check_keys(
        ctx,
        &[
            "cell_type",
            "amplitude",
            "t0",
            "tstop",
            "section",
            "bias_name",
        ],
        &no_hint,
    )?;
    let amp_node = t.get(ctx, "amplitude").ok_or_else(|| {
        t.missing(
            ctx,
            "amplitude",
            "nA, a number with `cell_type` or a table { cell_type = nA }",
        )
    })?;
    let cell_type = match t.get(ctx, "cell_type") {
        Some(n) => {
            let s = string(ctx, &t.sub("cell_type"), n)?;
            check_cell_type(ctx, &t.sub("cell_type"), n.span.as_ref(), &s)?;
            Some(s)
        }
        None => None,
    };
    let amplitude = per_cell_type(ctx, &t.sub("amplitude"), amp_node)?;
    match (&amplitude, &cell_type) {
        (PerCellType::All(_), None) => return Err(t.missing(
            ctx,
            "cell_type",
            "a single amplitude needs `cell_type`; or write amplitude = { cell_type = nA, ... }",
        )),
        (PerCellType::ByType(_), Some(_)) => return Err(ctx.err_span(
            &t.sub("cell_type"),
            t.key_span("cell_type"),
            "give either `cell_type` with a number `amplitude`, or an `amplitude` table, not both",
        )),
        (PerCellType::ByType(m), None) if m.is_empty() => {
            return Err(ctx.err(&t.sub("amplitude"), "empty table: no cell type gets a bias"))
        }
        _ => {}
    }
    let t0 = match t.get(ctx, "t0") {
        Some(n) => num(ctx, &t.sub("t0"), n)?,
        None => Num::Value(0.0),
    };
    let tstop = match t.get(ctx, "tstop") {
        Some(n) => Some(num(ctx, &t.sub("tstop"), n)?),
        None => None,
    };
    let section = match t.get(ctx, "section") {
        Some(n) => string(ctx, &t.sub("section"), n)?,
        None => "soma".to_string(),
    };
    let bias_name = match t.get(ctx, "bias_name") {
        Some(n) => string(ctx, &t.sub("bias_name"), n)?,
        None => "tonic".to_string(),
    };
    Ok(TonicBias {
        cell_type,
        amplitude,
        t0,
        tstop,
        section,
        bias_name,
    })
}

const CONNECTION_KEYS: &[&str] = &[
    "src",
    "target",
    "loc",
    "receptor",
    "weight",
    "delay",
    "lamtha",
    "probability",
    "conn_seed",
    "allow_autapses",
    "gain",
];

fn parse_connection(ctx: &mut Ctx, t: &Tbl) -> Res<Connection<Unresolved>> {
    t.check_keys(ctx, CONNECTION_KEYS, &|k| match k {
        "src_gids" | "source" => {
            Some("unknown key; did you mean `src` (a cell type or drive name)?".into())
        }
        "target_gids" => Some("unknown key; did you mean `target` (a cell type)?".into()),
        _ => None,
    })?;
    let req_str = |ctx: &mut Ctx, key: &str, what: &str| -> Res<String> {
        let n = t.get(ctx, key).ok_or_else(|| t.missing(ctx, key, what))?;
        string(ctx, &t.sub(key), n)
    };
    let src = req_str(ctx, "src", "source cell type or drive name")?;
    let target = req_str(ctx, "target", "target cell type")?;
    let target_span = t.get(ctx, "target").and_then(|n| n.span.as_ref());
    check_cell_type(ctx, &t.sub("target"), target_span, &target)?;
    let loc = req_str(ctx, "loc", "proximal, distal or a section name")?;
    let receptor = req_str(ctx, "receptor", "ampa, nmda, gabaa or gabab")?;
    if !RECEPTORS.contains(&receptor.as_str()) {
        return Err(ctx.err(
            &t.sub("receptor"),
            format!(
                "unknown receptor {receptor:?}{} (receptors: {})",
                did_you_mean(&receptor, &RECEPTORS),
                RECEPTORS.join(", ")
            ),
        ));
    }
    let req_num = |ctx: &mut Ctx, key: &str, what: &str| -> Res<Num<f64>> {
        let n = t.get(ctx, key).ok_or_else(|| t.missing(ctx, key, what))?;
        num(ctx, &t.sub(key), n)
    };
    let opt_num = |ctx: &mut Ctx, key: &str, default: f64| -> Res<Num<f64>> {
        match t.get(ctx, key) {
            Some(n) => num(ctx, &t.sub(key), n),
            None => Ok(Num::Value(default)),
        }
    };
    let weight = req_num(ctx, "weight", "synaptic weight, µS")?;
    let delay = opt_num(ctx, "delay", 1.0)?;
    let lamtha = req_num(ctx, "lamtha", "space constant")?;
    let probability = opt_num(ctx, "probability", 1.0)?;
    let gain = opt_num(ctx, "gain", 1.0)?;
    let conn_seed = match t.get(ctx, "conn_seed") {
        Some(n) => Some(num_uint(ctx, &t.sub("conn_seed"), n)?),
        None => None,
    };
    let allow_autapses = match t.get(ctx, "allow_autapses") {
        Some(n) => boolean(ctx, &t.sub("allow_autapses"), n)?,
        None => true,
    };
    Ok(Connection {
        src,
        target,
        loc,
        receptor,
        weight,
        delay,
        lamtha,
        probability,
        conn_seed,
        allow_autapses,
        gain,
    })
}

fn check_connection_sources(
    ctx: &Ctx,
    network: &Network<Unresolved>,
    drives: &[Drive<Unresolved>],
) -> Res<()> {
    let Some(types) = ctx.cell_types else {
        return Ok(());
    };
    let mut sources: Vec<&str> = types.to_vec();
    if network.erp_drives.is_some() {
        sources.extend(ERP_DRIVE_NAMES);
    }
    sources.extend(drives.iter().map(|d| d.name.as_str()));
    for (i, c) in network.connections.iter().enumerate() {
        if !sources.contains(&c.src.as_str()) {
            let path = format!("network.connections[{i}].src");
            return Err(ctx.err(
                &path,
                format!(
                    "unknown source `{}`{} (a cell type or drive name: {})",
                    c.src,
                    did_you_mean(&c.src, &sources),
                    sources.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// drives

const DRIVE_COMMON: &[&str] = &[
    "name",
    "type",
    "location",
    "weights_ampa",
    "weights_nmda",
    "synaptic_delays",
    "space_constant",
    "probability",
    "conn_seed",
];
const DRIVE_CELLS: &[&str] = &["n_drive_cells", "cell_specific", "event_seed"];
/// The dynamics of each drive type by hnn-core's keyword names (also the
/// keys of `dynamics` in hnn-core's network JSON files).
pub(crate) const EVOKED_KEYS: &[&str] = &["mu", "sigma", "numspikes"];
pub(crate) const POISSON_KEYS: &[&str] = &["tstart", "tstop", "rate_constant"];
pub(crate) const BURSTY_KEYS: &[&str] = &[
    "tstart",
    "tstart_std",
    "tstop",
    "burst_rate",
    "burst_std",
    "numspikes",
    "spike_isi",
];
const SPIKE_TRAIN_KEYS: &[&str] = &["times", "gids"];

fn drive_keys(kind: &str) -> Vec<&'static str> {
    let mut k: Vec<&str> = DRIVE_COMMON.to_vec();
    match kind {
        "evoked" => {
            k.extend(DRIVE_CELLS);
            k.extend(EVOKED_KEYS);
        }
        "poisson" => {
            k.extend(DRIVE_CELLS);
            k.extend(POISSON_KEYS);
        }
        "bursty" => {
            k.extend(DRIVE_CELLS);
            k.extend(BURSTY_KEYS);
        }
        _ => k.extend(SPIKE_TRAIN_KEYS),
    }
    k
}

fn parse_drives(
    ctx: &mut Ctx,
    node: &Node,
    network: &Network<Unresolved>,
) -> Res<Vec<Drive<Unresolved>>> {
    let tables = table_array(ctx, "drives", node)?;
    let mut drives = Vec::new();
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    for (i, t) in tables.iter().enumerate() {
        let d = parse_drive(ctx, t)?;
        if let Some(j) = names.get(&d.name) {
            return Err(ctx.err(
                &format!("drives[{i}].name"),
                format!("duplicate drive name {:?} (also drives[{j}])", d.name),
            ));
        }
        if network.erp_drives.is_some() && ERP_DRIVE_NAMES.contains(&d.name.as_str()) {
            return Err(ctx.err(
                &format!("drives[{i}].name"),
                format!(
                    "drive name {:?} is taken by `network.erp_drives` (which adds {}); rename this drive \
                     or write the ERP drives out as [[drives]]",
                    d.name,
                    ERP_DRIVE_NAMES.join(", ")
                ),
            ));
        }
        names.insert(d.name.clone(), i);
        drives.push(d);
    }
    Ok(drives)
}

fn parse_drive(ctx: &mut Ctx, t: &Tbl) -> Res<Drive<Unresolved>> {
    // type first: it decides the allowed keys.
    let type_node = t
        .get(ctx, "type")
        .ok_or_else(|| t.missing(ctx, "type", "evoked, poisson, bursty or spike_train"))?;
    let kind = string(ctx, &t.sub("type"), type_node)?;
    if !DRIVE_TYPES.contains(&kind.as_str()) {
        return Err(ctx.err_span(
            &t.sub("type"),
            type_node.span.as_ref(),
            format!(
                "unknown drive type {kind:?}{} (types: {})",
                did_you_mean(&kind, &DRIVE_TYPES),
                DRIVE_TYPES.join(", ")
            ),
        ));
    }
    let allowed = drive_keys(&kind);
    let kind_for_hint = kind.clone();
    t.check_keys(ctx, &allowed, &|k| {
        let owners: Vec<&str> = DRIVE_TYPES
            .iter()
            .copied()
            .filter(|ty| drive_keys(ty).contains(&k))
            .collect();
        if owners.is_empty() {
            return None;
        }
        if kind_for_hint == "spike_train" && DRIVE_CELLS.contains(&k) {
            return Some(format!(
                "not a parameter of spike_train drives (hnn-core's add_spike_train_drive has no `{k}`: \
                 one drive cell per distinct gid, connected all-to-all)"
            ));
        }
        Some(format!(
            "not a parameter of {kind_for_hint} drives (it belongs to {} drives)",
            owners.join(" and ")
        ))
    })?;

    let name_node = t
        .get(ctx, "name")
        .ok_or_else(|| t.missing(ctx, "name", "a unique drive name"))?;
    let name = string(ctx, &t.sub("name"), name_node)?;
    if name.is_empty() {
        return Err(ctx.err_span(&t.sub("name"), name_node.span.as_ref(), "must not be empty"));
    }
    let loc_node = t
        .get(ctx, "location")
        .ok_or_else(|| t.missing(ctx, "location", "proximal, distal or a section name"))?;
    let location = string(ctx, &t.sub("location"), loc_node)?;

    let req_num = |ctx: &mut Ctx, key: &str, what: &str| -> Res<Num<f64>> {
        let n = t.get(ctx, key).ok_or_else(|| t.missing(ctx, key, what))?;
        num(ctx, &t.sub(key), n)
    };
    let opt_num = |ctx: &mut Ctx, key: &str, default: f64| -> Res<Num<f64>> {
        match t.get(ctx, key) {
            Some(n) => num(ctx, &t.sub(key), n),
            None => Ok(Num::Value(default)),
        }
    };
    let opt_num_none = |ctx: &mut Ctx, key: &str| -> Res<Option<Num<f64>>> {
        match t.get(ctx, key) {
            Some(n) => Ok(Some(num(ctx, &t.sub(key), n)?)),
            None => Ok(None),
        }
    };
    let opt_count = |ctx: &mut Ctx, key: &str, default: usize| -> Res<Num<usize>> {
        match t.get(ctx, key) {
            Some(n) => num_usize(ctx, &t.sub(key), n),
            None => Ok(Num::Value(default)),
        }
    };

    let dyn_kind = match kind.as_str() {
        "evoked" => DriveKind::Evoked {
            mu: req_num(ctx, "mu", "mean event time, ms")?,
            sigma: req_num(ctx, "sigma", "standard deviation of event times, ms")?,
            numspikes: {
                let n = t
                    .get(ctx, "numspikes")
                    .ok_or_else(|| t.missing(ctx, "numspikes", "spikes per drive cell"))?;
                num_usize(ctx, &t.sub("numspikes"), n)?
            },
        },
        "poisson" => DriveKind::Poisson {
            tstart: opt_num(ctx, "tstart", 0.0)?,
            tstop: opt_num_none(ctx, "tstop")?,
            rate_constant: {
                let n = t.get(ctx, "rate_constant").ok_or_else(|| {
                    t.missing(
                        ctx,
                        "rate_constant",
                        "Hz, a number or a table per cell type",
                    )
                })?;
                per_cell_type(ctx, &t.sub("rate_constant"), n)?
            },
        },
        "bursty" => DriveKind::Bursty {
            tstart: opt_num(ctx, "tstart", 0.0)?,
            tstart_std: opt_num(ctx, "tstart_std", 0.0)?,
            tstop: opt_num_none(ctx, "tstop")?,
            burst_rate: req_num(ctx, "burst_rate", "Hz")?,
            burst_std: opt_num(ctx, "burst_std", 0.0)?,
            numspikes: opt_count(ctx, "numspikes", 2)?,
            spike_isi: opt_num(ctx, "spike_isi", 10.0)?,
        },
        _ => {
            let tn = t
                .get(ctx, "times")
                .ok_or_else(|| t.missing(ctx, "times", "spike times, ms"))?;
            let gn = t
                .get(ctx, "gids")
                .ok_or_else(|| t.missing(ctx, "gids", "source gid of each spike time"))?;
            let tp = t.sub("times");
            let gp = t.sub("gids");
            let ta = array(ctx, &tp, tn, "an array of spike times (ms)")?;
            let ga = array(ctx, &gp, gn, "an array of gids (integers)")?;
            if ta.len() != ga.len() {
                return Err(ctx.err_span(
                    &gp,
                    gn.span.as_ref(),
                    format!(
                        "`times` and `gids` must have the same length (spike i is times[i] of gids[i]); got {} times and {} gids",
                        ta.len(),
                        ga.len()
                    ),
                ));
            }
            if ta.is_empty() {
                return Err(ctx.err_span(
                    &tp,
                    tn.span.as_ref(),
                    "no spikes: a spike_train drive needs at least one",
                ));
            }
            let mut times = Vec::new();
            for (i, n) in ta.iter().enumerate() {
                times.push(num(ctx, &idx(&tp, i), n)?);
            }
            let mut gids = Vec::new();
            for (i, n) in ga.iter().enumerate() {
                gids.push(num_usize(ctx, &idx(&gp, i), n)?);
            }
            DriveKind::SpikeTrain { times, gids }
        }
    };

    let (def_ndc, def_cs, def_space) = match kind.as_str() {
        "evoked" => (NDriveCells::NCells, true, 3.0),
        "poisson" => (NDriveCells::NCells, true, 100.0),
        "bursty" => (NDriveCells::Count(Num::Value(1)), false, 100.0),
        // spike_train: filled in per point by resolve (distinct gids).
        _ => (NDriveCells::Count(Num::Value(0)), false, 3.0),
    };
    let cell_specific = match t.get(ctx, "cell_specific") {
        Some(n) => boolean(ctx, &t.sub("cell_specific"), n)?,
        None => def_cs,
    };
    let n_drive_cells = match t.get(ctx, "n_drive_cells") {
        Some(n) => match &n.value {
            Value::String(s) if s == "n_cells" => NDriveCells::NCells,
            Value::String(s) if !s.starts_with('$') => {
                return Err(ctx.err_span(
                    &t.sub("n_drive_cells"),
                    n.span.as_ref(),
                    format!("expected \"n_cells\" or a positive integer, got {s:?}"),
                ))
            }
            _ => NDriveCells::Count(num_usize(ctx, &t.sub("n_drive_cells"), n)?),
        },
        None => def_ndc,
    };
    if kind != "spike_train" {
        match (&n_drive_cells, cell_specific) {
            (NDriveCells::Count(_), true) => {
                let span = t.key_span("n_drive_cells").or(t.key_span("cell_specific"));
                return Err(ctx.err_span(
                    &t.sub("n_drive_cells"),
                    span,
                    "with cell_specific = true, n_drive_cells must be \"n_cells\" (one drive cell per target cell); \
                     set cell_specific = false for a number of drive cells",
                ));
            }
            (NDriveCells::NCells, false) => {
                let span = t.key_span("n_drive_cells").or(t.key_span("cell_specific"));
                return Err(ctx.err_span(
                    &t.sub("n_drive_cells"),
                    span,
                    "with cell_specific = false, n_drive_cells must be a number of drive cells (>= 1)",
                ));
            }
            _ => {}
        }
    }

    let mut weights = [BTreeMap::new(), BTreeMap::new()];
    for (slot, key) in weights.iter_mut().zip(["weights_ampa", "weights_nmda"]) {
        if let Some(n) = t.get(ctx, key) {
            *slot = cell_table(ctx, &t.sub(key), n)?;
        }
    }
    let [weights_ampa, weights_nmda] = weights;
    let targets: BTreeSet<String> = weights_ampa
        .keys()
        .chain(weights_nmda.keys())
        .cloned()
        .collect();
    if targets.is_empty() {
        let span = t.key_span("weights_ampa").or(t.key_span("weights_nmda"));
        return Err(ctx.err_span(
            &t.sub("weights_ampa"),
            span.or(t.span.as_ref()),
            "no target cell types: give weights_ampa and/or weights_nmda = { cell_type = µS, ... }",
        ));
    }
    if location == "distal" && ctx.cell_types.is_some() && targets.contains("L5_basket") {
        let key = if weights_ampa.contains_key("L5_basket") {
            "weights_ampa"
        } else {
            "weights_nmda"
        };
        return Err(ctx.err(
            &format!("{}.L5_basket", t.sub(key)),
            "a distal drive cannot target L5_basket cells (hnn-core: anatomical constraint of the Jones model)",
        ));
    }

    let target_list = targets.iter().cloned().collect::<Vec<_>>().join(", ");
    let check_cover = |ctx: &mut Ctx,
                       key: &str,
                       v: &PerCellType<Unresolved>,
                       exact: bool|
     -> Res<()> {
        if let PerCellType::ByType(m) = v {
            let keys: BTreeSet<String> = m.keys().cloned().collect();
            let missing: Vec<&String> = targets.difference(&keys).collect();
            let extra: Vec<&String> = keys.difference(&targets).collect();
            if !missing.is_empty() || (exact && !extra.is_empty()) {
                let mut msg = format!(
                    "must be one number or a table with {} the target cell types of weights_ampa/weights_nmda ({target_list})",
                    if exact { "exactly" } else { "all" }
                );
                if !missing.is_empty() {
                    let m: Vec<&str> = missing.iter().map(|s| s.as_str()).collect();
                    msg.push_str(&format!("; missing: {}", m.join(", ")));
                }
                if exact && !extra.is_empty() {
                    let e: Vec<&str> = extra.iter().map(|s| s.as_str()).collect();
                    msg.push_str(&format!("; not a target: {}", e.join(", ")));
                }
                return Err(ctx.err(&t.sub(key), msg));
            }
        }
        Ok(())
    };
    let synaptic_delays = match t.get(ctx, "synaptic_delays") {
        Some(n) => per_cell_type(ctx, &t.sub("synaptic_delays"), n)?,
        None => PerCellType::All(Num::Value(0.1)),
    };
    check_cover(ctx, "synaptic_delays", &synaptic_delays, true)?;
    let probability = match t.get(ctx, "probability") {
        Some(n) => per_cell_type(ctx, &t.sub("probability"), n)?,
        None => PerCellType::All(Num::Value(1.0)),
    };
    check_cover(ctx, "probability", &probability, true)?;
    if let DriveKind::Poisson { rate_constant, .. } = &dyn_kind {
        if let PerCellType::ByType(_) = rate_constant {
            if !cell_specific {
                return Err(ctx.err(
                    &t.sub("rate_constant"),
                    "a rate_constant table (per cell type) needs cell_specific = true and n_drive_cells = \"n_cells\"",
                ));
            }
        }
        check_cover(ctx, "rate_constant", rate_constant, false)?;
    }
    let space_constant = opt_num(ctx, "space_constant", def_space)?;
    let event_seed = match t.get(ctx, "event_seed") {
        Some(n) => num_uint(ctx, &t.sub("event_seed"), n)?,
        None => Num::Value(if kind == "spike_train" { 0 } else { 2 }),
    };
    let conn_seed = match t.get(ctx, "conn_seed") {
        Some(n) => Some(num_uint(ctx, &t.sub("conn_seed"), n)?),
        None if kind == "spike_train" => None,
        None => Some(Num::Value(3)),
    };
    Ok(Drive {
        name,
        kind: dyn_kind,
        location,
        n_drive_cells,
        cell_specific,
        weights_ampa,
        weights_nmda,
        synaptic_delays,
        space_constant,
        probability,
        event_seed,
        conn_seed,
    })
}

// ---------------------------------------------------------------------------
// [sweep]

/// Sweeps larger than this are refused (each point is kept in memory).
pub(crate) const MAX_SWEEP_POINTS: usize = 1_000_000;

fn parse_sweep(ctx: &mut Ctx, node: &Node) -> Res<Sweep> {
    let t = table(ctx, "sweep", node)?;
    t.check_keys(ctx, &["mode", "params", "n_samples", "seed"], &no_hint)?;
    let modes = ["product", "zip", "random", "lhs"];
    let mode = match t.get(ctx, "mode") {
        Some(n) => {
            let s = string(ctx, "sweep.mode", n)?;
            match s.as_str() {
                "product" => SweepMode::Product,
                "zip" => SweepMode::Zip,
                "random" => SweepMode::Random,
                "lhs" => SweepMode::Lhs,
                _ => {
                    return Err(ctx.err_span(
                        "sweep.mode",
                        n.span.as_ref(),
                        format!(
                            "unknown sweep mode {s:?}{} (modes: {})",
                            did_you_mean(&s, &modes),
                            modes.join(", ")
                        ),
                    ))
                }
            }
        }
        None => SweepMode::Product,
    };
    let sampled = matches!(mode, SweepMode::Random | SweepMode::Lhs);

    let mut n_samples = None;
    let mut seed = None;
    for key in ["n_samples", "seed"] {
        match t.get(ctx, key) {
            Some(n) if !sampled => {
                let _ = n;
                return Err(ctx.err_span(
                    &t.sub(key),
                    t.key_span(key),
                    format!(
                        "only for mode = \"random\" or \"lhs\" (mode is {:?})",
                        mode.as_str()
                    ),
                ));
            }
            Some(n) => {
                let v = plain_uint(ctx, &t.sub(key), n)?;
                if key == "n_samples" {
                    if v == 0 {
                        return Err(ctx.err("sweep.n_samples", "empty sweep: n_samples = 0"));
                    }
                    n_samples = Some(v as usize);
                } else {
                    seed = Some(v);
                }
            }
            None if sampled => {
                let what = if key == "n_samples" {
                    "number of sampled points"
                } else {
                    "seed of the random draws (any non-negative integer)"
                };
                return Err(t.missing(
                    ctx,
                    key,
                    &format!("{what}; mode = {:?} needs it", mode.as_str()),
                ));
            }
            None => {}
        }
    }

    let params_node = t.get(ctx, "params").ok_or_else(|| {
        ctx.err_span(
            "sweep.params",
            t.span.as_ref(),
            "empty sweep: [sweep] has no [sweep.params] (remove [sweep] for a single simulation)",
        )
    })?;
    let p = table(ctx, "sweep.params", params_node)?;
    if p.entries.is_empty() {
        return Err(ctx.err_span(
            "sweep.params",
            params_node.span.as_ref().or(t.key_span("params")),
            "empty sweep: [sweep.params] has no parameters (remove [sweep] for a single simulation)",
        ));
    }
    let mut params = Vec::new();
    for (k, v) in p.entries {
        let path = join("sweep.params", &k.name);
        ctx.note(&path, k.span.as_ref().or(v.span.as_ref()));
        if !is_ident(&k.name) {
            return Err(ctx.err_span(
                &path,
                k.span.as_ref(),
                "a sweep parameter name must be letters, digits and _ (not starting with a digit), to be referenced as \"$name\"",
            ));
        }
        let spec = parse_param_spec(ctx, &path, v, mode)?;
        params.push(SweepParam {
            name: k.name.clone(),
            spec,
        });
    }
    if mode == SweepMode::Zip {
        let lens: Vec<(String, usize)> = params
            .iter()
            .map(|p| (p.name.clone(), p.spec.n_values().unwrap_or(0)))
            .collect();
        if let Some((name, _)) = lens.iter().find(|(_, l)| *l != lens[0].1) {
            let listing: Vec<String> = lens.iter().map(|(n, l)| format!("{n} has {l}")).collect();
            return Err(ctx.err(
                &join("sweep.params", name),
                format!(
                    "mode = \"zip\" needs parameters with the same number of values: {}",
                    listing.join(", ")
                ),
            ));
        }
    }
    let sweep = Sweep {
        mode,
        params,
        n_samples,
        seed,
    };
    let total = if mode == SweepMode::Product {
        sweep.params.iter().try_fold(1usize, |acc, p| {
            acc.checked_mul(p.spec.n_values().unwrap_or(0))
        })
    } else {
        Some(super::sweep::count_points(&sweep))
    };
    match total {
        Some(n) if n <= MAX_SWEEP_POINTS => {}
        _ => {
            return Err(ctx.err_span(
                "sweep.params",
                t.span.as_ref(),
                format!(
                    "sweep too large: more than {MAX_SWEEP_POINTS} simulations; split it into several configs"
                ),
            ))
        }
    }
    Ok(sweep)
}

fn parse_param_spec(ctx: &mut Ctx, path: &str, node: &Node, mode: SweepMode) -> Res<ParamSpec> {
    let sampled = matches!(mode, SweepMode::Random | SweepMode::Lhs);
    if let Value::Array(_) = node.value {
        return Err(ctx.err_span(
            path,
            node.span.as_ref(),
            "write { values = [...] }, { linspace = [start, stop, num] }, { logspace = [start_exp, stop_exp, num] } \
             or { low = ..., high = ..., log = false }",
        ));
    }
    let t = table(ctx, path, node)?;
    t.check_keys(
        ctx,
        &["values", "linspace", "logspace", "low", "high", "log"],
        &no_hint,
    )?;
    let forms: Vec<&str> = ["values", "linspace", "logspace", "low"]
        .into_iter()
        .filter(|k| t.has(k) || (*k == "low" && (t.has("high") || t.has("log"))))
        .collect();
    if forms.len() != 1 {
        return Err(ctx.err_span(
            path,
            node.span.as_ref(),
            if forms.is_empty() {
                "empty parameter: give one of values, linspace, logspace or low/high".to_string()
            } else {
                format!(
                    "give exactly one of values, linspace, logspace or low/high (got {})",
                    forms.join(", ")
                )
            },
        ));
    }
    let form = forms[0];
    if sampled && form != "low" {
        return Err(ctx.err_span(
            &t.sub(form),
            t.key_span(form),
            format!(
                "mode = {:?} draws each parameter from a range: write {{ low = ..., high = ..., log = false }}",
                mode.as_str()
            ),
        ));
    }
    if !sampled && form == "low" {
        let key = if t.has("low") {
            "low"
        } else if t.has("high") {
            "high"
        } else {
            "log"
        };
        return Err(ctx.err_span(
            &t.sub(key),
            t.key_span(key),
            format!(
                "{{ low, high }} ranges are for mode = \"random\" or \"lhs\" (mode is {:?}); \
                 use values, linspace or logspace",
                mode.as_str()
            ),
        ));
    }
    match form {
        "values" => {
            let n = t.get(ctx, "values").unwrap();
            let vp = t.sub("values");
            let items = array(ctx, &vp, n, "an array of numbers")?;
            if items.is_empty() {
                return Err(ctx.err_span(&vp, n.span.as_ref(), "empty sweep: `values` is empty"));
            }
            let mut vals = Vec::new();
            for (i, it) in items.iter().enumerate() {
                vals.push(plain_f64(ctx, &idx(&vp, i), it)?);
            }
            Ok(ParamSpec::Values(vals))
        }
        "linspace" | "logspace" => {
            let n = t.get(ctx, form).unwrap();
            let fp = t.sub(form);
            let shape = if form == "linspace" {
                "[start, stop, num] (numpy.linspace)"
            } else {
                "[start_exp, stop_exp, num] (numpy.logspace, base 10)"
            };
            let items = array(ctx, &fp, n, &format!("an array {shape}"))?;
            if items.len() != 3 {
                return Err(ctx.err_span(
                    &fp,
                    n.span.as_ref(),
                    format!("expected {shape}, got {} elements", items.len()),
                ));
            }
            let start = plain_f64(ctx, &idx(&fp, 0), &items[0])?;
            let stop = plain_f64(ctx, &idx(&fp, 1), &items[1])?;
            let num = plain_uint(ctx, &idx(&fp, 2), &items[2])? as usize;
            if num == 0 {
                return Err(ctx.err_span(
                    &idx(&fp, 2),
                    items[2].span.as_ref(),
                    "empty sweep: num = 0 gives no values",
                ));
            }
            if form == "linspace" {
                Ok(ParamSpec::Linspace { start, stop, num })
            } else {
                Ok(ParamSpec::Logspace { start, stop, num })
            }
        }
        _ => {
            let low_n = t
                .get(ctx, "low")
                .ok_or_else(|| t.missing(ctx, "low", "lower bound"))?;
            let high_n = t
                .get(ctx, "high")
                .ok_or_else(|| t.missing(ctx, "high", "upper bound"))?;
            let low = plain_f64(ctx, &t.sub("low"), low_n)?;
            let high = plain_f64(ctx, &t.sub("high"), high_n)?;
            let log = match t.get(ctx, "log") {
                Some(n) => boolean(ctx, &t.sub("log"), n)?,
                None => false,
            };
            if low >= high {
                return Err(ctx.err_span(
                    &t.sub("high"),
                    high_n.span.as_ref(),
                    format!("must be > low (got low = {low}, high = {high})"),
                ));
            }
            if log && low <= 0.0 {
                return Err(ctx.err_span(
                    &t.sub("low"),
                    low_n.span.as_ref(),
                    format!("must be > 0 with log = true (got {low})"),
                ));
            }
            Ok(ParamSpec::Range { low, high, log })
        }
    }
}

// ---------------------------------------------------------------------------
// [summary], [output]

const STAT_NAMES: &[&str] = &[
    "dipole_min",
    "dipole_max",
    "dipole_peak_to_peak",
    "dipole_rms",
    "dipole_rmse",
];

fn parse_summary(ctx: &mut Ctx, node: &Node) -> Res<Summary> {
    let t = table(ctx, "summary", node)?;
    t.check_keys(ctx, &["smooth_window_ms", "stats", "reference"], &no_hint)?;
    let smooth_window_ms = match t.get(ctx, "smooth_window_ms") {
        Some(n) => {
            let v = plain_f64(ctx, "summary.smooth_window_ms", n)?;
            if v <= 0.0 {
                return Err(ctx.err_span(
                    "summary.smooth_window_ms",
                    n.span.as_ref(),
                    format!("must be > 0 (got {v}); leave it out for no smoothing"),
                ));
            }
            Some(v)
        }
        None => None,
    };
    let reference = match t.get(ctx, "reference") {
        Some(n) => Some(PathBuf::from(string(ctx, "summary.reference", n)?)),
        None => None,
    };
    let mut stats: Vec<Stat> = Vec::new();
    if let Some(n) = t.get(ctx, "stats") {
        let items = array(ctx, "summary.stats", n, "an array of statistic names")?;
        let mut allowed: Vec<String> = STAT_NAMES.iter().map(|s| s.to_string()).collect();
        if let Some(types) = ctx.cell_types {
            allowed.extend(types.iter().map(|t| format!("rate_{t}")));
        }
        let allowed_refs: Vec<&str> = allowed.iter().map(String::as_str).collect();
        for (i, it) in items.iter().enumerate() {
            let p = idx("summary.stats", i);
            ctx.note(&p, it.span.as_ref());
            let s = string(ctx, &p, it)?;
            let stat = match s.as_str() {
                "dipole_min" => Stat::DipoleMin,
                "dipole_max" => Stat::DipoleMax,
                "dipole_peak_to_peak" => Stat::DipolePeakToPeak,
                "dipole_rms" => Stat::DipoleRms,
                "dipole_rmse" => Stat::DipoleRmse,
                _ => match s.strip_prefix("rate_") {
                    Some(ct)
                        if !ct.is_empty()
                            && ctx.cell_types.is_none_or(|types| types.contains(&ct)) =>
                    {
                        Stat::Rate(ct.to_string())
                    }
                    _ => {
                        let extra = if ctx.cell_types.is_none() {
                            ", rate_<cell_type>"
                        } else {
                            ""
                        };
                        return Err(ctx.err_span(
                            &p,
                            it.span.as_ref(),
                            format!(
                                "unknown statistic {s:?}{} (statistics: {}{extra})",
                                did_you_mean(&s, &allowed_refs),
                                allowed.join(", ")
                            ),
                        ));
                    }
                },
            };
            if stats.contains(&stat) {
                return Err(ctx.err_span(
                    &p,
                    it.span.as_ref(),
                    format!("statistic {s:?} listed twice"),
                ));
            }
            if stat == Stat::DipoleRmse && reference.is_none() {
                return Err(ctx.err_span(
                    &p,
                    it.span.as_ref(),
                    "dipole_rmse needs [summary] reference = \"dipole.txt\" (a dipole in hnn-core's text format)",
                ));
            }
            stats.push(stat);
        }
    }
    Ok(Summary {
        smooth_window_ms,
        stats,
        reference,
    })
}

fn parse_output(ctx: &mut Ctx, node: &Node, stem: &str) -> Res<Output> {
    let t = table(ctx, "output", node)?;
    t.check_keys(ctx, &["path", "save"], &no_hint)?;
    let path = match t.get(ctx, "path") {
        Some(n) => {
            let s = string(ctx, "output.path", n)?;
            if s.is_empty() {
                return Err(ctx.err_span("output.path", n.span.as_ref(), "must not be empty"));
            }
            PathBuf::from(s)
        }
        None => default_output(stem),
    };
    let mut save = Vec::new();
    match t.get(ctx, "save") {
        Some(n) => {
            let items = array(ctx, "output.save", n, "an array of names")?;
            let names: Vec<&str> = SaveItem::ALL.iter().map(|s| s.as_str()).collect();
            for (i, it) in items.iter().enumerate() {
                let p = idx("output.save", i);
                ctx.note(&p, it.span.as_ref());
                let s = string(ctx, &p, it)?;
                let Some(item) = SaveItem::from_name(&s) else {
                    return Err(ctx.err_span(
                        &p,
                        it.span.as_ref(),
                        format!(
                            "unknown save item {s:?}{} (items: {})",
                            did_you_mean(&s, &names),
                            names.join(", ")
                        ),
                    ));
                };
                if save.contains(&item) {
                    return Err(ctx.err_span(&p, it.span.as_ref(), format!("{s:?} listed twice")));
                }
                save.push(item);
            }
        }
        None => save.push(SaveItem::Dipole),
    }
    Ok(Output { path, save })
}
