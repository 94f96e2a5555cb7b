//! Bit-compatibility with other libraries. These modules exist to return
//! exactly the bits that NEURON's and hnn-core's libraries return, not to be
//! fast; they import nothing else from the crate.
//!
//! - [`fast_exp`]: glibc's `exp` (the FMA build), vectorisable.
//! - [`fast_log`]: glibc's `log`, vectorisable.
//! - [`svml_pow`]: Intel SVML's `pow` as numpy 1.2x calls it on AVX-512.
//! - [`numpy_space`]: `numpy.linspace` and `numpy.logspace`.
//! - [`numpy_arange`]: `numpy.arange` for float64 arguments.
//! - [`numpy_mt19937`]: numpy's legacy `RandomState` over MT19937 and its
//!   distributions (`np.random.RandomState(seed)`).
//! - [`numpy_pcg64`]: numpy's `SeedSequence`, `PCG64` and `Generator`
//!   (`np.random.default_rng(seed)`).
//! - [`numpy_round`]: `numpy.round` (half to even) and hnn-core's smoothing
//!   window length.

pub mod fast_exp;
pub mod fast_log;
pub mod numpy_arange;
pub mod numpy_mt19937;
pub mod numpy_pcg64;
pub mod numpy_round;
pub mod numpy_space;
pub mod svml_pow;
