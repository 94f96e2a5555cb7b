//! HDF5 single-writer/multiple-reader (SWMR) mode, which the `hdf5` crate
//! does not wrap: the few C functions are declared here (libhdf5 is linked
//! by `hdf5-metno-sys`) and called under the crate's global lock.
//!
//! In SWMR-write mode HDF5 1.10 orders its metadata writes (flush
//! dependencies) so that the file on disk is consistent at every moment:
//! that is what makes a `kill -9` at any time harmless. In exchange, no
//! object or attribute can be created, deleted or changed while in the
//! mode: only dataset contents and extents. A file open for writing (or
//! left by a killed writer) carries a flag in its superblock that makes
//! ordinary opens fail; [`open_for_reading`] and `OutputFile::resume`
//! handle it.

use std::ffi::CString;
use std::os::raw::{c_char, c_int, c_uint, c_void};
use std::path::Path;

use hdf5::File;

#[allow(non_camel_case_types)]
type hid_t = i64;
#[allow(non_camel_case_types)]
type herr_t = c_int;

const H5F_ACC_RDONLY: c_uint = 0x0000;
const H5F_ACC_RDWR: c_uint = 0x0001;
const H5F_ACC_SWMR_READ: c_uint = 0x0040;

extern "C" {
    fn H5Fstart_swmr_write(file_id: hid_t) -> herr_t;
    fn H5Fincrement_filesize(file_id: hid_t, increment: u64) -> herr_t;
    fn H5Fopen(filename: *const c_char, flags: c_uint, fapl_id: hid_t) -> hid_t;
    fn H5Pset(plist_id: hid_t, name: *const c_char, value: *const c_void) -> herr_t;
}

fn c_path(path: &Path) -> hdf5::Result<CString> {
    let s = path
        .to_str()
        .ok_or_else(|| hdf5::Error::from(format!("file name is not UTF-8: {path:?}")))?;
    CString::new(s).map_err(|_| hdf5::Error::from("file name contains a NUL character"))
}

/// Page size of the file's space management (see [`create_latest`]).
pub(crate) const PAGE: u64 = 4096;

/// File access properties: the latest file format (SWMR needs it), and one
/// metadata read attempt (SWMR's default of 100, with growing sleeps, turns
/// a damaged block into a hang instead of an error).
fn fapl_latest(p: &mut hdf5::plist::FileAccessBuilder) -> &mut hdf5::plist::FileAccessBuilder {
    p.libver_latest().metadata_read_attempts(1)
}

/// Creates a file in the latest file format (not yet in SWMR mode: objects
/// are created first), with paged file-space management: no metadata block
/// smaller than a page crosses a page boundary, so that a killed process
/// cannot leave one half-written (Linux completes or abandons a write page
/// by page).
pub(crate) fn create_latest(path: &Path) -> hdf5::Result<File> {
    File::with_options()
        .with_fapl(fapl_latest)
        .with_fcpl(|p| {
            p.file_space_strategy(
                hdf5::plist::file_create::FileSpaceStrategy::FreeSpaceManager {
                    paged: true,
                    persist: false,
                    threshold: 1,
                },
            )
            .file_space_page_size(PAGE)
        })
        .create(path)
}

/// Switches an open file to SWMR-write mode.
pub(crate) fn start_swmr_write(file: &File) -> hdf5::Result<()> {
    hdf5::sync::sync(|| hdf5::h5check(unsafe { H5Fstart_swmr_write(file.id()) })).map(|_| ())
}

/// Outcome of [`open_rw`].
pub(crate) enum OpenRw {
    /// Closed cleanly by its last writer.
    Clean(File),
    /// Left open by a writer that was killed (no live process holds its
    /// lock): the open-for-writing flag was cleared and the end-of-file
    /// address repaired.
    Recovered(File),
}

/// Opens a file for writing (latest format). A file whose last writer was
/// killed is recovered as `h5clear -s --increment=0` would.
pub(crate) fn open_rw(path: &Path) -> hdf5::Result<OpenRw> {
    let first = File::with_options().with_fapl(fapl_latest).open_rw(path);
    let err = match first {
        Ok(f) => return Ok(OpenRw::Clean(f)),
        Err(e) => e,
    };
    // A live writer holds the file's lock; only a killed one leaves the
    // superblock flag behind with the lock free.
    let msg = err.to_string();
    if !(msg.contains("already open for write") || msg.contains("h5clear")) {
        return Err(err);
    }
    let name = c_path(path)?;
    let fapl = fapl_latest(&mut hdf5::plist::FileAccess::build()).finish()?;
    let prop = CString::new("clear_status_flags").unwrap();
    let yes = [1u8; 8]; // hbool_t, whatever its width
    hdf5::sync::sync(|| -> hdf5::Result<File> {
        unsafe {
            hdf5::h5check(H5Pset(fapl.id(), prop.as_ptr(), yes.as_ptr().cast()))?;
            let id = hdf5::h5check(H5Fopen(name.as_ptr(), H5F_ACC_RDWR, fapl.id()))?;
            let file = hdf5::from_id::<File>(id)?;
            // End-of-allocation := max(EOA, end of file): covers everything
            // that was allocated and written before the kill.
            hdf5::h5check(H5Fincrement_filesize(file.id(), 0))?;
            Ok(file)
        }
    })
    .map(OpenRw::Recovered)
}

/// Opens an hnn-mpi output file read-only, also while it is being written
/// or after its writer was killed (then in SWMR-read mode: what a writer
/// has flushed is visible and consistent).
pub fn open_for_reading(path: impl AsRef<Path>) -> hdf5::Result<File> {
    let path = path.as_ref();
    let err = match File::open(path) {
        Ok(f) => return Ok(f),
        Err(e) => e,
    };
    let msg = err.to_string();
    if !(msg.contains("already open for write") || msg.contains("h5clear")) {
        return Err(err);
    }
    let name = c_path(path)?;
    let fapl = fapl_latest(&mut hdf5::plist::FileAccess::build()).finish()?;
    hdf5::sync::sync(|| unsafe {
        let id = hdf5::h5check(H5Fopen(
            name.as_ptr(),
            H5F_ACC_RDONLY | H5F_ACC_SWMR_READ,
            fapl.id(),
        ))?;
        hdf5::from_id::<File>(id)
    })
}
