//! Compartmentalisation of a cell template into NEURON's nodes: areas, axial
//! coupling coefficients, mechanism instances, synapse sites (grouped into
//! point-process types), dipole sites.
//!
//! Node numbering follows NEURON: the root node (the soma's 0 end) first,
//! then every section's nodes (its `nseg` segment centres, then its 1 end),
//! sections in breadth-first tree order, so a parent always precedes its
//! children (the Hines ordering).

use std::collections::VecDeque;

use super::mechanisms;
pub use super::mechanisms::DensityMechanism;
use super::synapses;
pub use super::synapses::PointProcessSites;
use crate::network::cell_template::CellTemplate;

/// Marks the root node's (absent) parent.
pub const NO_PARENT: usize = usize::MAX;

/// Where one section's nodes live.
#[derive(Debug, Clone)]
pub struct SectionNodes {
    pub name: String,
    /// Node of the first segment centre; centres are `first..first+nseg`,
    /// the 1 end is `first+nseg`.
    pub first: usize,
    pub nseg: usize,
    /// The node the section's 0 end attaches to.
    pub parent_node: usize,
}

impl SectionNodes {
    /// Node holding normalised position `x` (NEURON's `node_index`):
    /// 0 → the parent node, 1 → the end node, else the segment containing x.
    pub fn node_at(&self, x: f64) -> usize {
        if x <= 0.0 {
            self.parent_node
        } else if x >= 1.0 {
            self.first + self.nseg
        } else {
            let j = ((x * self.nseg as f64) as usize).min(self.nseg - 1);
            self.first + j
        }
    }
}

/// One synapse (hnn-core `Cell._create_synapses`: one per section and
/// receptor, at the section's midpoint).
#[derive(Debug, Clone)]
pub struct SynapseSite {
    pub section: String,
    pub receptor: String,
    pub node: usize,
    /// Its point-process type: an index into [`CellLayout::point_processes`].
    pub bank: usize,
    /// Its instance within that type.
    pub instance: usize,
}

/// One term of the cell dipole (hnn-core `dipole.mod`/`dipole_pp.mod`):
/// `Q = (v[pv_node] - v[node]) / ri * ztan`.
#[derive(Debug, Clone, Copy)]
pub struct DipoleSite {
    pub node: usize,
    pub pv_node: usize,
    /// Axial resistance to the parent node, MΩ.
    pub ri_mohm: f64,
    /// Length of the segment projected on the dipole axis, µm.
    pub ztan_um: f64,
}

/// A compiled cell: the same for every cell of a type.
#[derive(Debug, Clone)]
pub struct CellLayout {
    pub cell_type: String,
    pub n_nodes: usize,
    pub parent: Vec<usize>,
    /// Effect of a node on its parent's equation (NEURON `NODEA`).
    pub a: Vec<f64>,
    /// Effect of the parent on the node's equation (NEURON `NODEB`).
    pub b: Vec<f64>,
    /// Node areas, µm² (100 for the zero-length end nodes, as NEURON).
    pub area_um2: Vec<f64>,
    /// Axial resistance from the node to its parent, MΩ (NEURON `ri`).
    pub ri_mohm: Vec<f64>,
    /// Membrane capacitance, µF/cm² (0 on end nodes: no membrane).
    pub cm: Vec<f64>,
    /// Initial voltages, mV.
    pub v0_mv: Vec<f64>,
    pub sections: Vec<SectionNodes>,
    pub mechanisms: Vec<DensityMechanism>,
    /// Every synapse, in hnn-core's creation order (section, then receptor);
    /// an event's `site` indexes it.
    pub synapses: Vec<SynapseSite>,
    /// The synapses grouped by point-process type, types in registry order
    /// (NEURON's type order), instances in site order.
    pub point_processes: Vec<PointProcessSites>,
    /// Density dipole sites (node order), then one point-process site per
    /// section (section order), as NEURON sums them into `Qtotal`.
    pub dipole: Vec<DipoleSite>,
}

/// NEURON stores 3-D points in single precision: hnn-core adds the two end
/// points (`pt3dadd`), then sets `L`, which rescales the arc lengths by
/// `L / arc` (`nrn_length_change`). Returns the resulting arc of the end.
pub fn pt3d_arc_length(end_pts: [[f64; 3]; 2], l_um: f64) -> f64 {
    let f = |x: f64| x as f32 as f64;
    let [p0, p1] = end_pts;
    let dx = f(p1[0]) - f(p0[0]);
    let dy = f(p1[1]) - f(p0[1]);
    let dz = f(p1[2]) - f(p0[2]);
    let arc = (dx * dx + dy * dy + dz * dz).sqrt();
    arc * (l_um / arc)
}

