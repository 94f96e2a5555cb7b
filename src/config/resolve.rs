//! One sweep point -> plain numbers, with every value range checked (the
//! same checks for literals and for values that come from the sweep).

use std::collections::{BTreeMap, BTreeSet};

use super::error::ConfigError;
use super::rules::{self, RuleResult};
use super::types::*;
use super::Config;

type Res<T> = Result<T, ConfigError>;

pub(crate) struct Resolver<'a> {
    pub cfg: &'a Config,
    pub point: &'a BTreeMap<String, f64>,
    /// The point's index in the sweep, named in errors from references.
    pub index: Option<usize>,
}

impl Resolver<'_> {
    fn err(&self, path: &str, msg: impl Into<String>) -> ConfigError {
        self.cfg.error_at(path, msg)
    }

    /// " from $name" (and the sweep point) for referenced values.
    fn from<T>(&self, n: &Num<T>) -> String {
        match (n, self.index) {
            (Num::Ref(r), Some(i)) => format!(" from ${r}, sweep point {i}"),
            (Num::Ref(r), None) => format!(" from ${r}"),
            (Num::Value(_), _) => String::new(),
        }
    }

    fn lookup(&self, path: &str, name: &str) -> Res<f64> {
        self.point
            .get(name)
            .copied()
            .ok_or_else(|| self.err(path, format!("the sweep point has no value for ${name}")))
    }

    fn f(&self, path: &str, n: &Num<f64>) -> Res<f64> {
        match n {
            Num::Value(v) => Ok(*v),
            Num::Ref(r) => {
                let v = self.lookup(path, r)?;
                if !v.is_finite() {
                    return Err(self.err(
                        path,
                        format!("must be a finite number (got {v}{})", self.from(n)),
                    ));
                }
                Ok(v)
            }
        }
    }

    fn int(&self, path: &str, n: &Num<u64>) -> Res<u64> {
        match n {
            Num::Value(v) => Ok(*v),
            Num::Ref(r) => {
                let v = self.lookup(path, r)?;
                if v.fract() != 0.0 || !(0.0..=9007199254740992.0).contains(&v) {
                    return Err(self.err(
                        path,
                        format!("must be a non-negative integer (got {v}{})", self.from(n)),
                    ));
                }
                Ok(v as u64)
            }
        }
    }

    fn s(&self, path: &str, n: &Num<u64>) -> Res<u64> {
        self.int(path, n)
    }

    fn u(&self, path: &str, n: &Num<usize>) -> Res<usize> {
        let as_u64 = match n {
            Num::Value(v) => Num::Value(*v as u64),
            Num::Ref(r) => Num::Ref(r.clone()),
        };
        Ok(self.int(path, &as_u64)? as usize)
    }

    // checks: the rules of [`super::rules`], placed at the key -------------

    fn checked(&self, path: &str, n: &Num<f64>, rule: fn(f64) -> RuleResult<f64>) -> Res<f64> {
        let v = self.f(path, n)?;
        rule(v).map_err(|e| self.err(path, e.message(&self.from(n))))
    }

    fn checked_u(
        &self,
        path: &str,
        n: &Num<usize>,
        rule: fn(usize) -> RuleResult<usize>,
    ) -> Res<usize> {
        let v = self.u(path, n)?;
        rule(v).map_err(|e| self.err(path, e.message(&self.from(n))))
    }

    fn gt0(&self, path: &str, n: &Num<f64>) -> Res<f64> {
        self.checked(path, n, rules::positive)
    }

    fn ge0(&self, path: &str, n: &Num<f64>) -> Res<f64> {
        self.checked(path, n, rules::non_negative)
    }

    fn std_dev(&self, path: &str, n: &Num<f64>) -> Res<f64> {
        self.checked(path, n, rules::std_dev)
    }

    fn prob(&self, path: &str, n: &Num<f64>) -> Res<f64> {
        self.checked(path, n, rules::probability)
    }

    fn count_ge1(&self, path: &str, n: &Num<usize>) -> Res<usize> {
        self.checked_u(path, n, rules::at_least_one)
    }

    fn event_seed(&self, path: &str, n: &Num<u64>) -> Res<u64> {
        let v = self.s(path, n)?;
        rules::event_seed(v).map_err(|e| self.err(path, e.message(&self.from(n))))
    }

    fn table(
        &self,
        path: &str,
        m: &BTreeMap<String, Num<f64>>,
        check: fn(&Self, &str, &Num<f64>) -> Res<f64>,
    ) -> Res<BTreeMap<String, f64>> {
        m.iter()
            .map(|(k, n)| Ok((k.clone(), check(self, &format!("{path}.{k}"), n)?)))
            .collect()
    }

    fn per_type(
        &self,
        path: &str,
        p: &PerCellType<Unresolved>,
        check: fn(&Self, &str, &Num<f64>) -> Res<f64>,
    ) -> Res<PerCellType<Resolved>> {
        Ok(match p {
            PerCellType::All(n) => PerCellType::All(check(self, path, n)?),
            PerCellType::ByType(m) => PerCellType::ByType(self.table(path, m, check)?),
        })
    }

    fn any(&self, path: &str, n: &Num<f64>) -> Res<f64> {
        self.f(path, n)
    }

    // sections ---------------------------------------------------------------

    pub fn simulation(&self, s: &Simulation<Unresolved>) -> Res<Simulation<Resolved>> {
        let tstop = self.gt0("simulation.tstop", &s.tstop)?;
        let dt = self.gt0("simulation.dt", &s.dt)?;
        if dt > tstop {
            return Err(self.err(
                "simulation.dt",
                format!("must be <= tstop (got dt = {dt}, tstop = {tstop})"),
            ));
        }
        Ok(Simulation {
            tstop,
            dt,
            n_trials: self.count_ge1("simulation.n_trials", &s.n_trials)?,
            celsius: self.f("simulation.celsius", &s.celsius)?,
        })
    }

    /// `[summary] smooth_window_ms` against the simulation's length, so a
    /// window hnn-core's `smooth` refuses is a config error, not one failed
    /// simulation after another. (The exact sample count is re-checked when
    /// smoothing; a window within a sample of the length is left to that.)
    pub fn smoothing(&self, s: &Simulation<Resolved>, summary: &Summary) -> Res<()> {
        let Some(w) = summary.smooth_window_ms else {
            return Ok(());
        };
        let path = "summary.smooth_window_ms";
        if w < 1.0 {
            return Err(self.err(
                path,
                format!("must be at least 1 ms, as hnn-core's smooth requires (got {w})"),
            ));
        }
        let n_samples = (s.tstop / s.dt).round() as usize + 1;
        let window = crate::compat::numpy_round::window_samples(w, 1000.0 / s.dt);
        if window > n_samples + 1 {
            return Err(self.err(
                path,
                format!(
                    "{w} ms is longer than the simulation (tstop = {} ms): {window} samples \
                     against {n_samples}",
                    s.tstop
                ),
            ));
        }
        Ok(())
    }

    pub fn network(&self, n: &Network<Unresolved>) -> Res<Network<Resolved>> {
        let mesh_shape = [
            self.count_ge1("network.mesh_shape[0]", &n.mesh_shape[0])?,
            self.count_ge1("network.mesh_shape[1]", &n.mesh_shape[1])?,
        ];
        let erp_drives = match &n.erp_drives {
            Some(e) => Some(ErpDrives {
                tstart: self.f("network.erp_drives.tstart", &e.tstart)?,
            }),
            None => None,
        };
        let g = &n.global_gains;
        let gain = |key: &str, v: &Option<Num<f64>>| -> Res<Option<f64>> {
            v.as_ref()
                .map(|v| self.ge0(&format!("network.global_gains.{key}"), v))
                .transpose()
        };
        let global_gains = GlobalGains {
            e_e: gain("e_e", &g.e_e)?,
            e_i: gain("e_i", &g.e_i)?,
            i_e: gain("i_e", &g.i_e)?,
            i_i: gain("i_i", &g.i_i)?,
        };
        let mut tonic_bias = Vec::new();
        for (i, b) in n.tonic_bias.iter().enumerate() {
            let p = format!("network.tonic_bias[{i}]");
            let t0 = self.ge0(&format!("{p}.t0"), &b.t0)?;
            let tstop =
                match &b.tstop {
                    Some(ts) => {
                        let v = self.f(&format!("{p}.tstop"), ts)?;
                        Some(rules::not_before("tstop", v, "t0", t0).map_err(|e| {
                            self.err(&format!("{p}.tstop"), e.message(&self.from(ts)))
                        })?)
                    }
                    None => None,
                };
            tonic_bias.push(TonicBias {
                cell_type: b.cell_type.clone(),
                amplitude: self.per_type(&format!("{p}.amplitude"), &b.amplitude, Self::any)?,
                t0,
                tstop,
                section: b.section.clone(),
                bias_name: b.bias_name.clone(),
            });
        }
        let mut connections = Vec::new();
        for (i, c) in n.connections.iter().enumerate() {
            let p = format!("network.connections[{i}]");
            connections.push(Connection {
                src: c.src.clone(),
                target: c.target.clone(),
                loc: c.loc.clone(),
                receptor: c.receptor.clone(),
                weight: self.ge0(&format!("{p}.weight"), &c.weight)?,
                delay: self.ge0(&format!("{p}.delay"), &c.delay)?,
                lamtha: self.gt0(&format!("{p}.lamtha"), &c.lamtha)?,
                probability: self.prob(&format!("{p}.probability"), &c.probability)?,
                conn_seed: c
                    .conn_seed
                    .as_ref()
                    .map(|s| self.s(&format!("{p}.conn_seed"), s))
                    .transpose()?,
                allow_autapses: c.allow_autapses,
                gain: self.ge0(&format!("{p}.gain"), &c.gain)?,
            });
        }
        Ok(Network {
            model: n.model.clone(),
            mesh_shape,
            erp_drives,
            global_gains,
            tonic_bias,
            connections,
            params_file: n.params_file.clone(),
            electrode_arrays: n.electrode_arrays.clone(),
            // each HNN parameter by its rule (the parameter files' too)
            params: n
                .params
                .iter()
                .map(|(k, v)| {
                    let path = format!("network.params.{k}");
                    Ok((k.clone(), self.checked(&path, v, rules::hnn_param(k))?))
                })
                .collect::<Res<_>>()?,
        })
    }

    /// `sim_tstop_ms`: the simulation's tstop, the end of a Poisson drive
    /// without its own.
    pub fn drive(
        &self,
        i: usize,
        d: &Drive<Unresolved>,
        sim_tstop_ms: f64,
    ) -> Res<Drive<Resolved>> {
        let p = format!("drives[{i}]");
        let k = |key: &str| format!("{p}.{key}");
        let tstop_check = |tstart: f64, tstop: &Option<Num<f64>>| -> Res<Option<f64>> {
            match tstop {
                Some(ts) => {
                    let v = self.ge0(&k("tstop"), ts)?;
                    rules::not_before("tstop", v, "tstart", tstart)
                        .map(Some)
                        .map_err(|e| self.err(&k("tstop"), e.message(&self.from(ts))))
                }
                None => Ok(None),
            }
        };
        let kind = match &d.kind {
            DriveKind::Evoked {
                mu,
                sigma,
                numspikes,
            } => DriveKind::Evoked {
                mu: self.f(&k("mu"), mu)?,
                sigma: self.std_dev(&k("sigma"), sigma)?,
                numspikes: self.count_ge1(&k("numspikes"), numspikes)?,
            },
            DriveKind::Poisson {
                tstart,
                tstop,
                rate_constant,
            } => {
                let tstart_v = self.ge0(&k("tstart"), tstart)?;
                if tstop.is_none() {
                    rules::poisson_start_within(tstart_v, sim_tstop_ms)
                        .map_err(|e| self.err(&k("tstart"), e.message(&self.from(tstart))))?;
                }
                DriveKind::Poisson {
                    tstart: tstart_v,
                    tstop: tstop_check(tstart_v, tstop)?,
                    rate_constant: self.per_type(&k("rate_constant"), rate_constant, Self::gt0)?,
                }
            }
            DriveKind::Bursty {
                tstart,
                tstart_std,
                tstop,
                burst_rate,
                burst_std,
                numspikes,
                spike_isi,
            } => {
                let tstart_v = self.ge0(&k("tstart"), tstart)?;
                let burst_rate_v = self.gt0(&k("burst_rate"), burst_rate)?;
                let numspikes_v = self.count_ge1(&k("numspikes"), numspikes)?;
                let spike_isi_v = self.ge0(&k("spike_isi"), spike_isi)?;
                rules::burst_fits(numspikes_v, spike_isi_v, burst_rate_v)
                    .map_err(|m| self.err(&k("spike_isi"), m))?;
                DriveKind::Bursty {
                    tstart: tstart_v,
                    tstart_std: self.std_dev(&k("tstart_std"), tstart_std)?,
                    tstop: tstop_check(tstart_v, tstop)?,
                    burst_rate: burst_rate_v,
                    burst_std: self.std_dev(&k("burst_std"), burst_std)?,
                    numspikes: numspikes_v,
                    spike_isi: spike_isi_v,
                }
            }
            DriveKind::SpikeTrain { times, gids } => DriveKind::SpikeTrain {
                times: times
                    .iter()
                    .enumerate()
                    .map(|(j, t)| self.ge0(&format!("{p}.times[{j}]"), t))
                    .collect::<Res<_>>()?,
                gids: gids
                    .iter()
                    .enumerate()
                    .map(|(j, g)| self.u(&format!("{p}.gids[{j}]"), g))
                    .collect::<Res<_>>()?,
            },
        };
        let n_drive_cells = match (&kind, &d.n_drive_cells) {
            (DriveKind::SpikeTrain { gids, .. }, _) => {
                let distinct = gids.iter().collect::<BTreeSet<_>>().len();
                // no gids: no drive cells, refused where the drive is attached
                if distinct > 0 {
                    rules::drive_cells(distinct).map_err(|e| {
                        self.err(&k("gids"), format!("{} distinct gids: {e}", distinct))
                    })?;
                }
                NDriveCells::Count(distinct)
            }
            (_, NDriveCells::NCells) => NDriveCells::NCells,
            (_, NDriveCells::Count(c)) => {
                NDriveCells::Count(self.checked_u(&k("n_drive_cells"), c, rules::drive_cells)?)
            }
        };
        Ok(Drive {
            name: d.name.clone(),
            kind,
            location: d.location.clone(),
            n_drive_cells,
            cell_specific: d.cell_specific,
            weights_ampa: self.table(&k("weights_ampa"), &d.weights_ampa, Self::ge0)?,
            weights_nmda: self.table(&k("weights_nmda"), &d.weights_nmda, Self::ge0)?,
            synaptic_delays: self.per_type(&k("synaptic_delays"), &d.synaptic_delays, Self::ge0)?,
            space_constant: self.gt0(&k("space_constant"), &d.space_constant)?,
            probability: self.per_type(&k("probability"), &d.probability, Self::prob)?,
            event_seed: self.event_seed(&k("event_seed"), &d.event_seed)?,
            conn_seed: d
                .conn_seed
                .as_ref()
                .map(|s| self.s(&k("conn_seed"), s))
                .transpose()?,
        })
    }
}
