//! nocmodl's `cnexp` update of `x' = (xinf - x) / tau` over `dt`, in the
//! generated C's exact expression `x + (1 - exp(dt * (-1/tau))) *
//! (-(xinf/tau) / (-1/tau) - x)` (so the rounding matches NEURON's), over
//! a row of cells, from stored `inf`/`tau` rows ([`cnexp_row`]) or straight
//! from a `TABLE` ([`table_row_fast`]).
//!
//! The three IEEE divisions bound the update (about 5 cycles per 4-lane
//! division on Zen 4, ~1 ns per cell-gate for the three). The vector path
//! is software-pipelined so that the exp, the update and the table
//! interpolation run in the divider's shadow: `bench-batch` measures the
//! update against its divisions alone (docs/engine.md §10).

use crate::compat::fast_exp::{self, hoc_exp_in_place};
use crate::engine::table::{Located, Table};

/// Where a row's `inf` and `tau` come from.
trait GateSource {
    /// `(inf, tau)` of cell `c`.
    fn scalar(&self, c: usize) -> (f64, f64);
    /// `(inf, tau)` of cells `c..c + 4`.
    ///
    /// # Safety
    /// AVX2 available and `c + 4` within the row.
    #[cfg(all(target_arch = "x86_64", target_feature = "avx2"))]
    unsafe fn four(&self, c: usize) -> (std::arch::x86_64::__m256d, std::arch::x86_64::__m256d);
}

/// Stored rows.
struct Rows<'a> {
    inf: &'a [f64],
    tau: &'a [f64],
}

impl GateSource for Rows<'_> {
    #[inline(always)]
    fn scalar(&self, c: usize) -> (f64, f64) {
        (self.inf[c], self.tau[c])
    }
    #[cfg(all(target_arch = "x86_64", target_feature = "avx2"))]
    #[inline(always)]
    unsafe fn four(&self, c: usize) -> (std::arch::x86_64::__m256d, std::arch::x86_64::__m256d) {
        use std::arch::x86_64::_mm256_loadu_pd;
        (
            _mm256_loadu_pd(self.inf.as_ptr().add(c)),
            _mm256_loadu_pd(self.tau.as_ptr().add(c)),
        )
    }
}

/// One gate's columns of a table at located arguments, all inside it
/// ([`Table::gate_rows`]'s values).
struct TableColumns<'a, const K: usize> {
    table: &'a Table<K>,
    at: &'a Located<'a>,
    gate: (usize, usize),
}

impl<const K: usize> GateSource for TableColumns<'_, K> {
    #[inline(always)]
    fn scalar(&self, c: usize) -> (f64, f64) {
        self.table
            .gate_at(self.at.j[c], self.at.theta[c], self.gate)
    }
    #[cfg(all(target_arch = "x86_64", target_feature = "avx2"))]
    #[inline(always)]
    unsafe fn four(&self, c: usize) -> (std::arch::x86_64::__m256d, std::arch::x86_64::__m256d) {
        self.table
            .gate_at_avx2(self.at.j, self.at.theta, c, self.gate)
    }
}

/// The cnexp update of a row of cells: `x`, `inf` and `tau` have one
/// entry per cell; `arg` and `e` are scratch of at least the same length.
/// The old values are kept in `e` because an exp argument outside the
/// fast exp's range (rare) sends the whole row through the plain
/// expression with NEURON's `hoc_Exp` instead.
#[inline]
pub fn cnexp_row(x: &mut [f64], inf: &[f64], tau: &[f64], dt: f64, arg: &mut [f64], e: &mut [f64]) {
    let n = x.len();
    let (arg, e) = (&mut arg[..n], &mut e[..n]);
    let (inf, tau) = (&inf[..n], &tau[..n]);
    if fast_exp::fast_path_ok() && fast(x, &Rows { inf, tau }, dt, e) {
        return;
    }
    for c in 0..n {
        let rate = -1.0 / tau[c];
        arg[c] = dt * rate;
        e[c] = -(inf[c] / tau[c]) / rate - x[c];
    }
    hoc_exp_in_place(arg);
    for c in 0..n {
        x[c] += (1. - arg[c]) * e[c];
    }
}

/// [`cnexp_row`] of gate `(k_inf, k_tau)` of `table` at the arguments
/// `at` locates, every one inside the table, without storing the rows:
/// the same bits as [`Table::gate_rows`] then [`cnexp_row`]. Returns false,
/// `x` unchanged, where the fast exp cannot take the row (the caller then
/// takes the stored-row path).
#[inline(always)]
pub(super) fn table_row_fast<const K: usize>(
    x: &mut [f64],
    table: &Table<K>,
    at: &Located,
    gate: (usize, usize),
    dt: f64,
    e: &mut [f64],
) -> bool {
    assert!(at.all_inside && at.j.len() == x.len() && at.theta.len() == x.len());
    assert!(gate.0 < K && gate.1 < K);
    fast_exp::fast_path_ok() && fast(x, &TableColumns { table, at, gate }, dt, e)
}

