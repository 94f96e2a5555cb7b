//! hnn-core JSON networks (`[network] hnn_json`) against hnn-core 0.6.1 on
//! NEURON (tests/data/hnn_json, made by scripts/reference/hnn_json.py): each
//! network file written by `Network.write_configuration`, simulated by
//! hnn-core with `record_vsec`. Asserts aggregate-dipole NRMSE <= 1e-4,
//! identical spike counts per cell type, drive event times bit for bit, and
//! recorded voltages within 1e-3 mV; prints NRMSE, (gid, time) matches and
//! the largest voltage difference. Also: broken and unsupported files give
//! errors that name the field and the problem.

use std::path::Path;

use hnn_mpi::analysis::dipole::renormalize_to_nam;
use hnn_mpi::engine::mechanisms::Catalogue;
use hnn_mpi::engine::network_sim::{NetworkSimulation, VsecMode};
use hnn_mpi::network::hnn_json::read_network;
use serde_json::Value;

mod common;
use common::{
    compare_spikes, f64s, nrmse, our_spikes, reference_drive_events, reference_spikes, usizes,
};

const NRMSE_TOL: f64 = 1e-4;
const VSEC_TOL_MV: f64 = 1e-3;
const DIR: &str = "tests/data/hnn_json";

fn check_case(name: &str) {
    let golden: Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(DIR).join(format!("{name}.golden.json"))).unwrap(),
    )
    .unwrap();
    let tstop = golden["tstop"].as_f64().unwrap();
    let dt = golden["dt"].as_f64().unwrap();
    let net = read_network(
        &Path::new(DIR).join(format!("{name}.json")),
        tstop,
        &Catalogue,
    )
    .unwrap();
    let n_pyr = net.mesh_shape.0 * net.mesh_shape.1;
    let mode = match golden["record_vsec"].as_str().unwrap() {
        "soma" => VsecMode::Soma,
        "all" => VsecMode::All,
        other => panic!("record_vsec {other}"),
    };
    let idx = usizes(&golden["vsec_sample_idx"]);
    for (trial, reference) in golden["trials"].as_array().unwrap().iter().enumerate() {
        for drive in &net.drives {
            let ours = drive.event_times(&net, trial, tstop);
            let refs = reference_drive_events(reference, &drive.name);
            // A cell-specific drive cell whose connections `probability`
            // dropped is not instantiated by hnn-core's NetworkBuilder
            // (`_gid_assign`), so its events (drawn all the same) are never
            // used; hnn-mpi does not draw them.
            let connected = |offset: usize| {
                let gid = drive.gid_start + offset;
                net.connections
                    .iter()
                    .any(|c| c.gid_pairs.iter().any(|(s, _)| *s == gid))
            };
            assert_eq!(ours.len(), refs.len());
            for (offset, (o, r)) in ours.iter().zip(&refs).enumerate() {
                if drive.spec.cell_specific && !connected(offset) {
                    assert!(o.is_empty());
                    continue;
                }
                assert_eq!(
                    o, r,
                    "{name} trial {trial}: events of {} cell {offset}",
                    drive.name
                );
            }
        }
        let result = NetworkSimulation::new(&net, trial, tstop, dt)
            .record_vsec(Some(mode))
            .run();
        let layer = |n: &str| {
            result
                .raw_dipoles_fam
                .iter()
                .find(|(k, _)| k == n)
                .unwrap()
                .1
                .clone()
        };
        let d = renormalize_to_nam(
            &result.times,
            &layer("L2_pyramidal"),
            &layer("L5_pyramidal"),
            n_pyr,
        );
        let e_agg = nrmse(&d.agg, &f64s(&reference["dipole"]["agg"]));
        let e_l2 = nrmse(&d.l2, &f64s(&reference["dipole"]["L2"]));
        let e_l5 = nrmse(&d.l5, &f64s(&reference["dipole"]["L5"]));

        let ours = our_spikes(&result.spike_gids, &result.spike_times);
        let refs = reference_spikes(reference);
        let matching = compare_spikes(&format!("{name} trial {trial}"), &net, &ours, &refs);

        // Voltages: the same (gid, section) traces as hnn-core recorded, in
        // gid order then the cell's section order; drive cells have none.
        let ref_vsec = reference["vsec"].as_object().unwrap();
        let mut ref_keys: Vec<(usize, String)> = Vec::new();
        for (gid, secs) in ref_vsec {
            for (sec, _) in secs.as_object().unwrap() {
                ref_keys.push((gid.parse().unwrap(), sec.clone()));
            }
        }
        let mut our_keys: Vec<(usize, String)> = result
            .vsec
            .iter()
            .map(|t| (t.gid, t.section.clone()))
            .collect();
        assert!(our_keys.windows(2).all(|w| w[0].0 <= w[1].0), "gid order");
        ref_keys.sort();
        our_keys.sort();
        assert_eq!(our_keys, ref_keys, "{name}: recorded sections");
        let (mut worst, mut worst_at, mut worst_soma) = (0.0f64, (0, String::new()), 0.0f64);
        for t in &result.vsec {
            assert_eq!(t.v_mv.len(), result.times.len());
            let r = f64s(&ref_vsec[&t.gid.to_string()][&t.section]);
            for (&i, rv) in idx.iter().zip(&r) {
                let e = (t.v_mv[i] - rv).abs();
                if e > worst {
                    worst = e;
                    worst_at = (t.gid, t.section.clone());
                }
                if t.section == "soma" {
                    worst_soma = worst_soma.max(e);
                }
            }
        }
        println!(
            "{name} trial {trial}: agg NRMSE {e_agg:.3e} (L2 {e_l2:.3e}, L5 {e_l5:.3e}); spikes {} \
             (ours) {} (hnn-core), identical (gid, time): {matching}; {} voltage traces, max \
             |dv| {worst:.3e} mV (at gid {} {}), soma {worst_soma:.3e} mV",
            ours.len(),
            refs.len(),
            result.vsec.len(),
            worst_at.0,
            worst_at.1
        );
        assert!(e_agg <= NRMSE_TOL, "{name} trial {trial}: NRMSE {e_agg:e}");
        assert!(
            worst <= VSEC_TOL_MV,
            "{name} trial {trial}: voltage off by {worst} mV at {worst_at:?}"
        );
    }
}

