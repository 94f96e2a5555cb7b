//! `[[network.electrode_arrays]]` (docs/configuration.md §4.8): one
//! `Network.add_electrode_array(name, electrode_pos, conductivity, method,
//! min_distance)` each, checked as hnn-core's `ExtracellularArray` checks
//! its arguments. Plain numbers: arrays are not swept.

use std::collections::BTreeMap;

use super::context::{idx, Ctx, Res};
use super::keys::ELECTRODE_ARRAY_KEYS;
use super::readers::{array, no_hint, plain_f64, string, table_array, type_err, Tbl};
use crate::config::raw::{Node, Value};
use crate::config::suggest::unknown_value;
use crate::config::types::{ElectrodeArray, LFP_METHODS};

/// Every array of `[[network.electrode_arrays]]`, names unique.
pub(super) fn parse_electrode_arrays(ctx: &mut Ctx, node: &Node) -> Res<Vec<ElectrodeArray>> {
    let path = "network.electrode_arrays";
    let mut out: Vec<ElectrodeArray> = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (i, t) in table_array(ctx, path, node)?.iter().enumerate() {
        let a = parse_one(ctx, t)?;
        if let Some(j) = seen.insert(a.name.clone(), i) {
            return Err(ctx.err_span(
                &t.sub("name"),
                t.key_span("name"),
                format!(
                    "array {:?} is already defined ({path}[{j}]); each array needs its own name",
                    a.name
                ),
            ));
        }
        out.push(a);
    }
    Ok(out)
}

fn parse_one(ctx: &mut Ctx, t: &Tbl) -> Res<ElectrodeArray> {
    t.check_keys(ctx, ELECTRODE_ARRAY_KEYS, &no_hint)?;
    let name_node = t
        .get(ctx, "name")
        .ok_or_else(|| t.missing(ctx, "name", "the array's name, a string"))?;
    let name = string(ctx, &t.sub("name"), name_node)?;
    if name.is_empty() || name.contains('/') {
        return Err(ctx.err_span(
            &t.sub("name"),
            name_node.span.as_ref(),
            format!("{name:?} is not a usable name (it names the HDF5 dataset /lfp/<name>: not empty, no '/')"),
        ));
    }
    let pos_path = t.sub("positions");
    let pos_node = t
        .get(ctx, "positions")
        .ok_or_else(|| t.missing(ctx, "positions", "µm, one [x, y, z] per contact"))?;
    let contacts = array(ctx, &pos_path, pos_node, "an array of [x, y, z] contacts")?;
    if contacts.is_empty() {
        return Err(ctx.err_span(
            &pos_path,
            pos_node.span.as_ref(),
            "empty: an electrode array needs at least one contact [x, y, z] (µm)",
        ));
    }
    let mut positions_um = Vec::with_capacity(contacts.len());
    for (i, c) in contacts.iter().enumerate() {
        let p = idx(&pos_path, i);
        let bad = |ctx: &Ctx| type_err(ctx, &p, c, "a contact [x, y, z] of three numbers (µm)");
        let Value::Array(xyz) = &c.value else {
            return Err(bad(ctx));
        };
        if xyz.len() != 3 {
            return Err(bad(ctx));
        }
        let mut v = [0.0; 3];
        for (k, x) in xyz.iter().enumerate() {
            v[k] = plain_f64(ctx, &idx(&p, k), x)?;
        }
        positions_um.push(v);
    }
    let conductivity = positive(ctx, t, "conductivity", 0.3, "S/m")?;
    let min_distance = positive(ctx, t, "min_distance", 0.5, "µm")?;
    let method = match t.get(ctx, "method") {
        Some(n) => {
            let s = string(ctx, &t.sub("method"), n)?;
            if !LFP_METHODS.contains(&s.as_str()) {
                return Err(ctx.err_span(
                    &t.sub("method"),
                    n.span.as_ref(),
                    unknown_value("method", &s, &LFP_METHODS, "methods"),
                ));
            }
            s
        }
        None => "psa".to_string(),
    };
    Ok(ElectrodeArray {
        name,
        positions_um,
        conductivity,
        method,
        min_distance,
    })
}

/// A plain number > 0 (hnn-core: "must be a positive number"), `default`
/// when left out.
fn positive(ctx: &mut Ctx, t: &Tbl, key: &str, default: f64, unit: &str) -> Res<f64> {
    let Some(n) = t.get(ctx, key) else {
        return Ok(default);
    };
    let v = plain_f64(ctx, &t.sub(key), n)?;
    if v > 0.0 {
        Ok(v)
    } else {
        Err(ctx.err_span(
            &t.sub(key),
            n.span.as_ref(),
            format!("must be a positive number ({unit}), got {v}"),
        ))
    }
}
