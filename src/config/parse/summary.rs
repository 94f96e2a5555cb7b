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
    "band_power",
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
    let f_bands = match t.get(ctx, "f_bands") {
        Some(n) => parse_f_bands(ctx, "summary.f_bands", n)?,
        None => Vec::new(),
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
                "band_power" => Stat::BandPower,
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
            if stat == Stat::BandPower && f_bands.is_empty() {
                return Err(ctx.err_span(
                    &p,
                    it.span.as_ref(),
                    "band_power needs [summary] f_bands = [[low, high], ...] (Hz)",
                ));
            }
            stats.push(stat);
        }
    }
    if !f_bands.is_empty() && !stats.contains(&Stat::BandPower) {
        return Err(ctx.err_span(
            "summary.f_bands",
            t.key_span("f_bands"),
            "f_bands is for the band_power statistic: add \"band_power\" to stats",
        ));
    }
    Ok(Summary {
        smooth_window_ms,
        stats,
        reference,
        f_bands,
    })
}

/// The most `f_bands`: `band_power` makes two datasets per band.
const MAX_F_BANDS: usize = 1000;

/// `f_bands = [[low, high], ...]` (Hz): 1 to [`MAX_F_BANDS`] bands, each two
/// finite numbers with `0 <= low < high` (hnn-core's `f_bands`; shared with
/// `[fit]`).
pub(super) fn parse_f_bands(ctx: &mut Ctx, path: &str, node: &Node) -> Res<Vec<(f64, f64)>> {
    let shape = "an array of bands [low, high] (Hz), e.g. [[15.0, 30.0]]";
    let items = array(ctx, path, node, shape)?;
    if items.is_empty() {
        return Err(ctx.err_span(
            path,
            node.span.as_ref(),
            format!("no band: expected {shape}"),
        ));
    }
    if items.len() > MAX_F_BANDS {
        return Err(ctx.err_span(
            path,
            node.span.as_ref(),
            format!(
                "{} bands; at most {MAX_F_BANDS} (band_power stores two datasets per band)",
                items.len()
            ),
        ));
    }
    let mut bands = Vec::new();
    for (i, it) in items.iter().enumerate() {
        let bp = idx(path, i);
        ctx.note(&bp, it.span.as_ref());
        let pair = array(ctx, &bp, it, "a band [low, high] (Hz)")?;
        if pair.len() != 2 {
            return Err(ctx.err_span(
                &bp,
                it.span.as_ref(),
                format!("a band is [low, high] (Hz); got {} numbers", pair.len()),
            ));
        }
        let lo = plain_f64(ctx, &idx(&bp, 0), &pair[0])?;
        let hi = plain_f64(ctx, &idx(&bp, 1), &pair[1])?;
        if lo < 0.0 {
            return Err(ctx.err_span(
                &idx(&bp, 0),
                pair[0].span.as_ref(),
                format!("must be >= 0 Hz (got {lo})"),
            ));
        }
        if hi <= lo {
            return Err(ctx.err_span(
                &idx(&bp, 1),
                pair[1].span.as_ref(),
                format!("must be > the band's low end (got [{lo}, {hi}])"),
            ));
        }
        bands.push((lo, hi));
    }
    Ok(bands)
}
