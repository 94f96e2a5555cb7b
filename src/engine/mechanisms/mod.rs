//! Density mechanisms of HNN (hnn-core's `.mod` files), as nocmodl compiles
//! them: currents with the numerical Jacobian `(i(v + 0.001) - i(v)) / 0.001`,
//! `cnexp` state updates, `TABLE` interpolation.
//!
//! State arrays are `[instance * n_cells + cell]`: cells innermost, so the
//! inner loops run over the cells of a batch and vectorise.

pub mod ar;
pub mod ca;
pub mod ca_ion;
pub mod cad;
pub mod cat;
pub mod hh2;
pub mod kca;
pub mod km;

use super::fast_exp::exp_slice;
use super::units::hoc_exp;

/// nocmodl's `cnexp` update of `x' = (xinf - x) / tau` over `dt` (the exact
/// expression of the generated C, so the rounding matches).
#[inline(always)]
pub fn cnexp(x: f64, xinf: f64, tau: f64, dt: f64) -> f64 {
    x + (1. - hoc_exp(dt * (-1.0 / tau))) * (-(xinf / tau) / (-1.0 / tau) - x)
}

/// nocmodl's current evaluation: returns (conductance `_g`, current `_rhs`)
/// from a current function of v (mA/cm²).
#[inline(always)]
pub fn current_and_jacobian(v: f64, f: impl Fn(f64) -> f64) -> (f64, f64) {
    let g = f(v + 0.001);
    let rhs = f(v);
    ((g - rhs) / 0.001, rhs)
}

/// Temperature factor `q10^((celsius - temp - tshift) / 10)` of the
/// Mainen-style channels (km.mod, ca.mod, kca.mod).
pub fn tadj(q10: f64, celsius: f64, temp: f64, tshift: f64) -> f64 {
    q10.powf((celsius - temp - tshift) / 10.0)
}

/// Scratch rows of `n_cells` for the vectorised state updates.
pub struct Scratch {
    /// Table outputs, `[k * n_cells + cell]`.
    pub tab: Vec<f64>,
    arg: Vec<f64>,
    e: Vec<f64>,
}

impl Scratch {
    pub fn new(n_cells: usize) -> Self {
        Scratch {
            tab: vec![0.0; 8 * n_cells],
            arg: vec![0.0; n_cells],
            e: vec![0.0; n_cells],
        }
    }
}

/// [`cnexp`] over a row of cells, the exponentials computed together so
/// they vectorise. `x`, `inf` and `tau` have one entry per cell.
#[inline]
pub fn cnexp_row(x: &mut [f64], inf: &[f64], tau: &[f64], dt: f64, arg: &mut [f64], e: &mut [f64]) {
    let n = x.len();
    let (arg, e) = (&mut arg[..n], &mut e[..n]);
    for c in 0..n {
        arg[c] = dt * (-1.0 / tau[c]);
    }
    exp_slice(arg, e);
    for c in 0..n {
        // hoc_Exp's underflow guard.
        let e_c = if arg[c] < -700.0 { 0.0 } else { e[c] };
        let rate = -1.0 / tau[c];
        x[c] = x[c] + (1. - e_c) * (-(inf[c] / tau[c]) / rate - x[c]);
    }
}

impl Scratch {
    /// Split into the table rows and the exp work rows.
    pub fn parts(&mut self) -> (&mut [f64], &mut [f64], &mut [f64]) {
        (&mut self.tab, &mut self.arg, &mut self.e)
    }
}
