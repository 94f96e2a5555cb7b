//! What the output file records of every simulation, decided from the
//! config and the first network: which voltage, synaptic-current and
//! calcium traces, at which times.

use crate::config::SaveItem;
use crate::engine::network_sim::{ca_sections, isec_labels, VsecMode};
use crate::network::description::NetworkDescription;

/// The recordings of one kind `[output] save` asks for, in the file's
/// order (`soma`, then `all`), with their dataset names.
fn modes(save: &[SaveItem], soma: SaveItem, all: SaveItem) -> Vec<(VsecMode, &'static str)> {
    let mut out = Vec::new();
    if save.contains(&soma) {
        out.push((VsecMode::Soma, "soma"));
    }
    if save.contains(&all) {
        out.push((VsecMode::All, "all"));
    }
    out
}

/// The voltage recordings of `[output] save` (`/vsec/<name>`).
pub fn vsec_modes(save: &[SaveItem]) -> Vec<(VsecMode, &'static str)> {
    modes(save, SaveItem::VsecSoma, SaveItem::VsecAll)
}

/// The synaptic-current recordings of `[output] save` (`/isec/<name>`).
pub fn isec_modes(save: &[SaveItem]) -> Vec<(VsecMode, &'static str)> {
    modes(save, SaveItem::IsecSoma, SaveItem::IsecAll)
}

/// The calcium recordings of `[output] save` (`/ca/<name>`).
pub fn ca_modes(save: &[SaveItem]) -> Vec<(VsecMode, &'static str)> {
    modes(save, SaveItem::CaSoma, SaveItem::CaAll)
}

/// The one mode the engine records for several recordings of a kind:
/// every section if any needs them (the somata are then a subset).
pub fn union_mode(modes: impl Iterator<Item = VsecMode>) -> Option<VsecMode> {
    modes.max_by_key(|m| *m == VsecMode::All)
}

/// (gid, section, receptor) of every synaptic-current trace of a
/// recording, in the order the engine returns them: cells (drive cells
/// have none) in gid order, each cell's synapses in hnn-core's order.
pub fn isec_index(net: &NetworkDescription, mode: VsecMode) -> Vec<(usize, String, String)> {
    let mut out = Vec::new();
    for p in &net.populations {
        let labels = isec_labels(&p.template, mode);
        for gid in p.gid_start..p.gid_start + p.positions.len() {
            out.extend(labels.iter().map(|(s, r)| (gid, s.clone(), r.clone())));
        }
    }
    out.sort_by_key(|x| x.0); // stable: synapse order within a cell
    out
}

/// (gid, section) of every calcium trace of a recording: cells in gid
/// order, each cell's sections that have `cai` in section order.
pub fn ca_index(net: &NetworkDescription, mode: VsecMode) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for p in &net.populations {
        let sections = ca_sections(&p.template, mode);
        for gid in p.gid_start..p.gid_start + p.positions.len() {
            out.extend(sections.iter().map(|s| (gid, s.clone())));
        }
    }
    out.sort_by_key(|x| x.0);
    out
}

/// (gid, section) of every voltage trace of a recording, in the order the
/// engine returns them: cells (drive cells have none) in gid order, the
/// sections of each in its cell type's section order.
pub fn vsec_index(net: &NetworkDescription, mode: VsecMode) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for p in &net.populations {
        for gid in p.gid_start..p.gid_start + p.positions.len() {
            for sec in &p.template.sections {
                if mode == VsecMode::All || sec.name == "soma" {
                    out.push((gid, sec.name.clone()));
                }
            }
        }
    }
    out.sort_by_key(|x| x.0); // stable: section order within a cell
    out
}

/// NEURON's recorded sample times for `tstop`/`dt`: the engine's own
/// ([`crate::engine::time_grid::sample_times`]), for the file's `/times`.
pub fn sample_times(tstop_ms: f64, dt_ms: f64) -> Vec<f64> {
    crate::engine::time_grid::sample_times(tstop_ms, dt_ms)
}

/// The `/lfp` datasets of a network's electrode arrays, in its order.
pub fn lfp_specs(net: &NetworkDescription) -> Vec<crate::output::LfpSpec> {
    net.electrode_arrays
        .iter()
        .map(|a| crate::output::LfpSpec {
            name: a.name.clone(),
            positions_um: a.positions_um.clone(),
            conductivity: a.conductivity_s_per_m,
            method: a.method.name().to_string(),
            min_distance: a.min_distance_um,
        })
        .collect()
}
