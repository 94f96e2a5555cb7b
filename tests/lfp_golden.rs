//! Extracellular potentials against hnn-core 0.6.1 on NEURON 8.2.7
//! (tests/data/extracellular, made by scripts/reference/extracellular.py;
//! its README describes every dataset): a laminar and an off-axis array,
//! each with the point- and line-source approximations, on the ERP 1x1,
//! 3x3 and 5x5 networks. Asserts each array's relative RMS error per
//! trial <= 1e-6 (and prints it), the section geometry and transfer
//! resistances of the 1x1 network against NEURON's, and identical spikes.

use std::path::Path;

use hnn_mpi::config::Numerics;
use hnn_mpi::engine::extracellular::{place_sections, transfer_resistances};
use hnn_mpi::engine::layout::CellLayout;
use hnn_mpi::engine::network_sim::NetworkSimulation;
use hnn_mpi::network::description::NetworkDescription;
use hnn_mpi::network::electrode::{ElectrodeArray, LfpMethod};
use hnn_mpi::network::jones_2009::{add_erp_drives, default_connection_weights, jones_2009};

const REL_RMS_TOL: f64 = 1e-6;

fn open(case: &str) -> hdf5::File {
    hdf5::File::open(Path::new("tests/data/extracellular").join(format!("{case}.h5"))).unwrap()
}

/// The reference's arrays, in file order (`lam_psa`, `lam_lsa`, `off_psa`,
/// `off_lsa`).
fn arrays(f: &hdf5::File) -> Vec<ElectrodeArray> {
    let names = ["lam_psa", "lam_lsa", "off_psa", "off_lsa"];
    names
        .iter()
        .map(|name| {
            let d = f.dataset(&format!("lfp/{name}")).unwrap();
            let pos: ndarray::Array2<f64> = d.attr("positions").unwrap().read_2d().unwrap();
            let method: hdf5::types::VarLenUnicode =
                d.attr("method").unwrap().read_scalar().unwrap();
            ElectrodeArray {
                name: name.to_string(),
                positions_um: pos.rows().into_iter().map(|r| [r[0], r[1], r[2]]).collect(),
                conductivity_s_per_m: d.attr("conductivity").unwrap().read_scalar().unwrap(),
                method: LfpMethod::from_name(method.as_str()).unwrap(),
                min_distance_um: d.attr("min_distance").unwrap().read_scalar().unwrap(),
            }
        })
        .collect()
}

fn network(mesh: (usize, usize), arrays: Vec<ElectrodeArray>) -> NetworkDescription {
    let mut net = jones_2009(mesh, &default_connection_weights()).unwrap();
    add_erp_drives(&mut net, 0.0).unwrap();
    net.electrode_arrays = arrays;
    net
}

/// sqrt(mean((ours - ref)^2)) / sqrt(mean(ref^2)) over every contact and
/// sample of one array and trial.
fn rel_rms(ours: &[Vec<f64>], reference: ndarray::ArrayView2<f64>) -> f64 {
    let (mut num, mut den) = (0.0, 0.0);
    for (c, row) in ours.iter().enumerate() {
        assert_eq!(row.len(), reference.ncols());
        for (k, &x) in row.iter().enumerate() {
            let r = reference[[c, k]];
            num += (x - r) * (x - r);
            den += r * r;
        }
    }
    (num / den).sqrt()
}

fn check_case(case: &str, mesh: (usize, usize)) {
    let f = open(case);
    let arrays = arrays(&f);
    let tstop: f64 = f.attr("tstop_ms").unwrap().read_scalar().unwrap();
    let n_trials: usize = f.attr("n_trials").unwrap().read_scalar::<i64>().unwrap() as usize;
    let times: Vec<f64> = f.dataset("times").unwrap().read_raw().unwrap();
    let net = network(mesh, arrays.clone());
    for trial in 0..n_trials {
        let r = NetworkSimulation::new(&net, trial, tstop, 0.025).run();
        assert_eq!(r.times, times, "{case}: sample times");
        let gids: Vec<f64> = f
            .dataset(&format!("spikes/trial{trial}_gids"))
            .unwrap()
            .read_raw()
            .unwrap();
        let cells = net.n_cells();
        let mut ours: Vec<usize> = r
            .spike_gids
            .iter()
            .copied()
            .filter(|&g| g < cells)
            .collect();
        let mut theirs: Vec<usize> = gids
            .iter()
            .map(|&g| g as usize)
            .filter(|&g| g < cells)
            .collect();
        ours.sort_unstable();
        theirs.sort_unstable();
        assert_eq!(ours, theirs, "{case} trial {trial}: cell spikes");
        assert_eq!(r.lfp.len(), arrays.len());
        for (a, lfp) in arrays.iter().zip(&r.lfp) {
            assert_eq!(lfp.name, a.name);
            let reference: ndarray::Array3<f64> = f
                .dataset(&format!("lfp/{}", a.name))
                .unwrap()
                .read()
                .unwrap();
            let e = rel_rms(
                &lfp.contacts_uv,
                reference.index_axis(ndarray::Axis(0), trial),
            );
            println!(
                "{case} trial {trial} {}: relative RMS error {e:.3e}",
                a.name
            );
            assert!(e <= REL_RMS_TOL, "{case} trial {trial} {}: {e:e}", a.name);
            for row in &lfp.contacts_uv {
                assert_eq!(row[0], 0.0, "V(t = 0) = 0");
            }
        }
    }
}

