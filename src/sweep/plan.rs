//! The plan of a sweep: its config, its points in simulation order, the
//! recordings and statistics every simulation keeps, the batch size of
//! small networks and the run's resource estimate. Built once, on every
//! rank alike, before anything is written: config errors surface here.

use std::collections::BTreeMap;

use super::estimate::{self, MemoryLimit, RunEstimate};
use super::failure::SimFailure;
use super::recordings::{ca_index, ca_modes, isec_index, isec_modes, union_mode};
use super::recordings::{vsec_index, vsec_modes};
use crate::analysis::stats::ReferenceDipole;
use crate::config::{Config, ConfigError, ResolvedConfig};
use crate::engine::mechanisms::Catalogue;
use crate::engine::network_sim::{NetworkSimulation, VsecMode};
use crate::network::description::NetworkDescription;
use crate::network::from_config::build_network;
use crate::output::{IsecSpec, LfpSpec, VsecSpec};

/// Everything every simulation of a sweep shares.
pub struct SweepPlan {
    pub config: Config,
    /// Sweep points in simulation order.
    pub points: Vec<BTreeMap<String, f64>>,
    pub stat_names: Vec<String>,
    pub reference: Option<ReferenceDipole>,
    /// The voltage recordings `[output] save` asks for (`/vsec/soma`, then
    /// `/vsec/all`), with their traces in the first point's network.
    pub vsec: Vec<(VsecMode, VsecSpec)>,
    /// The synaptic-current recordings (`/isec/soma`, then `/isec/all`).
    pub isec: Vec<(VsecMode, IsecSpec)>,
    /// The calcium recordings (`/ca/soma`, then `/ca/all`).
    pub ca: Vec<(VsecMode, VsecSpec)>,
    /// The electrode arrays of the first point's network (`/lfp/<name>`;
    /// not swept, so every point's).
    pub lfp: Vec<LfpSpec>,
    /// The first point's network's `(type, first gid, end gid)` ranges
    /// (`/cells/gid_ranges`).
    pub gid_ranges: Vec<(String, usize, usize)>,
    /// How many simulations one rank integrates together in a batch
    /// ([`Self::simulate_batch`]), from the first point's network: enough
    /// that each cell type has about [`BATCH_CELLS`] cells (small
    /// networks), one for large networks.
    pub batch_capacity: usize,
    /// Memory, output size and work of the run (checked against the
    /// machine before anything runs; printed by `--dry-run`).
    pub estimate: RunEstimate,
}

impl SweepPlan {
    /// Read, check and expand a config; resolve every point (range checks)
    /// and build the first network, so that config errors surface before
    /// anything is written; refuse a run that cannot fit
    /// ([`super::estimate`]) before anything large is allocated.
    pub fn new(config: Config) -> Result<Self, ConfigError> {
        let points = config.sweep_points()?;
        Self::with_points(config, points)
    }

