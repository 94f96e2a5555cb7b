//! Physical constants as NEURON uses them with `nrnunit_use_legacy(1)`,
//! which hnn-core calls at import (hnn_core/network_builder.py).

/// Faraday constant (C/mol) in NEURON's ion code, legacy (`eion.cpp`).
pub const FARADAY_EION: f64 = 96485.309;
/// Gas constant (J/(K·mol)) in NEURON's ion code, legacy (`eion.cpp`).
pub const GAS_CONSTANT_EION: f64 = 8.3134;
/// Faraday constant (C/mol) that nocmodl gives `.mod` files, legacy
/// (`cad.mod`'s `FARADAY = (faraday) (coulomb)`).
pub const FARADAY_MOD: f64 = 96485.3;

/// NEURON's default ion parameters (`membdef.h`): na and k reversal
/// potentials are fixed parameters in HNN (no mechanism writes them).
pub const DEFAULT_ENA_MV: f64 = 50.0;
pub const DEFAULT_EK_MV: f64 = -77.0;
/// Initial intracellular and extracellular calcium, mM (`DEF_cai`, `DEF_cao`).
pub const DEFAULT_CAI_MM: f64 = 5e-5;
pub const DEFAULT_CAO_MM: f64 = 2.0;

/// `hoc_Exp`, the `exp` that nocmodl-generated code calls: it returns 0 for
/// very negative arguments instead of a denormal.
#[inline(always)]
pub fn hoc_exp(x: f64) -> f64 {
    if x < -700.0 {
        0.0
    } else {
        crate::compat::fast_exp::exp(x)
    }
}

/// RT/F in mV at `celsius`, as NEURON's `ktf` (eion.cpp), same operation
/// order.
fn ktf_mv(celsius: f64) -> f64 {
    1000. * GAS_CONSTANT_EION * (celsius + 273.15) / FARADAY_EION
}

/// Nernst potential (mV) as NEURON's `nrn_nernst` computes it.
pub fn nernst_mv(ci_mm: f64, co_mm: f64, charge: f64, celsius: f64) -> f64 {
    nernst_guarded(ci_mm, co_mm, || {
        ktf_mv(celsius) / charge * (co_mm / ci_mm).ln()
    })
}

/// `out_mv[i] = nernst_mv(ci_mm[i], co_mm, charge, celsius)`, bit for bit,
/// with the logarithms vectorised ([`crate::compat::fast_log`] reproduces glibc's
/// `log`, which `nrn_nernst` calls).
pub fn nernst_mv_slice(ci_mm: &[f64], co_mm: f64, charge: f64, celsius: f64, out_mv: &mut [f64]) {
    assert_eq!(ci_mm.len(), out_mv.len());
    // `ktf / charge * log(co / ci)`, as in nernst_mv: ratio, logarithm and
    // product of each element in one pass.
    let ktf_per_charge = ktf_mv(celsius) / charge;
    crate::compat::fast_log::ln_map(
        ci_mm,
        out_mv,
        |ci| co_mm / ci,
        |ln_ratio, ci| nernst_guarded(ci, co_mm, || ktf_per_charge * ln_ratio),
    );
}

/// `nrn_nernst`'s guards: 1e6 mV for a non-positive inside concentration,
/// -1e6 mV for a non-positive outside one, else `value()`.
#[inline(always)]
fn nernst_guarded(ci_mm: f64, co_mm: f64, value: impl FnOnce() -> f64) -> f64 {
    if ci_mm <= 0.0 {
        1e6
    } else if co_mm <= 0.0 {
        -1e6
    } else {
        value()
    }
}

/// Fast mode's [`nernst_mv_slice`] (docs/engine.md, "Fast mode"):
/// `ktf / charge * (log(co) - log(ci))`, no division per element; within
/// a few ulps of NEURON's value.
pub fn nernst_mv_slice_fast(
    ci_mm: &[f64],
    co_mm: f64,
    charge: f64,
    celsius: f64,
    out_mv: &mut [f64],
) {
    assert_eq!(ci_mm.len(), out_mv.len());
    let ktf_per_charge = ktf_mv(celsius) / charge;
    let ln_co = co_mm.ln();
    crate::compat::fast_log::ln_map(
        ci_mm,
        out_mv,
        |ci| ci,
        |ln_ci, ci| nernst_guarded(ci, co_mm, || ktf_per_charge * (ln_co - ln_ci)),
    );
}

#[cfg(test)]
mod nernst_tests {
    use super::*;

    #[test]
    fn slice_nernst_matches_scalar() {
        let mut ci_mm: Vec<f64> = (0..20_000).map(|i| 1e-6 * 1.0008f64.powi(i)).collect();
        ci_mm.extend([0.0, -1e-4, 2.0, 1.999, f64::NAN, f64::INFINITY, 1e-310]);
        for (co_mm, charge, celsius) in [
            (2.0, 2.0, 37.0),
            (2.0, 2.0, 6.3),
            (140.0, 1.0, 20.0),
            (0.0, 2.0, 37.0),
        ] {
            let mut out_mv = vec![0.0; ci_mm.len()];
            nernst_mv_slice(&ci_mm, co_mm, charge, celsius, &mut out_mv);
            for (&ci, &e) in ci_mm.iter().zip(&out_mv) {
                let want = nernst_mv(ci, co_mm, charge, celsius);
                assert!(
                    want.to_bits() == e.to_bits() || (want.is_nan() && e.is_nan()),
                    "ci = {ci:e} mM, co = {co_mm} mM: {e} != {want}"
                );
            }
            nernst_mv_slice_fast(&ci_mm, co_mm, charge, celsius, &mut out_mv);
            for (&ci, &e) in ci_mm.iter().zip(&out_mv) {
                let want = nernst_mv(ci, co_mm, charge, celsius);
                if want.is_infinite() {
                    // co / ci overflowed (subnormal ci, or ci = inf): the
                    // difference of logarithms stays finite there.
                    continue;
                }
                // A few ulps of the potential's scale (the difference of
                // logarithms cancels near ci = co).
                let tol = 1e-14 * (1.0 + want.abs());
                assert!(
                    (want - e).abs() <= tol || (want.is_nan() && e.is_nan()),
                    "fast: ci = {ci:e} mM, co = {co_mm} mM: {e} != {want}"
                );
            }
        }
    }
}
