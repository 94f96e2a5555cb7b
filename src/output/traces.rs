//! The section recordings of the file (docs/output_format.md §5): `/vsec`
//! (voltages), `/isec` (synaptic currents), `/ca` (calcium), each dataset
//! f32 `[n_sims, n_trials, n_traces, n_times]` with the datasets that name
//! its traces. One description of them ([`TraceDataset`]) serves creating,
//! opening, writing and repairing them alike.

use hdf5::types::VarLenUnicode;
use hdf5::{Extent, File, SimpleExtents};

use super::hdf5_util::{compressed, set_attr_str, vlen};
use super::layout::VSEC_CHUNK_ELEMS;
use super::spec::{OutputSpec, VsecSpec};

/// One recording dataset of the file.
pub(super) struct TraceDataset<'a> {
    /// `vsec`, `isec` or `ca`.
    pub(super) group: &'static str,
    /// `soma` or `all`.
    pub(super) name: &'a str,
    pub(super) gids: &'a [usize],
    pub(super) sections: &'a [String],
    /// Synaptic currents only: the receptor of each trace.
    pub(super) receptors: Option<&'a [String]>,
}

impl TraceDataset<'_> {
    /// The dataset's path, `vsec/soma`.
    pub(super) fn path(&self) -> String {
        format!("{}/{}", self.group, self.name)
    }

    pub(super) fn n_traces(&self) -> usize {
        self.gids.len()
    }

    fn units(&self) -> &'static str {
        match self.group {
            "vsec" => "mV",
            "isec" => "nA",
            _ => "mM",
        }
    }

    fn description(&self) -> String {
        let name = self.name;
        let (what, option, naming) = match self.group {
            "vsec" => (
                "membrane potential at the middle of each section (sec(0.5)), [sim, trial, \
                 trace, time], mV",
                "record_vsec",
                format!("section {name}_sections[i] of cell {name}_gids[i]"),
            ),
            "isec" => (
                "current i of each synapse (Exp2Syn) of the recorded sections, [sim, trial, \
                 trace, time], nA",
                "record_isec",
                format!(
                    "synapse {name}_receptors[i] of section {name}_sections[i] of cell \
                     {name}_gids[i] (hnn-core's key {{section}}_{{receptor}})"
                ),
            ),
            _ => (
                "intracellular calcium concentration cai at the middle of each section that \
                 has it (sec(0.5)), [sim, trial, trace, time], mM",
                "record_ca",
                format!("section {name}_sections[i] of cell {name}_gids[i]"),
            ),
        };
        format!(
            "{what}, single precision, at every sample of /times, as hnn-core's \
             {option}={name:?}; trace i is {naming}; NaN where not simulated"
        )
    }
}

fn plain<'a>(group: &'static str, v: &'a VsecSpec) -> TraceDataset<'a> {
    TraceDataset {
        group,
        name: v.name.as_str(),
        gids: &v.gids,
        sections: &v.sections,
        receptors: None,
    }
}

/// Every recording dataset of `spec`, in the file's order: `/vsec`, `/isec`,
/// `/ca`, each in the spec's order.
pub(super) fn trace_datasets(spec: &OutputSpec) -> Vec<TraceDataset<'_>> {
    let mut out: Vec<TraceDataset<'_>> = spec.vsec.iter().map(|v| plain("vsec", v)).collect();
    out.extend(spec.isec.iter().map(|v| TraceDataset {
        group: "isec",
        name: v.name.as_str(),
        gids: &v.gids,
        sections: &v.sections,
        receptors: Some(&v.receptors),
    }));
    out.extend(spec.ca.iter().map(|v| plain("ca", v)));
    out
}

/// Creates the recording groups and datasets of `spec`: chunks of one
/// simulation and trial, as many traces as fit in [`VSEC_CHUNK_ELEMS`].
pub(super) fn create_traces(
    file: &File,
    spec: &OutputSpec,
    deflate: Option<u8>,
) -> hdf5::Result<()> {
    let (n_sims, n_trials, n_times) = (spec.n_sims, spec.n_trials, spec.n_times);
    let sets = trace_datasets(spec);
    for group in ["vsec", "isec", "ca"] {
        let in_group: Vec<&TraceDataset> = sets.iter().filter(|t| t.group == group).collect();
        if in_group.is_empty() {
            continue;
        }
        let g = file.create_group(group)?;
        for t in in_group {
            let n_traces = t.n_traces();
            let ct = n_times.clamp(1, VSEC_CHUNK_ELEMS);
            let kc = (VSEC_CHUNK_ELEMS / ct).clamp(1, n_traces.max(1));
            let b = compressed(g.new_dataset::<f32>().chunk((1, 1, kc, ct)), deflate);
            // As /dipole: two unlimited dimensions for a version-2 B-tree
            // chunk index (docs/output_format.md §9).
            let d = b
                .fill_value(f32::NAN)
                .shape(SimpleExtents::from_vec(vec![
                    Extent::resizable(n_sims),
                    Extent::resizable(n_trials),
                    Extent::fixed(n_traces),
                    Extent::fixed(n_times),
                ]))
                .create(t.name)?;
            set_attr_str(&d, "units", t.units())?;
            set_attr_str(&d, "description", &t.description())?;
            let gids: Vec<i64> = t.gids.iter().map(|&g| g as i64).collect();
            g.new_dataset_builder()
                .with_data(&gids[..])
                .create(format!("{}_gids", t.name).as_str())?;
            let strings =
                |v: &[String]| -> Vec<VarLenUnicode> { v.iter().map(|n| vlen(n)).collect() };
            g.new_dataset_builder()
                .with_data(&strings(t.sections)[..])
                .create(format!("{}_sections", t.name).as_str())?;
            if let Some(r) = t.receptors {
                g.new_dataset_builder()
                    .with_data(&strings(r)[..])
                    .create(format!("{}_receptors", t.name).as_str())?;
            }
        }
    }
    Ok(())
}