/// Jones 2009 3x3, evoked/poisson/bursty drives (cell-specific and not,
/// probabilities < 1), two tonic biases, two trials, somatic voltages.
#[test]
fn mixed_drives_3x3() {
    check_case("mixed_3x3");
}

/// Modified cell parameters and synapses, a changed weight, an added
/// connection, a global gain, ERP drives, a drive onto one section; every
/// section's voltage.
#[test]
fn custom_cells_and_connections_3x3() {
    check_case("custom_3x3");
}

/// Broken or unsupported files (tests/data/hnn_json/broken, see its
/// README): each error names the file, the field and the problem.
#[test]
fn broken_files_are_refused_with_their_field() {
    let cases: &[(&str, &[&str])] = &[
        (
            "truncated.json",
            &["truncated.json", "not a valid JSON file", "line"],
        ),
        (
            "wrong_object_type.json",
            &["`object_type`", "CellResponse", "not a Network"],
        ),
        ("missing_gid_ranges.json", &["missing field `gid_ranges`"]),
        (
            "bad_section_length.json",
            &[
                "`cell_types.L5_pyramidal.cell_object.sections.soma.L`",
                "expected a number, found a string",
            ],
        ),
        (
            "unknown_mechanism.json",
            &[
                "`cell_types.L2_basket.cell_object.sections.soma.mechs.hh3`",
                "mechanism `hh3` is not implemented",
            ],
        ),
        (
            "bad_mechanism_parameter.json",
            &[
                "sections.apical_tuft.mechs.km.gfoo_km`",
                "not a parameter of mechanism km",
                "gbar_km",
            ],
        ),
        (
            "connection_threshold.json",
            &[
                "`connectivity[0].nc_dict.threshold`",
                "-10 mV",
                "not supported",
            ],
        ),
        (
            "target_gid_out_of_range.json",
            &["`connectivity[0].gid_pairs`", "target gid 999"],
        ),
        (
            "rec_arrays_bad_method.json",
            &["`rec_arrays.shank.method`", "unknown method \"csd\"", "psa"],
        ),
        (
            "rec_arrays_negative_conductivity.json",
            &["`rec_arrays.shank.conductivity`", "> 0", "-0.3"],
        ),
        (
            "rec_arrays_no_contacts.json",
            &["`rec_arrays.shank.positions`", "at least one contact"],
        ),
        (
            "rec_arrays_bad_contact.json",
            &["`rec_arrays.shank.positions[1]`", "[x, y, z]"],
        ),
    ];
    let dir = Path::new(DIR).join("broken");
    let mut n_files = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "json") {
            n_files += 1;
            let name = p.file_name().unwrap().to_str().unwrap();
            assert!(
                cases.iter().any(|c| c.0 == name),
                "{name} has no expected message here"
            );
        }
    }
    assert_eq!(n_files, cases.len());
    for (file, wanted) in cases {
        let err = read_network(&dir.join(file), 100.0, &Catalogue)
            .expect_err(file)
            .to_string();
        println!("{file}: {err}");
        for w in *wanted {
            assert!(err.contains(w), "{file}: {err:?} lacks {w:?}");
        }
    }
}

/// A missing file names the file.
#[test]
fn missing_file_is_named() {
    let err = read_network(
        Path::new("tests/data/hnn_json/nope.json"),
        100.0,
        &Catalogue,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("nope.json") && err.contains("cannot read"),
        "{err}"
    );
}

