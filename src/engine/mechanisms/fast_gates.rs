//! Fast mode's state updates (docs/engine.md, "Fast mode"): the arithmetic
//! that `[simulation] numerics = "fast"` changes, within the accuracy the
//! validation tests hold it to (tests/fast_mode.rs).
//!
//! A tabulated gate (`TABLE` in the `.mod` file) advances as NEURON's
//! historical `hh1.mod` did (its `PROCEDURE rates` tabulated `minf` and
//! `mexp = 1 - exp(-dt/mtau)` and the state block read `m = m + mexp*(minf -
//! m)`): per table point the decay `a = exp(-dt/tau)` and `b = (1 - a) inf`,
//! linearly interpolated, and `x = a x + b` — no exponential and no
//! division per gate update. The table points and the interpolation index
//! are nocmodl's (`FROM tmin TO tmax WITH n`, abscissae accumulated as
//! `x += dx`), so `a` and `b` are exact at the same voltages where `inf`
//! and `tau` are; between them the error of interpolating `exp(-dt/tau)`
//! replaces that of interpolating `tau`.
//!
//! Every lane does the same operations in the same order whatever the
//! batch or rank layout (no reductions; the same fused multiply-adds on
//! every path), so fast mode
//! is as deterministic across ranks, `ranks_per_sim` and batching as exact
//! mode.

use super::Scratch;
use crate::engine::table::Table;

/// One gate's update factors at a table point and their differences to the
/// next point (zero at the last point).
#[derive(Debug, Clone, Copy, Default)]
struct Factors {
    /// `exp(-dt/tau)`.
    a: f64,
    /// `(1 - a) * inf`.
    b: f64,
    da: f64,
    db: f64,
}

/// The update factors of `G` gates of one mechanism, tabulated over voltage
/// at the points of the mechanism's `TABLE` for one `dt`.
#[derive(Debug, Clone)]
pub struct GateTable<const G: usize> {
    tmin: f64,
    mfac: f64,
    /// Index of the last point.
    last: usize,
    /// Per table point, per gate `[a, b, da, db]`: `a = exp(-dt/tau)`,
    /// `b = (1 - a) inf` and their differences to the next point (zero at
    /// the last point). `[a, b]` and `[da, db]` are the two 128-bit halves
    /// the vector path pairs across elements (see [`Self::advance_avx2`]).
    rows: Vec<[[f64; 4]; G]>,
    /// ms, the step the factors were made for.
    dt: f64,
}

impl<const G: usize> GateTable<G> {
    /// The factors of `G` gates of `table` (nocmodl's `TABLE`: gate `g`
    /// takes its steady state and time constant, ms, from columns
    /// `gates[g].0` and `gates[g].1`) for steps of `dt` ms, on a grid
    /// [`refinement`]`(refine, dt)` times finer than the table's. Each
    /// point takes the table's own interpolated `inf` and `tau` (what
    /// exact mode steps with), so that the factors follow exact mode's
    /// `exp(-dt/tau)` between NEURON's points: the difference from exact
    /// mode falls as the square of the grid spacing, which shrinks with
    /// `sqrt(dt)` (a fast-mode run converges to the exact one as dt does).
    pub fn from_table<const K: usize>(
        table: &Table<K>,
        refine: usize,
        gates: [(usize, usize); G],
        dt: f64,
    ) -> Self {
        let (tmin, mfac, last) = table.grid();
        let refine = refinement(refine, dt);
        let n = last * refine;
        let mfac = mfac * refine as f64;
        let mut rows: Vec<[Factors; G]> = (0..=n)
            .map(|k| {
                let vals = table.lookup(tmin + k as f64 / mfac);
                gates.map(|(k_inf, k_tau)| {
                    let a = (-dt / vals[k_tau]).exp();
                    Factors {
                        a,
                        b: (1.0 - a) * vals[k_inf],
                        da: 0.0,
                        db: 0.0,
                    }
                })
            })
            .collect();
        for j in 0..n {
            let next = rows[j + 1];
            for (f, nx) in rows[j].iter_mut().zip(&next) {
                f.da = nx.a - f.a;
                f.db = nx.b - f.b;
            }
        }
        let rows = rows
            .iter()
            .map(|r| r.map(|f| [f.a, f.b, f.da, f.db]))
            .collect();
        GateTable {
            tmin,
            mfac,
            last: n,
            rows,
            dt,
        }
    }

