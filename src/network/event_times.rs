//! hnn-core 0.6.1's drive event times (`hnn_core/drives.py`): the draws of
//! each drive type from numpy's legacy `RandomState` streams
//! ([`crate::compat::numpy_mt19937`]), and [`Drive::event_times`], the
//! per-trial events of every drive cell as `Network._instantiate_drives`
//! draws them. `tests/numpy_random.rs` checks them bit for bit against
//! hnn-core output recorded by `scripts/reference/numpy_random.py`.
//!
//! hnn-core raises `ValueError`s (and numpy raises) on arguments these
//! functions panic on, with the Python message quoted. The readers (the
//! TOML, hnn-core network and parameter files) apply the value rules of
//! `config/rules.rs` first (sigma, burst_std and tstart_std >= 0 and not
//! -0.0, rates > 0, tstop >= tstart, a Poisson drive ending after it
//! starts, bursts that fit their period), `from_config::check_drive_seeds`
//! bounds the seeds of every trial and drive cell by 2**32 - 1, and the run
//! estimate (`sweep::estimate`, `MAX_DRIVE_EVENTS`) bounds the number of
//! events drawn before any trial runs (a bursty drive's from 10 standard
//! deviations of its start before `tstart`); each function names what keeps
//! its panics out of reach.

use std::collections::BTreeMap;

use super::description::NetworkDescription;
use super::drive_spec::{Drive, DriveDynamics, PoissonRate};
use crate::compat::numpy_arange::numpy_arange_f64;
use crate::compat::numpy_mt19937::RandomState;

/// `hnn_core.drives._get_prng(seed, gid)`:
/// `(np.random.RandomState(seed + gid), np.random.RandomState(seed))`.
/// Panics like numpy if either seed is outside 0..=2**32-1, which
/// `from_config::check_drive_seeds` and `rules::event_seed` rule out.
pub fn get_prng(seed: i64, gid: i64) -> (RandomState, RandomState) {
    (
        RandomState::from_seed_i64(seed + gid),
        RandomState::from_seed_i64(seed),
    )
}

/// `hnn_core.drives._create_extpois(t0=, T=, lamtha=, prng=)`: Poisson event
/// times on `(t0, T)` with rate `lamtha` Hz:
/// `t_gen += prng.exponential(1.0 / lamtha) * 1000.0` while `t_gen < T`,
/// keeping values `< T`. Panics with hnn-core's `ValueError`s, which the
/// rules on `tstart` (>= 0), `tstop` (not before `tstart`) and
/// `rate_constant` (> 0) rule out.
pub fn create_extpois(t0: f64, t_stop: f64, lamtha: f64, prng: &mut RandomState) -> Vec<f64> {
    if t0 < 0.0 {
        panic!(
            "hnn-core raises ValueError: The start time for Poisson inputs must begreater \
             than 0. Got {t0}"
        );
    }
    if t_stop < t0 {
        panic!(
            "hnn-core raises ValueError: The end time for Poisson inputs must begreater than \
             start time. Got ({t0}, {t_stop})"
        );
    }
    if lamtha <= 0.0 {
        panic!("hnn-core raises ValueError: Rate must be > 0. Got {lamtha}");
    }
    let mut event_times = Vec::new();
    let mut t_gen = t0;
    while t_gen < t_stop {
        t_gen += prng.exponential(1.0 / lamtha) * 1000.0;
        if t_gen < t_stop {
            event_times.push(t_gen);
        }
    }
    event_times
}

/// `hnn_core.drives._create_gauss(mu=, sigma=, numspikes=, prng=)`:
/// `prng.normal(mu, sigma, numspikes)`.
pub fn create_gauss(mu: f64, sigma: f64, numspikes: usize, prng: &mut RandomState) -> Vec<f64> {
    prng.normal_n(mu, sigma, numspikes)
}

