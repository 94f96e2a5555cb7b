//! HDF5 single-writer/multiple-reader (SWMR) mode, which the `hdf5` crate
//! does not wrap: the few C functions are declared here (libhdf5 is linked
//! by `hdf5-metno-sys`) and called under the crate's global lock (the
//! chunk-location query is in `chunks`).
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
const PAGE: u64 = 4096;

/// File access properties: the latest file format (SWMR needs it), one
/// metadata read attempt (SWMR's default of 100, with growing sleeps, turns
/// a damaged block into a hang instead of an error), and no raw-data chunk
/// cache: chunks are written once, as simulations finish, so caching them
/// only grew memory with the number of simulations (up to 1 MB per dataset).
fn fapl_latest(p: &mut hdf5::plist::FileAccessBuilder) -> &mut hdf5::plist::FileAccessBuilder {
    p.libver_latest()
        .metadata_read_attempts(1)
        .chunk_cache(521, 0, 1.0)
}

/// Creates a file in the latest file format (not yet in SWMR mode: objects
/// are created first), with paged file-space management: no metadata block
/// smaller than a page crosses a page boundary, so that a killed process
/// cannot leave one half-written (Linux completes or abandons a write page
/// by page).
pub(super) fn create_latest(path: &Path) -> hdf5::Result<File> {
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
pub(super) fn start_swmr_write(file: &File) -> hdf5::Result<()> {
    hdf5::sync::sync(|| hdf5::h5check(unsafe { H5Fstart_swmr_write(file.id()) })).map(|_| ())
}

/// Outcome of [`open_rw`].
pub(super) enum OpenRw {
    /// Closed cleanly by its last writer.
    Clean(File),
    /// Left open by a writer that was killed (no live process holds its
    /// lock): the open-for-writing flag was cleared and the end-of-file
    /// address repaired.
    Recovered(File),
}

/// Whether an open failed because the file's last writer did not close it
/// (its open-for-writing flag is set, or its end lies short of the
/// allocated space: the tail of the last page was never written).
fn left_open(err: &hdf5::Error) -> bool {
    let msg = err.to_string();
    msg.contains("already open for write")
        || msg.contains("h5clear")
        || msg.contains("truncated file")
}

/// Opens with raw flags and the private properties `h5clear` uses.
fn open_raw(
    path: &Path,
    flags: c_uint,
    clear_flags: bool,
    skip_eof_check: bool,
) -> hdf5::Result<File> {
    let name = c_path(path)?;
    let mut fapl = hdf5::plist::FileAccess::build();
    fapl_latest(&mut fapl);
    if flags & H5F_ACC_SWMR_READ != 0 {
        // a reader of a live writer may meet a block being written: retry
        // a few times (not HDF5's 100, which hang on a damaged block)
        fapl.metadata_read_attempts(10);
    }
    let fapl = fapl.finish()?;
    let yes = [1u8; 8]; // hbool_t, whatever its width
    hdf5::sync::sync(|| -> hdf5::Result<File> {
        unsafe {
            for (set, prop) in [
                (clear_flags, "clear_status_flags"),
                (skip_eof_check, "skip_eof_check"),
            ] {
                if set {
                    let prop = CString::new(prop).unwrap();
                    hdf5::h5check(H5Pset(fapl.id(), prop.as_ptr(), yes.as_ptr().cast()))?;
                }
            }
            let id = hdf5::h5check(H5Fopen(name.as_ptr(), flags, fapl.id()))?;
            hdf5::from_id::<File>(id)
        }
    })
}

/// Opens a file for writing (latest format). A file whose last writer was
/// killed is recovered as `h5clear -s --increment=0` would: flag cleared,
/// end-of-allocation set past everything in the file.
pub(super) fn open_rw(path: &Path) -> hdf5::Result<OpenRw> {
    let err = match File::with_options().with_fapl(fapl_latest).open_rw(path) {
        Ok(f) => return Ok(OpenRw::Clean(f)),
        Err(e) => e,
    };
    // A live writer holds the file's lock (the error is then about it);
    // only a killed one leaves these behind with the lock free.
    if !left_open(&err) {
        return Err(err);
    }
    let file = open_raw(path, H5F_ACC_RDWR, true, true)?;
    hdf5::sync::sync(|| hdf5::h5check(unsafe { H5Fincrement_filesize(file.id(), 0) }))?;
    Ok(OpenRw::Recovered(file))
}

/// Opens an hnn-mpi output file read-only, also while it is being written
/// or after its writer was killed: then in SWMR-read mode (what the writer
/// flushed is visible and consistent), or, if the writer was killed outside
/// SWMR mode, ignoring its open-for-writing flag. The file is not modified.
pub fn open_for_reading(path: impl AsRef<Path>) -> hdf5::Result<File> {
    let path = path.as_ref();
    let err = match File::open(path) {
        Ok(f) => return Ok(f),
        Err(e) => e,
    };
    if !left_open(&err) {
        return Err(err);
    }
    open_raw(path, H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, false, false)
        .or_else(|_| open_raw(path, H5F_ACC_RDONLY, true, true))
}
