//! hnn-core 0.6.1's `calcium_model` (hnn_core/network_models.py): the
//! Jones 2009 network whose L5 pyramidal cells come from
//! `cells_default.pyramidal_ca` (Kohl et al. 2022, Brain Topogr. 35, 19–35):
//! distance-dependent sodium, potassium and calcium conductances.

use std::collections::BTreeMap;

use super::cell_template::{CellTemplate, Distribution};
use super::cells_default::l5_pyramidal;

/// `params` entries `pyramidal_ca` overrides, so a value given for them has
/// no effect: (key, what the model does instead).
pub const FIXED_PARAMS: &[(&str, &str)] = &[
    ("L5Pyr_soma_gkbar_hh2", "calcium sets it to 0.06 S/cm²"),
    ("L5Pyr_soma_gnabar_hh2", "calcium sets it to 0.32 S/cm²"),
    (
        "L5Pyr_dend_gkbar_hh2",
        "calcium makes it 0.06*(exp(-0.006 x) + 1e-4) S/cm² at x µm from the soma",
    ),
    (
        "L5Pyr_dend_gnabar_hh2",
        "calcium makes it fall linearly from 0.32 to 28e-4 S/cm² over 962 µm",
    ),
    (
        "L5Pyr_dend_gbar_ca",
        "calcium makes it rise linearly from 10 to 40 pS/µm² over 1501 µm",
    ),
];

/// `pyramidal_ca('L5_pyramidal', override_params=params)`: the L5 pyramidal
/// cell with its somatic hh2 conductances replaced and, in every dendrite,
/// `_linear_g_at_dist` sodium and calcium and `_exp_g_at_dist` potassium.
pub fn l5_pyramidal_ca(params: &BTreeMap<String, f64>) -> CellTemplate {
    let gsoma_k = 0.06; // S/cm²
    let gsoma_na = 0.32; // S/cm²
    let mut p = params.clone();
    p.insert("L5Pyr_soma_gkbar_hh2".into(), gsoma_k);
    p.insert("L5Pyr_soma_gnabar_hh2".into(), gsoma_na);
    let mut t = l5_pyramidal(&p);
    let linear = |gsoma: f64, gdend: f64, xkink: f64| Distribution::LinearDistance {
        gsoma,
        gdend,
        xkink,
        hotzone_factor: 1.0,
        hotzone_boundaries: [0.0, 0.0],
    };
    for sec in t.sections.iter_mut().filter(|s| s.name != "soma") {
        for m in &mut sec.mechanisms {
            match m.name.as_str() {
                "hh2" => {
                    m.params
                        .insert("gnabar_hh2".into(), linear(gsoma_na, 28e-4, 962.0));
                    m.params.insert(
                        "gkbar_hh2".into(),
                        Distribution::ExpDistance {
                            gbar_at_zero: gsoma_k,
                            exp_term: -0.006,
                            offset: 1e-4,
                            slope: 1.0,
                        },
                    );
                }
                // pS/µm²
                "ca" => {
                    m.params
                        .insert("gbar_ca".into(), linear(10.0, 40.0, 1501.0));
                }
                _ => {}
            }
        }
    }
    t
}