/// `hnn_core.drives._create_bursty_input(...)`: rhythmic bursts.
///
/// ```text
/// if t0_stdev > 0: t0 = prng2.normal(t0, t0_stdev)
/// burst_period = 1000 / f_input
/// isi_array = np.arange(t0, tstop, burst_period)
/// t_array = prng.normal(isi_array, events_jitter_std)
/// if events_per_cycle > 1:
///     cycle = np.arange(events_per_cycle) - (events_per_cycle - 1) / 2
///     t_array = ravel([t_array + cycle_events_isi * cyc for cyc in cycle])
/// ```
/// (output is grouped by spike-within-burst, not sorted). Panics with
/// hnn-core's `ValueError` if the burst is longer than its period
/// (`rules::burst_fits` rules it out) and with numpy's in `np.arange`.
///
/// With a large `tstart_std` the drawn `t0` could be so far before `tstop`
/// that `np.arange` has more elements than memory holds (or than `i64`:
/// numpy's "Maximum allowed size exceeded", a panic here; hnn-core fails
/// there too). The run estimate counts bursts from `tstart - 10 tstart_std`
/// and refuses such a drive at its `tstart_std` key first.
#[allow(clippy::too_many_arguments)]
pub fn create_bursty_input(
    t0: f64,
    t0_stdev: f64,
    tstop: f64,
    f_input: f64,
    events_jitter_std: f64,
    events_per_cycle: usize,
    cycle_events_isi: f64,
    prng: &mut RandomState,
    prng2: &mut RandomState,
) -> Vec<f64> {
    let mut t0 = t0;
    if t0_stdev > 0.0 {
        t0 = prng2.normal(t0, t0_stdev);
    }
    let burst_period = 1000.0 / f_input;
    let burst_duration = (events_per_cycle as f64 - 1.0) * cycle_events_isi;
    if burst_duration > burst_period {
        panic!(
            "hnn-core raises ValueError: Burst duration ({burst_duration}s) cannot be greater \
             than burst period ({burst_period}s)Consider increasing the spike ISI or burst rate"
        );
    }
    // array of mean stimulus times, starts at t0
    let isi_array = numpy_arange_f64(t0, tstop, burst_period);
    // array of single stimulus times -- no doublets
    let t_array = prng.normal_array(&isi_array, events_jitter_std);
    if events_per_cycle > 1 {
        let half = (events_per_cycle - 1) as f64 / 2.0;
        let mut out = Vec::with_capacity(t_array.len() * events_per_cycle);
        for k in 0..events_per_cycle {
            let cyc = k as f64 - half;
            let shift = cycle_events_isi * cyc;
            out.extend(t_array.iter().map(|&t| t + shift));
        }
        out
    } else {
        t_array
    }
}

/// The `spike_train` branch of `_drive_cell_event_times` (hnn-core 0.6.1):
/// the `times` whose `gids` equal `drive_cell_gid`, in input order. It
/// returns early in hnn-core, so these times are **neither filtered to
/// `0 < t <= tstop` nor sorted**. Empty `times` or `gids` (or missing keys)
/// give no events; mismatched lengths panic (numpy `IndexError`), which the
/// TOML reader refuses (`times` and `gids` must have the same length) and
/// network files cannot give (they refuse spike_train drives).
pub fn spike_train_event_times(times: &[f64], gids: &[i64], drive_cell_gid: i64) -> Vec<f64> {
    if times.is_empty() || gids.is_empty() {
        return Vec::new();
    }
    if times.len() != gids.len() {
        panic!(
            "numpy raises IndexError: boolean index did not match (spike_train times/gids \
             lengths {} != {})",
            times.len(),
            gids.len()
        );
    }
    times
        .iter()
        .zip(gids)
        .filter(|&(_, &g)| g == drive_cell_gid)
        .map(|(&t, _)| t)
        .collect()
}

/// The end of `_drive_cell_event_times` for evoked / poisson / bursty drives:
/// `event_times[(event_times > 0) & (event_times <= tstop)]`, then
/// `event_times.sort()` ("values MUST be sorted for VecStim()").
pub fn filter_and_sort_event_times(mut event_times: Vec<f64>, tstop: f64) -> Vec<f64> {
    // NaN fails this filter, so the sort compares numbers only
    event_times.retain(|&t| t > 0.0 && t <= tstop);
    event_times.sort_by(|a, b| a.partial_cmp(b).expect("NaN event time"));
    event_times
}

