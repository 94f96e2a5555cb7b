//! Closing the file: the spike CSR built from the work area, a last flush,
//! then the writer lock released (docs/output_format.md §6).

use super::error::OutputError;
use super::file::OutputFile;
use super::hdf5_util::h5;

impl OutputFile {
    /// Finalises the file: builds the spike CSR (simulations not done get
    /// empty entries), flushes and closes. The file can still be resumed
    /// afterwards.
    pub fn close(mut self) -> Result<(), OutputError> {
        let path = self.path.clone();
        if let Some(sp) = self.spikes.as_mut() {
            h5(sp.finish(&self.file, &self.status), &path, || {
                "building the spike CSR".into()
            })?;
        }
        h5(self.file.flush(), &path, || "flushing the file".into())?;
        let OutputFile {
            file,
            ds_status,
            ds_errors,
            dipole,
            traces,
            summary,
            spikes,
            _lock,
            ..
        } = self;
        drop((ds_status, ds_errors, dipole, traces, summary, spikes));
        let closed = h5(file.close(), &path, || "closing the file".into());
        drop(_lock);
        closed
    }
}
