//! Small HDF5 helpers of every part of the writer: an HDF5 error with its
//! path and context, attributes written and read, strings, compression.

use std::path::Path;

use hdf5::types::VarLenUnicode;

use super::error::OutputError;

pub(super) fn h5<T>(
    r: hdf5::Result<T>,
    path: &Path,
    context: impl FnOnce() -> String,
) -> Result<T, OutputError> {
    r.map_err(|source| OutputError::Hdf5 {
        path: path.to_path_buf(),
        context: context(),
        source,
    })
}

pub(super) fn vlen(s: &str) -> VarLenUnicode {
    // NUL cannot be stored in a C string; anything else can.
    s.replace('\0', "\u{FFFD}")
        .parse()
        .expect("NUL characters were replaced")
}

pub(super) fn attr_f64(loc: &hdf5::Location, name: &str, v: f64) -> hdf5::Result<()> {
    loc.new_attr::<f64>().create(name)?.write_scalar(&v)
}

fn has_attr(loc: &hdf5::Location, name: &str) -> bool {
    loc.attr_names()
        .map(|n| n.iter().any(|a| a == name))
        .unwrap_or(false)
}

pub(super) fn read_attr_str(loc: &hdf5::Location, name: &str) -> Option<String> {
    if !has_attr(loc, name) {
        return None;
    }
    loc.attr(name)
        .and_then(|a| a.read_scalar::<VarLenUnicode>())
        .ok()
        .map(|v| v.as_str().to_string())
}

pub(super) fn read_attr_i64(loc: &hdf5::Location, name: &str) -> Option<i64> {
    if !has_attr(loc, name) {
        return None;
    }
    loc.attr(name).and_then(|a| a.read_scalar::<i64>()).ok()
}

pub(super) fn set_attr_i64(loc: &hdf5::Location, name: &str, v: i64) -> hdf5::Result<()> {
    loc.new_attr::<i64>().create(name)?.write_scalar(&v)
}

pub(super) fn set_attr_str(loc: &hdf5::Location, name: &str, v: &str) -> hdf5::Result<()> {
    let v: VarLenUnicode = v
        .parse()
        .map_err(|_| hdf5::Error::from(format!("attribute `{name}` contains a NUL character")))?;
    loc.new_attr::<VarLenUnicode>()
        .create(name)?
        .write_scalar(&v)
}

/// Shuffle + deflate at `level`, or no filter: the one compression choice
/// of every chunked dataset of the file.
pub(super) fn compressed(
    b: hdf5::DatasetBuilderEmpty,
    deflate: Option<u8>,
) -> hdf5::DatasetBuilderEmpty {
    match deflate {
        Some(level) => b.shuffle().deflate(level),
        None => b,
    }
}
