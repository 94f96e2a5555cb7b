//! The description of one cell type: sections, their tree, mechanisms and synapses.
//!
//! This mirrors hnn-core's `Cell`/`Section` objects (hnn_core/cell.py) before
//! they are turned into NEURON sections: the engine compiles a template into
//! compartments ([`crate::engine::layout::CellLayout`]).

use std::collections::BTreeMap;

/// How a mechanism parameter varies over a section.
#[derive(Debug, Clone, PartialEq)]
pub enum Distribution {
    /// The same value in every segment.
    Uniform(f64),
    /// One value per segment, from the section's 0 end to its 1 end.
    PerSegment(Vec<f64>),
    /// `gbar_at_zero * (slope * exp(exp_term * x) + offset)` at path distance
    /// `x` (µm) from the soma's 0 end (hnn-core `cells_default._exp_g_at_dist`).
    ExpDistance {
        gbar_at_zero: f64,
        exp_term: f64,
        offset: f64,
        slope: f64,
    },
    /// `gsoma + min(xkink, x) * (gdend - gsoma) / xkink`, times `hotzone_factor`
    /// inside the hot zone (hnn-core `cells_default._linear_g_at_dist`).
    LinearDistance {
        gsoma: f64,
        gdend: f64,
        xkink: f64,
        hotzone_factor: f64,
        hotzone_boundaries: [f64; 2],
    },
}

impl Distribution {
    /// Value at path distance `x_um` from the soma (hnn-core's distance rule).
    pub fn at_distance(&self, x_um: f64) -> f64 {
        match *self {
            Distribution::Uniform(v) => v,
            // `segment_values` takes per-segment values as they are and
            // asks only the rules for a distance
            Distribution::PerSegment(_) => {
                panic!("a per-segment parameter has no distance rule")
            }
            Distribution::ExpDistance {
                gbar_at_zero,
                exp_term,
                offset,
                slope,
            } => gbar_at_zero * (slope * (exp_term * x_um).exp() + offset),
            Distribution::LinearDistance {
                gsoma,
                gdend,
                xkink,
                hotzone_factor,
                hotzone_boundaries,
            } => {
                let mut g = gsoma + xkink.min(x_um) * (gdend - gsoma) / xkink;
                if hotzone_boundaries[0] < x_um && x_um < hotzone_boundaries[1] {
                    g *= hotzone_factor;
                }
                g
            }
        }
    }
}

/// One mechanism inserted in a section, with its parameters by NEURON name
/// (e.g. `gnabar_hh2`). Parameters not listed keep the `.mod` file's default.
#[derive(Debug, Clone, PartialEq)]
pub struct MechanismSpec {
    /// The `.mod` SUFFIX: `hh2`, `km`, `ca`, `cad`, `kca`, `cat`, `ar`.
    pub name: String,
    pub params: BTreeMap<String, Distribution>,
}

/// One unbranched section (hnn-core `Section`).
#[derive(Debug, Clone, PartialEq)]
pub struct SectionSpec {
    pub name: String,
    /// Length, µm.
    pub l_um: f64,
    /// Diameter, µm.
    pub diam_um: f64,
    /// Axial resistivity, Ω·cm.
    pub ra_ohm_cm: f64,
    /// Specific membrane capacitance, µF/cm².
    pub cm_uf_per_cm2: f64,
    /// Initial membrane potential, mV.
    pub v0_mv: f64,
    /// 3-D end points (µm): only their direction matters (dipole projection).
    pub end_pts: [[f64; 3]; 2],
    pub nseg: usize,
    pub mechanisms: Vec<MechanismSpec>,
    /// Receptors with a synapse at this section's midpoint.
    pub receptors: Vec<String>,
}

/// hnn-core's segment rule (`cell._get_nseg`): odd, about one per 50 µm.
pub fn nseg_for_length(l_um: f64) -> usize {
    let mut nseg = 1;
    if l_um > 100.0 {
        nseg = (l_um / 50.0) as usize;
        if nseg % 2 == 0 {
            nseg += 1;
        }
    }
    nseg
}

/// The synapse of one receptor type: the point process hnn-core creates
/// for it and the parameters it sets (hnn-core `Cell.synapses`,
/// `Cell.syn_create`).
#[derive(Debug, Clone, PartialEq)]
pub struct SynapseSpec {
    pub receptor: String,
    /// The point process, as its `.mod` file names it (hnn-core 0.6.1
    /// creates an [`EXP2SYN`] for every receptor).
    pub mechanism: String,
    /// Its `PARAMETER`s by `.mod` name, in the `.mod` file's units (for
    /// Exp2Syn: `e` mV, `tau1` and `tau2` ms); one left out keeps the
    /// `.mod` default.
    pub params: BTreeMap<String, f64>,
}

/// NEURON's two-exponential synapse (exp2syn.mod).
pub const EXP2SYN: &str = "Exp2Syn";

impl SynapseSpec {
    /// hnn-core's synapse of `receptor`: an Exp2Syn with reversal potential
    /// `e_mv` (mV) and rise and decay time constants `tau1_ms`, `tau2_ms`.
    pub fn exp2syn(receptor: &str, e_mv: f64, tau1_ms: f64, tau2_ms: f64) -> Self {
        SynapseSpec {
            receptor: receptor.to_string(),
            mechanism: EXP2SYN.to_string(),
            params: BTreeMap::from([
                ("e".to_string(), e_mv),
                ("tau1".to_string(), tau1_ms),
                ("tau2".to_string(), tau2_ms),
            ]),
        }
    }

    /// The value of `.mod` parameter `name`, if the spec sets it.
    pub fn param(&self, name: &str) -> Option<f64> {
        self.params.get(name).copied()
    }

