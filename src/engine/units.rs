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
        super::fast_exp::exp(x)
    }
}

/// Nernst potential (mV) as NEURON's `nrn_nernst` computes it.
pub fn nernst_mv(ci_mm: f64, co_mm: f64, charge: f64, celsius: f64) -> f64 {
    if ci_mm <= 0.0 {
        return 1e6;
    }
    if co_mm <= 0.0 {
        return -1e6;
    }
    let ktf = 1000. * GAS_CONSTANT_EION * (celsius + 273.15) / FARADAY_EION;
    ktf / charge * (co_mm / ci_mm).ln()
}
