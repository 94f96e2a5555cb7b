//! What the output file records of every simulation, decided from the
//! config and the first network: which voltage traces, at which times.

use crate::config::SaveItem;
use crate::engine::network_sim::VsecMode;
use crate::network::description::NetworkDescription;

/// The voltage recordings of `[output] save`, in the file's order, with
/// their dataset names.
pub fn vsec_modes(save: &[SaveItem]) -> Vec<(VsecMode, &'static str)> {
    let mut out = Vec::new();
    if save.contains(&SaveItem::VsecSoma) {
        out.push((VsecMode::Soma, "soma"));
    }
    if save.contains(&SaveItem::VsecAll) {
        out.push((VsecMode::All, "all"));
    }
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