/// An electrode array written by hnn-core (`net.add_electrode_array('shank',
/// [(1, 1, 100), (1, 1, 600)])`) reads as the same array, with hnn-core's
/// defaults; its section geometry (the file's end points, already moved by
/// hnn-core's `Cell`) places the cells as the built-in templates do.
#[test]
fn rec_arrays_read_as_electrode_arrays() {
    use hnn_mpi::engine::extracellular::place_sections;
    use hnn_mpi::network::electrode::LfpMethod;
    use hnn_mpi::network::jones_2009::{default_connection_weights, jones_2009};
    let net = read_network(
        &Path::new(DIR).join("rec_arrays_3x3.json"),
        100.0,
        &Catalogue,
    )
    .unwrap();
    assert_eq!(net.electrode_arrays.len(), 1);
    let a = &net.electrode_arrays[0];
    assert_eq!(a.name, "shank");
    assert_eq!(a.positions_um, [[1.0, 1.0, 100.0], [1.0, 1.0, 600.0]]);
    assert_eq!(a.conductivity_s_per_m, 0.3);
    assert_eq!(a.method, LfpMethod::Psa);
    assert_eq!(a.min_distance_um, 0.5);
    let builtin = jones_2009((3, 3), &default_connection_weights()).unwrap();
    for (p, q) in net.populations.iter().zip(&builtin.populations) {
        for (&x, &y) in p.positions.iter().zip(&q.positions) {
            assert_eq!(
                place_sections(&p.template, x),
                place_sections(&q.template, y)
            );
        }
    }
}

/// The unmodified cell types of a file equal hnn-mpi's own Jones 2009
/// templates (hnn-core's `cells_default`): geometry, tree, locations,
/// synapses, and every mechanism parameter segment by segment (the file
/// holds hnn-core's evaluated distance rules, the templates the rules).
#[test]
fn default_cells_read_as_the_builtin_templates() {
    use hnn_mpi::network::cells_default::default_template;
    let net = read_network(&Path::new(DIR).join("mixed_3x3.json"), 100.0, &Catalogue).unwrap();
    for pop in &net.populations {
        let ours = &pop.template;
        let builtin = default_template(&pop.name).unwrap();
        assert_eq!(ours.tree, builtin.tree, "{}", pop.name);
        assert_eq!(ours.sect_loc, builtin.sect_loc, "{}", pop.name);
        assert_eq!(ours.synapses, builtin.synapses, "{}", pop.name);
        assert_eq!(ours.dipole_axis_section, builtin.dipole_axis_section);
        let names = |t: &hnn_mpi::network::cell_template::CellTemplate| {
            t.sections
                .iter()
                .map(|s| s.name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(ours), names(&builtin), "{}", pop.name);
        let mut n_values = 0;
        for (i, (a, b)) in ours.sections.iter().zip(&builtin.sections).enumerate() {
            let what = format!("{} {}", pop.name, a.name);
            assert_eq!(
                (
                    a.l_um,
                    a.diam_um,
                    a.ra_ohm_cm,
                    a.cm_uf_per_cm2,
                    a.v0_mv,
                    a.nseg
                ),
                (
                    b.l_um,
                    b.diam_um,
                    b.ra_ohm_cm,
                    b.cm_uf_per_cm2,
                    b.v0_mv,
                    b.nseg
                ),
                "{what}"
            );
            // hnn-core's Network moves the pyramidal end points (soma at
            // the origin), so compare their direction (what the dipole
            // uses); the reader keeps the file's points.
            let dir = |p: [[f64; 3]; 2]| {
                let d = [p[1][0] - p[0][0], p[1][1] - p[0][1], p[1][2] - p[0][2]];
                let n = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
                d.map(|x| x / n)
            };
            let (da, db) = (dir(a.end_pts), dir(b.end_pts));
            assert!(
                da.iter().zip(&db).all(|(x, y)| (x - y).abs() < 1e-12),
                "{what}: direction {da:?} vs {db:?}"
            );
            assert_eq!(a.receptors, b.receptors, "{what}");
            let mech_names = |s: &hnn_mpi::network::cell_template::SectionSpec| {
                s.mechanisms
                    .iter()
                    .map(|m| m.name.clone())
                    .collect::<Vec<_>>()
            };
            assert_eq!(mech_names(a), mech_names(b), "{what}");
            for (ma, mb) in a.mechanisms.iter().zip(&b.mechanisms) {
                assert_eq!(
                    ma.params.keys().collect::<Vec<_>>(),
                    mb.params.keys().collect::<Vec<_>>(),
                    "{what} {}",
                    ma.name
                );
                for (k, da) in &ma.params {
                    let va = ours.segment_values(i, da);
                    let vb = builtin.segment_values(i, &mb.params[k]);
                    // Same distance rule, evaluated by numpy (file) and
                    // here: equal to rounding.
                    for (x, y) in va.iter().zip(&vb) {
                        assert!((x - y).abs() <= 1e-15 * y.abs(), "{what} {k}: {x} vs {y}");
                    }
                    n_values += va.len();
                }
            }
        }
        println!(
            "{}: {n_values} mechanism values as the built-in template",
            pop.name
        );
    }
}
