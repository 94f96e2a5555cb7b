//! One external drive of a network file (`external_drives`, hnn-core's
//! `_read_external_drive`): its type, dynamics, seeds and per-type
//! weights, read by the rules of the matching TOML keys.

use std::collections::BTreeMap;

use super::json::{HnnJsonError, Json, Node, Owned, Res};
use crate::config::rules::{self, RuleResult};
use crate::network::description::NetworkDescription;
use crate::network::drives::{Drive, DriveDynamics, DriveSpec, PoissonRate};

const DRIVE_KEYS: &[&str] = &[
    "type",
    "location",
    "n_drive_cells",
    "event_seed",
    "conn_seed",
    "dynamics",
    "events",
    "weights_ampa",
    "weights_nmda",
    "synaptic_delays",
    "probability",
    "name",
    "target_types",
    "cell_specific",
    "space_constant",
];

/// A per-cell-type table (`{type: value}`), one number for every target
/// type, or null (none).
fn per_type(
    n: Option<Owned>,
    targets: &[String],
    rule: fn(f64) -> RuleResult<f64>,
) -> Res<BTreeMap<String, f64>> {
    let Some(n) = n else {
        return Ok(BTreeMap::new());
    };
    let n = n.node();
    match n.v {
        Json::Null => Ok(BTreeMap::new()),
        Json::Num(..) => {
            let x = n.checked(rule)?;
            Ok(targets.iter().map(|t| (t.clone(), x)).collect())
        }
        Json::Obj(_) => n
            .entries()?
            .iter()
            .map(|(k, v)| Ok((k.to_string(), v.node().checked(rule)?)))
            .collect(),
        _ => Err(n.expected("a number, an object cell type -> number, or null")),
    }
}

