//! NEURON's `TABLE` statement: a procedure tabulated over voltage and
//! linearly interpolated, exactly as nocmodl generates it (`_check_<proc>`
//! builds, `_n_<proc>` interpolates).

/// A table of `K` functions of one variable.
#[derive(Debug, Clone)]
pub struct Table<const K: usize> {
    tmin: f64,
    mfac: f64,
    /// Index of the last entry (the `WITH n` of the `.mod` file).
    last: usize,
    rows: Vec<[f64; K]>,
    /// Per interval `j` in `0..last` and function `k`: `[rows[j][k],
    /// rows[j + 1][k] - rows[j][k]]`, the two operands of the blend that
    /// depend only on the table (the same subtraction, done once), so that
    /// one gate's `inf` and `tau` at a lane are two 16-byte loads
    /// ([`Self::gate_rows`]).
    lo_diff: Vec<[[f64; 2]; K]>,
}

impl<const K: usize> Table<K> {
    /// `FROM tmin TO tmax WITH n`: n+1 entries; the abscissa accumulates
    /// `x += dx` as the generated C does (not `tmin + i*dx`).
    pub fn build(tmin: f64, tmax: f64, n: usize, f: impl Fn(f64) -> [f64; K]) -> Self {
        let dx = (tmax - tmin) / n as f64;
        let mfac = 1. / dx;
        let mut rows = Vec::with_capacity(n + 1);
        let mut x = tmin;
        for _ in 0..=n {
            rows.push(f(x));
            x += dx;
        }
        let lo_diff = rows
            .windows(2)
            .map(|w| std::array::from_fn(|k| [w[0][k], w[1][k] - w[0][k]]))
            .collect();
        Table {
            tmin,
            mfac,
            last: n,
            rows,
            lo_diff,
        }
    }

    /// `(tmin, 1/dx, n)`: the first abscissa, the inverse spacing and the
    /// index of the last entry (fast mode refines the table on this grid).
    pub fn grid(&self) -> (f64, f64, usize) {
        (self.tmin, self.mfac, self.last)
    }

    /// Interpolated values at `x`, clamped to the end entries.
    #[inline(always)]
    pub fn lookup(&self, x: f64) -> [f64; K] {
        let xi = self.mfac * (x - self.tmin);
        if xi.is_nan() {
            return [xi; K];
        }
        if xi <= 0. {
            return self.rows[0];
        }
        if xi >= self.last as f64 {
            return self.rows[self.last];
        }
        let i = xi as usize;
        blend(&self.rows[i], &self.rows[i + 1], xi - i as f64)
    }

    /// Interpolate a row of arguments: `out[k * x.len() + i]` is function
    /// `k` at `x[i]`. The same values as [`Self::lookup`]; arguments inside
    /// the table skip its NaN and clamp tests and the saturating
    /// conversion (a fifth of the lookup's time).
    pub fn lookup_rows(&self, x: &[f64], out: &mut [f64]) {
        let n = x.len();
        assert!(out.len() >= K * n, "table output too short");
        let last = self.last as f64;
        for (i, &xv) in x.iter().enumerate() {
            let xi = self.mfac * (xv - self.tmin);
            let vals = if xi > 0.0 && xi < last {
                // SAFETY: 0 < xi < last, so the truncation is in 0..last
                // and entries j and j + 1 exist.
                let j: usize = unsafe { xi.to_int_unchecked() };
                let theta = xi - j as f64;
                let (lo, hi) =
                    unsafe { (self.rows.get_unchecked(j), self.rows.get_unchecked(j + 1)) };
                blend(lo, hi, theta)
            } else {
                self.lookup(xv)
            };
            for (k, &val) in vals.iter().enumerate() {
                // SAFETY: k * n + i < K * n <= out.len() (asserted above).
                unsafe { *out.get_unchecked_mut(k * n + i) = val };
            }
        }
    }
}

