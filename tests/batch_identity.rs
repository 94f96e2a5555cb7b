//! Several networks integrated in one batch (`NetworkSimulation::new_batch`)
//! give each network exactly its own simulation's numbers: dipoles, spike
//! times and gids, section voltages, synaptic currents and calcium, bit for
//! bit. The networks differ in drive weights, tonic bias and trial (drive event times), as the points of
//! a sweep do; through the sweep (`SweepPlan::simulate_batch`), also in cell
//! parameters (separate batches) and with a diverging network among them.

use hnn_mpi::config::Config;
use hnn_mpi::engine::mechanisms::Catalogue;
use hnn_mpi::engine::network_sim::{batchable, NetworkSimulation, TrialResult, VsecMode};
use hnn_mpi::network::description::NetworkDescription;
use hnn_mpi::network::from_config::build_network;
use hnn_mpi::sweep::SweepPlan;

const CONFIG: &str = r#"
[simulation]
tstop = 60.0

[network]
model = "jones_2009"
mesh_shape = [3, 3]
tonic_bias = [{ cell_type = "L5_pyramidal", amplitude = "$bias", t0 = 5.0 }]

[[drives]]
name = "evprox"
type = "evoked"
mu = 20.0
sigma = 3.0
numspikes = 1
location = "proximal"
weights_ampa = { L2_basket = "$w", L2_pyramidal = "$w", L5_basket = "$w", L5_pyramidal = "$w" }
synaptic_delays = { L2_basket = 0.1, L2_pyramidal = 0.1, L5_basket = 1.0, L5_pyramidal = 1.0 }

[[drives]]
name = "bg"
type = "poisson"
rate_constant = 40.0
location = "distal"
weights_ampa = { L2_pyramidal = 0.002, L5_pyramidal = 0.002 }

[sweep]
mode = "zip"
[sweep.params]
w = { values = [0.0001, 0.01, 0.05, 0.1] }
bias = { values = [0.0, 0.5, -0.2, 1.0] }
"#;

fn networks() -> Vec<NetworkDescription> {
    let config = Config::parse(CONFIG, "batch_identity.toml").expect("config");
    config
        .sweep_points()
        .unwrap()
        .iter()
        .map(|p| build_network(&config.resolve(p).unwrap(), &config, &Catalogue).unwrap())
        .collect()
}

