//! `[[network.connections]]` (docs/configuration.md §4.7): one
//! `Network.add_connection` call each; their sources are checked once the
//! drives are known (a source may be a drive).

use super::context::{Ctx, Res};
use super::keys::CONNECTION_KEYS;
use super::readers::{boolean, check_cell_type, num_uint, string, Tbl};
use crate::config::suggest::{unknown_name, unknown_value};
use crate::config::types::{Connection, Drive, Network, Unresolved, ERP_DRIVE_NAMES, RECEPTORS};

pub(super) fn parse_connection(ctx: &mut Ctx, t: &Tbl) -> Res<Connection<Unresolved>> {
    t.check_keys(ctx, CONNECTION_KEYS, &|k| match k {
        "src_gids" | "source" => {
            Some("unknown key; did you mean `src` (a cell type or drive name)?".into())
        }
        "target_gids" => Some("unknown key; did you mean `target` (a cell type)?".into()),
        _ => None,
    })?;
    let req_str = |ctx: &mut Ctx, key: &str, what: &str| -> Res<String> {
        let n = t.get(ctx, key).ok_or_else(|| t.missing(ctx, key, what))?;
        string(ctx, &t.sub(key), n)
    };
    let src = req_str(ctx, "src", "source cell type or drive name")?;
    let target = req_str(ctx, "target", "target cell type")?;
    let target_span = t.get(ctx, "target").and_then(|n| n.span.as_ref());
    check_cell_type(ctx, &t.sub("target"), target_span, &target)?;
    let loc = req_str(ctx, "loc", "proximal, distal or a section name")?;
    let receptor = req_str(ctx, "receptor", "ampa, nmda, gabaa or gabab")?;
    if !RECEPTORS.contains(&receptor.as_str()) {
        return Err(ctx.err(
            &t.sub("receptor"),
            unknown_value("receptor", &receptor, &RECEPTORS, "receptors"),
        ));
    }
    let weight = t.required_num(ctx, "weight", "synaptic weight, µS")?;
    let delay = t.num_or(ctx, "delay", 1.0)?;
    let lamtha = t.required_num(ctx, "lamtha", "space constant")?;
    let probability = t.num_or(ctx, "probability", 1.0)?;
    let gain = t.num_or(ctx, "gain", 1.0)?;
    let conn_seed = match t.get(ctx, "conn_seed") {
        Some(n) => Some(num_uint(ctx, &t.sub("conn_seed"), n)?),
        None => None,
    };
    let allow_autapses = match t.get(ctx, "allow_autapses") {
        Some(n) => boolean(ctx, &t.sub("allow_autapses"), n)?,
        None => true,
    };
    Ok(Connection {
        src,
        target,
        loc,
        receptor,
        weight,
        delay,
        lamtha,
        probability,
        conn_seed,
        allow_autapses,
        gain,
    })
}

pub(super) fn check_connection_sources(
    ctx: &Ctx,
    network: &Network<Unresolved>,
    drives: &[Drive<Unresolved>],
) -> Res<()> {
    let Some(types) = ctx.cell_types else {
        return Ok(());
    };
    let mut sources: Vec<&str> = types.to_vec();
    if network.erp_drives.is_some() {
        sources.extend(ERP_DRIVE_NAMES);
    }
    sources.extend(drives.iter().map(|d| d.name.as_str()));
    for (i, c) in network.connections.iter().enumerate() {
        if !sources.contains(&c.src.as_str()) {
            let path = format!("network.connections[{i}].src");
            return Err(ctx.err(
                &path,
                unknown_name("source", &c.src, &sources, "a cell type or drive name"),
            ));
        }
    }
    Ok(())
}
