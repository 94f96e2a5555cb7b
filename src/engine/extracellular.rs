//! The geometry of the extracellular potential: where NEURON puts each
//! section of a cell in space, and hnn-core's transfer resistance from each
//! segment to an electrode contact (hnn_core/extracellular.py,
//! `_transfer_resistance`, `_ExtracellularArrayBuilder._build`). The
//! potential at a contact is `V = Σ R · i_membrane_` over the segments of
//! every cell (drive cells have none).
//!
//! NEURON keeps 3-D points in single precision (`Pt3d`, section.h), and
//! each step below rounds where NEURON's C++ does (src/nrnoc/treeset.cpp):
//! hnn-core `Cell._create_sections` adds the two end points shifted by the
//! cell position (`pt3dadd`, float), sets `L` (`nrn_length_change` scales
//! the points from the 0 end), and `define_shape` translates each child
//! section so that its 0 end sits on its parent's end
//! (`nrn_translate_shape`, float arithmetic).

use std::collections::VecDeque;

use super::layout::CellLayout;
use crate::network::cell_template::CellTemplate;
use crate::network::electrode::{ElectrodeArray, LfpMethod};

/// One section in space: its 0 and 1 ends (µm, the single-precision values
/// NEURON's `x3d`/`y3d`/`z3d` return) and its length `L` (µm).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SectionPlacement {
    pub start_um: [f64; 3],
    pub end_um: [f64; 3],
    pub l_um: f64,
}

/// A node of hnn-core's `cell_tree`: (section index, end).
type TreeNode = (usize, u8);

/// hnn-core's `cell_tree` with its section-internal edges `(s, 0) -> (s, 1)`
/// (first), then the template's edges.
fn children(t: &CellTemplate, node: TreeNode) -> Vec<TreeNode> {
    let mut out = Vec::new();
    if node.1 == 0 {
        out.push((node.0, 1));
    }
    for e in &t.tree {
        if e.parent == t.sections[node.0].name && e.parent_end == node.1 {
            if let Some(c) = t.section_index(&e.child) {
                out.push((c, e.child_end));
            }
        }
    }
    out
}

/// The end points hnn-core's `Cell` holds (`Cell.__init__` calls
/// `_update_end_pts`, cell.py): every point shifted so that the soma's 0
/// end is at the template position (0, 0, 0), then `define_shape(('soma',
/// 0))` rescales each section to its `L` and moves its subtree along, in
/// double precision. A cell without a tree (the basket cells) keeps its
/// points. Template section order.
pub fn hnn_end_points(t: &CellTemplate) -> Vec<[[f64; 3]; 2]> {
    let mut pts: Vec<[[f64; 3]; 2]> = t.sections.iter().map(|s| s.end_pts).collect();
    let Some(soma) = t.section_index("soma") else {
        return pts;
    };
    if t.tree.is_empty() {
        return pts;
    }
    let d0 = pts[soma][0];
    for p in &mut pts {
        for end in p.iter_mut() {
            for d in 0..3 {
                end[d] += 0.0 - d0[d];
            }
        }
    }
    define_shape(t, &mut pts, (soma, 0), 0);
    pts
}

/// hnn-core `Cell.define_shape(node)`.
fn define_shape(t: &CellTemplate, pts: &mut [[[f64; 3]; 2]], node: TreeNode, depth: usize) {
    // A tree deeper than its sections would be a cycle.
    if depth > 2 * t.sections.len() + 2 {
        return;
    }
    let (s, end) = node;
    let opp = 1 - end as usize;
    let p0 = pts[s][end as usize];
    let p1 = pts[s][opp];
    let diff = sub(p0, p1);
    let old_len = dot(diff, diff).sqrt();
    let fac = t.sections[s].l_um / old_len;
    let dpt = [0, 1, 2].map(|d| (p0[d] + (p1[d] - p0[d]) * fac) - p1[d]);
    shift_subtree(t, pts, (s, opp as u8), dpt, depth);
    for c in children(t, node) {
        define_shape(t, pts, c, depth + 1);
    }
}

/// hnn-core `Cell._update_section_end_pts_L`.
fn shift_subtree(
    t: &CellTemplate,
    pts: &mut [[[f64; 3]; 2]],
    node: TreeNode,
    dpt: [f64; 3],
    depth: usize,
) {
    if depth > 2 * t.sections.len() + 2 {
        return;
    }
    let p = &mut pts[node.0][node.1 as usize];
    for d in 0..3 {
        p[d] += dpt[d];
    }
    for c in children(t, node) {
        shift_subtree(t, pts, c, dpt, depth + 1);
    }
}