    /// Advances every gate `x_g = a(v) x_g + b(v)` at the voltages of
    /// `nodes` (state `[instance * nc + cell]`, `v` `[node * nc + cell]`).
    pub fn advance(
        &self,
        v: &[f64],
        nodes: &[usize],
        nc: usize,
        dt: f64,
        scratch: &mut Scratch,
        gates: [&mut [f64]; G],
    ) {
        assert!(
            dt.to_bits() == self.dt.to_bits(),
            "fast-mode gate table made for dt = {} ms, stepped with {dt} ms",
            self.dt
        );
        let n = nodes.len() * nc;
        if nodes.windows(2).all(|w| w[1] == w[0] + 1) && !nodes.is_empty() {
            // Consecutive nodes (a mechanism in every compartment): the
            // voltages of all instances are one run of `v`, in state order.
            let start = nodes[0] * nc;
            let gates = gates.map(|x| &mut x[..n]);
            return self.advance_gathered(&v[start..start + n], gates);
        }
        if nc >= MIN_ROW_CELLS {
            // Each instance's voltages are contiguous in `v`: no copy.
            let mut gates = gates;
            for (i, &node) in nodes.iter().enumerate() {
                let r = i * nc..(i + 1) * nc;
                let row = gates.each_mut().map(|x| &mut x[r.clone()]);
                self.advance_gathered(&v[node * nc..(node + 1) * nc], row);
            }
            return;
        }
        let (vg, ..) = scratch.gather(v, nodes, nc);
        let gates = gates.map(|x| &mut x[..n]);
        self.advance_gathered(vg, gates);
    }

