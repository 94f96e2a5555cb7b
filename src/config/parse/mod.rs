//! From the spanned TOML tree to the typed [`Config`](super::Config): unknown
//! keys, types, required keys, enumerations, per-cell-type tables,
//! references and the sweep's shape. Value ranges are checked afterwards, on
//! every resolved sweep point (`config/resolve.rs`), so literal and
//! referenced numbers get the same checks. One file per table of the config
//! (docs/configuration.md §3-§9):
//!
//! - `context.rs`: [`Ctx`], the parse state (file, text, key locations,
//!   references) and errors placed at a key.
//! - `readers.rs`: the generic readers (tables and their unknown-key check,
//!   arrays, strings, numbers or references, counts, per-cell-type tables).
//! - `keys.rs`: the keys each table may hold (the drive dynamics lists are
//!   borrowed by `network::hnn_json`).
//! - `document.rs`: the root table, defaults for the tables left out, TOML
//!   syntax errors.
//! - `simulation.rs`: `[simulation]`.
//! - `network.rs`: `[network]` (model, mesh, ERP drives, gains, parameters).
//! - `tonic_bias.rs`: `[[network.tonic_bias]]`.
//! - `electrodes.rs`: `[[network.electrode_arrays]]`.
//! - `connections.rs`: `[[network.connections]]` and their sources.
//! - `drives.rs`: `[[drives]]`.
//! - `sweep.rs`: `[sweep]` and `[sweep.params]`.
//! - `fit.rs`: `[fit]` and `[fit.params]`, and the references of a fit.
//! - `summary.rs`: `[summary]`.
//! - `output.rs`: `[output]`.
//! - `parallel.rs`: `[parallel]`.
//! - `references.rs`: `"$name"` references against `[sweep.params]`.
//!
//! Every "unknown ... — did you mean" message comes from `config/suggest.rs`.

mod connections;
mod context;
mod document;
mod drives;
mod electrodes;
mod fit;
mod keys;
mod network;
mod output;
mod parallel;
mod readers;
mod references;
mod simulation;
mod summary;
mod sweep;
mod tonic_bias;

pub(crate) use context::{locate_offset, Ctx};
pub(crate) use document::{parse_document, toml_error};
pub(crate) use fit::check_fit_references;
pub(crate) use keys::{BURSTY_KEYS, EVOKED_KEYS, POISSON_KEYS};
pub(crate) use references::check_references;