fn same_bits(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

fn assert_identical(alone: &TrialResult, batched: &TrialResult, what: &str) {
    assert!(same_bits(&alone.times, &batched.times), "{what}: times");
    assert_eq!(
        alone.raw_dipoles_fam.len(),
        batched.raw_dipoles_fam.len(),
        "{what}: dipole layers"
    );
    for ((na, a), (nb, b)) in alone.raw_dipoles_fam.iter().zip(&batched.raw_dipoles_fam) {
        assert_eq!(na, nb, "{what}");
        assert!(same_bits(a, b), "{what}: {na} dipole differs");
    }
    assert_eq!(alone.spike_gids, batched.spike_gids, "{what}: spike gids");
    assert!(
        same_bits(&alone.spike_times, &batched.spike_times),
        "{what}: spike times"
    );
    assert_eq!(alone.vsec.len(), batched.vsec.len(), "{what}: traces");
    for (a, b) in alone.vsec.iter().zip(&batched.vsec) {
        assert_eq!((a.gid, &a.section), (b.gid, &b.section), "{what}");
        assert!(
            same_bits(&a.v_mv, &b.v_mv),
            "{what}: vsec {} {}",
            a.gid,
            a.section
        );
    }
    assert_eq!(alone.isec.len(), batched.isec.len(), "{what}: isec traces");
    for (a, b) in alone.isec.iter().zip(&batched.isec) {
        assert_eq!(
            (a.gid, &a.section, &a.receptor),
            (b.gid, &b.section, &b.receptor),
            "{what}"
        );
        assert!(
            same_bits(&a.i_na, &b.i_na),
            "{what}: isec {} {}",
            a.gid,
            a.section
        );
    }
    assert_eq!(alone.ca.len(), batched.ca.len(), "{what}: ca traces");
    for (a, b) in alone.ca.iter().zip(&batched.ca) {
        assert_eq!((a.gid, &a.section), (b.gid, &b.section), "{what}");
        assert!(
            same_bits(&a.cai_mm, &b.cai_mm),
            "{what}: ca {} {}",
            a.gid,
            a.section
        );
    }
}

#[test]
fn a_batch_reproduces_each_network_bit_for_bit() {
    let nets = networks();
    assert!(nets.iter().all(|n| batchable(&nets[0], n)));
    // Different trials too: their drive event times differ.
    let members: Vec<(&NetworkDescription, usize)> =
        nets.iter().enumerate().map(|(i, n)| (n, i % 2)).collect();
    let (tstop, dt) = (60.0, 0.025);
    let batched = NetworkSimulation::new_batch(&members, tstop, dt)
        .record_vsec(Some(VsecMode::All))
        .record_isec(Some(VsecMode::All))
        .record_ca(Some(VsecMode::All))
        .run_batch(&mut |_| {});
    assert_eq!(batched.len(), members.len());
    let mut spiking = 0;
    for (i, (net, trial)) in members.iter().enumerate() {
        let alone = NetworkSimulation::new(net, *trial, tstop, dt)
            .record_vsec(Some(VsecMode::All))
            .record_isec(Some(VsecMode::All))
            .record_ca(Some(VsecMode::All))
            .run();
        // synaptic currents that flow, calcium that moves
        assert!(alone.isec.iter().any(|t| t.i_na.iter().any(|&i| i != 0.0)));
        assert!(alone
            .ca
            .iter()
            .any(|t| t.cai_mm.iter().any(|&c| c != t.cai_mm[0])));
        assert_identical(&alone, &batched[i], &format!("network {i}"));
        spiking += usize::from(alone.spike_gids.iter().any(|&g| g < net.n_cells()));
    }
    // The comparison covers networks whose cells fire (events between
    // cells), not only subthreshold ones.
    assert!(spiking >= 2, "only {spiking} networks with cell spikes");
}

#[test]
fn networks_with_other_templates_are_not_batchable() {
    let nets = networks();
    let mut other = nets[0].clone();
    other.populations[0].template.sections[0].l_um += 1.0;
    assert!(!batchable(&nets[0], &other));
    let mut warmer = nets[0].clone();
    warmer.celsius += 1.0;
    assert!(!batchable(&nets[0], &warmer));
}

/// A number `rate_constant` of a cell-specific Poisson drive is one rate
/// for every target type, as hnn-core's `add_poisson_drive` makes it: the
/// same events as the explicit table (it used to stop the simulation).
#[test]
fn a_number_poisson_rate_is_the_per_type_table() {
    let events = |rate: &str| {
        let text = CONFIG.replace("rate_constant = 40.0", &format!("rate_constant = {rate}"));
        let config = Config::parse(&text, "poisson_rate.toml").expect("config");
        let point = &config.sweep_points().unwrap()[1];
        let net = build_network(&config.resolve(point).unwrap(), &config, &Catalogue).unwrap();
        let bg = net.drives.iter().find(|d| d.spec.name == "bg").unwrap();
        bg.event_times(&net, 0, 60.0)
    };
    let number = events("40.0");
    assert!(number.iter().any(|e| !e.is_empty()), "no Poisson events");
    assert_eq!(
        number,
        events("{ L2_pyramidal = 40.0, L5_pyramidal = 40.0 }")
    );
    assert_ne!(
        number,
        events("{ L2_pyramidal = 40.0, L5_pyramidal = 20.0 }")
    );
}

/// Through the sweep: `SweepPlan::simulate_batch` over every point gives
/// each point's `simulate` result, bit for bit, with two trials, a cell
/// parameter swept (networks of two templates: two batches) and a point
/// whose network diverges (it fails alone).
#[test]
fn a_sweep_batch_gives_each_simulation_its_own_result() {
    let text = r#"
[simulation]
tstop = 25.0
n_trials = 2

[network]
model = "jones_2009"
mesh_shape = [3, 3]
tonic_bias = [{ cell_type = "L2_pyramidal", amplitude = "$bias" }]
[network.params]
L5Pyr_soma_gkbar_hh2 = "$g"

[[drives]]
name = "evprox"
type = "evoked"
mu = 10.0
sigma = 2.0
numspikes = 1
location = "proximal"
weights_ampa = { L2_basket = 0.01, L2_pyramidal = 0.01, L5_basket = 0.01, L5_pyramidal = 0.05 }
synaptic_delays = { L2_basket = 0.1, L2_pyramidal = 0.1, L5_basket = 1.0, L5_pyramidal = 1.0 }

[sweep]
mode = "zip"
[sweep.params]
g = { values = [0.01, 0.02, 0.01, 0.02, 0.01] }
bias = { values = [0.0, 0.0, 1.7e308, 0.3, 0.3] }

[summary]
stats = ["dipole_min", "rate_L5_pyramidal"]

[output]
save = ["dipole", "spikes"]
"#;
    let plan = SweepPlan::new(Config::parse(text, "sweep_batch.toml").unwrap()).unwrap();
    let sims: Vec<usize> = (0..plan.n_sims()).collect();
    let batched = plan.simulate_batch(&sims, &mut |_| {});
    assert_eq!(batched.len(), sims.len());
    for (&sim, b) in sims.iter().zip(&batched) {
        let alone = plan.simulate(sim, None, &mut |_| {});
        assert_eq!(b.sim, sim);
        assert_eq!(alone.error, b.error, "simulation {sim}");
        if sim == 2 {
            assert!(b.error.as_deref().unwrap_or("").contains("non-finite"));
            continue;
        }
        assert!(b.error.is_none(), "simulation {sim}: {:?}", b.error);
        let bits = |r: &hnn_mpi::output::SimResult| -> Vec<u64> {
            let d = r.dipoles.as_ref().unwrap().iter().flatten().flatten();
            let s = r.summary.iter().flatten();
            let sp = r.spikes.iter().flat_map(|(t, _)| t.iter());
            d.chain(s).chain(sp).map(|x| x.to_bits()).collect()
        };
        assert_eq!(bits(&alone), bits(b), "simulation {sim}");
        let gids = |r: &hnn_mpi::output::SimResult| -> Vec<i64> {
            r.spikes.iter().flat_map(|(_, g)| g.clone()).collect()
        };
        assert_eq!(gids(&alone), gids(b), "simulation {sim}");
        assert_eq!(b.dipoles.as_ref().unwrap().len(), 2, "two trials");
    }
    // The swept gkbar changes the numbers (the two templates differ).
    assert_ne!(batched[0].dipoles, batched[1].dipoles);
}
