//! hnn-core 0.6.1's four default cell types (hnn_core/cells_default.py):
//! `L2_pyramidal`, `L5_pyramidal`, `L2_basket`, `L5_basket`.

use std::collections::BTreeMap;

use super::cell_template::{
    nseg_for_length, CellTemplate, Distribution, MechanismSpec, SectionSpec, SynapseSpec, TreeEdge,
};
use super::params_default::{l2pyr_params, l5pyr_params};

/// The cell types hnn-core's Jones 2009 model uses, in its gid order.
pub const CELL_TYPES: [&str; 4] = ["L2_basket", "L2_pyramidal", "L5_basket", "L5_pyramidal"];

/// The default template of a cell type, or `None` if the name is unknown.
pub fn default_template(cell_type: &str) -> Option<CellTemplate> {
    match cell_type {
        "L2_pyramidal" => Some(l2_pyramidal(&l2pyr_params())),
        "L5_pyramidal" => Some(l5_pyramidal(&l5pyr_params())),
        "L2_basket" | "L5_basket" => Some(basket(cell_type)),
        _ => None,
    }
}

/// A cell parameter by HNN name. The maps are hnn-core's defaults
/// (`params_default.rs`), which `[network.params]` only overwrites, so every
/// key the templates read is there.
fn p(params: &BTreeMap<String, f64>, key: &str) -> f64 {
    *params
        .get(key)
        .unwrap_or_else(|| panic!("missing cell parameter {key}"))
}

/// hnn-core `_get_dends`/`_get_pyr_soma`: geometry of pyramidal sections.
fn pyr_section(
    params: &BTreeMap<String, f64>,
    prefix: &str,
    name: &str,
    v0_mv: f64,
    end_pts: [[f64; 3]; 2],
) -> SectionSpec {
    let (l, diam, cm, ra) = if name == "soma" {
        (
            p(params, &format!("{prefix}_soma_L")),
            p(params, &format!("{prefix}_soma_diam")),
            p(params, &format!("{prefix}_soma_cm")),
            p(params, &format!("{prefix}_soma_Ra")),
        )
    } else {
        let middle = name.replace('_', "");
        (
            p(params, &format!("{prefix}_{middle}_L")),
            p(params, &format!("{prefix}_{middle}_diam")),
            p(params, &format!("{prefix}_dend_cm")),
            p(params, &format!("{prefix}_dend_Ra")),
        )
    };
    SectionSpec {
        name: name.to_string(),
        l_um: l,
        diam_um: diam,
        ra_ohm_cm: ra,
        cm_uf_per_cm2: cm,
        v0_mv,
        end_pts,
        nseg: nseg_for_length(l),
        mechanisms: Vec::new(),
        receptors: if name == "soma" {
            vec!["gabaa".into(), "gabab".into()]
        } else {
            vec!["ampa".into(), "nmda".into(), "gabaa".into(), "gabab".into()]
        },
    }
}

/// hnn-core `_get_mechanisms`: soma values from `<prefix>_soma_<attr>`,
/// dendrites from `<prefix>_dend_<attr>`.
fn pyr_mechanisms(
    params: &BTreeMap<String, f64>,
    prefix: &str,
    section: &str,
    mechanisms: &[(&str, &[&str])],
) -> Vec<MechanismSpec> {
    let part = if section == "soma" { "soma" } else { "dend" };
    mechanisms
        .iter()
        .map(|(mech, attrs)| MechanismSpec {
            name: mech.to_string(),
            params: attrs
                .iter()
                .map(|a| {
                    (
                        a.to_string(),
                        Distribution::Uniform(p(params, &format!("{prefix}_{part}_{a}"))),
                    )
                })
                .collect(),
        })
        .collect()
}

fn edges(list: &[(&str, u8, &str, u8)]) -> Vec<TreeEdge> {
    list.iter()
        .map(|&(parent, parent_end, child, child_end)| TreeEdge {
            parent: parent.into(),
            parent_end,
            child: child.into(),
            child_end,
        })
        .collect()
}