/// The fast path: glibc's exp inlined ([`fast_exp`]). Returns false, `x`
/// restored from `e`, when an exp argument left the fast exp's range.
#[inline(always)]
fn fast<S: GateSource>(x: &mut [f64], src: &S, dt: f64, e: &mut [f64]) -> bool {
    let n = x.len();
    let e = &mut e[..n];
    // SAFETY: AVX2 and FMA are enabled at compile time; `e` and the source
    // cover the row.
    #[cfg(all(
        target_arch = "x86_64",
        target_feature = "avx2",
        target_feature = "fma"
    ))]
    let (done, mut in_range) = unsafe { fast_avx2(x, src, dt, e) };
    #[cfg(not(all(
        target_arch = "x86_64",
        target_feature = "avx2",
        target_feature = "fma"
    )))]
    let (done, mut in_range) = (0, true);
    for c in done..n {
        let (inf, tau) = src.scalar(c);
        // One division for -1/tau, used twice, as nocmodl's C.
        let rate = -1.0 / tau;
        let a = dt * rate;
        in_range &= fast_exp::in_main_range(a);
        let decay = fast_exp::exp_core(a);
        let old = x[c];
        e[c] = old;
        x[c] = old + (1. - decay) * (-(inf / tau) / rate - old);
    }
    if !in_range {
        x.copy_from_slice(e);
    }
    in_range
}

