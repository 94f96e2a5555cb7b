//! The extracellular potential of each network's electrode arrays
//! (hnn-core `_ExtracellularArrayBuilder`, extracellular.py): after every
//! step, `V = Σ R · i_membrane_` over every segment of every cell of the
//! network (drive cells have no membrane), µV, with `V(t = 0) = 0`.
//!
//! **A fixed sum.** The segments of one cell are summed in the layout's
//! segment order, in double precision, as one lane of a vector loop (the
//! same arithmetic wherever the cell runs). The cells' sums are then added
//! exactly: each is rounded to a multiple of 2^-64 µV and summed as a
//! 128-bit integer, and the total is rounded to double once. Integer sums
//! do not depend on their order, so the potential is the same bit for bit
//! for any rank count, `ranks_per_sim` and batch, and differs from the
//! exact sum of the cells' sums by at most their number × 2^-65 µV.
//! A cell's sum beyond ±2^40 µV (≈ 1.1e6 V: a contact on a segment with
//! a tiny `min_distance`), or not finite, makes the sample NaN.

use std::ops::Range;

use super::{Member, SimGroup};
use crate::engine::cell_batch::CellBatch;
use crate::engine::extracellular::{segment_nodes, transfer_resistances};
use crate::network::description::NetworkDescription;

/// The potential of one electrode array over one trial.
#[derive(Debug, Clone, PartialEq)]
pub struct ArrayLfp {
    /// The array's name (`network.electrode_arrays`, hnn-core `rec_arrays`).
    pub name: String,
    /// `[contact][sample]`, µV, at the samples of the trial's `times`.
    pub contacts_uv: Vec<Vec<f64>>,
}

/// 2^64: one unit of the fixed-point sum is 2^-64 µV.
const SCALE: f64 = 18_446_744_073_709_551_616.0;
/// 2^104: a cell's term (in units) must be below this.
const LIMIT: f64 = 20_282_409_603_651_670_423_947_251_286_016.0;
/// A sample made NaN by a term out of range.
const INVALID: i128 = i128::MIN;

/// One cell's sum in fixed point; `None` out of range or not finite.
#[inline]
fn to_fixed(x_uv: f64) -> Option<i128> {
    let s = x_uv * SCALE;
    if s.abs() < LIMIT {
        Some(s.round() as i128)
    } else {
        None
    }
}

#[inline]
fn add_fixed(acc: i128, term: Option<i128>) -> i128 {
    match term {
        Some(t) if acc != INVALID => acc.checked_add(t).unwrap_or(INVALID),
        _ => INVALID,
    }
}

fn from_fixed(acc: i128) -> f64 {
    if acc == INVALID {
        f64::NAN
    } else {
        acc as f64 / SCALE
    }
}

/// The transfer resistances of one member's cells of one type.
struct TypeTable {
    batch: usize,
    /// The member's lanes in the batch.
    lanes: Range<usize>,
    /// The segment-centre nodes, in the order of `r`'s segments.
    seg_nodes: Vec<usize>,
    /// `[channel][segment][lane - lanes.start]`, µV/nA.
    r: Vec<f64>,
}

/// One network's arrays on this rank.
struct MemberLfp {
    /// (array name, contacts).
    arrays: Vec<(String, usize)>,
    n_channels: usize,
    tables: Vec<TypeTable>,
    /// `[channel][sample]`: this rank's cells' potential, fixed point.
    acc: Vec<Vec<i128>>,
}

/// Every network's electrode arrays during a trial.
pub(super) struct LfpRecorder {
    members: Vec<MemberLfp>,
    /// One type's per-lane sums of one channel.
    partial: Vec<f64>,
}

impl LfpRecorder {
    /// The tables of this rank's cells (`local_gids`, per population the
    /// global gids of its lanes) for every network of the batch that has
    /// electrode arrays; `None` when none has. Enables the membrane
    /// currents of the batches concerned.
    pub(super) fn new(
        nets: &[(&NetworkDescription, usize)],
        members: &[Member],
        local_gids: &[Vec<usize>],
        batches: &mut [CellBatch],
    ) -> Option<Self> {
        if nets.iter().all(|(n, _)| n.electrode_arrays.is_empty()) {
            return None;
        }
        for batch in batches.iter_mut() {
            batch.enable_imem();
        }
        let mut max_lanes = 0;
        let out = nets
            .iter()
            .zip(members)
            .map(|((net, _), member)| {
                let arrays: Vec<(String, usize)> = net
                    .electrode_arrays
                    .iter()
                    .map(|a| (a.name.clone(), a.n_contacts()))
                    .collect();
                let n_channels = arrays.iter().map(|a| a.1).sum();
                let mut tables = Vec::new();
                for (b, pop) in net.populations.iter().enumerate() {
                    let lanes = member.cells(b);
                    if n_channels == 0 || lanes.is_empty() {
                        continue;
                    }
                    max_lanes = max_lanes.max(lanes.len());
                    let layout = &batches[b].layout;
                    let seg_nodes = segment_nodes(layout);
                    let n = lanes.len();
                    let mut r = vec![0.0; n_channels * seg_nodes.len() * n];
                    for (c, lane) in lanes.clone().enumerate() {
                        let gid = local_gids[b][lane] - member.gid_base;
                        let pos = pop.positions[gid - pop.gid_start];
                        let mut ch = 0;
                        for array in &net.electrode_arrays {
                            for row in transfer_resistances(&pop.template, layout, pos, array) {
                                for (s, &x) in row.iter().enumerate() {
                                    r[(ch * seg_nodes.len() + s) * n + c] = x;
                                }
                                ch += 1;
                            }
                        }
                    }
                    tables.push(TypeTable {
                        batch: b,
                        lanes,
                        seg_nodes,
                        r,
                    });
                }
                MemberLfp {
                    arrays,
                    n_channels,
                    tables,
                    // V(t = 0) = 0.
                    acc: vec![vec![0]; n_channels],
                }
            })
            .collect();
        Some(LfpRecorder {
            members: out,
            partial: vec![0.0; max_lanes],
        })
    }