/// Setting `diam` stores it in every (single-precision) 3-D point.
pub fn pt3d_diam(diam_um: f64) -> f64 {
    diam_um as f32 as f64
}

/// Area (µm²) and axial resistance (MΩ) of each segment from the section's
/// 3-D points, as NEURON's `diam_from_list` integrates them (trapezoids over
/// half segments). `arc`/`diam` are the pt3d arc lengths and diameters.
/// Returns (areas, left-half resistances, right-half resistances).
fn areas_from_pt3d(arc: &[f64], diam: &[f64], nseg: usize, ra: f64) -> Vec<(f64, f64, f64)> {
    let npt = arc.len();
    let ds = arc[npt - 1] / nseg as f64;
    let mut j = 0usize;
    let mut x1 = arc[0];
    let mut y1 = diam[0].abs();
    let mut out = Vec::with_capacity(nseg);
    for inode in 0..nseg {
        let mut si = inode as f64 * ds;
        let mut area = 0.0;
        let mut rleft = 0.0;
        let mut ri = 0.0;
        for ihalf in 0..2 {
            ri = 0.0;
            let sip = si + ds / 2.;
            loop {
                let jp = j + 1;
                let xj = arc[j];
                let xjp = arc[jp];
                let (x2, y2, jnext);
                if xjp > sip || jp == npt - 1 {
                    let frac = if (xjp - xj).abs() < 1e-10 {
                        1.0
                    } else {
                        (sip - xj) / (xjp - xj)
                    };
                    x2 = sip;
                    y2 = (1. - frac) * diam[j].abs() + frac * diam[jp].abs();
                    jnext = j;
                } else {
                    x2 = xjp;
                    y2 = diam[jp].abs();
                    jnext = jp;
                }
                let mut delta = x2 - x1;
                if delta < 1e-15 {
                    delta = 1e-15;
                }
                let mut temp = y2 * y1 / delta;
                if temp == 0.0 {
                    temp = 1e-15;
                }
                ri += 1. / temp;
                let taper = 0.5 * (y2 - y1);
                let slant = (delta * delta + taper * taper).sqrt();
                area += (y2 + y1) * slant;
                x1 = x2;
                y1 = y2;
                if j == jnext {
                    break;
                }
                j = jnext;
            }
            if ihalf == 0 {
                rleft = ri * ra / std::f64::consts::PI * (4. * 0.01);
            } else {
                ri = ri * ra / std::f64::consts::PI * (4. * 0.01);
            }
            si = sip;
        }
        out.push((area * 0.5 * std::f64::consts::PI, rleft, ri));
    }
    out
}