fn pyr_synapses(params: &BTreeMap<String, f64>, prefix: &str) -> Vec<SynapseSpec> {
    ["ampa", "nmda", "gabaa", "gabab"]
        .iter()
        .map(|r| {
            SynapseSpec::exp2syn(
                r,
                p(params, &format!("{prefix}_{r}_e")),
                p(params, &format!("{prefix}_{r}_tau1")),
                p(params, &format!("{prefix}_{r}_tau2")),
            )
        })
        .collect()
}

fn pyr_sect_loc() -> BTreeMap<String, Vec<String>> {
    BTreeMap::from([
        (
            "proximal".to_string(),
            vec![
                "apical_oblique".to_string(),
                "basal_2".to_string(),
                "basal_3".to_string(),
            ],
        ),
        ("distal".to_string(), vec!["apical_tuft".to_string()]),
    ])
}

/// hnn-core `_cell_L2Pyr`.
pub fn l2_pyramidal(params: &BTreeMap<String, f64>) -> CellTemplate {
    let v0 = -71.46;
    let geometry: [(&str, [[f64; 3]; 2]); 8] = [
        ("apical_trunk", [[-50., 0., 778.], [-50., 0., 813.]]),
        ("apical_1", [[-50., 0., 813.], [-50., 0., 993.]]),
        ("apical_tuft", [[-50., 0., 993.], [-50., 0., 1133.]]),
        ("apical_oblique", [[-50., 0., 813.], [-250., 0., 813.]]),
        ("basal_1", [[-50., 0., 765.], [-50., 0., 715.]]),
        ("basal_2", [[-50., 0., 715.], [-156., 0., 609.]]),
        ("basal_3", [[-50., 0., 715.], [56., 0., 609.]]),
        ("soma", [[-50., 0., 765.], [-50., 0., 778.]]),
    ];
    let mechs: [(&str, &[&str]); 2] = [
        ("km", &["gbar_km"]),
        ("hh2", &["gkbar_hh2", "gnabar_hh2", "gl_hh2", "el_hh2"]),
    ];
    let sections = geometry
        .iter()
        .map(|(name, pts)| {
            let mut s = pyr_section(params, "L2Pyr", name, v0, *pts);
            s.mechanisms = pyr_mechanisms(params, "L2Pyr", name, &mechs);
            s
        })
        .collect();
    CellTemplate {
        cell_type: "L2_pyramidal".into(),
        sections,
        tree: edges(&[
            ("soma", 0, "basal_1", 0),
            ("soma", 1, "apical_trunk", 0),
            ("apical_trunk", 1, "apical_1", 0),
            ("apical_trunk", 1, "apical_oblique", 0),
            ("apical_1", 1, "apical_tuft", 0),
            ("basal_1", 1, "basal_2", 0),
            ("basal_1", 1, "basal_3", 0),
        ]),
        sect_loc: pyr_sect_loc(),
        synapses: pyr_synapses(params, "L2Pyr"),
        dipole_axis_section: Some("apical_trunk".into()),
    }
}