    /// The update over gathered voltages: four elements at a time with
    /// AVX2 and FMA where the build has them (each element's four factors
    /// of a gate are one 32-byte load), the rest one at a time. Both paths do the same fused multiply-adds in the same
    /// order (`f64::mul_add` is correctly rounded with or without FMA
    /// hardware), so every element's result is the same whichever path
    /// takes it.
    fn advance_gathered(&self, v: &[f64], gates: [&mut [f64]; G]) {
        let mut gates = gates;
        #[cfg(all(
            target_arch = "x86_64",
            target_feature = "avx2",
            target_feature = "fma"
        ))]
        // SAFETY: AVX2 and FMA are enabled at compile time; every gate slice is
        // v.len() long.
        let k = unsafe { self.advance_avx2(v, &mut gates) };
        #[cfg(not(all(
            target_arch = "x86_64",
            target_feature = "avx2",
            target_feature = "fma"
        )))]
        let k = 0;
        for k in k..v.len() {
            let (j, theta) = self.locate(v[k]);
            let row = &self.rows[j];
            for g in 0..G {
                let [a, b, da, db] = row[g];
                let x = &mut gates[g][k];
                *x = theta.mul_add(da, a).mul_add(*x, theta.mul_add(db, b));
            }
        }
    }

    /// Table index and fraction at voltage `v` (mV), clamped to the end
    /// points as nocmodl's lookup is; a NaN or infinite voltage gives a NaN
    /// fraction (through `xi * 0`). Written as the AVX2 path computes it
    /// (`maxpd`/`minpd` keep their second operand unless the first is
    /// greater/smaller).
    #[inline(always)]
    fn locate(&self, v: f64) -> (usize, f64) {
        let xi = self.mfac * (v - self.tmin);
        let xc = if xi > 0.0 { xi } else { 0.0 };
        let last = self.last as f64;
        let xc = if xc < last { xc } else { last };
        let last_lo = (self.last - 1) as f64;
        let jf = (if xc < last_lo { xc } else { last_lo }).trunc();
        ((jf as i32) as usize, (xc - jf) + xi * 0.0)
    }

    /// Elements `0..4m` of [`Self::advance_gathered`] with AVX2; returns 4m.
    ///
    /// In chunks of [`CHUNK`] elements and two passes: first every
    /// element's row offset and fraction (into arrays on the stack), then
    /// the gates, four elements at a time. The row loads of the second
    /// pass depend on nothing computed there, so the out-of-order core
    /// overlaps many groups' loads; located group by group, each group's
    /// loads waited on its own locate's latency chain (docs/engine.md,
    /// "Fast mode"). Per four elements: the four offsets and fractions
    /// once, then per gate four 32-byte row loads `[a, b, da, db]`, four
    /// 128-bit lane permutes pairing elements 0, 2 and 1, 3, two fused
    /// multiply-adds `[a + theta da, b + theta db]` on the pairs, two
    /// unpacks to the `a` and `b` columns and one fused multiply-add.
    #[cfg(all(
        target_arch = "x86_64",
        target_feature = "avx2",
        target_feature = "fma"
    ))]
    #[inline(always)]
    unsafe fn advance_avx2(&self, v: &[f64], gates: &mut [&mut [f64]; G]) -> usize {
        use std::arch::x86_64::*;
        let n4 = v.len() / 4 * 4;
        let mfac = _mm256_set1_pd(self.mfac);
        let tmin = _mm256_set1_pd(self.tmin);
        let zero = _mm256_setzero_pd();
        let last = _mm256_set1_pd(self.last as f64);
        let last_lo = _mm256_set1_pd((self.last - 1) as f64);
        // f64s per table point: offsets are j * stride, exact in f64 and
        // far inside i32 (at most 200 * MAX_REFINE points).
        let stride = _mm256_set1_pd((G * 4) as f64);
        let rows = self.rows.as_ptr() as *const f64;
        let xs = gates.each_mut().map(|x| x.as_mut_ptr());
        let mut offset = [0i32; CHUNK];
        let mut theta = [0.0f64; CHUNK];
        for c0 in (0..n4).step_by(CHUNK) {
            let len = CHUNK.min(n4 - c0);
            let vc = v.as_ptr().add(c0);
            for i in (0..len).step_by(4) {
                let vv = _mm256_loadu_pd(vc.add(i));
                let xi = _mm256_mul_pd(mfac, _mm256_sub_pd(vv, tmin));
                let xc = _mm256_min_pd(_mm256_max_pd(xi, zero), last);
                let jf = _mm256_round_pd::<{ _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC }>(
                    _mm256_min_pd(xc, last_lo),
                );
                let th = _mm256_add_pd(_mm256_sub_pd(xc, jf), _mm256_mul_pd(xi, zero));
                _mm256_storeu_pd(theta.as_mut_ptr().add(i), th);
                // Row j of gate g starts at f64 j * G * 4 + g * 4.
                let off = _mm256_cvttpd_epi32(_mm256_mul_pd(jf, stride));
                _mm_storeu_si128(offset.as_mut_ptr().add(i) as *mut __m128i, off);
            }
            for i in (0..len).step_by(4) {
                let o = offset.as_ptr().add(i);
                let base = [0, 1, 2, 3].map(|e| rows.offset(*o.add(e) as isize));
                let th = _mm256_loadu_pd(theta.as_ptr().add(i));
                // [t0, t0, t2, t2] and [t1, t1, t3, t3].
                let th02 = _mm256_permute_pd::<0b0000>(th);
                let th13 = _mm256_permute_pd::<0b1111>(th);
                for (g, x) in xs.iter().enumerate() {
                    let r0 = _mm256_loadu_pd(base[0].add(g * 4));
                    let r1 = _mm256_loadu_pd(base[1].add(g * 4));
                    let r2 = _mm256_loadu_pd(base[2].add(g * 4));
                    let r3 = _mm256_loadu_pd(base[3].add(g * 4));
                    // [a0, b0, a2, b2], [da0, db0, da2, db2] and for 1, 3.
                    let ab02 = _mm256_permute2f128_pd::<0x20>(r0, r2);
                    let d02 = _mm256_permute2f128_pd::<0x31>(r0, r2);
                    let ab13 = _mm256_permute2f128_pd::<0x20>(r1, r3);
                    let d13 = _mm256_permute2f128_pd::<0x31>(r1, r3);
                    let f02 = _mm256_fmadd_pd(th02, d02, ab02);
                    let f13 = _mm256_fmadd_pd(th13, d13, ab13);
                    let a = _mm256_unpacklo_pd(f02, f13);
                    let b = _mm256_unpackhi_pd(f02, f13);
                    let xp = x.add(c0 + i);
                    _mm256_storeu_pd(xp, _mm256_fmadd_pd(a, _mm256_loadu_pd(xp), b));
                }
            }
        }
        n4
    }
}

