//! The extracellular potential of each network's electrode arrays
//! (hnn-core `_ExtracellularArrayBuilder`, extracellular.py): after every
//! step, `V = Σ R · i_membrane_` over every segment of every cell of the
//! network (drive cells have no membrane), µV, with `V(t = 0) = 0`.
//!
//! **A fixed sum.** The segments of one cell are summed in the layout's
//! segment order, in double precision, as one lane of a vector loop (the
//! same arithmetic wherever the cell runs). The cells' sums are then added
//! exactly: each is truncated toward zero to a multiple of 2^-64 µV and
//! summed as a 128-bit integer, and the total is rounded to double once. Integer sums
//! do not depend on their order, so the potential is the same bit for bit
//! for any rank count, `ranks_per_sim` and batch, and differs from the
//! exact sum of the cells' sums by less than their number × 2^-64 µV.
//! A cell's sum beyond ±2^36 µV (≈ 69 kV: a contact on a segment with a
//! tiny `min_distance`), or not finite, makes the sample NaN.

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
/// 2^36 µV (6.9e10 µV): a cell's sum must be below this in magnitude.
const LIMIT_UV: f64 = 68_719_476_736.0;
/// A sample made NaN by a term out of range.
const INVALID: i128 = i128::MIN;

/// One cell's sum in fixed point, `trunc(x · 2^64)`, from two exact
/// 64-bit conversions (no 128-bit float conversion, which is a library
/// call): `h = trunc(x · 2^20)`, then the rest `x · 2^20 - h` (exact:
/// Sterbenz) in units of 2^-44. `None` out of range or not finite.
#[cfg(test)]
fn to_fixed(x_uv: f64) -> Option<i128> {
    if x_uv.abs() < LIMIT_UV {
        Some(fixed_unchecked(x_uv))
    } else {
        None
    }
}

/// `Σ trunc(x · 2^64)` over `xs`, or `None` when some `x` is not below
/// 2^36 in magnitude (or not finite). In a form that vectorises (no branch
/// per term): the range check is a running `and`, and in blocks of 64 the
/// parts `trunc(x · 2^20)` (each below 2^56) and the rests (below 2^44)
/// add up in 64-bit integers without overflow. The same integer as adding
/// the terms `trunc(x · 2^64)` one by one (the unit test checks it).
fn sum_fixed(xs: &[f64]) -> Option<i128> {
    let in_range = xs.iter().fold(true, |ok, x| ok & (x.abs() < LIMIT_UV));
    if !in_range {
        return None;
    }
    let mut total = 0i128;
    for block in xs.chunks(64) {
        let (mut hi, mut lo) = (0i64, 0i64);
        for &x in block {
            let y = x * 1_048_576.0; // 2^20
                                     // SAFETY: |x| < 2^36, so |y| < 2^56 and |y - h| < 1: both
                                     // truncations fit in i64 (no saturation, which would keep the
                                     // conversion from vectorising).
            let h: i64 = unsafe { y.to_int_unchecked() };
            hi += h;
            let rest = (y - h as f64) * 17_592_186_044_416.0; // 2^44
            lo += unsafe { rest.to_int_unchecked::<i64>() };
        }
        total += (i128::from(hi) << 44) + i128::from(lo);
    }
    Some(total)
}

