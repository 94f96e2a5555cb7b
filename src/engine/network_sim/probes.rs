//! What a trial records at the middle of its sections, as hnn-core's
//! `Cell.record` sets it up (hnn_core/cell.py): the membrane potential
//! (`record_vsec`, `sec(0.5)._ref_v`), the current of every synapse of the
//! section (`record_isec`, `syn._ref_i`) and the calcium concentration
//! (`record_ca`, `sec(0.5)._ref_cai`). A cell type's [`Probe`]s of one kind
//! are the same for each of its cells; a [`TraceSet`] keeps every cell's
//! samples of one kind, and is merged over a group of ranks in gid order.

use super::{CalciumTrace, SimGroup, SynapseCurrentTrace, VoltageTrace, VsecMode};
use crate::engine::cell_batch::CellBatch;
use crate::engine::layout::CellLayout;
use crate::engine::mechanisms::ca_ion_nodes;
use crate::network::cell_template::CellTemplate;
use crate::network::description::NetworkDescription;

/// The three kinds of section recordings, in the order the recorder keeps
/// them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TraceKind {
    Voltage,
    SynapseCurrent,
    Calcium,
}

/// Where a probe reads its value in a [`CellBatch`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// `v` of this node, mV.
    Voltage(usize),
    /// `i` of this synapse (point-process bank, instance), nA.
    SynapseCurrent { bank: usize, instance: usize },
    /// `cai` of this `ca_ion` instance, mM.
    Calcium(usize),
}

/// One recorded quantity of every cell of a type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Probe {
    pub(super) section: String,
    /// The synapse key after `{section}_` (synaptic currents only).
    pub(super) receptor: String,
    source: Source,
}

/// The sections hnn-core's `Cell.record` visits: `'soma'`, or every
/// section in the cell's section order.
fn recorded_sections(layout: &CellLayout, mode: VsecMode) -> impl Iterator<Item = usize> + '_ {
    (0..layout.sections.len())
        .filter(move |&s| mode == VsecMode::All || layout.sections[s].name == "soma")
}

/// The probes of `kind` on a cell of `layout`, in hnn-core's order.
/// Voltage: each recorded section's middle. Synaptic currents: for each
/// recorded section `s`, every synapse whose key `{section}_{receptor}`
/// starts with `{s}_` (hnn-core matches the prefix), in creation order.
/// Calcium: each recorded section whose middle has `cai` (hnn-core skips
/// the others).
fn probes_of(kind: TraceKind, mode: VsecMode, layout: &CellLayout) -> Vec<Probe> {
    let mut out = Vec::new();
    let ca_nodes = match kind {
        TraceKind::Calcium => ca_ion_nodes(&layout.mechanisms),
        _ => Vec::new(),
    };
    for s in recorded_sections(layout, mode) {
        let sec = &layout.sections[s];
        let mid = sec.node_at(0.5);
        match kind {
            TraceKind::Voltage => out.push(Probe {
                section: sec.name.clone(),
                receptor: String::new(),
                source: Source::Voltage(mid),
            }),
            TraceKind::SynapseCurrent => {
                let prefix = format!("{}_", sec.name);
                for syn in &layout.synapses {
                    let key = format!("{}_{}", syn.section, syn.receptor);
                    if let Some(rest) = key.strip_prefix(&prefix) {
                        out.push(Probe {
                            section: sec.name.clone(),
                            receptor: rest.to_string(),
                            source: Source::SynapseCurrent {
                                bank: syn.bank,
                                instance: syn.instance,
                            },
                        });
                    }
                }
            }
            TraceKind::Calcium => {
                if let Ok(instance) = ca_nodes.binary_search(&mid) {
                    out.push(Probe {
                        section: sec.name.clone(),
                        receptor: String::new(),
                        source: Source::Calcium(instance),
                    });
                }
            }
        }
    }
    out
}

/// (section, receptor) of each synaptic current `record_isec` = `mode`
/// records on a cell of `template`, in the engine's (hnn-core's) order.
pub fn isec_labels(template: &CellTemplate, mode: VsecMode) -> Vec<(String, String)> {
    probes_of(TraceKind::SynapseCurrent, mode, &CellLayout::new(template))
        .into_iter()
        .map(|p| (p.section, p.receptor))
        .collect()
}

/// The sections whose calcium `record_ca` = `mode` records on a cell of
/// `template` (those with `cai`), in section order.
pub fn ca_sections(template: &CellTemplate, mode: VsecMode) -> Vec<String> {
    probes_of(TraceKind::Calcium, mode, &CellLayout::new(template))
        .into_iter()
        .map(|p| p.section)
        .collect()
}

/// Every cell's samples of one kind of recording.
pub(super) struct TraceSet {
    pub(super) kind: TraceKind,
    /// Per population: its probes.
    pub(super) probes: Vec<Vec<Probe>>,
    /// Per population: `[cell * n_probes + k]`, the samples of probe `k`
    /// of each local cell.
    pub(super) data: Vec<Vec<Vec<f64>>>,
}