/// Every section of a cell of template `t` whose soma sits at `pos_um`
/// (hnn-core's cell position), in template section order.
pub fn place_sections(t: &CellTemplate, pos_um: [f64; 3]) -> Vec<SectionPlacement> {
    let end_pts = hnn_end_points(t);
    // pt3dadd of the shifted end points, then `sec.L = L`.
    let mut pts: Vec<[[f32; 3]; 2]> = Vec::with_capacity(t.sections.len());
    let mut lengths = Vec::with_capacity(t.sections.len());
    for (s, ends) in t.sections.iter().zip(&end_pts) {
        let mut p = [[0f32; 3]; 2];
        for (k, pk) in p.iter_mut().enumerate() {
            for d in 0..3 {
                pk[d] = (ends[k][d] + pos_um[d]) as f32;
            }
        }
        // nrn_pt3dmodified: float differences, the sum in double.
        let t1 = f64::from(p[1][0] - p[0][0]);
        let t2 = f64::from(p[1][1] - p[0][1]);
        let t3 = f64::from(p[1][2] - p[0][2]);
        let arc = (t1 * t1 + t2 * t2 + t3 * t3).sqrt();
        // nrn_length_change: x = x0 + (x - x0) * fac, in double.
        let fac = s.l_um / arc;
        let [p0, p1] = &mut p;
        for (x1, &x0) in p1.iter_mut().zip(p0.iter()) {
            let x0 = f64::from(x0);
            *x1 = (x0 + (f64::from(*x1) - x0) * fac) as f32;
        }
        pts.push(p);
        // The arc lengths scale by fac too, and NEURON's `L` is then the
        // last point's arc (as `layout::pt3d_arc_length`).
        lengths.push(arc * fac);
    }
    // define_shape: parents before children (breadth-first from the soma).
    if let Some(soma) = t.section_index("soma") {
        let mut queue = VecDeque::from([soma]);
        while let Some(ps) = queue.pop_front() {
            for e in t.tree.iter().filter(|e| e.parent == t.sections[ps].name) {
                let Some(c) = t.section_index(&e.child) else {
                    continue;
                };
                if c == ps {
                    continue;
                }
                // The parent's point at the connection (its 0 or 1 end:
                // `last * arc1 + first * (1 - arc1)` is one of them).
                let at = if e.parent_end == 0 {
                    pts[ps][0]
                } else {
                    pts[ps][1]
                };
                let mut dx = [0f32; 3];
                for d in 0..3 {
                    dx[d] = at[d] - pts[c][0][d];
                }
                for end in pts[c].iter_mut() {
                    for (x, d) in end.iter_mut().zip(dx) {
                        *x += d;
                    }
                }
                queue.push_back(c);
            }
        }
    }
    pts.iter()
        .zip(lengths)
        .map(|(p, l_um)| SectionPlacement {
            start_um: p[0].map(f64::from),
            end_um: p[1].map(f64::from),
            l_um,
        })
        .collect()
}

/// The segment-centre nodes of a layout, in the order the transfer
/// resistances of [`transfer_resistances`] are listed: sections in the
/// layout's (node) order, each section's segments from its 0 end.
pub fn segment_nodes(layout: &CellLayout) -> Vec<usize> {
    let mut sections: Vec<_> = layout.sections.iter().collect();
    sections.sort_by_key(|s| s.first);
    sections
        .iter()
        .flat_map(|s| s.first..s.first + s.nseg)
        .collect()
}

/// `numpy.dot` of two 3-vectors as numpy 2.4 on x86-64 computes it
/// (OpenBLAS `ddot`, fused multiply-adds; checked against numpy).
fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[2].mul_add(b[2], a[1].mul_add(b[1], a[0] * b[0]))
}

fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