/// `hnn_core.drives._drive_cell_event_times(drive_type, dynamics, tstop,
/// target_type, trial_idx, drive_cell_gid, event_seed, trial_seed_offset)`.
///
/// * `target_type`: `None` is hnn-core's `'any'`.
/// * `drive_cell_gid` is the drive cell's gid *offset* within its drive and
///   `trial_seed_offset` is `net._n_gids`, as `Network._instantiate_drives`
///   passes them; `event_seed` is `drive['event_seed']`.
/// * Seeds: `prng = RandomState(event_seed + trial_idx * trial_seed_offset +
///   drive_cell_gid)`, `prng2 = RandomState(event_seed + trial_idx *
///   trial_seed_offset)` (used only by bursty drives with `tstart_std > 0`).
/// * evoked / poisson / bursty results go through
///   [`filter_and_sort_event_times`] (`0 < t <= tstop`, sorted).
/// * spike_train: [`spike_train_event_times`] (no filter, no sort, as in
///   hnn-core 0.6.1).
/// * poisson with a per-type rate and a `target_type` that has no rate:
///   no events (hnn-core's legacy-mode branch).
///
/// Panics where hnn-core raises (invalid seeds, negative sigma, Poisson
/// rate `<= 0`, a number rate with a specific `target_type` or a dict rate
/// with `'any'`, mismatched spike-train `times`/`gids` lengths, ...); see
/// the functions above for what rules each out. The rate kinds cannot
/// mismatch: the readers make a per-type rate exactly for cell-specific
/// drives, whose drive cells are the ones with a `target_type`
/// ([`Drive::event_times`]).
#[allow(clippy::too_many_arguments)]
pub fn drive_cell_event_times(
    dynamics: &DriveDynamics,
    tstop: f64,
    target_type: Option<&str>,
    trial_idx: i64,
    drive_cell_gid: i64,
    event_seed: i64,
    trial_seed_offset: i64,
) -> Vec<f64> {
    // _get_prng is called (and the seeds validated) before anything else
    let (mut prng, mut prng2) =
        get_prng(event_seed + trial_idx * trial_seed_offset, drive_cell_gid);
    let event_times = match dynamics {
        DriveDynamics::Poisson {
            tstart,
            tstop: t_end,
            rate_constant,
        } => {
            let rate = match (target_type, rate_constant) {
                (None, PoissonRate::Constant(r)) => Some(*r),
                (Some(tt), PoissonRate::PerTargetType(m)) => m.get(tt).copied(),
                (None, PoissonRate::PerTargetType(_)) => panic!(
                    "hnn-core raises TypeError: a per-target-type rate_constant needs a \
                     target_type"
                ),
                (Some(_), PoissonRate::Constant(_)) => panic!(
                    "hnn-core raises TypeError: argument of type 'float' is not iterable \
                     (number rate_constant with a specific target_type)"
                ),
            };
            match rate {
                Some(lamtha) => create_extpois(*tstart, *t_end, lamtha, &mut prng),
                None => Vec::new(),
            }
        }
        DriveDynamics::Evoked {
            mu,
            sigma,
            numspikes,
        } => create_gauss(*mu, *sigma, *numspikes, &mut prng),
        DriveDynamics::Bursty {
            tstart,
            tstart_std,
            tstop: t_end,
            burst_rate,
            burst_std,
            numspikes,
            spike_isi,
        } => create_bursty_input(
            *tstart,
            *tstart_std,
            *t_end,
            *burst_rate,
            *burst_std,
            *numspikes,
            *spike_isi,
            &mut prng,
            &mut prng2,
        ),
        DriveDynamics::SpikeTrain { times, gids } => {
            return spike_train_event_times(times, gids, drive_cell_gid);
        }
    };
    filter_and_sort_event_times(event_times, tstop)
}

impl Drive {
    /// Event times (ms) of every drive cell for one trial, as hnn-core's
    /// `Network._instantiate_drives` draws them.
    pub fn event_times(
        &self,
        net: &NetworkDescription,
        trial_idx: usize,
        tstop: f64,
    ) -> Vec<Vec<f64>> {
        let trial_seed_offset = net.n_gids;
        // One pass each, not one per drive cell: a spike train or a
        // cell-specific drive may have 10^5 cells.
        let spike_train = match &self.spec.dynamics {
            DriveDynamics::SpikeTrain { times, gids } if !self.spec.cell_specific => {
                Some((times, gids))
            }
            _ => None,
        };
        if let Some((times, gids)) = spike_train {
            if !times.is_empty() && times.len() == gids.len() && self.n_drive_cells > 0 {
                // hnn-core seeds (and checks the seeds of) every drive cell
                // first; the seeds grow with the offset: check both ends.
                let seed =
                    self.spec.event_seed as i64 + trial_idx as i64 * trial_seed_offset as i64;
                get_prng(seed, 0);
                get_prng(seed, self.n_drive_cells as i64 - 1);
                let mut per_cell = vec![Vec::new(); self.n_drive_cells];
                for (&t, &g) in times.iter().zip(gids) {
                    if let Some(cell) = usize::try_from(g).ok().and_then(|g| per_cell.get_mut(g)) {
                        cell.push(t);
                    }
                }
                return per_cell;
            }
        }
        let mut first_target: BTreeMap<usize, &str> = BTreeMap::new();
        if self.spec.cell_specific {
            for c in net.connections.iter().filter(|c| c.src_type == self.name) {
                for (s, _) in &c.gid_pairs {
                    first_target.entry(*s).or_insert(&c.target_type);
                }
            }
        }
        (0..self.n_drive_cells)
            .map(|offset| {
                let gid = self.gid_start + offset;
                // A cell-specific drive cell connects to one type.
                let target_type = first_target.get(&gid).map(|t| t.to_string());
                if self.spec.cell_specific && target_type.is_none() {
                    // All its connections were dropped by `probability`.
                    return Vec::new();
                }
                drive_cell_event_times(
                    &self.spec.dynamics,
                    tstop,
                    target_type.as_deref(),
                    trial_idx as i64,
                    offset as i64,
                    self.spec.event_seed as i64,
                    trial_seed_offset as i64,
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[should_panic(expected = "Seed must be between 0 and 2**32 - 1")]
    fn negative_seed_panics() {
        get_prng(-1, 0);
    }
}