impl TraceSet {
    /// The probes of `kind` on every batch, with room for `n_samples`.
    pub(super) fn new(
        kind: TraceKind,
        mode: VsecMode,
        batches: &[CellBatch],
        n_samples: usize,
    ) -> Self {
        let probes: Vec<Vec<Probe>> = batches
            .iter()
            .map(|b| probes_of(kind, mode, &b.layout))
            .collect();
        let data = probes
            .iter()
            .zip(batches)
            .map(|(p, b)| vec![Vec::with_capacity(n_samples); p.len() * b.n_cells])
            .collect();
        TraceSet { kind, probes, data }
    }

    /// Append every probe's present value.
    pub(super) fn sample(&mut self, batches: &[CellBatch]) {
        for (b, probes) in self.probes.iter().enumerate() {
            if probes.is_empty() {
                continue;
            }
            let batch = &batches[b];
            for cell in 0..batch.n_cells {
                for (k, p) in probes.iter().enumerate() {
                    let x = match p.source {
                        Source::Voltage(node) => batch.voltage(node, cell),
                        Source::SynapseCurrent { bank, instance } => {
                            batch.synaptic_current_na(bank, instance, cell)
                        }
                        Source::Calcium(i) => batch.ions.ca().cai[i * batch.n_cells + cell],
                    };
                    self.data[b][cell * probes.len() + k].push(x);
                }
            }
        }
    }

    /// The traces of population `b`'s cells `cells` (with global gids
    /// `gids`, less `gid_base`), taken out of the set, in cell order then
    /// probe order.
    pub(super) fn take_cells(
        &mut self,
        b: usize,
        cells: std::ops::Range<usize>,
        gids: &[usize],
        gid_base: usize,
        out: &mut Traces,
    ) {
        let n = self.probes[b].len();
        for c in cells {
            for (k, p) in self.probes[b].iter().enumerate() {
                let values = std::mem::take(&mut self.data[b][c * n + k]);
                out.push(self.kind, gids[c] - gid_base, p, values);
            }
        }
    }

    /// Gather every rank's samples on the group's first rank (a
    /// collective: every rank calls it), which gets them in gid order; the
    /// others `None`.
    pub(super) fn gather(
        &mut self,
        group: &dyn SimGroup,
        net: &NetworkDescription,
        local_gids: &[Vec<usize>],
        len: usize,
    ) -> Option<Traces> {
        // [gid, samples of each probe...] per cell.
        let mut flat = Vec::new();
        for (b, gids) in local_gids.iter().enumerate() {
            let n = self.probes[b].len();
            for (c, &gid) in gids.iter().enumerate() {
                flat.push(gid as f64);
                for trace in &self.data[b][c * n..(c + 1) * n] {
                    flat.extend_from_slice(trace);
                }
            }
            self.data[b].clear();
        }
        let all = group.gather_f64(&flat)?;
        let mut cells: Vec<(usize, usize, &[f64])> = Vec::new();
        for data in &all {
            let mut rest = &data[..];
            while let Some((&gid, tail)) = rest.split_first() {
                let gid = gid as usize;
                let b = net.population_index_of(gid).expect("a cell gid");
                let n = self.probes[b].len() * len;
                cells.push((gid, b, &tail[..n]));
                rest = &tail[n..];
            }
        }
        cells.sort_unstable_by_key(|c| c.0);
        let mut out = Traces::default();
        for (gid, b, samples) in cells {
            for (p, v) in self.probes[b].iter().zip(samples.chunks_exact(len)) {
                out.push(self.kind, gid, p, v.to_vec());
            }
        }
        Some(out)
    }
}

/// Recorded traces of the three kinds, as a trial's result holds them.
#[derive(Default)]
pub(super) struct Traces {
    pub(super) vsec: Vec<VoltageTrace>,
    pub(super) isec: Vec<SynapseCurrentTrace>,
    pub(super) ca: Vec<CalciumTrace>,
}

impl Traces {
    fn push(&mut self, kind: TraceKind, gid: usize, p: &Probe, values: Vec<f64>) {
        let section = p.section.clone();
        match kind {
            TraceKind::Voltage => self.vsec.push(VoltageTrace {
                gid,
                section,
                v_mv: values,
            }),
            TraceKind::SynapseCurrent => self.isec.push(SynapseCurrentTrace {
                gid,
                section,
                receptor: p.receptor.clone(),
                i_na: values,
            }),
            TraceKind::Calcium => self.ca.push(CalciumTrace {
                gid,
                section,
                cai_mm: values,
            }),
        }
    }

    /// Every kind in gid order (stable: probe order within a cell).
    pub(super) fn sort_by_gid(&mut self) {
        self.vsec.sort_by_key(|t| t.gid);
        self.isec.sort_by_key(|t| t.gid);
        self.ca.sort_by_key(|t| t.gid);
    }

    pub(super) fn append(&mut self, other: Traces) {
        self.vsec.extend(other.vsec);
        self.isec.extend(other.isec);
        self.ca.extend(other.ca);
    }
}
