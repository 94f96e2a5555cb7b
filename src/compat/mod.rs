//! Bit-compatibility with other libraries. These modules exist to return
//! exactly the bits that NEURON's and hnn-core's libraries return, not to be
//! fast; they import nothing else from the crate.
//!
//! - [`fast_exp`]: glibc's `exp` (the FMA build), vectorisable.
//! - [`fast_log`]: glibc's `log`, vectorisable.
//! - [`svml_pow`]: Intel SVML's `pow` as numpy 1.2x calls it on AVX-512.
//! - [`numpy_space`]: `numpy.linspace` and `numpy.logspace`.
//! - [`numpy_round`]: `numpy.round` (half to even) and hnn-core's smoothing
//!   window length.

pub mod fast_exp;
pub mod fast_log;
pub mod numpy_round;
pub mod numpy_space;
pub mod svml_pow;