/// [`fast`] four cells at a time: the same operations in the same order
/// (divisions, glibc's exp by [`fast_exp::exp_core_avx2`], no
/// contraction), old values kept in `e`. Returns how many cells it did (a
/// multiple of 4) and whether every exp argument was in the fast exp's
/// main range.
///
/// Software-pipelined: the divisions of a group of four cells are issued
/// one and two iterations ahead of its exp and update. Issued in the same
/// iteration, the exp waited on them and the two did not overlap (on the
/// 10x10 ERP's rows: 1.44 ns per cell-gate unpipelined, 1.16 pipelined,
/// 0.98 for the three divisions alone, Zen 4).
#[cfg(all(
    target_arch = "x86_64",
    target_feature = "avx2",
    target_feature = "fma"
))]
#[inline(always)]
unsafe fn fast_avx2<S: GateSource>(
    x: &mut [f64],
    src: &S,
    dt: f64,
    e: &mut [f64],
) -> (usize, bool) {
    use std::arch::x86_64::*;
    let n4 = x.len() / 4 * 4;
    if n4 == 0 {
        return (0, true);
    }
    let (one, neg_one, dtv) = (
        _mm256_set1_pd(1.0),
        _mm256_set1_pd(-1.0),
        _mm256_set1_pd(dt),
    );
    let sign = _mm256_set1_pd(-0.0);
    // The exp and update of the four cells from c, given their rate and
    // q/rate; ANDs the in-range mask into `ok`.
    let mut finish = |c: usize, rate: __m256d, q_over_rate: __m256d, ok: &mut __m256i| {
        let (decay, in_range) = fast_exp::exp_core_avx2(_mm256_mul_pd(dtv, rate));
        *ok = _mm256_and_si256(*ok, in_range);
        let old = _mm256_loadu_pd(x.as_ptr().add(c));
        _mm256_storeu_pd(e.as_mut_ptr().add(c), old);
        let s = _mm256_sub_pd(q_over_rate, old);
        let new = _mm256_add_pd(old, _mm256_mul_pd(_mm256_sub_pd(one, decay), s));
        _mm256_storeu_pd(x.as_mut_ptr().add(c), new);
    };
    let mut ok = _mm256_set1_epi64x(-1);
    let divide = |(inf_c, tau_c): (__m256d, __m256d)| {
        let rate = _mm256_div_pd(neg_one, tau_c);
        (rate, _mm256_xor_pd(_mm256_div_pd(inf_c, tau_c), sign))
    };
    let third = |(rate, q): (__m256d, __m256d)| (rate, _mm256_div_pd(q, rate));
    // Stages, for the groups of four cells from c: `s2` (rate, q/rate) of
    // c, `s1` (rate, q) of c + 4, `s0` (inf, tau) of c + 8.
    if n4 < 16 {
        for c in (0..n4).step_by(4) {
            let (rate, q_over_rate) = third(divide(src.four(c)));
            finish(c, rate, q_over_rate, &mut ok);
        }
    } else {
        let mut s2 = third(divide(src.four(0)));
        let mut s1 = divide(src.four(4));
        let mut s0 = src.four(8);
        for c in (0..n4 - 12).step_by(4) {
            let (rate, q_over_rate) = s2;
            s2 = third(s1);
            s1 = divide(s0);
            s0 = src.four(c + 12);
            finish(c, rate, q_over_rate, &mut ok);
        }
        let s1_last = third(s1);
        let s0_last = third(divide(s0));
        finish(n4 - 12, s2.0, s2.1, &mut ok);
        finish(n4 - 8, s1_last.0, s1_last.1, &mut ok);
        finish(n4 - 4, s0_last.0, s0_last.1, &mut ok);
    }
    (n4, _mm256_movemask_pd(_mm256_castsi256_pd(ok)) == 0xf)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// cnexp_row (vectorised, four cells at a time) gives nocmodl's
    /// expression with hoc_Exp cell by cell, bit for bit, at every row
    /// length and when an exp argument leaves the fast path's range.
    #[test]
    fn cnexp_row_equals_scalar_expression() {
        let dt = 0.025;
        let n = 203;
        let tau: Vec<f64> = (0..n).map(|i| 0.01 * 1.07f64.powi(i as i32)).collect();
        let inf: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin().abs()).collect();
        let x0: Vec<f64> = (0..n).map(|i| (i as f64 * 0.11).cos().abs()).collect();
        let scalar = |x: f64, inf: f64, tau: f64| {
            let rate = -1.0 / tau;
            x + (1. - crate::engine::units::hoc_exp(dt * rate)) * (-(inf / tau) / rate - x)
        };
        let mut taus = tau.clone();
        for case in 0..2 {
            if case == 1 {
                // dt/tau beyond 512 and below 2^-54: off the main path.
                taus[5] = 1e-5;
                taus[100] = 1e20;
            }
            for len in [1, 3, 4, 7, 8, 64, n] {
                let mut x = x0[..len].to_vec();
                let (mut arg, mut e) = (vec![0.0; len], vec![0.0; len]);
                cnexp_row(&mut x, &inf[..len], &taus[..len], dt, &mut arg, &mut e);
                for c in 0..len {
                    let want = scalar(x0[c], inf[c], taus[c]);
                    assert_eq!(
                        x[c].to_bits(),
                        want.to_bits(),
                        "case {case} len {len} cell {c}"
                    );
                }
            }
        }
    }

    /// The fused table path gives gate_rows + cnexp_row's bits at every
    /// row length; a row it cannot take is left unchanged.
    #[test]
    fn table_row_equals_stored_rows() {
        let t = Table::build(-100.0, 50.0, 600, |v| {
            [
                1.0 / (1.0 + (-(v + 40.0) / 9.0).exp()),
                0.05 + 4.0 * (-((v + 40.0) / 20.0).powi(2)).exp(),
                2.0 + v / 100.0,
            ]
        });
        let dt = 0.025;
        let v: Vec<f64> = (0..203).map(|i| -99.0 + 0.71 * i as f64).collect();
        let x0: Vec<f64> = (0..203).map(|i| (i as f64 * 0.11).cos().abs()).collect();
        for len in [1, 3, 4, 5, 8, 9, 12, 64, 203] {
            let (mut j, mut theta) = (vec![0u32; len], vec![0.0; len]);
            let at = t.locate(&v[..len], &mut j, &mut theta);
            assert!(at.all_inside);
            for gate in [(0, 1), (0, 2), (2, 1)] {
                let (mut inf, mut tau) = (vec![0.0; len], vec![0.0; len]);
                t.gate_rows(&v[..len], &at, gate, &mut inf, &mut tau);
                let (mut want, mut arg, mut e) =
                    (x0[..len].to_vec(), vec![0.0; len], vec![0.0; len]);
                cnexp_row(&mut want, &inf, &tau, dt, &mut arg, &mut e);
                let mut got = x0[..len].to_vec();
                assert!(table_row_fast(&mut got, &t, &at, gate, dt, &mut e));
                for c in 0..len {
                    assert_eq!(
                        got[c].to_bits(),
                        want[c].to_bits(),
                        "len {len} gate {gate:?} cell {c}"
                    );
                }
            }
        }
        // tau = 1e-5 ms (dt/tau = 2500): off the fast exp's range.
        let t = Table::build(-100.0, 50.0, 600, |_| [0.5, 1e-5]);
        let (mut j, mut theta) = (vec![0u32; 8], vec![0.0; 8]);
        let at = t.locate(&v[..8], &mut j, &mut theta);
        let mut got = x0[..8].to_vec();
        let mut e = vec![0.0; 8];
        assert!(!table_row_fast(&mut got, &t, &at, (0, 1), dt, &mut e));
        assert_eq!(got, x0[..8]);
    }
}