/// Where each argument of a row falls in a table ([`Table::locate`]):
/// interval index and fraction, shared by all of a mechanism's gates.
pub struct Located<'a> {
    /// Interval per argument (0 for an argument outside the table).
    pub j: &'a [u32],
    /// Fraction `xi - j` per argument (0 outside the table).
    pub theta: &'a [f64],
    /// Every argument strictly inside the table (`0 < xi < last`).
    pub all_inside: bool,
}

impl<const K: usize> Table<K> {
    /// The interval and fraction of every `x` (`j`, `theta` at least as
    /// long as `x`), as [`Self::lookup_rows`] computes them for arguments
    /// inside the table: `xi = mfac (x - tmin)`, `j = trunc(xi)`, `theta =
    /// xi - j`. Vectorises (no branch, no call).
    pub fn locate<'a>(&self, x: &[f64], j: &'a mut [u32], theta: &'a mut [f64]) -> Located<'a> {
        let n = x.len();
        let (j, theta) = (&mut j[..n], &mut theta[..n]);
        let last = self.last as f64;
        // SAFETY: AVX2 is enabled at compile time; j, theta have n entries.
        #[cfg(all(target_arch = "x86_64", target_feature = "avx2"))]
        let (done, mut all_inside) = unsafe { self.locate_avx2(x, j, theta) };
        #[cfg(not(all(target_arch = "x86_64", target_feature = "avx2")))]
        let (done, mut all_inside) = (0, true);
        for i in done..n {
            let xi = self.mfac * (x[i] - self.tmin);
            let inside = xi > 0.0 && xi < last;
            all_inside &= inside;
            let xc = if inside { xi } else { 0.0 };
            // SAFETY: 0 <= xc < last <= u32::MAX, finite.
            let ji: u32 = unsafe { xc.trunc().to_int_unchecked() };
            j[i] = ji;
            theta[i] = xc - ji as f64;
        }
        Located {
            j,
            theta,
            all_inside,
        }
    }

    /// [`Self::locate`] four arguments at a time (the same operations:
    /// `trunc` by `roundpd`, the difference exact); returns how many it did
    /// and whether all of them were inside the table.
    #[cfg(all(target_arch = "x86_64", target_feature = "avx2"))]
    #[inline(always)]
    unsafe fn locate_avx2(&self, x: &[f64], j: &mut [u32], theta: &mut [f64]) -> (usize, bool) {
        use std::arch::x86_64::*;
        let n4 = x.len() / 4 * 4;
        let mfac = _mm256_set1_pd(self.mfac);
        let tmin = _mm256_set1_pd(self.tmin);
        let last = _mm256_set1_pd(self.last as f64);
        let zero = _mm256_setzero_pd();
        let mut inside_all = _mm256_castsi256_pd(_mm256_set1_epi64x(-1));
        for i in (0..n4).step_by(4) {
            let xv = _mm256_loadu_pd(x.as_ptr().add(i));
            let xi = _mm256_mul_pd(mfac, _mm256_sub_pd(xv, tmin));
            let inside = _mm256_and_pd(
                _mm256_cmp_pd::<_CMP_GT_OQ>(xi, zero),
                _mm256_cmp_pd::<_CMP_LT_OQ>(xi, last),
            );
            inside_all = _mm256_and_pd(inside_all, inside);
            // +0.0 outside the table.
            let xc = _mm256_and_pd(xi, inside);
            let jf = _mm256_round_pd::<{ _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC }>(xc);
            _mm256_storeu_pd(theta.as_mut_ptr().add(i), _mm256_sub_pd(xc, jf));
            _mm_storeu_si128(
                j.as_mut_ptr().add(i) as *mut __m128i,
                _mm256_cvttpd_epi32(jf),
            );
        }
        (n4, _mm256_movemask_pd(inside_all) == 0xf)
    }