/// [`to_fixed`] of `|x| < 2^36`.
#[cfg(test)]
fn fixed_unchecked(x_uv: f64) -> i128 {
    let y = x_uv * 1_048_576.0; // 2^20
    let h = y as i64;
    let rest = (y - h as f64) * 17_592_186_044_416.0; // 2^44
    (i128::from(h) << 44) + i128::from(rest as i64)
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

/// Lanes of one register block of the kernel (one AVX-512 vector, two
/// AVX2 vectors).
const LANES: usize = 8;
/// Steps whose currents are summed in one pass over the transfer table:
/// the table (about 1 MB for the 10x10 network and 25 contacts, more than
/// L2) is read once per `STEPS` steps instead of once per step. Four keep
/// the accumulators (`STEPS × LANES` doubles) in AVX2's 16 registers.
const STEPS: usize = 4;

/// The transfer resistances of one member's cells of one type.
struct TypeTable {
    batch: usize,
    /// The member's lanes in the batch.
    lanes: Range<usize>,
    /// The segment-centre nodes, in the order of `r`'s segments.
    seg_nodes: Vec<usize>,
    /// `[lane block][channel][segment][LANES]`, µV/nA, lanes past the
    /// member's last padded with 0: a block pass reads it once, in order.
    r: Vec<f64>,
    /// The pending steps' membrane currents, nA,
    /// `[lane block][segment][step][LANES]` (padding lanes 0).
    currents: Vec<f64>,
}

impl TypeTable {
    fn n_blocks(&self) -> usize {
        self.lanes.len().div_ceil(LANES)
    }
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
    /// Steps whose currents are in the tables' `currents`, not yet summed.
    pending: usize,
    /// One type's per-lane sums of a block pass, `[step][channel][lane]`.
    partial: Vec<f64>,
    /// One member's channel sums of a block pass, `[step][channel]`.
    acc: Vec<i128>,
    /// `[step][channel]`: a cell's term was out of range.
    bad: Vec<bool>,
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
        let mut max_channels = 0;
        let out = nets
            .iter()
            .zip(members)
            .map(|((net, _), member)| {
                let arrays: Vec<(String, usize)> = net
                    .electrode_arrays
                    .iter()
                    .map(|a| (a.name.clone(), a.n_contacts()))
                    .collect();
                let n_channels: usize = arrays.iter().map(|a| a.1).sum();
                max_channels = max_channels.max(n_channels);
                let mut tables = Vec::new();
                for (b, pop) in net.populations.iter().enumerate() {
                    let lanes = member.cells(b);
                    if n_channels == 0 || lanes.is_empty() {
                        continue;
                    }
                    let n_blocks = lanes.len().div_ceil(LANES);
                    max_lanes = max_lanes.max(n_blocks * LANES);
                    let layout = &batches[b].layout;
                    let seg_nodes = segment_nodes(layout);
                    let n_segs = seg_nodes.len();
                    let mut r = vec![0.0; n_blocks * n_channels * n_segs * LANES];
                    for (c, lane) in lanes.clone().enumerate() {
                        let gid = local_gids[b][lane] - member.gid_base;
                        let pos = pop.positions[gid - pop.gid_start];
                        let (block, l) = (c / LANES, c % LANES);
                        let mut ch = 0;
                        for array in &net.electrode_arrays {
                            for row in transfer_resistances(&pop.template, layout, pos, array) {
                                for (s, &x) in row.iter().enumerate() {
                                    r[((block * n_channels + ch) * n_segs + s) * LANES + l] = x;
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
                        currents: vec![0.0; n_blocks * STEPS * n_segs * LANES],
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
            pending: 0,
            partial: vec![0.0; STEPS * max_channels * max_lanes],
            acc: vec![0; STEPS * max_channels],
            bad: vec![false; STEPS * max_channels],
        })
    }

    /// The sample after a step, from the batches' `i_membrane_`: the
    /// currents are kept, and summed with the next steps' in one pass.
    pub(super) fn sample(&mut self, batches: &[CellBatch]) {
        let k = self.pending;
        for m in &mut self.members {
            for t in &mut m.tables {
                let batch = &batches[t.batch];
                let imem = batch.imem_na().expect("enabled with the recorder");
                let nc = batch.n_cells;
                let n = t.lanes.len();
                let n_seg = t.seg_nodes.len();
                for (s, &node) in t.seg_nodes.iter().enumerate() {
                    let row = &imem[node * nc + t.lanes.start..][..n];
                    for (block, chunk) in row.chunks(LANES).enumerate() {
                        let at = ((block * n_seg + s) * STEPS + k) * LANES;
                        t.currents[at..at + chunk.len()].copy_from_slice(chunk);
                    }
                }
            }
        }
        self.pending += 1;
        if self.pending == STEPS {
            self.flush();
        }
    }

    /// The pending steps' samples: each lane's sum over its segments, in
    /// segment order, for every channel; then the lanes' sums in fixed
    /// point.
    fn flush(&mut self) {
        let n_steps = self.pending;
        if n_steps == 0 {
            return;
        }
        self.pending = 0;
        for m in &mut self.members {
            let nch = m.n_channels;
            let acc = &mut self.acc[..STEPS * nch];
            acc.fill(0);
            let bad = &mut self.bad[..STEPS * nch];
            bad.fill(false);
            for t in &m.tables {
                let n = t.lanes.len();
                let n_seg = t.seg_nodes.len();
                let width = t.n_blocks() * LANES;
                let partial = &mut self.partial[..STEPS * nch * width];
                let r_blocks = t.r.chunks_exact(nch * n_seg * LANES);
                let i_blocks = t.currents.chunks_exact(STEPS * n_seg * LANES);
                for (block, (r_b, i_b)) in r_blocks.zip(i_blocks).enumerate() {
                    for (ch, r_ch) in r_b.chunks_exact(n_seg * LANES).enumerate() {
                        let sums = block_sums(r_ch, i_b);
                        for (k, s) in sums.iter().enumerate() {
                            let at = (k * nch + ch) * width + block * LANES;
                            partial[at..at + LANES].copy_from_slice(s);
                        }
                    }
                }
                for k in 0..n_steps {
                    let rows = partial[k * nch * width..(k + 1) * nch * width].chunks_exact(width);
                    for (ch, p) in rows.enumerate() {
                        match sum_fixed(&p[..n]) {
                            Some(x) => acc[k * nch + ch] = acc[k * nch + ch].wrapping_add(x),
                            None => bad[k * nch + ch] = true,
                        }
                    }
                }
            }
            for k in 0..n_steps {
                for (ch, trace) in m.acc.iter_mut().enumerate() {
                    let i = k * nch + ch;
                    trace.push(if bad[i] { INVALID } else { acc[i] });
                }
            }
        }
    }

    /// Member `m`'s arrays on one rank alone.
    pub(super) fn member_result(&mut self, m: usize) -> Vec<ArrayLfp> {
        self.flush();
        let member = &mut self.members[m];
        let acc = std::mem::take(&mut member.acc);
        split_arrays(&member.arrays, acc.iter().map(|a| a.as_slice()).collect())
    }

    /// A group of ranks (one network): every rank's sums to the group's
    /// first rank, which adds them (exactly: in any order) and returns the
    /// arrays; the other ranks return `None`. A collective.
    pub(super) fn gather(mut self, group: &dyn SimGroup) -> Option<Vec<ArrayLfp>> {
        self.flush();
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

/// One channel's sums over a lane block's segments, in segment order,
/// for each of the `STEPS` pending steps (`currents`:
/// `[segment][step][LANES]`, `r`: `[segment][LANES]`): a product and an
/// addition per term, the same arithmetic as one lane summed alone.
#[inline]
fn block_sums(r: &[f64], currents: &[f64]) -> [[f64; LANES]; STEPS] {
    let mut sums = [[0.0; LANES]; STEPS];
    for (r_s, i_s) in r
        .chunks_exact(LANES)
        .zip(currents.chunks_exact(STEPS * LANES))
    {
        let r_s: &[f64; LANES] = r_s.try_into().expect("LANES wide");
        let i_s: &[f64; STEPS * LANES] = i_s.try_into().expect("STEPS x LANES wide");
        for (k, sum) in sums.iter_mut().enumerate() {
            for l in 0..LANES {
                sum[l] += r_s[l] * i_s[k * LANES + l];
            }
        }
    }
    sums
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
        assert_eq!(to_fixed(2f64.powi(37)), None);
        // the block sum is the one-by-one sum
        let many: Vec<f64> = (0..200)
            .map(|k| ((k * 7919) % 1000) as f64 * 1.37e-3 - 0.6 + (k as f64) * 1e7)
            .collect();
        let one_by_one = many.iter().fold(0, |a, &x| add_fixed(a, to_fixed(x)));
        assert_eq!(sum_fixed(&many), Some(one_by_one));
        assert_eq!(sum_fixed(&[1.0, f64::NAN]), None);
        assert_eq!(sum_fixed(&[1.0, -LIMIT_UV]), None);
        assert!(from_fixed(add_fixed(fwd, None)).is_nan());
        assert_eq!(add_fixed(INVALID, Some(1)), INVALID);
    }
}
