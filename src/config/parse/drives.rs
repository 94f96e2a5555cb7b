//! `[[drives]]` (docs/configuration.md §5): one `Network.add_*_drive` call
//! each, its type's keys and hnn-core's defaults for that type, unique
//! names, and the per-cell-type tables checked against the drive's targets.

use std::collections::{BTreeMap, BTreeSet};

use super::context::{idx, Ctx, Res};
use super::keys::{drive_keys, DRIVE_CELLS};
use super::readers::{
    array, boolean, cell_table, num, num_uint, num_usize, per_cell_type, string, table_array, Tbl,
};
use crate::config::raw::{Node, Value};
use crate::config::suggest::unknown_value;
use crate::config::types::{
    Drive, DriveKind, NDriveCells, Network, Num, PerCellType, Unresolved, DRIVE_TYPES,
    ERP_DRIVE_NAMES,
};

pub(super) fn parse_drives(
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
            unknown_value("drive type", &kind, &DRIVE_TYPES, "types"),
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

    let opt_count = |ctx: &mut Ctx, key: &str, default: usize| -> Res<Num<usize>> {
        match t.get(ctx, key) {
            Some(n) => num_usize(ctx, &t.sub(key), n),
            None => Ok(Num::Value(default)),
        }
    };

    let dyn_kind = match kind.as_str() {
        "evoked" => DriveKind::Evoked {
            mu: t.required_num(ctx, "mu", "mean event time, ms")?,
            sigma: t.required_num(ctx, "sigma", "standard deviation of event times, ms")?,
            numspikes: {
                let n = t
                    .get(ctx, "numspikes")
                    .ok_or_else(|| t.missing(ctx, "numspikes", "spikes per drive cell"))?;
                num_usize(ctx, &t.sub("numspikes"), n)?
            },
        },
        "poisson" => DriveKind::Poisson {
            tstart: t.num_or(ctx, "tstart", 0.0)?,
            tstop: t.optional_num(ctx, "tstop")?,
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
            tstart: t.num_or(ctx, "tstart", 0.0)?,
            tstart_std: t.num_or(ctx, "tstart_std", 0.0)?,
            tstop: t.optional_num(ctx, "tstop")?,
            burst_rate: t.required_num(ctx, "burst_rate", "Hz")?,
            burst_std: t.num_or(ctx, "burst_std", 0.0)?,
            numspikes: opt_count(ctx, "numspikes", 2)?,
            spike_isi: t.num_or(ctx, "spike_isi", 10.0)?,
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
    let space_constant = t.num_or(ctx, "space_constant", def_space)?;
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