    /// Functions `k_inf` and `k_tau` (one gate's steady state and time
    /// constant) at the arguments `at` locates: `inf[i]`, `tau[i]` equal
    /// `lookup(x[i])[k_inf]`, `[k_tau]` bit for bit (`x` is consulted only
    /// for arguments outside the table).
    pub fn gate_rows(
        &self,
        x: &[f64],
        at: &Located,
        (k_inf, k_tau): (usize, usize),
        inf: &mut [f64],
        tau: &mut [f64],
    ) {
        let n = x.len();
        let (inf, tau) = (&mut inf[..n], &mut tau[..n]);
        let (j, theta) = (&at.j[..n], &at.theta[..n]);
        assert!(k_inf < K && k_tau < K);
        // SAFETY: AVX2 is enabled at compile time; j < last indexes
        // lo_diff (locate's contract), k_inf, k_tau < K (asserted).
        #[cfg(all(target_arch = "x86_64", target_feature = "avx2"))]
        let done = unsafe { self.gate_rows_avx2(j, theta, k_inf, k_tau, inf, tau) };
        #[cfg(not(all(target_arch = "x86_64", target_feature = "avx2")))]
        let done = 0;
        for i in done..n {
            (inf[i], tau[i]) = self.gate_at(j[i], theta[i], (k_inf, k_tau));
        }
        if !at.all_inside {
            let last = self.last as f64;
            for i in 0..n {
                let xi = self.mfac * (x[i] - self.tmin);
                if !(xi > 0.0 && xi < last) {
                    let vals = self.lookup(x[i]);
                    (inf[i], tau[i]) = (vals[k_inf], vals[k_tau]);
                }
            }
        }
    }

    /// One argument of [`Self::gate_rows`] inside the table: `(inf, tau)`
    /// in interval `j` at fraction `theta`.
    #[inline(always)]
    pub(crate) fn gate_at(&self, j: u32, theta: f64, (k_inf, k_tau): (usize, usize)) -> (f64, f64) {
        let e = &self.lo_diff[j as usize];
        let ([lo_i, d_i], [lo_t, d_t]) = (e[k_inf], e[k_tau]);
        (lo_i + theta * d_i, lo_t + theta * d_t)
    }

    /// [`Self::gate_rows`] four arguments at a time: per lane one 32-byte
    /// row `[lo_inf, diff_inf, lo_tau, diff_tau]` from two 16-byte loads,
    /// four rows transposed into columns, then `lo + theta * diff` (a
    /// multiplication and an addition, not fused, as nocmodl's C).
    /// Returns how many arguments it did (a multiple of 4).
    #[cfg(all(target_arch = "x86_64", target_feature = "avx2"))]
    #[inline(always)]
    unsafe fn gate_rows_avx2(
        &self,
        j: &[u32],
        theta: &[f64],
        k_inf: usize,
        k_tau: usize,
        inf: &mut [f64],
        tau: &mut [f64],
    ) -> usize {
        use std::arch::x86_64::*;
        let n4 = j.len() / 4 * 4;
        for i in (0..n4).step_by(4) {
            let (vi, vt) = self.gate_at_avx2(j, theta, i, (k_inf, k_tau));
            _mm256_storeu_pd(inf.as_mut_ptr().add(i), vi);
            _mm256_storeu_pd(tau.as_mut_ptr().add(i), vt);
        }
        n4
    }

    /// [`Self::gate_at`] of arguments `i..i + 4` (their `j` and `theta`
    /// from [`Self::locate`]), as (inf, tau) columns.
    ///
    /// # Safety
    /// AVX2 available; `i + 4 <= j.len(), theta.len()`; every `j` below the
    /// table's last index (locate's contract); `k_inf, k_tau < K`.
    #[cfg(all(target_arch = "x86_64", target_feature = "avx2"))]
    #[inline(always)]
    pub(crate) unsafe fn gate_at_avx2(
        &self,
        j: &[u32],
        theta: &[f64],
        i: usize,
        (k_inf, k_tau): (usize, usize),
    ) -> (std::arch::x86_64::__m256d, std::arch::x86_64::__m256d) {
        use std::arch::x86_64::*;
        let base = self.lo_diff.as_ptr() as *const f64;
        let (oi, ot) = (2 * k_inf, 2 * k_tau);
        let row = |j: u32| {
            let p = base.add(j as usize * 2 * K);
            _mm256_loadu2_m128d(p.add(ot), p.add(oi))
        };
        let r0 = row(*j.get_unchecked(i));
        let r1 = row(*j.get_unchecked(i + 1));
        let r2 = row(*j.get_unchecked(i + 2));
        let r3 = row(*j.get_unchecked(i + 3));
        let t0 = _mm256_unpacklo_pd(r0, r1);
        let t1 = _mm256_unpackhi_pd(r0, r1);
        let t2 = _mm256_unpacklo_pd(r2, r3);
        let t3 = _mm256_unpackhi_pd(r2, r3);
        let lo_inf = _mm256_permute2f128_pd::<0x20>(t0, t2);
        let lo_tau = _mm256_permute2f128_pd::<0x31>(t0, t2);
        let d_inf = _mm256_permute2f128_pd::<0x20>(t1, t3);
        let d_tau = _mm256_permute2f128_pd::<0x31>(t1, t3);
        let th = _mm256_loadu_pd(theta.as_ptr().add(i));
        (
            _mm256_add_pd(lo_inf, _mm256_mul_pd(th, d_inf)),
            _mm256_add_pd(lo_tau, _mm256_mul_pd(th, d_tau)),
        )
    }
}