    /// As [`Self::new`], at `points` (a fit's: the corners of its search
    /// space, which [`super::fit::FitPlan`] replaces by the points asked).
    pub fn with_points(
        config: Config,
        points: Vec<BTreeMap<String, f64>>,
    ) -> Result<Self, ConfigError> {
        config.check_one_file_layout()?;
        let limit = MemoryLimit::of_this_machine();
        let first = config.resolve(&points[0])?;
        estimate::check_planned_network(&first, &config, Some(&limit))?;
        let first_net = build_network(&first, &config, &Catalogue)?;
        let vsec: Vec<(VsecMode, VsecSpec)> = vsec_modes(&config.output.save)
            .into_iter()
            .map(|(mode, name)| {
                let (gids, sections) = vsec_index(&first_net, mode).into_iter().unzip();
                (
                    mode,
                    VsecSpec {
                        name: name.to_string(),
                        gids,
                        sections,
                    },
                )
            })
            .collect();
        let isec: Vec<(VsecMode, IsecSpec)> = isec_modes(&config.output.save)
            .into_iter()
            .map(|(mode, name)| {
                let index = isec_index(&first_net, mode);
                let spec = IsecSpec {
                    name: name.to_string(),
                    gids: index.iter().map(|x| x.0).collect(),
                    sections: index.iter().map(|x| x.1.clone()).collect(),
                    receptors: index.into_iter().map(|x| x.2).collect(),
                };
                (mode, spec)
            })
            .collect();
        let ca: Vec<(VsecMode, VsecSpec)> = ca_modes(&config.output.save)
            .into_iter()
            .map(|(mode, name)| {
                let (gids, sections) = ca_index(&first_net, mode).into_iter().unzip();
                let spec = VsecSpec {
                    name: name.to_string(),
                    gids,
                    sections,
                };
                (mode, spec)
            })
            .collect();
        let reference = match &config.summary.reference {
            Some(p) => {
                let r = ReferenceDipole::read(&config.input_path(p))
                    .and_then(|r| r.check_overlap(first.simulation.tstop).map(|()| r))
                    .map_err(|e| config.error_at("summary.reference", e.to_string()))?;
                Some(r)
            }
            None => None,
        };
        let stat_names = config.summary.dataset_names();
        // (dataset, traces per trial) of every section recording
        let mut recordings: Vec<(String, usize)> = Vec::new();
        recordings.extend(
            vsec.iter()
                .map(|(_, v)| (format!("/vsec/{}", v.name), v.n_traces())),
        );
        recordings.extend(
            isec.iter()
                .map(|(_, v)| (format!("/isec/{}", v.name), v.n_traces())),
        );
        recordings.extend(
            ca.iter()
                .map(|(_, v)| (format!("/ca/{}", v.name), v.n_traces())),
        );
        // resolves (and so range-checks) every point
        let estimate =
            estimate::estimate_run(&config, &points, &first_net, &recordings, Some(&limit))?;
        Ok(SweepPlan {
            config,
            points,
            stat_names,
            reference,
            vsec,
            isec,
            ca,
            lfp: super::recordings::lfp_specs(&first_net),
            gid_ranges: first_net.gid_ranges(),
            batch_capacity: batch_capacity(&first_net),
            estimate,
        })
    }

    pub fn n_sims(&self) -> usize {
        self.points.len()
    }

    /// The resolved config and the network of simulation `sim`.
    pub(super) fn build(
        &self,
        sim: usize,
    ) -> Result<(ResolvedConfig, NetworkDescription), SimFailure> {
        let cfg: ResolvedConfig = self
            .config
            .resolve(&self.points[sim])
            .map_err(SimFailure::Build)?;
        let net = build_network(&cfg, &self.config, &Catalogue).map_err(SimFailure::Build)?;
        Ok((cfg, net))
    }

    /// `sim` set to record what the file saves: for each kind, every
    /// section if any of its recordings needs them (the somata are then a
    /// subset).
    pub(super) fn recording<'a>(&self, sim: NetworkSimulation<'a>) -> NetworkSimulation<'a> {
        sim.record_vsec(union_mode(self.vsec.iter().map(|v| v.0)))
            .record_isec(union_mode(self.isec.iter().map(|v| v.0)))
            .record_ca(union_mode(self.ca.iter().map(|v| v.0)))
    }
}

/// Cells per type a batch of small networks aims at: beyond about this many
/// the loops over cells gain little more (`bench-batch`).
pub const BATCH_CELLS: usize = 96;

/// Networks like `net` in one batch: about [`BATCH_CELLS`] cells of its
/// largest type, at least one network.
pub(super) fn batch_capacity(net: &NetworkDescription) -> usize {
    let largest = net
        .populations
        .iter()
        .map(|p| p.positions.len())
        .max()
        .unwrap_or(1)
        .max(1);
    (BATCH_CELLS / largest).max(1)
}