/// Elements per chunk of [`GateTable::advance_avx2`]'s two passes: enough
/// groups in flight to hide a group's locate and load latency, few enough
/// that the offsets and fractions stay in L1 (768 bytes).
#[cfg(all(
    target_arch = "x86_64",
    target_feature = "avx2",
    target_feature = "fma"
))]
const CHUNK: usize = 64;

/// The step at which a mechanism's `refine` is the fast table's points
/// per interval of its `TABLE`, ms (hnn-core's default dt).
pub const REFERENCE_DT_MS: f64 = 0.025;

/// Largest refinement (a table 64 times finer than NEURON's): below
/// dt = 0.025 (8/64)² ms for a refine of 8, the grid stops shrinking.
const MAX_REFINE: usize = 64;

/// Points per interval of a `TABLE` for fast mode at `dt` ms: `refine` at
/// [`REFERENCE_DT_MS`], scaled by `sqrt(REFERENCE_DT_MS / dt)` (rounded
/// up) so that the interpolation error, quadratic in the spacing, scales
/// with dt.
pub fn refinement(refine: usize, dt: f64) -> usize {
    let r = (refine as f64 * (REFERENCE_DT_MS / dt).sqrt()).ceil();
    if r.is_finite() {
        (r as usize).clamp(1, MAX_REFINE)
    } else {
        MAX_REFINE
    }
}

/// From this many cells per batch on, [`GateTable::advance`] reads each
/// instance's voltages in place rather than gathering all instances' (the
/// result is the same: every element is updated on its own).
const MIN_ROW_CELLS: usize = 16;

/// `1 - exp(-y)` for `0 <= y <= MAX_SMALL_DECAY`, by its Taylor series to
/// the term in y⁶ (relative error below 2e-16 there): the update factor of
/// a gate whose time constant is long against `dt` (kca.mod's `n`, whose
/// `dt/tau` is about 1e-4), without an exponential.
#[inline(always)]
pub fn one_minus_exp_neg_small(y: f64) -> f64 {
    // Horner form of y - y²/2 + y³/6 - y⁴/24 + y⁵/120 - y⁶/720.
    let p = 1.0 / 720.0;
    let p = 1.0 / 120.0 - y * p;
    let p = 1.0 / 24.0 - y * p;
    let p = 1.0 / 6.0 - y * p;
    let p = 0.5 - y * p;
    let p = 1.0 - y * p;
    y * p
}

