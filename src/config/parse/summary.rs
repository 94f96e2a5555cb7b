//! `[summary]` (docs/configuration.md §7): the smoothing window, the
//! statistics (built-in dipole statistics and per-cell-type rates) and the
//! reference dipole that `dipole_rmse` needs.

use std::path::PathBuf;

use super::context::{idx, Ctx, Res};
use super::keys::SUMMARY_KEYS;
use super::readers::{array, no_hint, plain_f64, string, table};
use crate::config::raw::Node;
use crate::config::suggest::unknown_value_and;
use crate::config::types::{Stat, Summary};

const STAT_NAMES: &[&str] = &[
    "dipole_min",
    "dipole_max",
    "dipole_peak_to_peak",
    "dipole_rms",
    "dipole_rmse",
];

pub(super) fn parse_summary(ctx: &mut Ctx, node: &Node) -> Res<Summary> {
    let t = table(ctx, "summary", node)?;
    t.check_keys(ctx, SUMMARY_KEYS, &no_hint)?;
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
                            unknown_value_and("statistic", &s, &allowed_refs, "statistics", extra),
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