/// hnn-core `_cell_L5Pyr`.
pub fn l5_pyramidal(params: &BTreeMap<String, f64>) -> CellTemplate {
    let geometry: [(&str, f64, [[f64; 3]; 2]); 9] = [
        ("apical_trunk", -72.0, [[0., 0., 23.], [0., 0., 83.]]),
        ("apical_1", -71.32, [[0., 0., 83.], [0., 0., 483.]]),
        ("apical_2", -69.08, [[0., 0., 483.], [0., 0., 883.]]),
        ("apical_tuft", -67.30, [[0., 0., 883.], [0., 0., 1133.]]),
        ("apical_oblique", -72.0, [[0., 0., 83.], [-150., 0., 83.]]),
        ("basal_1", -72.0, [[0., 0., 0.], [0., 0., -50.]]),
        ("basal_2", -72.0, [[0., 0., -50.], [-106., 0., -156.]]),
        ("basal_3", -72.0, [[0., 0., -50.], [106., 0., -156.]]),
        ("soma", -72.0, [[0., 0., 0.], [0., 0., 23.]]),
    ];
    let mechs: [(&str, &[&str]); 7] = [
        ("hh2", &["gkbar_hh2", "gnabar_hh2", "gl_hh2", "el_hh2"]),
        ("ca", &["gbar_ca"]),
        ("cad", &["taur_cad"]),
        ("kca", &["gbar_kca"]),
        ("km", &["gbar_km"]),
        ("cat", &["gbar_cat"]),
        ("ar", &["gbar_ar"]),
    ];
    let sections = geometry
        .iter()
        .map(|(name, v0, pts)| {
            let mut s = pyr_section(params, "L5Pyr", name, *v0, *pts);
            s.mechanisms = pyr_mechanisms(params, "L5Pyr", name, &mechs);
            if *name != "soma" {
                // hnn-core: dendritic gbar_ar grows exponentially with distance.
                let ar = s.mechanisms.iter_mut().find(|m| m.name == "ar").unwrap();
                ar.params.insert(
                    "gbar_ar".into(),
                    Distribution::ExpDistance {
                        gbar_at_zero: 1e-6,
                        exp_term: 3e-3,
                        offset: 0.0,
                        slope: 1.0,
                    },
                );
            }
            s
        })
        .collect();
    CellTemplate {
        cell_type: "L5_pyramidal".into(),
        sections,
        tree: edges(&[
            ("soma", 0, "basal_1", 0),
            ("soma", 1, "apical_trunk", 0),
            ("apical_trunk", 1, "apical_1", 0),
            ("apical_trunk", 1, "apical_oblique", 0),
            ("apical_1", 1, "apical_2", 0),
            ("apical_2", 1, "apical_tuft", 0),
            ("basal_1", 1, "basal_2", 0),
            ("basal_1", 1, "basal_3", 0),
        ]),
        sect_loc: pyr_sect_loc(),
        synapses: pyr_synapses(params, "L5Pyr"),
        dipole_axis_section: Some("apical_trunk".into()),
    }
}

/// hnn-core `basket`: one somatic section with default `hh2`.
pub fn basket(cell_type: &str) -> CellTemplate {
    let soma = SectionSpec {
        name: "soma".into(),
        l_um: 39.0,
        diam_um: 20.0,
        ra_ohm_cm: 200.0,
        cm_uf_per_cm2: 0.85,
        v0_mv: -64.9737,
        end_pts: [[0., 0., 0.], [0., 0., 39.0]],
        nseg: 1,
        mechanisms: vec![MechanismSpec {
            name: "hh2".into(),
            params: BTreeMap::new(),
        }],
        receptors: vec!["ampa".into(), "gabaa".into(), "nmda".into()],
    };
    let synapses = vec![
        SynapseSpec::exp2syn("ampa", 0.0, 0.5, 5.0),
        SynapseSpec::exp2syn("gabaa", -80.0, 0.5, 5.0),
        SynapseSpec::exp2syn("nmda", 0.0, 1.0, 20.0),
    ];
    let distal = if cell_type == "L2_basket" {
        vec!["soma".to_string()]
    } else {
        Vec::new()
    };
    CellTemplate {
        cell_type: cell_type.into(),
        sections: vec![soma],
        tree: Vec::new(),
        sect_loc: BTreeMap::from([
            ("proximal".to_string(), vec!["soma".to_string()]),
            ("distal".to_string(), distal),
        ]),
        synapses,
        dipole_axis_section: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn l5_distances_follow_hnn_core() {
        let t = default_template("L5_pyramidal").unwrap();
        // basal_1 hangs off soma(0): its middle is L/2 away.
        assert_eq!(t.distance_to_section_middle("basal_1"), Some(42.5));
        // apical_trunk: through the whole soma (39) plus half the trunk (51).
        assert_eq!(t.distance_to_section_middle("apical_trunk"), Some(90.0));
        assert_eq!(
            t.distance_to_section_middle("apical_tuft"),
            Some(39.0 + 102.0 + 680.0 + 680.0 + 212.5)
        );
    }
}
