//! Where a chunk lies in the file, which the `hdf5` crate does not wrap
//! (`H5Dget_chunk_info_by_coord`, declared here; libhdf5 is linked by
//! `hdf5-metno-sys`): `resume` reads back a simulation only after checking
//! that its chunks were written and lie within the file.

use std::os::raw::{c_int, c_uint};

use hdf5::Dataset;

#[allow(non_camel_case_types)]
type hid_t = i64;
#[allow(non_camel_case_types)]
type herr_t = c_int;

extern "C" {
    fn H5Dget_chunk_info_by_coord(
        dset_id: hid_t,
        offset: *const u64,
        filter_mask: *mut c_uint,
        addr: *mut u64,
        size: *mut u64,
    ) -> herr_t;
}

/// File address and stored size (bytes) of the chunk of `ds` that starts
/// at element `coord`, or `None` when that chunk was never written.
fn chunk_extent(ds: &hdf5::Dataset, coord: &[u64]) -> hdf5::Result<Option<(u64, u64)>> {
    const HADDR_UNDEF: u64 = u64::MAX;
    let (mut mask, mut addr, mut size) = (0 as c_uint, HADDR_UNDEF, 0u64);
    hdf5::sync::sync(|| {
        hdf5::h5check(unsafe {
            H5Dget_chunk_info_by_coord(ds.id(), coord.as_ptr(), &mut mask, &mut addr, &mut size)
        })
    })?;
    Ok((addr != HADDR_UNDEF).then_some((addr, size)))
}

/// Whether the chunk of `ds` at element `coord` was written and lies
/// within the file's first `file_len` bytes.
pub(super) fn chunk_within(ds: &Dataset, coord: &[u64], file_len: u64) -> bool {
    matches!(chunk_extent(ds, coord), Ok(Some((addr, size))) if addr.saturating_add(size) <= file_len)
}