/// hnn-core `_transfer_resistance`: the potential (µV) at `electrode_um`
/// per nA of membrane current of each segment of one section, in an
/// infinite homogeneous medium of `conductivity` S/m.
pub fn section_transfer_resistance(
    sec: &SectionPlacement,
    nseg: usize,
    electrode_um: [f64; 3],
    conductivity_s_per_m: f64,
    method: LfpMethod,
    min_distance_um: f64,
) -> Vec<f64> {
    let sec_vec = sub(sec.end_um, sec.start_um);
    let l = sec.l_um;
    // Segment centres `seg.x = (j + 0.5) / nseg` and hnn-core's
    // `line_lens`: the first segment's distance from the 0 end, then the
    // differences between later centres and the 1 end (np.diff of
    // [0, x_0 L, ..., x_{n-1} L, L], its second entry dropped).
    let xs: Vec<f64> = (0..nseg).map(|j| (j as f64 + 0.5) / nseg as f64).collect();
    let mut marks = Vec::with_capacity(nseg + 2);
    marks.push(0.0);
    marks.extend(xs.iter().map(|&x| x * l));
    marks.push(l);
    let diffs: Vec<f64> = marks.windows(2).map(|w| w[1] - w[0]).collect();
    let mut line_lens = vec![diffs[0]];
    line_lens.extend_from_slice(&diffs[2..]);
    let phi: Vec<f64> = xs
        .iter()
        .zip(&line_lens)
        .map(|(&x, &line_len)| {
            let ctr = [
                sec.start_um[0] + x * sec_vec[0],
                sec.start_um[1] + x * sec_vec[1],
                sec.start_um[2] + x * sec_vec[2],
            ];
            match method {
                LfpMethod::Psa => {
                    // numpy.linalg.norm(..., axis=1): squares summed in order.
                    let d = sub(electrode_um, ctr);
                    let dis = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2])
                        .sqrt()
                        .max(min_distance_um);
                    1.0 / dis
                }
                LfpMethod::Lsa => lsa_phi(ctr, line_len, sec_vec, electrode_um, min_distance_um),
            }
        })
        .collect();
    // [phi / conductivity] = 1 / (µm · S/m) = 1e6 / S; nA · that = mV;
    // times 1e3: µV (hnn-core's comment).
    let denom = 4.0 * std::f64::consts::PI * conductivity_s_per_m;
    phi.iter().map(|&p| 1000.0 * p / denom).collect()
}

/// Holt (1998), Appendix C, as hnn-core writes it: a line source from
/// `ctr - line_len` to `ctr + line_len` along the section.
fn lsa_phi(
    ctr: [f64; 3],
    line_len: f64,
    sec_vec: [f64; 3],
    electrode_um: [f64; 3],
    min_distance_um: f64,
) -> f64 {
    let norm_sec = dot(sec_vec, sec_vec).sqrt();
    let half = sec_vec.map(|v| line_len * v / norm_sec);
    let start = sub(ctr, half);
    let end = [ctr[0] + half[0], ctr[1] + half[1], ctr[2] + half[2]];
    let a = sub(end, start);
    let norm_a = dot(a, a).sqrt();
    let b = sub(electrode_um, end);
    let h = dot(b, a) / norm_a;
    let l = h + norm_a;
    let r2 = (dot(b, b) - h * h).max(min_distance_um * min_distance_um);
    let (num, denom) = if l < 0.0 && h < 0.0 {
        // behind the segment
        ((h * h + r2).sqrt() - h, (l * l + r2).sqrt() - l)
    } else if l > 0.0 && h < 0.0 {
        // beside it
        (((h * h + r2).sqrt() - h) * (l + (l * l + r2).sqrt()), r2)
    } else {
        // ahead of it
        ((l * l + r2).sqrt() + l, (h * h + r2).sqrt() + h)
    };
    (num / denom).ln() / norm_a
}

/// The transfer resistances (µV/nA) of every segment of a cell of
/// `template` (compiled as `layout`) at `pos_um` to every contact of
/// `array`: `[contact][segment]`, segments as [`segment_nodes`] lists them.
pub fn transfer_resistances(
    template: &CellTemplate,
    layout: &CellLayout,
    pos_um: [f64; 3],
    array: &ElectrodeArray,
) -> Vec<Vec<f64>> {
    let placed = place_sections(template, pos_um);
    let mut sections: Vec<_> = layout.sections.iter().collect();
    sections.sort_by_key(|s| s.first);
    array
        .positions_um
        .iter()
        .map(|&contact| {
            let mut row = Vec::new();
            for s in &sections {
                let k = template
                    .section_index(&s.name)
                    .expect("layout sections come from the template");
                row.extend(section_transfer_resistance(
                    &placed[k],
                    s.nseg,
                    contact,
                    array.conductivity_s_per_m,
                    array.method,
                    array.min_distance_um,
                ));
            }
            row
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn straight(l: f64) -> SectionPlacement {
        SectionPlacement {
            start_um: [0.0, 0.0, 0.0],
            end_um: [0.0, 0.0, l],
            l_um: l,
        }
    }

    /// A point source: R = 1e3 / (4π σ d) at distance d of the one
    /// segment's centre, d clamped to min_distance.
    #[test]
    fn psa_is_inverse_distance() {
        let sec = straight(100.0);
        let r = section_transfer_resistance(&sec, 1, [30.0, 40.0, 50.0], 0.3, LfpMethod::Psa, 0.5);
        let want = 1000.0 / 50.0 / (4.0 * std::f64::consts::PI * 0.3);
        assert!((r[0] - want).abs() <= 1e-15 * want);
        let r = section_transfer_resistance(&sec, 1, [0.0, 0.0, 50.0], 0.3, LfpMethod::Psa, 0.5);
        let want = 1000.0 / 0.5 / (4.0 * std::f64::consts::PI * 0.3);
        assert!((r[0] - want).abs() <= 1e-15 * want);
    }
}