    /// Sets `.mod` parameter `name`.
    pub fn set_param(&mut self, name: &str, value: f64) {
        self.params.insert(name.to_string(), value);
    }
}

/// A connection of the cell tree: `child`'s end `child_end` attaches to
/// `parent`'s end `parent_end` (hnn-core `cell_tree`, NEURON `connect`).
#[derive(Debug, Clone, PartialEq)]
pub struct TreeEdge {
    pub parent: String,
    pub parent_end: u8,
    pub child: String,
    pub child_end: u8,
}

/// A cell type: everything needed to build one of its cells.
#[derive(Debug, Clone, PartialEq)]
pub struct CellTemplate {
    /// hnn-core's cell type name, e.g. `L5_pyramidal`.
    pub cell_type: String,
    /// Sections in hnn-core's order (the soma is the tree's root).
    pub sections: Vec<SectionSpec>,
    /// The cell tree, in hnn-core's `cell_tree` order (without the
    /// section-internal `(s, 0) -> (s, 1)` entries).
    pub tree: Vec<TreeEdge>,
    /// Synapse location groups: `proximal`, `distal` (and implicitly `soma`).
    pub sect_loc: BTreeMap<String, Vec<String>>,
    pub synapses: Vec<SynapseSpec>,
    /// The section whose direction defines the dipole axis; `None` if the
    /// cell does not contribute to the dipole (basket cells).
    pub dipole_axis_section: Option<String>,
}

impl CellTemplate {
    pub fn section_index(&self, name: &str) -> Option<usize> {
        self.sections.iter().position(|s| s.name == name)
    }

    pub fn synapse(&self, receptor: &str) -> Option<&SynapseSpec> {
        self.synapses.iter().find(|s| s.receptor == receptor)
    }

    /// Sections of a synapse location (`proximal`, `distal`, `soma`).
    pub fn location_sections(&self, location: &str) -> Option<Vec<String>> {
        if location == "soma" {
            return Some(vec!["soma".to_string()]);
        }
        self.sect_loc.get(location).cloned()
    }

    /// Path distance (µm) from the soma's 0 end to the middle of `target`,
    /// exactly as hnn-core's `Cell.distance_section` walks the tree (it
    /// counts the whole length of every section it passes through).
    pub fn distance_to_section_middle(&self, target: &str) -> Option<f64> {
        self.distance_from(target, ("soma", 0))
    }

    fn children_of<'a>(&'a self, node: (&'a str, u8)) -> Vec<(&'a str, u8)> {
        let mut out = Vec::new();
        // hnn-core lists the section's own far end first for (soma, 0).
        if node.1 == 0 && self.sections.iter().any(|s| s.name == node.0) {
            out.push((node.0, 1));
        }
        for e in &self.tree {
            if e.parent == node.0 && e.parent_end == node.1 {
                out.push((e.child.as_str(), e.child_end));
            }
        }
        out
    }

    fn distance_from(&self, target: &str, node: (&str, u8)) -> Option<f64> {
        let children = self.children_of(node);
        if children.is_empty() {
            return None;
        }
        if children.iter().any(|c| c.0 == target) {
            let s = &self.sections[self.section_index(target)?];
            return Some(s.l_um / 2.0);
        }
        let mut best: Option<f64> = None;
        for child in children {
            let d = if child.0 == node.0 {
                let l = self.sections[self.section_index(child.0)?].l_um;
                self.distance_from(target, child).map(|d| d + l)
            } else {
                self.distance_from(target, child)
            };
            if let Some(d) = d {
                best = Some(best.map_or(d, |b: f64| b.min(d)));
            }
        }
        best
    }

    /// Resolve every mechanism parameter of section `sec` to one value per
    /// segment, as hnn-core's `Cell._compute_section_mechs` does.
    pub fn segment_values(&self, sec: usize, dist: &Distribution) -> Vec<f64> {
        let s = &self.sections[sec];
        match dist {
            Distribution::Uniform(v) => vec![*v; s.nseg],
            Distribution::PerSegment(v) => v.clone(),
            _ => {
                // Distance rules come only from the built-in templates, whose
                // sections all hang from the soma (a network file gives
                // values, and its tree is checked: hnn_json/cells.rs).
                let section_distance = self
                    .distance_to_section_middle(&s.name)
                    .expect("distance rule on a section not reachable from the soma");
                let sec_end_dist = section_distance - s.l_um / 2.0;
                segment_centres(s.nseg)
                    .into_iter()
                    .map(|x| dist.at_distance(sec_end_dist + x * s.l_um))
                    .collect()
            }
        }
    }
}

/// Normalised segment centres, as `numpy.linspace(0, 1, 2*nseg+1)[1::2]`.
pub fn segment_centres(nseg: usize) -> Vec<f64> {
    let n = 2 * nseg + 1;
    let step = 1.0 / (n - 1) as f64;
    (0..n)
        .map(|i| {
            // numpy.linspace computes start + i*step and pins the last point.
            if i == n - 1 {
                1.0
            } else {
                i as f64 * step
            }
        })
        .skip(1)
        .step_by(2)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nseg_rule_matches_hnn_core() {
        assert_eq!(nseg_for_length(39.0), 1);
        assert_eq!(nseg_for_length(102.0), 3);
        assert_eq!(nseg_for_length(255.0), 5);
        assert_eq!(nseg_for_length(306.0), 7);
        assert_eq!(nseg_for_length(425.0), 9);
        assert_eq!(nseg_for_length(680.0), 13);
    }

    #[test]
    fn segment_centres_are_midpoints() {
        assert_eq!(segment_centres(1), vec![0.5]);
        let c = segment_centres(5);
        assert_eq!(c.len(), 5);
        assert!((c[0] - 0.1).abs() < 1e-15 && (c[4] - 0.9).abs() < 1e-15);
    }
}
