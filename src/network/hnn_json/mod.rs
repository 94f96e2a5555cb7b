//! `[network] hnn_json = "file.json"`: a network written by hnn-core 0.6.1's
//! `Network.write_configuration` (`hnn_core/hnn_io.py`, `network_to_dict`),
//! read into a [`NetworkDescription`] as `read_network_configuration`
//! (`dict_to_network`) rebuilds it, with the differences below.
//!
//! What the file holds and how each part is used:
//!
//! - `cell_types`: per cell type a `Cell.to_dict()` (`cell_object`: sections
//!   with `L`, `diam`, `cm`, `Ra`, `v0`, `end_pts`, `mechs`, `syns`;
//!   `synapses`, `cell_tree`, `sect_loc`) and `cell_metadata`
//!   (`measure_dipole`); the pre-metadata format (cell dict directly) is read
//!   with hnn-core's per-name metadata (`_read_cell_types`). Mechanism values
//!   are numbers, or `[segment x, segment values]` for the distance rules,
//!   which the `Cell` constructor had already evaluated
//!   (`_compute_section_mechs`); `Cell._set_biophysics` sets those values
//!   segment by segment. `nseg` follows from `L` (`Section.__init__`
//!   recomputes it; the stored value is only checked).
//! - `pos_dict`, `gid_ranges`: positions (in-plane units for x, y; µm for z)
//!   and gids of every cell type and drive. hnn-core's `Network` constructor
//!   hard-codes `_inplane_distance = 1.0`, which is not in the file.
//! - `connectivity`: every connection with its explicit `gid_pairs`, as
//!   stored: these are the network that was written, probability-drawn
//!   pairs included. (hnn-core 0.6.1's reader re-adds each connection with
//!   `add_connection(..., probability=p)` and no seed, which prunes a
//!   connection stored with p < 1 a second time with an unseeded RNG; that
//!   is not reproducible and not what the file describes.)
//! - `external_drives`: type, `dynamics`, `event_seed`, cell specificity and
//!   target types. The file stores no event times (`write_configuration`
//!   empties `events`, and the reader discards any): they are drawn on every
//!   simulation from the dynamics and seeds (`Network._instantiate_drives`),
//!   exactly as for drives of the TOML. Drive connections come from
//!   `connectivity` (the reader replaces the connections `add_*_drive`
//!   makes by the file's).
//! - `external_biases`: tonic biases (`{bias name: {cell type: {amplitude,
//!   t0, tstop, section}}}`), `threshold`, `delay`, `celsius`, `N_pyr_x`,
//!   `N_pyr_y` (the dipole's baseline renormalisation).
//! - Ignored, as hnn-core's reader ignores them: `cell_response` (outputs),
//!   drive `events`, the recording fields of each cell (`vsec`, `isec`,
//!   `ca`, `dipole_pp`, `tonic_biases`, `gid`, `pos`, `name`).
//!
//! Refused with an error that names the field: anything hnn-mpi cannot
//! reproduce (electrode arrays `rec_arrays`, mechanisms or mechanism
//! parameters the engine lacks, `spike_train` drives — which hnn-core
//! 0.6.1's reader cannot read back either —, per-connection spike
//! thresholds other than the network's, dipoles of cell types other than
//! `L2_pyramidal`/`L5_pyramidal`), unknown keys, and malformed content.
//!
//! Files (each one part of the file format):
//! - `json.rs`: the ordered JSON value, field paths and typed accessors, and
//!   [`HnnJsonError`].
//! - `top_level.rs`: the file as a whole: its keys, gid ranges, cell types and
//!   positions, the order in which the parts are read, tonic biases.
//! - `cells.rs`: one cell type (`cell_object`): sections, tree, mechanisms,
//!   synapses.
//! - `drives.rs`: one external drive, and the cell-specific drive check.
//! - `connections.rs`: one `connectivity` entry.

use std::path::Path;

use super::build_error::NetworkBuildError;
use super::description::NetworkDescription;
use super::mechanism_catalogue::MechanismCatalogue;
use crate::config::rules;

mod cells;
mod connections;
mod drives;
mod json;
mod top_level;

pub use json::HnnJsonError;
use json::{Json, Node, Res};

/// Read the network file at `path`. `tstop_ms` replaces a drive's
/// `tstop = null` (as `simulate_dipole` does); `mechanisms` are the ones the
/// engine has, against which the sections' `mechs` are checked as they are
/// read.
pub fn read_network(
    path: &Path,
    tstop_ms: f64,
    mechanisms: &dyn MechanismCatalogue,
) -> Res<NetworkDescription> {
    let file_err = |message: String| HnnJsonError {
        file: path.to_path_buf(),
        field: String::new(),
        message,
    };
    let text = rules::read_input_file(path)
        .map_err(|e| file_err(format!("cannot read the network file: {e}")))?;
    let json: Json =
        serde_json::from_str(&text).map_err(|e| file_err(format!("not a valid JSON file: {e}")))?;
    let root = Node {
        v: &json,
        path: "",
        file: path,
    };
    top_level::parse_network(root, tstop_ms, mechanisms)
}

/// The network of `[network] hnn_json = path` for one simulation; an error
/// (the file's, or a config key that cannot apply to a network file) names
/// the config key.
pub fn network_for_config(
    cfg: &crate::config::ResolvedConfig,
    config: &crate::config::Config,
    path: &Path,
    mechanisms: &dyn MechanismCatalogue,
) -> Result<NetworkDescription, NetworkBuildError> {
    if cfg.network.params_file.is_some() {
        return Err(NetworkBuildError::new(
            "network.params_file",
            "HNN parameter files set the parameters of a built-in model; a network file \
             (`hnn_json`) holds its own",
        ));
    }
    if let Some(key) = cfg.network.params.keys().next() {
        return Err(NetworkBuildError::new(
            format!("network.params.{key}"),
            "`[network.params]` sets parameters of a built-in model; a network file \
             (`hnn_json`) holds its own",
        ));
    }
    let full = config.input_path(path);
    let net = read_network(&full, cfg.simulation.tstop, mechanisms)
        .map_err(|e| NetworkBuildError::new("network.hnn_json", e.to_string()))?;
    // hnn-core simulates at the network's temperature (`h.celsius =
    // net._params['celsius']`): refuse a config that says otherwise rather
    // than pick one silently.
    if net.celsius != cfg.simulation.celsius {
        return Err(NetworkBuildError::new(
            "simulation.celsius",
            format!(
                "the network file {} says celsius = {}, the config {} (default 37): set \
                 [simulation] celsius = {}",
                full.display(),
                net.celsius,
                cfg.simulation.celsius,
                net.celsius
            ),
        ));
    }
    Ok(net)
}
