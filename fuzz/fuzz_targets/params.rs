#![no_main]
//! A legacy HNN parameter file through the sweep plan of a config that
//! names it: the first byte picks the format (even: `.json`, odd: `.param`),
//! the rest is the file.
use hnn_mpi::fuzzing::InputKind;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&format, file)) = data.split_first() else {
        return;
    };
    let kind = if format % 2 == 0 {
        InputKind::ParamsJson
    } else {
        InputKind::ParamsLegacy
    };
    hnn_mpi_fuzz::run(kind, file)
});
