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
        let theta = xi - i as f64;
        let (lo, hi) = (&self.rows[i], &self.rows[i + 1]);
        let mut out = [0.0; K];
        for k in 0..K {
            out[k] = lo[k] + theta * (hi[k] - lo[k]);
        }
        out
    }

    /// Interpolate a row of arguments: `out[k * x.len() + i]` is function
    /// `k` at `x[i]`.
    pub fn lookup_rows(&self, x: &[f64], out: &mut [f64]) {
        let n = x.len();
        for (i, &xv) in x.iter().enumerate() {
            let vals = self.lookup(xv);
            for k in 0..K {
                out[k * n + i] = vals[k];
            }
        }
    }
}