/// Largest `y` for [`one_minus_exp_neg_small`]: the first omitted term,
/// y⁷/5040, is below 2e-16 y there.
pub const MAX_SMALL_DECAY: f64 = 0.01;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refinement_scales_with_the_square_root_of_dt() {
        assert_eq!(refinement(8, 0.025), 8);
        assert_eq!(refinement(8, 0.05), 6);
        assert_eq!(refinement(8, 0.0125), 12);
        assert_eq!(refinement(2, 0.5), 1);
        assert_eq!(refinement(8, 1e-9), MAX_REFINE);
    }

    #[test]
    fn small_decay_series_matches_exp() {
        for i in 0..=10_000 {
            let y = MAX_SMALL_DECAY * i as f64 / 10_000.0;
            let want = -(-y).exp_m1();
            let got = one_minus_exp_neg_small(y);
            assert!(
                (got - want).abs() <= 4e-16 * want,
                "y = {y}: {got} vs {want}"
            );
        }
    }

    /// At a table point the update is exactly `cnexp` with that point's
    /// inf and tau (up to rounding); clamped outside; NaN stays NaN.
    #[test]
    fn update_at_points_and_ends() {
        let f = |v: f64| [1.0 / (1.0 + (-v / 10.0).exp()), 0.5 + (v / 50.0).powi(2)];
        let dt = 0.025;
        let t = GateTable::from_table(&Table::build(-100.0, 100.0, 200, f), 1, [(0, 1)], dt);
        let mut scratch = Scratch::new(8);
        for (v, x0) in [(-37.0f64, 0.3), (12.0, 0.9), (-150.0, 0.5), (150.0, 0.1)] {
            let vc = v.clamp(-100.0, 100.0);
            let [inf, tau] = f(vc);
            let want = x0 + (1.0 - (-dt / tau).exp()) * (inf - x0);
            let mut x = [x0];
            t.advance(&[v], &[0], 1, dt, &mut scratch, [&mut x]);
            assert!((x[0] - want).abs() < 1e-14, "v = {v}: {} vs {want}", x[0]);
        }
        let mut x = [0.5];
        t.advance(&[f64::NAN], &[0], 1, dt, &mut scratch, [&mut x]);
        assert!(x[0].is_nan());
    }

    /// The vector path (four elements at a time) and the one-at-a-time
    /// path give the same bits for every element, whatever its position:
    /// batching moves elements between them.
    #[test]
    fn vector_and_scalar_paths_agree_bit_for_bit() {
        let f = |v: f64| {
            let m = 1.0 / (1.0 + (-(v + 40.0) / 9.0).exp());
            [
                m,
                0.1 + 0.4 * (-((v + 40.0) / 20.0).powi(2)).exp(),
                1.0 - m,
                2.0 + v / 100.0,
            ]
        };
        let t = GateTable::from_table(
            &Table::build(-100.0, 100.0, 200, f),
            16,
            [(0, 1), (2, 3)],
            0.025,
        );
        let n = 103;
        let v: Vec<f64> = (0..n).map(|i| -130.0 + 2.7 * i as f64 + 0.013).collect();
        let x0: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).fract()).collect();
        let (mut x, mut y) = (x0.clone(), x0.clone());
        t.advance_gathered(&v, [&mut x[..], &mut y[..]]);
        for k in 0..n {
            let (j, theta) = t.locate(v[k]);
            let [a, b, da, db] = t.rows[j][0];
            let want_x = theta.mul_add(da, a).mul_add(x0[k], theta.mul_add(db, b));
            let [a, b, da, db] = t.rows[j][1];
            let want_y = theta.mul_add(da, a).mul_add(x0[k], theta.mul_add(db, b));
            assert_eq!(x[k].to_bits(), want_x.to_bits(), "element {k}");
            assert_eq!(y[k].to_bits(), want_y.to_bits(), "element {k}");
        }
    }

    /// Between points, one step's update stays within 1e-6 of exact mode's
    /// (the table's interpolated inf and tau; a 1 mV table refined 16 times
    /// as hh2's, a gate with dt/tau up to 0.25 like hh2.mod's m).
    #[test]
    fn interpolation_error_is_small() {
        let f = |v: f64| {
            [
                1.0 / (1.0 + (-(v + 40.0) / 9.0).exp()),
                0.1 + 0.4 * (-((v + 40.0) / 20.0).powi(2)).exp(),
            ]
        };
        let dt = 0.025;
        let table = Table::build(-100.0, 100.0, 200, f);
        let t = GateTable::from_table(&table, 16, [(0, 1)], dt);
        let mut scratch = Scratch::new(8);
        let mut worst: f64 = 0.0;
        for i in 0..4000 {
            let v = -100.0 + 0.05 * i as f64 + 0.0123;
            let [inf, tau] = table.lookup(v);
            let want = 0.5 + (1.0 - (-dt / tau).exp()) * (inf - 0.5);
            let mut x = [0.5];
            t.advance(&[v], &[0], 1, dt, &mut scratch, [&mut x]);
            worst = worst.max((x[0] - want).abs());
        }
        assert!(worst < 1e-6, "worst {worst}");
    }
}
