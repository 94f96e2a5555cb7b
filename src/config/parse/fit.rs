//! `[fit]` and `[fit.params]` (docs/configuration.md §13): hnn-core's
//! `Optimizer` choices and `obj_fun_kwargs` by their names, each key
//! checked against the solver and objective it belongs to; the search space;
//! and the `"$name"` references against it.

use std::collections::BTreeSet;
use std::path::PathBuf;

use super::context::{idx, join, Ctx, Res};
use super::keys::{FIT_KEYS, FIT_PARAM_KEYS};
use super::readers::{array, is_ident, no_hint, plain_f64, plain_uint, string, table};
use super::summary::parse_f_bands;
use super::sweep::low_high_log;
use crate::config::fit::{Fit, FitObjective, FitParam, Solver};
use crate::config::raw::{Node, Value};
use crate::config::suggest::unknown_value;

/// hnn-core's defaults (`_run_opt_cma`, `Optimizer`).
const DEFAULT_POPSIZE: u64 = 16;
const DEFAULT_SIGMA0: f64 = 0.25;
const DEFAULT_TOLFUN: f64 = 0.01;
const DEFAULT_SEED: u64 = 123;

/// A fit runs one simulation per evaluation; more would not fit a file.
const MAX_EVALUATIONS: u64 = 1_000_000;

