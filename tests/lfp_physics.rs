//! hnn-core's own checks of the extracellular potential
//! (hnn_core/tests/test_extracellular.py, 0.6.1): transfer resistances
//! against their closed forms (`test_transfer_resistance`), the membrane
//! currents of a cell summing to zero (`test_transmembrane_currents`: here
//! to the electrode current of an IClamp, which NEURON leaves out of
//! `i_membrane_`), and the point- and line-source approximations agreeing
//! far from the cells (`test_rec_array_calculation`).

use std::sync::Arc;

use hnn_mpi::engine::cell_batch::CellBatch;
use hnn_mpi::engine::extracellular::{section_transfer_resistance, SectionPlacement};
use hnn_mpi::engine::iclamp::IClamp;
use hnn_mpi::engine::layout::CellLayout;
use hnn_mpi::engine::network_sim::NetworkSimulation;
use hnn_mpi::network::cells_default::default_template;
use hnn_mpi::network::electrode::{ElectrodeArray, LfpMethod};
use hnn_mpi::network::jones_2009::{add_erp_drives, default_connection_weights, jones_2009};

/// `test_transfer_resistance`: a 300 µm section along y, 5 segments, an
/// electrode 10 µm off its middle.
#[test]
fn transfer_resistance_closed_forms() {
    let sec = SectionPlacement {
        start_um: [0.0, 0.0, 0.0],
        end_um: [0.0, 300.0, 0.0],
        l_um: 300.0,
    };
    let nseg = 5;
    let conductivity = 0.3;
    let elec = [10.0, 150.0, 0.0];
    let mut marks = vec![0.0];
    marks.extend((0..nseg).map(|j| (j as f64 + 0.5) / nseg as f64 * 300.0));
    marks.push(300.0);
    let lens: Vec<f64> = marks.windows(2).map(|w| w[1] - w[0]).collect();
    let mut seg_lens = vec![lens[0]];
    seg_lens.extend_from_slice(&lens[2..]);
    let ctr = &marks[1..=nseg];
    let pi = std::f64::consts::PI;
    let psa = section_transfer_resistance(&sec, nseg, elec, conductivity, LfpMethod::Psa, 0.5);
    let lsa = section_transfer_resistance(&sec, nseg, elec, conductivity, LfpMethod::Lsa, 0.5);
    for j in 0..nseg {
        let r = (elec[0] * elec[0] + (elec[1] - ctr[j]).powi(2)).sqrt();
        let want_psa = 1000.0 / (4.0 * pi * conductivity * r);
        let l = elec[1] - (ctr[j] - seg_lens[j]);
        let h = elec[1] - (ctr[j] + seg_lens[j]);
        let rr = elec[0];
        let want_lsa = 1000.0
            * (((h * h + rr * rr).sqrt() - h) / ((l * l + rr * rr).sqrt() - l))
                .abs()
                .ln()
            / (4.0 * pi * conductivity * 2.0 * seg_lens[j]);
        assert!(
            (psa[j] - want_psa).abs() <= 1e-12 * want_psa.abs(),
            "psa {j}"
        );
        assert!(
            (lsa[j] - want_lsa).abs() <= 1e-12 * want_lsa.abs(),
            "lsa {j}"
        );
    }
}

/// Current conservation: the membrane currents of a cell sum to the
/// current injected by its electrodes (0 nA without, the IClamp's amplitude
/// while it is on), to 1e-10 nA, at every step of an L5 pyramidal cell
/// driven by synaptic events into spiking.
#[test]
fn membrane_currents_sum_to_the_electrode_current() {
    let layout = Arc::new(CellLayout::new(&default_template("L5_pyramidal").unwrap()));
    let dt = 0.025;
    let mut batch = CellBatch::new(layout.clone(), 2, 37.0, dt);
    batch.enable_imem();
    let soma = layout.section("soma").unwrap().node_at(0.5);
    let amp = 0.7;
    batch.iclamps.push(IClamp {
        cell: 1,
        node: soma,
        del_ms: 5.0,
        dur_ms: 20.0,
        amp_na: amp,
        scale: 1.0e2 / layout.area_um2[soma],
    });
    batch.initialize();
    let ampa = layout
        .synapses
        .iter()
        .position(|s| s.receptor == "ampa")
        .expect("an AMPA synapse");
    let mut t = 0.0;
    let mut worst = 0.0f64;
    let mut peak_imem = 0.0f64;
    for step in 0..2000 {
        if step % 400 == 100 {
            batch.net_receive(ampa, 0, 0.05);
            batch.net_receive(ampa, 1, 0.05);
        }
        t += dt / 2.0;
        batch.setup_and_solve(t);
        let t_mid = t;
        t += dt / 2.0;
        batch.update_states(dt);
        let imem = batch.imem_na().unwrap();
        for cell in 0..2 {
            let total: f64 = (0..layout.n_nodes).map(|n| imem[n * 2 + cell]).sum();
            let injected = if cell == 1 && (5.0..25.0).contains(&t_mid) {
                amp
            } else {
                0.0
            };
            worst = worst.max((total - injected).abs());
            for n in 0..layout.n_nodes {
                peak_imem = peak_imem.max(imem[n * 2 + cell].abs());
            }
        }
    }
    println!("largest |Σ i_membrane_ - electrode current| {worst:.3e} nA (largest |i_membrane_| {peak_imem:.3e} nA)");
    assert!(peak_imem > 0.1, "the cells were driven");
    assert!(worst <= 1e-10, "{worst:e}");
}

/// `test_rec_array_calculation`: far above the column (z = 3000 µm) the
/// point- and line-source potentials agree (rtol and atol 1e-3).
#[test]
fn psa_and_lsa_agree_far_away() {
    let mut net = jones_2009((3, 3), &default_connection_weights()).unwrap();
    add_erp_drives(&mut net, 0.0).unwrap();
    let positions = vec![[1.5, 1.5, 1000.0], [1.5, 1.5, 3000.0], [1.5, 1.5, 5000.0]];
    for (name, method) in [("psa", LfpMethod::Psa), ("lsa", LfpMethod::Lsa)] {
        net.electrode_arrays.push(ElectrodeArray {
            name: name.into(),
            positions_um: positions.clone(),
            conductivity_s_per_m: 0.3,
            method,
            min_distance_um: 0.5,
        });
    }
    let r = NetworkSimulation::new(&net, 0, 40.0, 0.025).run();
    let (psa, lsa) = (&r.lfp[0].contacts_uv[1], &r.lfp[1].contacts_uv[1]);
    let mut worst = 0.0f64;
    let mut peak = 0.0f64;
    for (&p, &l) in psa.iter().zip(lsa) {
        assert!((p - l).abs() <= 1e-3 + 1e-3 * l.abs(), "{p} vs {l}");
        worst = worst.max((p - l).abs());
        peak = peak.max(l.abs());
    }
    println!("z = 3000 µm: largest |PSA - LSA| {worst:.3e} µV, largest |LSA| {peak:.3e} µV");
    assert!(peak > 1e-3, "a potential to compare");
    // Near the cells they differ (the test would be empty otherwise).
    let near = r.lfp[0].contacts_uv[0]
        .iter()
        .zip(&r.lfp[1].contacts_uv[0])
        .map(|(p, l)| (p - l).abs())
        .fold(0.0, f64::max);
    assert!(near > worst, "near {near:e} vs far {worst:e}");
}