impl CellLayout {
    /// Compile a template. Panics on a malformed template (the network
    /// builders validate user input before this point).
    pub fn new(t: &CellTemplate) -> Self {
        let soma = t
            .section_index("soma")
            .expect("cell template without a soma");
        // Breadth-first section order from the soma.
        let mut order = vec![soma];
        let mut queue = VecDeque::from([soma]);
        let mut attach: Vec<(usize, u8)> = vec![(usize::MAX, 0); t.sections.len()];
        while let Some(s) = queue.pop_front() {
            for e in t.tree.iter().filter(|e| e.parent == t.sections[s].name) {
                let c = t
                    .section_index(&e.child)
                    .expect("tree edge to an unknown section");
                assert_eq!(e.child_end, 0, "sections attach by their 0 end");
                attach[c] = (s, e.parent_end);
                order.push(c);
                queue.push_back(c);
            }
        }
        assert_eq!(order.len(), t.sections.len(), "section not in the tree");

        let n_nodes = 1 + t.sections.iter().map(|s| s.nseg + 1).sum::<usize>();
        let mut parent = vec![NO_PARENT; n_nodes];
        let mut area = vec![100.0; n_nodes];
        let mut rinv = vec![0.0; n_nodes];
        let mut cm = vec![0.0; n_nodes];
        let mut v0 = vec![t.sections[soma].v0_mv; n_nodes];
        let mut sec_nodes: Vec<Option<SectionNodes>> = vec![None; t.sections.len()];
        let mut next = 1;
        for &s in &order {
            let spec = &t.sections[s];
            let parent_node = if s == soma {
                0
            } else {
                let (p, end) = attach[s];
                let pn = sec_nodes[p].as_ref().unwrap();
                if end == 0 {
                    pn.parent_node
                } else {
                    pn.first + pn.nseg
                }
            };
            let first = next;
            next += spec.nseg + 1;
            let segs = areas_from_pt3d(
                &[0.0, pt3d_arc_length(spec.end_pts, spec.l_um)],
                &[pt3d_diam(spec.diam_um); 2],
                spec.nseg,
                spec.ra_ohm_cm,
            );
            let mut rright = 0.0;
            for (j, &(a, rleft, rr)) in segs.iter().enumerate() {
                let nd = first + j;
                area[nd] = a;
                rinv[nd] = 1. / (rright + rleft);
                rright = rr;
                cm[nd] = spec.cm_uf_per_cm2;
                v0[nd] = spec.v0_mv;
                parent[nd] = if j == 0 { parent_node } else { nd - 1 };
            }
            let end = first + spec.nseg;
            area[end] = 100.0;
            rinv[end] = 1. / rright;
            v0[end] = spec.v0_mv;
            parent[end] = end - 1;
            sec_nodes[s] = Some(SectionNodes {
                name: spec.name.clone(),
                first,
                nseg: spec.nseg,
                parent_node,
            });
        }
        let sections: Vec<SectionNodes> = sec_nodes.into_iter().map(Option::unwrap).collect();

        // NEURON connection_coef: a couples a node into its parent's
        // equation, b the parent into the node's (rall_branch = 1).
        let mut a = vec![0.0; n_nodes];
        let mut b = vec![0.0; n_nodes];
        for nd in 1..n_nodes {
            a[nd] = -1.0e2 * rinv[nd] / area[parent[nd]];
            b[nd] = -1.0e2 * rinv[nd] / area[nd];
        }
        let ri_mohm = rinv
            .iter()
            .map(|&r| if r == 0.0 { f64::INFINITY } else { 1. / r })
            .collect::<Vec<_>>();

        let mechanisms = compile_mechanisms(t, &order, &sections);
        let (synapses, point_processes) = compile_synapses(t, &sections);
        let dipole = match &t.dipole_axis_section {
            Some(axis) => compile_dipole(t, axis, &sections, &ri_mohm),
            None => Vec::new(),
        };
        CellLayout {
            cell_type: t.cell_type.clone(),
            n_nodes,
            parent,
            a,
            b,
            area_um2: area,
            ri_mohm,
            cm,
            v0_mv: v0,
            sections,
            mechanisms,
            synapses,
            point_processes,
            dipole,
        }
    }

    pub fn section(&self, name: &str) -> Option<&SectionNodes> {
        self.sections.iter().find(|s| s.name == name)
    }

    pub fn mechanism(&self, name: &str) -> Option<&DensityMechanism> {
        self.mechanisms.iter().find(|m| m.name() == name)
    }

    /// Index of the synapse of `receptor` on `section`.
    pub fn synapse_index(&self, section: &str, receptor: &str) -> Option<usize> {
        self.synapses
            .iter()
            .position(|s| s.section == section && s.receptor == receptor)
    }

    /// Number of segments (compartments with membrane).
    pub fn n_segments(&self) -> usize {
        self.sections.iter().map(|s| s.nseg).sum()
    }
}

fn compile_mechanisms(
    t: &CellTemplate,
    order: &[usize],
    sections: &[SectionNodes],
) -> Vec<DensityMechanism> {
    let mut names: Vec<&str> = Vec::new();
    for s in &t.sections {
        for m in &s.mechanisms {
            if !names.contains(&m.name.as_str()) {
                names.push(&m.name);
            }
        }
    }
    names
        .into_iter()
        .map(|name| {
            let info =
                mechanisms::find(name).unwrap_or_else(|| panic!("unsupported mechanism {name}"));
            let mut nodes = Vec::new();
            let mut params = vec![Vec::new(); info.range_params().count()];
            // Breadth-first section order is node order.
            for &s in order {
                let spec = &t.sections[s];
                let Some(m) = spec.mechanisms.iter().find(|m| m.name == name) else {
                    continue;
                };
                // RANGE parameters by NEURON name (`gbar_km`); those the
                // section does not set keep the `.mod` default.
                for (k, p) in info.range_params().enumerate() {
                    let full = format!("{}_{name}", p.name);
                    let values = match m.params.get(&full) {
                        Some(d) => t.segment_values(s, d),
                        None => vec![p.default; spec.nseg],
                    };
                    assert_eq!(values.len(), spec.nseg, "{full} on {}", spec.name);
                    params[k].extend(values);
                }
                nodes.extend(sections[s].first..sections[s].first + spec.nseg);
            }
            DensityMechanism {
                info,
                nodes,
                params,
            }
        })
        .collect()
}