pub(super) fn parse_fit(ctx: &mut Ctx, node: &Node) -> Res<Fit> {
    let t = table(ctx, "fit", node)?;
    t.check_keys(ctx, FIT_KEYS, &no_hint)?;

    let solver_n = t
        .get(ctx, "solver")
        .ok_or_else(|| t.missing(ctx, "solver", "\"cma\", \"cobyla\" or \"bayesian\""))?;
    let s = string(ctx, "fit.solver", solver_n)?;
    let solver = Solver::from_name(&s).ok_or_else(|| {
        ctx.err_span(
            "fit.solver",
            solver_n.span.as_ref(),
            unknown_value("solver", &s, &Solver::NAMES, "solvers"),
        )
    })?;
    let obj_n = t.get(ctx, "objective").ok_or_else(|| {
        t.missing(
            ctx,
            "objective",
            "\"dipole_rmse\", \"dipole_corr\" or \"maximize_psd\"",
        )
    })?;
    let s = string(ctx, "fit.objective", obj_n)?;
    let objective = FitObjective::from_name(&s).ok_or_else(|| {
        ctx.err_span(
            "fit.objective",
            obj_n.span.as_ref(),
            unknown_value("objective", &s, &FitObjective::NAMES, "objectives"),
        )
    })?;

    // Keys that belong to one solver or objective only.
    let refuse = |ctx: &Ctx, key: &str, why: String| -> Res<()> {
        Err(ctx.err_span(&t.sub(key), t.key_span(key), why))
    };
    for key in ["popsize", "sigma0", "tolfun"] {
        if t.has(key) && solver != Solver::Cma {
            refuse(
                ctx,
                key,
                format!(
                    "only for solver = \"cma\" (solver is {:?})",
                    solver.as_str()
                ),
            )?;
        }
    }
    let psd_keys = ["f_bands", "relative_bandpower"];
    let target_keys = ["target", "tstart", "tstop"];
    for key in psd_keys {
        if t.has(key) && objective != FitObjective::MaximizePsd {
            refuse(
                ctx,
                key,
                format!(
                    "only for objective = \"maximize_psd\" (objective is {:?})",
                    objective.as_str()
                ),
            )?;
        }
    }
    for key in target_keys {
        if t.has(key) && !objective.needs_target() {
            refuse(
                ctx,
                key,
                "only for objective = \"dipole_rmse\" or \"dipole_corr\" (maximize_psd has no \
                 target)"
                    .to_string(),
            )?;
        }
    }

    let target = match t.get(ctx, "target") {
        Some(n) => Some(PathBuf::from(string(ctx, "fit.target", n)?)),
        None if objective.needs_target() => {
            return Err(t.missing(
                ctx,
                "target",
                "the dipole to fit, a file in hnn-core's dipole text format (Dipole.write)",
            ))
        }
        None => None,
    };
    let scale_factor = match t.get(ctx, "scale_factor") {
        Some(n) => {
            let v = plain_f64(ctx, "fit.scale_factor", n)?;
            if v == 0.0 {
                return Err(ctx.err_span(
                    "fit.scale_factor",
                    n.span.as_ref(),
                    "must not be 0 (leave it out for no scaling)",
                ));
            }
            Some(v)
        }
        None => None,
    };
    let positive = |ctx: &mut Ctx, key: &str, hint: &str| -> Res<Option<f64>> {
        match t.get(ctx, key) {
            Some(n) => {
                let v = plain_f64(ctx, &t.sub(key), n)?;
                if v <= 0.0 {
                    return Err(ctx.err_span(
                        &t.sub(key),
                        n.span.as_ref(),
                        format!("must be > 0 (got {v}){hint}"),
                    ));
                }
                Ok(Some(v))
            }
            None => Ok(None),
        }
    };
    let smooth_window_ms = positive(ctx, "smooth_window_ms", "; leave it out for no smoothing")?;
    let tstop_ms = positive(ctx, "tstop", "")?;
    let sigma0 = positive(ctx, "sigma0", "")?.unwrap_or(DEFAULT_SIGMA0);
    let tstart_ms = match t.get(ctx, "tstart") {
        Some(n) => {
            let v = plain_f64(ctx, "fit.tstart", n)?;
            if v < 0.0 {
                return Err(ctx.err_span(
                    "fit.tstart",
                    n.span.as_ref(),
                    format!("must be >= 0 ms (got {v})"),
                ));
            }
            v
        }
        None => 0.0,
    };
    let tolfun = match t.get(ctx, "tolfun") {
        Some(n) => {
            let v = plain_f64(ctx, "fit.tolfun", n)?;
            if v < 0.0 {
                return Err(ctx.err_span(
                    "fit.tolfun",
                    n.span.as_ref(),
                    format!("must be >= 0 (got {v})"),
                ));
            }
            v
        }
        None => DEFAULT_TOLFUN,
    };

    let f_bands = match t.get(ctx, "f_bands") {
        Some(n) => parse_f_bands(ctx, "fit.f_bands", n)?,
        None if objective == FitObjective::MaximizePsd => return Err(t.missing(
            ctx,
            "f_bands",
            "the frequency bands whose relative power maximize_psd maximises, e.g. [[15.0, 30.0]]",
        )),
        None => Vec::new(),
    };
    let relative_bandpower = match t.get(ctx, "relative_bandpower") {
        Some(n) if matches!(n.value, Value::Array(_)) => {
            let items = array(ctx, "fit.relative_bandpower", n, "an array of weights")?;
            if items.len() != f_bands.len() {
                return Err(ctx.err_span(
                    "fit.relative_bandpower",
                    n.span.as_ref(),
                    format!(
                        "{} weights for {} f_bands: give one per band, or one number for all",
                        items.len(),
                        f_bands.len()
                    ),
                ));
            }
            let mut w = Vec::new();
            for (i, it) in items.iter().enumerate() {
                w.push(plain_f64(ctx, &idx("fit.relative_bandpower", i), it)?);
            }
            w
        }
        Some(n) => vec![plain_f64(ctx, "fit.relative_bandpower", n)?; f_bands.len()],
        None => vec![1.0; f_bands.len()],
    };

    let count = |ctx: &mut Ctx, key: &str, default: Option<u64>, min: u64| -> Res<u64> {
        let v = match (t.get(ctx, key), default) {
            (Some(n), _) => plain_uint(ctx, &t.sub(key), n)?,
            (None, Some(d)) => return Ok(d),
            (None, None) => {
                return Err(t.missing(
                    ctx,
                    key,
                    "the number of simulations the search may run (hnn-core's max_iter)",
                ))
            }
        };
        if v < min {
            return Err(ctx.err(&t.sub(key), format!("must be >= {min} (got {v})")));
        }
        Ok(v)
    };
    let max_evaluations = count(ctx, "max_evaluations", None, 1)?;
    if max_evaluations > MAX_EVALUATIONS {
        return Err(ctx.err(
            "fit.max_evaluations",
            format!("at most {MAX_EVALUATIONS} (got {max_evaluations})"),
        ));
    }
    let popsize = count(ctx, "popsize", Some(DEFAULT_POPSIZE), 2)?;
    if solver == Solver::Cma && max_evaluations < popsize {
        return Err(ctx.err(
            "fit.max_evaluations",
            format!(
                "{max_evaluations} is less than one cma generation (popsize = {popsize} \
                 simulations)"
            ),
        ));
    }
    let seed = count(ctx, "seed", Some(DEFAULT_SEED), 0)?;

    let params_node = t.get(ctx, "params");
    let params = parse_fit_params(ctx, &t.sub("params"), params_node, &t.span)?;
    Ok(Fit {
        solver,
        objective,
        target,
        scale_factor,
        smooth_window_ms,
        tstart_ms,
        tstop_ms,
        f_bands,
        relative_bandpower,
        max_evaluations: max_evaluations as usize,
        popsize: popsize as usize,
        sigma0,
        tolfun,
        seed,
        params,
    })
}