pub(super) fn parse_drive(
    name: &str,
    d: Node,
    gid_start: usize,
    n_drive_cells: usize,
    net: &NetworkDescription,
    tstop_ms: f64,
) -> Res<Drive> {
    d.only_keys(DRIVE_KEYS)?;
    let ty = d.get("type")?;
    let ty_s = ty.node().str()?;
    let cell_specific = d.get("cell_specific")?.node().bool()?;
    let targets = d.get("target_types")?.node().strings()?;
    for t in &targets {
        if net.population(t).is_none() {
            return Err(d
                .get("target_types")?
                .node()
                .err(format!("unknown cell type {t}")));
        }
    }
    let stored_n = d.get("n_drive_cells")?;
    if stored_n.node().usize()? != n_drive_cells {
        return Err(stored_n.node().err(format!(
            "{} drive cells, but the drive's gid range has {n_drive_cells}",
            stored_n.node().usize()?
        )));
    }
    let dy = d.get("dynamics")?;
    let dyn_node = dy.node();
    // every value by the rule its TOML key has (config/rules.rs)
    let f = |k: &str, rule: fn(f64) -> RuleResult<f64>| -> Res<f64> {
        dyn_node.get(k)?.node().checked(rule)
    };
    let count =
        |k: &str| -> Res<usize> { dyn_node.get(k)?.node().checked_usize(rules::at_least_one) };
    // `simulate_dipole` replaces a drive's `tstop = None` by the
    // simulation's tstop, which must not precede the drive's tstart
    let tstop_or_sim = |tstart: f64| -> Res<f64> {
        let t = dyn_node.get("tstop")?;
        if t.node().is_null() {
            if ty_s == "poisson" {
                let start = dyn_node.get("tstart")?;
                rules::poisson_start_within(tstart, tstop_ms)
                    .map_err(|e| start.node().err(e.to_string()))?;
            }
            Ok(tstop_ms)
        } else {
            let v = t.node().checked(rules::non_negative)?;
            rules::not_before("tstop", v, "tstart", tstart).map_err(|e| t.node().err(e.to_string()))
        }
    };
    let dynamics = match ty_s {
        // 'gaussian' is hnn-core's legacy name, read as evoked
        "evoked" | "gaussian" => {
            dyn_node.only_keys(crate::config::EVOKED_KEYS)?;
            DriveDynamics::Evoked {
                mu: f("mu", rules::finite)?,
                sigma: f("sigma", rules::std_dev)?,
                numspikes: count("numspikes")?,
            }
        }
        "poisson" => {
            dyn_node.only_keys(crate::config::POISSON_KEYS)?;
            let rc = dyn_node.get("rate_constant")?;
            let rate_constant = match rc.v {
                Json::Num(..) if cell_specific => {
                    // add_poisson_drive turns one rate into a per-type table
                    let x = rc.node().checked(rules::positive)?;
                    PoissonRate::PerTargetType(targets.iter().map(|t| (t.clone(), x)).collect())
                }
                Json::Num(..) => PoissonRate::Constant(rc.node().checked(rules::positive)?),
                Json::Obj(_) if cell_specific => {
                    PoissonRate::PerTargetType(per_type(Some(rc), &targets, rules::positive)?)
                }
                Json::Obj(_) => {
                    return Err(rc.node().err(
                        "a per-cell-type rate_constant needs cell_specific = true \
                         (hnn-core's add_poisson_drive)",
                    ))
                }
                _ => {
                    return Err(rc
                        .node()
                        .expected("a number or an object cell type -> rate"))
                }
            };
            let tstart = f("tstart", rules::non_negative)?;
            DriveDynamics::Poisson {
                tstart,
                tstop: tstop_or_sim(tstart)?,
                rate_constant,
            }
        }
        "bursty" => {
            dyn_node.only_keys(crate::config::BURSTY_KEYS)?;
            let tstart = f("tstart", rules::non_negative)?;
            let burst_rate = f("burst_rate", rules::positive)?;
            let numspikes = count("numspikes")?;
            let spike_isi = f("spike_isi", rules::non_negative)?;
            let isi = dyn_node.get("spike_isi")?;
            rules::burst_fits(numspikes, spike_isi, burst_rate).map_err(|m| isi.node().err(m))?;
            DriveDynamics::Bursty {
                tstart,
                tstart_std: f("tstart_std", rules::std_dev)?,
                tstop: tstop_or_sim(tstart)?,
                burst_rate,
                burst_std: f("burst_std", rules::std_dev)?,
                numspikes,
                spike_isi,
            }
        }
        "spike_train" => {
            return Err(ty.node().err(
                "spike_train drives in network files are not supported (hnn-core 0.6.1's \
                 read_network_configuration cannot read them back either); give the drive \
                 as a [[drives]] entry with type = \"spike_train\"",
            ))
        }
        other => return Err(ty.node().err(format!("unknown drive type {other:?}"))),
    };
    let seed = |k: &str| -> Res<u64> {
        let n = d.get(k)?;
        if n.node().is_null() {
            Ok(0)
        } else {
            Ok(n.node().usize()? as u64)
        }
    };
    let event_seed = seed("event_seed")?;
    rules::event_seed(event_seed).map_err(|e| {
        d.get("event_seed")
            .map_or_else(|err| err, |n| n.node().err(e.to_string()))
    })?;
    let spec = DriveSpec {
        name: name.to_string(),
        dynamics,
        location: d.get("location")?.node().str()?.to_string(),
        n_drive_cells: (!cell_specific).then_some(n_drive_cells),
        cell_specific,
        weights_ampa: per_type(d.opt("weights_ampa")?, &targets, rules::non_negative)?,
        weights_nmda: per_type(d.opt("weights_nmda")?, &targets, rules::non_negative)?,
        synaptic_delays: per_type(d.opt("synaptic_delays")?, &targets, rules::non_negative)?,
        // informational: the drive's connections are the file's
        space_constant: match d.opt("space_constant")? {
            Some(s) if !s.node().is_null() => s.node().checked(rules::positive)?,
            _ => f64::NAN,
        },
        probability: per_type(d.opt("probability")?, &targets, rules::probability)?,
        event_seed,
        conn_seed: seed("conn_seed")?,
    };
    Ok(Drive {
        name: name.to_string(),
        spec,
        gid_start,
        n_drive_cells,
        target_types: targets,
    })
}

/// A cell-specific drive cell draws its events for the one cell type it
/// connects to (`_instantiate_drives`); hnn-core appends one event list per
/// target type, so a drive cell connected to several types would shift
/// every later cell's events: refuse that.
pub(super) fn check_cell_specific_drives(net: &NetworkDescription, root: Node) -> Res<()> {
    for d in net.drives.iter().filter(|d| d.spec.cell_specific) {
        for gid in d.gid_start..d.gid_start + d.n_drive_cells {
            let mut types: Vec<&str> = net
                .connections
                .iter()
                .filter(|c| c.gid_pairs.iter().any(|(s, _)| *s == gid))
                .map(|c| c.target_type.as_str())
                .collect();
            types.sort_unstable();
            types.dedup();
            if types.len() > 1 {
                return Err(HnnJsonError {
                    file: root.file.to_path_buf(),
                    field: format!("external_drives.{}", d.name),
                    message: format!(
                        "cell-specific drive cell {gid} connects to several cell types ({}); \
                         hnn-core 0.6.1 then misaligns the drive's event lists",
                        types.join(", ")
                    ),
                });
            }
        }
    }
    Ok(())
}