/// The synapse sites in hnn-core's order and their point-process types:
/// each synapse's `RANGE` parameters by `.mod` name from the template (the
/// `.mod` default where it sets none), looked up once here.
fn compile_synapses(
    t: &CellTemplate,
    sections: &[SectionNodes],
) -> (Vec<SynapseSite>, Vec<PointProcessSites>) {
    let mut sites = Vec::new();
    // One group per registry entry; the unused ones are dropped below.
    let mut groups: Vec<PointProcessSites> = synapses::POINT_PROCESSES
        .iter()
        .map(|&info| PointProcessSites {
            info,
            nodes: Vec::new(),
            params: vec![Vec::new(); info.range_params().count()],
        })
        .collect();
    for (spec, sn) in t.sections.iter().zip(sections) {
        for r in &spec.receptors {
            let syn = t
                .synapse(r)
                .unwrap_or_else(|| panic!("no synapse parameters for receptor {r}"));
            let info = synapses::find(&syn.mechanism)
                .unwrap_or_else(|| panic!("unsupported synapse {}", syn.mechanism));
            for name in syn.params.keys() {
                assert!(
                    info.range_params().any(|p| p.name == name),
                    "{} declares no RANGE parameter {name}",
                    info.name
                );
            }
            let k = synapses::registry_index(info);
            let group = &mut groups[k];
            let node = sn.node_at(0.5);
            sites.push(SynapseSite {
                section: spec.name.clone(),
                receptor: r.clone(),
                node,
                bank: k,
                instance: group.nodes.len(),
            });
            group.nodes.push(node);
            for (values, p) in group.params.iter_mut().zip(info.range_params()) {
                values.push(syn.param(p.name).unwrap_or(p.default));
            }
        }
    }
    // Renumber the banks over the types present.
    let present: Vec<usize> = (0..groups.len())
        .filter(|&k| !groups[k].nodes.is_empty())
        .collect();
    for s in &mut sites {
        s.bank = present.iter().position(|&k| k == s.bank).expect("present");
    }
    let groups = groups.into_iter().filter(|g| !g.nodes.is_empty()).collect();
    (sites, groups)
}

/// hnn-core `Cell._insert_dipole`: a `dipole` density instance at each
/// segment centre (parent voltage from the previous point) and a `Dipole`
/// point process at the 1 end (parent voltage from x = 0.99).
fn compile_dipole(
    t: &CellTemplate,
    axis: &str,
    sections: &[SectionNodes],
    ri_mohm: &[f64],
) -> Vec<DipoleSite> {
    let dir = |s: &crate::network::cell_template::SectionSpec| {
        let [p0, p1] = s.end_pts;
        [p1[0] - p0[0], p1[1] - p0[1], p1[2] - p0[2]]
    };
    let axis_spec = &t.sections[t.section_index(axis).expect("dipole axis section")];
    let av = dir(axis_spec);
    let norm = |v: [f64; 3]| (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
    let mut density = Vec::new();
    let mut point = Vec::new();
    for (spec, sn) in t.sections.iter().zip(sections) {
        let bv = dir(spec);
        let cos_theta = (av[0] * bv[0] + av[1] * bv[1] + av[2] * bv[2]) / (norm(av) * norm(bv));
        // NEURON's `allseg()` positions: 0, the centres (j + 0.5) / nseg, 1.
        let mut pos = vec![0.0];
        pos.extend((0..sn.nseg).map(|j| (j as f64 + 0.5) / sn.nseg as f64));
        pos.push(1.0);
        let seg_lens_z: Vec<f64> = pos
            .windows(2)
            .map(|w| (w[1] - w[0]) * spec.l_um * cos_theta)
            .collect();
        for idx in 0..sn.nseg {
            let node = sn.first + idx;
            density.push(DipoleSite {
                node,
                pv_node: sn.node_at(pos[idx]),
                ri_mohm: ri_mohm[node],
                ztan_um: seg_lens_z[idx],
            });
        }
        let end = sn.first + sn.nseg;
        point.push(DipoleSite {
            node: end,
            pv_node: sn.node_at(0.99),
            ri_mohm: ri_mohm[end],
            ztan_um: seg_lens_z[sn.nseg],
        });
    }
    // NEURON's mechanism lists (density and point process alike) are in
    // node order.
    density.sort_by_key(|d| d.node);
    point.sort_by_key(|d| d.node);
    density.extend(point);
    density
}
