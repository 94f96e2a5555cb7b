//! `[network]` (docs/configuration.md §4): the model or `hnn_json` file,
//! `mesh_shape`, `erp_drives`, `[network.global_gains]`, the HNN parameters
//! (`params_file`, `[network.params]`), and the arrays of tables
//! `[[network.tonic_bias]]`, `[[network.connections]]` and
//! `[[network.electrode_arrays]]` (their own files).

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::connections::parse_connection;
use super::context::{join, Ctx, Res};
use super::electrodes::parse_electrode_arrays;
use super::keys::{ERP_DRIVES_KEYS, GLOBAL_GAINS_KEYS, NETWORK_KEYS};
use super::readers::{no_hint, num, num_usize, string, table, table_array, type_err};
use super::tonic_bias::parse_tonic_bias;
use crate::config::raw::{Node, Value};
use crate::config::suggest::unknown_value;
use crate::config::types::{
    ErpDrives, GlobalGains, ModelName, ModelSource, Network, Num, PerCellType, Unresolved,
};

pub(super) fn parse_network(ctx: &mut Ctx, node: &Node) -> Res<Network<Unresolved>> {
    let t = table(ctx, "network", node)?;
    t.check_keys(ctx, NETWORK_KEYS, &|k| match k {
        "drives" => Some("unknown key; drives are written as [[drives]] at the top level".into()),
        "gains" => Some("unknown key; did you mean `global_gains`?".into()),
        _ => None,
    })?;
    let model_node = t.get(ctx, "model");
    let json_node = t.get(ctx, "hnn_json");
    let model = match (model_node, json_node) {
        (Some(_), Some(_)) => {
            return Err(ctx.err_span(
                "network.hnn_json",
                t.key_span("hnn_json"),
                "`hnn_json` replaces `model`: give one of them, not both",
            ))
        }
        (None, Some(j)) => {
            let p = string(ctx, "network.hnn_json", j)?;
            ctx.cell_types = None;
            ModelSource::HnnJson(PathBuf::from(p))
        }
        (Some(m), None) => {
            let s = string(ctx, "network.model", m)?;
            match ModelName::from_name(&s) {
                Some(m) => ModelSource::Builtin(m),
                None => {
                    let names: Vec<&str> = ModelName::ALL.iter().map(|m| m.as_str()).collect();
                    return Err(ctx.err_span(
                        "network.model",
                        m.span.as_ref(),
                        unknown_value("model", &s, &names, "models"),
                    ));
                }
            }
        }
        (None, None) => ModelSource::Builtin(ModelName::Jones2009),
    };
    let is_json = matches!(model, ModelSource::HnnJson(_));

    let mesh_shape = match t.get(ctx, "mesh_shape") {
        Some(n) => {
            if is_json {
                return Err(ctx.err_span(
                    "network.mesh_shape",
                    t.key_span("mesh_shape"),
                    "not allowed with `hnn_json` (the network file fixes the cell positions)",
                ));
            }
            let bad = || {
                ctx.err_span(
                    "network.mesh_shape",
                    n.span.as_ref(),
                    "must be two positive integers [n_x, n_y]",
                )
            };
            let Value::Array(items) = &n.value else {
                return Err(bad());
            };
            if items.len() != 2 {
                return Err(bad());
            }
            [
                num_usize(ctx, "network.mesh_shape[0]", &items[0])?,
                num_usize(ctx, "network.mesh_shape[1]", &items[1])?,
            ]
        }
        None => [Num::Value(10), Num::Value(10)],
    };

    let erp_drives = match t.get(ctx, "erp_drives") {
        None => None,
        Some(n) => match &n.value {
            Value::Boolean(true) => Some(ErpDrives {
                tstart: Num::Value(0.0),
            }),
            Value::Boolean(false) => None,
            Value::Table(_) => {
                let e = table(ctx, "network.erp_drives", n)?;
                e.check_keys(ctx, ERP_DRIVES_KEYS, &no_hint)?;
                let tstart = match e.get(ctx, "tstart") {
                    Some(v) => num(ctx, "network.erp_drives.tstart", v)?,
                    None => Num::Value(0.0),
                };
                Some(ErpDrives { tstart })
            }
            _ => {
                return Err(type_err(
                    ctx,
                    "network.erp_drives",
                    n,
                    "true, false or { tstart = ms }",
                ))
            }
        },
    };

    let mut global_gains = GlobalGains {
        e_e: None,
        e_i: None,
        i_e: None,
        i_i: None,
    };
    if let Some(n) = t.get(ctx, "global_gains") {
        let g = table(ctx, "network.global_gains", n)?;
        g.check_keys(ctx, GLOBAL_GAINS_KEYS, &no_hint)?;
        for (key, slot) in [
            ("e_e", &mut global_gains.e_e),
            ("e_i", &mut global_gains.e_i),
            ("i_e", &mut global_gains.i_e),
            ("i_i", &mut global_gains.i_i),
        ] {
            if let Some(v) = g.get(ctx, key) {
                *slot = Some(num(ctx, &g.sub(key), v)?);
            }
        }
    }

    let mut tonic_bias = Vec::new();
    if let Some(n) = t.get(ctx, "tonic_bias") {
        for b in table_array(ctx, "network.tonic_bias", n)? {
            tonic_bias.push(parse_tonic_bias(ctx, &b)?);
        }
        let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
        for (i, b) in tonic_bias.iter().enumerate() {
            let types: Vec<String> = match &b.amplitude {
                PerCellType::All(_) => b.cell_type.iter().cloned().collect(),
                PerCellType::ByType(m) => m.keys().cloned().collect(),
            };
            for ct in types {
                if let Some(j) = seen.insert((b.bias_name.clone(), ct.clone()), i) {
                    return Err(ctx.err(
                        &format!("network.tonic_bias[{i}]"),
                        format!(
                            "bias {:?} is already defined for {ct} (network.tonic_bias[{j}]); \
                             give one of them another `bias_name`",
                            b.bias_name
                        ),
                    ));
                }
            }
        }
    }

    let mut connections = Vec::new();
    if let Some(n) = t.get(ctx, "connections") {
        for c in table_array(ctx, "network.connections", n)? {
            connections.push(parse_connection(ctx, &c)?);
        }
    }

    let params_file = match t.get(ctx, "params_file") {
        Some(n) => {
            if is_json {
                return Err(ctx.err_span(
                    "network.params_file",
                    t.key_span("params_file"),
                    "not allowed with `hnn_json` (parameters override a built-in model's defaults)",
                ));
            }
            Some(PathBuf::from(string(ctx, "network.params_file", n)?))
        }
        None => None,
    };
    let mut params = BTreeMap::new();
    if let Some(n) = t.get(ctx, "params") {
        if is_json {
            return Err(ctx.err_span(
                "network.params",
                t.key_span("params"),
                "not allowed with `hnn_json` (parameters override a built-in model's defaults)",
            ));
        }
        let p = table(ctx, "network.params", n)?;
        for (k, v) in p.entries {
            let path = join("network.params", &k.name);
            ctx.note(&path, v.span.as_ref().or(k.span.as_ref()));
            params.insert(k.name.clone(), num(ctx, &path, v)?);
        }
    }

    let electrode_arrays = match t.get(ctx, "electrode_arrays") {
        Some(n) => parse_electrode_arrays(ctx, n)?,
        None => Vec::new(),
    };

    Ok(Network {
        model,
        mesh_shape,
        erp_drives,
        global_gains,
        tonic_bias,
        connections,
        params_file,
        params,
        electrode_arrays,
    })
}
