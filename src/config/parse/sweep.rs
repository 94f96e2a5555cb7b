//! `[sweep]` (docs/configuration.md §6): the mode, `n_samples` and `seed`
//! of sampled modes, and each `[sweep.params]` entry's form (values,
//! linspace, logspace or a low/high range); the sweep's shape and size.

use super::context::{idx, join, Ctx, Res};
use super::keys::{PARAM_SPEC_KEYS, SWEEP_KEYS};
use super::readers::{
    array, boolean, is_ident, no_hint, plain_f64, plain_uint, string, table, type_err, Tbl,
};
use crate::config::raw::{Node, Value};
use crate::config::suggest::unknown_value;
use crate::config::types::{ParamSpec, Sweep, SweepMode, SweepParam};

/// Sweeps larger than this are refused (each point is kept in memory).
pub(crate) const MAX_SWEEP_POINTS: usize = 1_000_000;

pub(super) fn parse_sweep(ctx: &mut Ctx, node: &Node) -> Res<Sweep> {
    let t = table(ctx, "sweep", node)?;
    t.check_keys(ctx, SWEEP_KEYS, &no_hint)?;
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
                        unknown_value("sweep mode", &s, &modes, "modes"),
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
        Some(crate::config::sweep::count_points(&sweep))
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
    t.check_keys(ctx, PARAM_SPEC_KEYS, &no_hint)?;
    let forms: Vec<&str> = ["values", "linspace", "logspace", "low", "integers"]
        .into_iter()
        .filter(|k| t.has(k) || (*k == "low" && (t.has("high") || t.has("log"))))
        .collect();
    if forms.len() != 1 {
        return Err(ctx.err_span(
            path,
            node.span.as_ref(),
            if forms.is_empty() {
                "empty parameter: give one of values, linspace, logspace, low/high or integers"
                    .to_string()
            } else {
                format!(
                    "give exactly one of values, linspace, logspace, low/high or integers (got {})",
                    forms.join(", ")
                )
            },
        ));
    }
    let form = forms[0];
    if sampled && form != "low" && form != "integers" {
        return Err(ctx.err_span(
            &t.sub(form),
            t.key_span(form),
            format!(
                "mode = {:?} draws each parameter from a range: write {{ low = ..., high = ..., log = false }} \
                 (or {{ integers = [low, high] }})",
                mode.as_str()
            ),
        ));
    }
    if !sampled && (form == "low" || form == "integers") {
        let key = if form == "integers" {
            "integers"
        } else if t.has("low") {
            "low"
        } else if t.has("high") {
            "high"
        } else {
            "log"
        };
        let what = if form == "integers" {
            "{ integers = [low, high] } draws are"
        } else {
            "{ low, high } ranges are"
        };
        return Err(ctx.err_span(
            &t.sub(key),
            t.key_span(key),
            format!(
                "{what} for mode = \"random\" or \"lhs\" (mode is {:?}); \
                 use values, linspace or logspace",
                mode.as_str()
            ),
        ));
    }
    match form {
        "integers" => {
            let n = t.get(ctx, "integers").unwrap();
            parse_integers(ctx, &t.sub("integers"), n)
        }
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
            let (low, high, log) = low_high_log(ctx, &t)?;
            Ok(ParamSpec::Range { low, high, log })
        }
    }
}

/// `{ low, high[, log] }` (a sweep's random range, a fit's search space):
/// `high > low`, and `low > 0` on a log scale.
pub(super) fn low_high_log(ctx: &mut Ctx, t: &Tbl<'_>) -> Res<(f64, f64, bool)> {
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
    if high <= low {
        return Err(ctx.err_span(
            &t.sub("high"),
            high_n.span.as_ref(),
            format!("empty range: must be > low (got low = {low}, high = {high})"),
        ));
    }
    if log && low <= 0.0 {
        return Err(ctx.err_span(
            &t.sub("low"),
            low_n.span.as_ref(),
            format!("must be > 0 with log = true: a log scale has no 0 (got {low})"),
        ));
    }
    Ok((low, high, log))
}

/// Integers whose every value an f64 holds exactly (the /params datasets).
const MAX_EXACT_INT: i64 = 1 << 53;

/// `{ integers = [low, high] }`: two integers, `high > low`, both within
/// ±2^53 and at most 2^53 apart.
fn parse_integers(ctx: &mut Ctx, path: &str, node: &Node) -> Res<ParamSpec> {
    let shape = "[low, high] (integers low..high-1, as numpy's Generator.integers)";
    let items = array(ctx, path, node, &format!("an array {shape}"))?;
    if items.len() != 2 {
        return Err(ctx.err_span(
            path,
            node.span.as_ref(),
            format!("expected {shape}, got {} elements", items.len()),
        ));
    }
    let mut ends = [0i64; 2];
    for (i, it) in items.iter().enumerate() {
        let p = idx(path, i);
        ctx.note(&p, it.span.as_ref());
        ends[i] = match it.value {
            Value::Integer(v) if v.abs() <= MAX_EXACT_INT => v,
            Value::Integer(v) => {
                return Err(ctx.err_span(
                    &p,
                    it.span.as_ref(),
                    format!("must be within ±2^53 = ±{MAX_EXACT_INT} (got {v})"),
                ))
            }
            _ => return Err(type_err(ctx, &p, it, "an integer")),
        };
    }
    let [low, high] = ends;
    if high <= low {
        return Err(ctx.err_span(
            &idx(path, 1),
            items[1].span.as_ref(),
            format!(
                "must be > low (got [{low}, {high}]); the draws are low..high-1, so [0, 1000000] \
                 gives 0 to 999999"
            ),
        ));
    }
    if high - low > MAX_EXACT_INT {
        return Err(ctx.err_span(
            path,
            node.span.as_ref(),
            format!("spans more than 2^53 integers ([{low}, {high}])"),
        ));
    }
    Ok(ParamSpec::Integers { low, high })
}
