//! The root table: which tables the file has (a top-level key that belongs
//! in a table gets a hint), each one parsed by its section's file, defaults
//! for the tables left out; and TOML syntax errors placed at their line.

use super::connections::check_connection_sources;
use super::context::{Ctx, Res};
use super::drives::parse_drives;
use super::fit::parse_fit;
use super::keys::TOP_KEYS;
use super::network::parse_network;
use super::output::{default_output, parse_output};
use super::parallel::parse_parallel;
use super::readers::table;
use super::simulation::parse_simulation;
use super::summary::parse_summary;
use super::sweep::parse_sweep;
use crate::config::error::ConfigError;
use crate::config::fit::Fit;
use crate::config::raw::{Node, Value};
use crate::config::types::{
    Drive, Network, Num, Numerics, Output, Parallel, SaveItem, Simulation, Summary, Sweep,
    Unresolved,
};

/// Everything `Config` holds, before the cross-checks.
pub(crate) struct Parsed {
    pub simulation: Simulation<Unresolved>,
    pub numerics: Numerics,
    pub network: Network<Unresolved>,
    pub drives: Vec<Drive<Unresolved>>,
    pub sweep: Option<Sweep>,
    pub summary: Summary,
    pub output: Output,
    pub parallel: Parallel,
    pub fit: Option<Fit>,
}

/// A TOML syntax error, at its line when the parser gives a span.
pub(crate) fn toml_error(ctx: &Ctx, e: &toml::de::Error) -> ConfigError {
    let mut msg = e.message().trim().replace('\n', "; ");
    if msg.contains("$__toml_private_datetime") {
        msg = "dates and times are not config values".to_string();
    }
    let mut err = ctx.err_span("", e.span().as_ref(), format!("invalid TOML: {msg}"));
    if e.span().is_none() {
        err.line = None;
    }
    err
}

/// Parse every table of the document (`output_stem`: the config file's
/// stem, for the default output path).
pub(crate) fn parse_document(ctx: &mut Ctx, root: &Node, output_stem: &str) -> Res<Parsed> {
    let root = table(ctx, "", root)?;
    root.check_keys(ctx, TOP_KEYS, &|k| match k {
        "drive" => Some("unknown key; did you mean `drives` (written [[drives]])?".into()),
        "tstop" | "dt" | "n_trials" | "celsius" | "numerics" => {
            Some(format!("unknown key; `{k}` belongs in [simulation]"))
        }
        "model" | "mesh_shape" | "erp_drives" | "hnn_json" | "params_file" => {
            Some(format!("unknown key; `{k}` belongs in [network]"))
        }
        "stats" | "smooth_window_ms" | "reference" | "f_bands" => {
            Some(format!("unknown key; `{k}` belongs in [summary]"))
        }
        "save" | "path" => Some(format!("unknown key; `{k}` belongs in [output]")),
        "ranks_per_sim" => Some("unknown key; `ranks_per_sim` belongs in [parallel]".into()),
        "params" | "mode" => Some(format!("unknown key; `{k}` belongs in [sweep]")),
        _ => None,
    })?;

    let (simulation, numerics) = match root.get(ctx, "simulation") {
        Some(n) => parse_simulation(ctx, n)?,
        None => (
            Simulation {
                tstop: Num::Value(170.0),
                dt: Num::Value(0.025),
                n_trials: Num::Value(1),
                celsius: Num::Value(37.0),
            },
            Numerics::Exact,
        ),
    };
    let network = match root.get(ctx, "network") {
        Some(n) => parse_network(ctx, n)?,
        None => parse_network(
            ctx,
            &Node {
                span: None,
                value: Value::Table(Vec::new()),
            },
        )?,
    };
    let drives = match root.get(ctx, "drives") {
        Some(n) => parse_drives(ctx, n, &network)?,
        None => Vec::new(),
    };
    // Connections may come from drives: check their sources now.
    check_connection_sources(ctx, &network, &drives)?;
    let sweep = match root.get(ctx, "sweep") {
        Some(n) => Some(parse_sweep(ctx, n)?),
        None => None,
    };
    let summary = match root.get(ctx, "summary") {
        Some(n) => parse_summary(ctx, n)?,
        None => Summary {
            smooth_window_ms: None,
            stats: Vec::new(),
            reference: None,
            f_bands: Vec::new(),
        },
    };
    let output = match root.get(ctx, "output") {
        Some(n) => parse_output(ctx, n, output_stem)?,
        None => Output {
            path: default_output(output_stem),
            save: vec![SaveItem::Dipole],
        },
    };
    let fit = match root.get(ctx, "fit") {
        Some(n) => {
            if root.has("sweep") {
                return Err(ctx.err_span(
                    "fit",
                    root.key_span("fit"),
                    "a config has [fit] or [sweep], not both: a fit chooses its own \
                     parameter points (its search space is [fit.params])",
                ));
            }
            Some(parse_fit(ctx, n)?)
        }
        None => None,
    };
    let parallel = match root.get(ctx, "parallel") {
        Some(n) => parse_parallel(ctx, n)?,
        None => Parallel { ranks_per_sim: 1 },
    };
    Ok(Parsed {
        simulation,
        numerics,
        network,
        drives,
        sweep,
        summary,
        output,
        parallel,
        fit,
    })
}
