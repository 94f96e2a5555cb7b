//! `[[network.tonic_bias]]` (docs/configuration.md §4.6): one
//! `Network.add_tonic_bias` call each, for one cell type or a table of them.

use super::context::{Ctx, Res};
use super::keys::TONIC_BIAS_KEYS;
use super::readers::{check_cell_type, no_hint, per_cell_type, string, Tbl};
use crate::config::types::{PerCellType, TonicBias, Unresolved};

pub(super) fn parse_tonic_bias(ctx: &mut Ctx, t: &Tbl) -> Res<TonicBias<Unresolved>> {
    t.check_keys(ctx, TONIC_BIAS_KEYS, &no_hint)?;
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
    let t0 = t.num_or(ctx, "t0", 0.0)?;
    let tstop = t.optional_num(ctx, "tstop")?;
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