#[test]
fn lfp_matches_hnn_core_1x1() {
    check_case("cell_1x1", (1, 1));
}

#[test]
fn lfp_matches_hnn_core_3x3() {
    check_case("erp_3x3", (3, 3));
}

#[test]
fn lfp_matches_hnn_core_5x5() {
    check_case("erp_5x5", (5, 5));
}

/// The 1x1 network's section end points and lengths (NEURON's float32
/// `x3d`/`y3d`/`z3d` after `define_shape`) and transfer resistances
/// (hnn-core's matrix), section by section.
#[test]
fn geometry_and_transfer_resistance_match_neuron() {
    let f = open("cell_1x1");
    let net = network((1, 1), arrays(&f));
    let gid: Vec<i64> = f.dataset("sections/gid").unwrap().read_raw().unwrap();
    let names: Vec<hdf5::types::VarLenUnicode> =
        f.dataset("sections/name").unwrap().read_raw().unwrap();
    let start: ndarray::Array2<f64> = f.dataset("sections/start").unwrap().read().unwrap();
    let end: ndarray::Array2<f64> = f.dataset("sections/end").unwrap().read().unwrap();
    let l: Vec<f64> = f.dataset("sections/L").unwrap().read_raw().unwrap();
    let mut worst_r = 0.0f64;
    for (k, (&g, name)) in gid.iter().zip(&names).enumerate() {
        let g = g as usize;
        let b = net.population_index_of(g).unwrap();
        let pop = &net.populations[b];
        let placed = place_sections(&pop.template, pop.positions[g - pop.gid_start]);
        let s = pop.template.section_index(name.as_str()).unwrap();
        let p = placed[s];
        for d in 0..3 {
            assert_eq!(p.start_um[d], start[[k, d]], "gid {g} {name} start");
            assert_eq!(p.end_um[d], end[[k, d]], "gid {g} {name} end");
        }
        assert_eq!(p.l_um, l[k], "gid {g} {name} L");
    }
    // Transfer resistances: hnn-core lists segments in h.allsec() order
    // (cells in gid order, sections in template order); ours per cell in
    // layout order. Compare by (gid, section, segment).
    let seg_gid: Vec<i64> = f.dataset("segments/gid").unwrap().read_raw().unwrap();
    let seg_sec: Vec<i64> = f.dataset("segments/section").unwrap().read_raw().unwrap();
    for a in &net.electrode_arrays {
        let reference: ndarray::Array2<f64> = f
            .dataset(&format!("transfer_resistance/{}", a.name))
            .unwrap()
            .read()
            .unwrap();
        let mut col = 0;
        while col < seg_gid.len() {
            let g = seg_gid[col] as usize;
            let sec = names[seg_sec[col] as usize].as_str().to_string();
            let b = net.population_index_of(g).unwrap();
            let pop = &net.populations[b];
            let layout = CellLayout::new(&pop.template);
            let ours =
                transfer_resistances(&pop.template, &layout, pop.positions[g - pop.gid_start], a);
            let sn = layout.section(&sec).unwrap();
            let mut sections: Vec<_> = layout.sections.iter().collect();
            sections.sort_by_key(|s| s.first);
            let offset: usize = sections
                .iter()
                .take_while(|s| s.name != sec)
                .map(|s| s.nseg)
                .sum();
            for j in 0..sn.nseg {
                for (c, row) in ours.iter().enumerate() {
                    let want = reference[[c, col + j]];
                    let got = row[offset + j];
                    let rel = ((got - want) / want).abs();
                    worst_r = worst_r.max(rel);
                    assert!(
                        rel <= 1e-14,
                        "{} gid {g} {sec}[{j}] contact {c}: {got} vs {want}",
                        a.name
                    );
                }
            }
            col += sn.nseg;
        }
    }
    println!("transfer resistances: worst relative difference {worst_r:.3e}");
}

/// Fast mode (docs/engine.md §9) records the LFP too: within the fast
/// mode's network bound (relative RMS error ≤ 0.02, as its dipole NRMSE)
/// of NEURON's on the 3x3 ERP, and recording it changes no bit of the
/// fast-mode dipoles or spikes.
#[test]
fn fast_mode_lfp_is_close_to_neurons() {
    let f = open("erp_3x3");
    let arrays = arrays(&f);
    let tstop: f64 = f.attr("tstop_ms").unwrap().read_scalar().unwrap();
    let mut net = network((3, 3), arrays.clone());
    net.numerics = Numerics::Fast;
    let r = NetworkSimulation::new(&net, 0, tstop, 0.025).run();
    let mut bare = net.clone();
    bare.electrode_arrays.clear();
    let b = NetworkSimulation::new(&bare, 0, tstop, 0.025).run();
    assert_eq!(r.spike_times, b.spike_times);
    for ((_, x), (_, y)) in r.raw_dipoles_fam.iter().zip(&b.raw_dipoles_fam) {
        assert!(x.iter().zip(y).all(|(p, q)| p.to_bits() == q.to_bits()));
    }
    for (a, lfp) in arrays.iter().zip(&r.lfp) {
        let reference: ndarray::Array3<f64> = f
            .dataset(&format!("lfp/{}", a.name))
            .unwrap()
            .read()
            .unwrap();
        let e = rel_rms(&lfp.contacts_uv, reference.index_axis(ndarray::Axis(0), 0));
        println!(
            "fast mode, erp_3x3 trial 0 {}: relative RMS error {e:.3e}",
            a.name
        );
        assert!(e <= 0.02, "fast mode {}: {e:e}", a.name);
    }
}