fn parse_fit_params(
    ctx: &mut Ctx,
    path: &str,
    node: Option<&Node>,
    fit_span: &Option<std::ops::Range<usize>>,
) -> Res<Vec<FitParam>> {
    let node = node.ok_or_else(|| {
        ctx.err_span(
            path,
            fit_span.as_ref(),
            "[fit] has no [fit.params]: give the search space, e.g. mu = { low = 20.0, high = 60.0 }",
        )
    })?;
    let p = table(ctx, path, node)?;
    if p.entries.is_empty() {
        return Err(ctx.err_span(path, node.span.as_ref(), "[fit.params] has no parameters"));
    }
    let mut params = Vec::new();
    for (k, v) in p.entries {
        let pp = join(path, &k.name);
        ctx.note(&pp, k.span.as_ref().or(v.span.as_ref()));
        if !is_ident(&k.name) {
            return Err(ctx.err_span(
                &pp,
                k.span.as_ref(),
                "a fit parameter name must be letters, digits and _ (not starting with a digit), \
                 to be referenced as \"$name\"",
            ));
        }
        if let Value::Array(_) = v.value {
            return Err(ctx.err_span(
                &pp,
                v.span.as_ref(),
                "write { low = ..., high = ..., log = false }",
            ));
        }
        let t = table(ctx, &pp, v)?;
        t.check_keys(ctx, FIT_PARAM_KEYS, &no_hint)?;
        let (low, high, log) = low_high_log(ctx, &t)?;
        params.push(FitParam {
            name: k.name.clone(),
            low,
            high,
            log,
        });
    }
    Ok(params)
}

/// Every `"$name"` names a fit parameter, and every fit parameter is used.
pub(crate) fn check_fit_references(ctx: &Ctx, fit: &Fit) -> Res<()> {
    let names: Vec<&str> = fit.params.iter().map(|p| p.name.as_str()).collect();
    for site in &ctx.refs {
        if !names.contains(&site.name.as_str()) {
            let hint = crate::config::suggest::did_you_mean(&site.name, &names);
            return Err(ctx.err(
                &site.path,
                format!(
                    "unknown fit parameter ${}{hint} (fit parameters: {})",
                    site.name,
                    names.join(", ")
                ),
            ));
        }
    }
    let used: BTreeSet<&str> = ctx.refs.iter().map(|r| r.name.as_str()).collect();
    for p in &names {
        if !used.contains(p) {
            return Err(ctx.err(
                &format!("fit.params.{p}"),
                format!(
                    "fit parameter `{p}` is used nowhere: write \"${p}\" where its value goes \
                     in [simulation], [network] or [[drives]]"
                ),
            ));
        }
    }
    Ok(())
}