/// `_n_<proc>`'s interpolation between two entries: `lo + theta * (hi - lo)`.
#[inline(always)]
fn blend<const K: usize>(lo: &[f64; K], hi: &[f64; K], theta: f64) -> [f64; K] {
    std::array::from_fn(|k| lo[k] + theta * (hi[k] - lo[k]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_lookup_equals_scalar_lookup_bit_for_bit() {
        let t = Table::build(-100.0, 100.0, 200, |v| {
            [(v / 7.0).sin(), 1.0 / (1.0 + (v / 9.0).exp()), v * v]
        });
        let x: Vec<f64> = (0..2000)
            .map(|i| -130.0 + 0.13 * i as f64)
            .chain([-100.0, 100.0, 99.999, -99.99, 0.0, f64::NAN, 1e300, -1e300])
            .collect();
        let mut out = vec![0.0; 3 * x.len()];
        t.lookup_rows(&x, &mut out);
        for (i, &xv) in x.iter().enumerate() {
            let want = t.lookup(xv);
            for (k, w) in want.iter().enumerate() {
                let got = out[k * x.len() + i];
                assert!(
                    got.to_bits() == w.to_bits() || (got.is_nan() && w.is_nan()),
                    "x = {xv}, k = {k}: {got} vs {w}"
                );
            }
        }
    }

    /// locate + gate_rows give lookup's values bit for bit, inside the
    /// table, on its grid points, outside it and for NaN, at every offset
    /// of the four-lane loop.
    #[test]
    fn gate_rows_equal_lookup_bit_for_bit() {
        let t = Table::build(-120.0, 40.0, 641, |v| {
            [
                1.0 / (1.0 + (v / 5.5).exp()),
                0.2 + (v / 30.0).cos().abs(),
                v * 1e-3,
            ]
        });
        let mut x: Vec<f64> = (0..5000).map(|i| -130.0 + 0.0357 * i as f64).collect();
        x.extend([
            -120.0,
            40.0,
            39.75,
            -119.75,
            0.0,
            f64::NAN,
            1e300,
            -1e300,
            40.000001,
        ]);
        for start in 0..4 {
            let x = &x[start..];
            let n = x.len();
            let (mut j, mut theta) = (vec![0u32; n], vec![0.0; n]);
            let at = t.locate(x, &mut j, &mut theta);
            assert!(!at.all_inside);
            for (ki, kt) in [(0, 1), (2, 0), (1, 2)] {
                let (mut inf, mut tau) = (vec![0.0; n], vec![0.0; n]);
                t.gate_rows(x, &at, (ki, kt), &mut inf, &mut tau);
                for i in 0..n {
                    let want = t.lookup(x[i]);
                    for (got, w) in [(inf[i], want[ki]), (tau[i], want[kt])] {
                        assert!(
                            got.to_bits() == w.to_bits() || (got.is_nan() && w.is_nan()),
                            "x = {}: {got} vs {w}",
                            x[i]
                        );
                    }
                }
            }
        }
    }
}
