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
        Table {
            tmin,
            mfac,
            last: n,
            rows,
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
}
