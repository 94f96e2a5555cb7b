#![no_main]
//! A config file (TOML) through validation and the sweep plan.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| hnn_mpi_fuzz::run(hnn_mpi::fuzzing::InputKind::ConfigToml, data));
