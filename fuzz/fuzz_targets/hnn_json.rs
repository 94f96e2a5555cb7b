#![no_main]
//! An hnn-core network file (`write_configuration` JSON) through the sweep
//! plan of a config that names it.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| hnn_mpi_fuzz::run(hnn_mpi::fuzzing::InputKind::HnnJson, data));