    /// The sample after a step, from the batches' `i_membrane_`.
    pub(super) fn sample(&mut self, batches: &[CellBatch]) {
        for m in &mut self.members {
            for ch in 0..m.n_channels {
                let mut acc = 0i128;
                for t in &m.tables {
                    let batch = &batches[t.batch];
                    let imem = batch.imem_na().expect("enabled with the recorder");
                    let nc = batch.n_cells;
                    let n = t.lanes.len();
                    let ns = t.seg_nodes.len();
                    let partial = &mut self.partial[..n];
                    partial.fill(0.0);
                    let r = &t.r[ch * ns * n..(ch + 1) * ns * n];
                    for (s, &node) in t.seg_nodes.iter().enumerate() {
                        let i = &imem[node * nc + t.lanes.start..node * nc + t.lanes.end];
                        let rs = &r[s * n..(s + 1) * n];
                        for ((p, &x), &y) in partial.iter_mut().zip(rs).zip(i) {
                            *p += x * y;
                        }
                    }
                    for &p in partial.iter() {
                        acc = add_fixed(acc, to_fixed(p));
                    }
                }
                m.acc[ch].push(acc);
            }
        }
    }

    /// Member `m`'s arrays on one rank alone.
    pub(super) fn member_result(&mut self, m: usize) -> Vec<ArrayLfp> {
        let member = &mut self.members[m];
        let acc = std::mem::take(&mut member.acc);
        split_arrays(&member.arrays, acc.iter().map(|a| a.as_slice()).collect())
    }

    /// A group of ranks (one network): every rank's sums to the group's
    /// first rank, which adds them (exactly: in any order) and returns the
    /// arrays; the other ranks return `None`. A collective.
    pub(super) fn gather(self, group: &dyn SimGroup) -> Option<Vec<ArrayLfp>> {
        let member = self.members.into_iter().next()?;
        // Each sum as four 32-bit pieces, exact in f64 (no NaN payloads
        // travel).
        let flat: Vec<f64> = member
            .acc
            .iter()
            .flatten()
            .flat_map(|&a| {
                let bits = a as u128;
                [0, 32, 64, 96].map(|k| f64::from((bits >> k) as u32))
            })
            .collect();
        let all = group.gather_f64(&flat)?;
        let mut total: Vec<i128> = vec![0; flat.len() / 4];
        for data in &all {
            for (t, q) in total.iter_mut().zip(data.chunks_exact(4)) {
                let bits = q
                    .iter()
                    .zip([0, 32, 64, 96])
                    .fold(0u128, |b, (&x, k)| b | (u128::from(x as u32) << k));
                let a = bits as i128;
                *t = if a == INVALID {
                    INVALID
                } else {
                    add_fixed(*t, Some(a))
                };
            }
        }
        let n_samples = member.acc.first().map_or(0, Vec::len);
        let per_channel: Vec<&[i128]> = if n_samples == 0 {
            vec![&[][..]; member.n_channels]
        } else {
            total.chunks_exact(n_samples).collect()
        };
        Some(split_arrays(&member.arrays, per_channel))
    }
}

/// Channels back into arrays, fixed point into µV.
fn split_arrays(arrays: &[(String, usize)], channels: Vec<&[i128]>) -> Vec<ArrayLfp> {
    let mut it = channels.into_iter();
    arrays
        .iter()
        .map(|(name, n)| ArrayLfp {
            name: name.clone(),
            contacts_uv: (0..*n)
                .map(|_| {
                    it.next()
                        .expect("one channel per contact")
                        .iter()
                        .map(|&a| from_fixed(a))
                        .collect()
                })
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fixed-point sum is exact and independent of order; out of
    /// range terms make the sample NaN.
    #[test]
    fn fixed_point_sum() {
        let xs = [1e-3, -2.5e2, 3.75, 1.0 / 3.0, -7e-12];
        let fwd = xs.iter().fold(0, |a, &x| add_fixed(a, to_fixed(x)));
        let rev = xs.iter().rev().fold(0, |a, &x| add_fixed(a, to_fixed(x)));
        assert_eq!(fwd, rev);
        let sum: f64 = xs.iter().sum();
        assert!((from_fixed(fwd) - sum).abs() <= 2.0 * f64::EPSILON * sum.abs());
        assert_eq!(to_fixed(0.5), Some(1i128 << 63));
        assert_eq!(to_fixed(f64::NAN), None);
        assert_eq!(to_fixed(2f64.powi(41)), None);
        assert!(from_fixed(add_fixed(fwd, None)).is_nan());
        assert_eq!(add_fixed(INVALID, Some(1)), INVALID);
    }
}
