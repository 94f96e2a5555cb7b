//! One connection of a network file (`connectivity`, hnn-core's
//! `_read_connectivity`): its explicit gid pairs, location, receptor and
//! `nc_dict`.

use super::json::{Node, Res};
use crate::config::rules;
use crate::network::description::{Connection, ConnectionParams, NetworkDescription};

const CONN_KEYS: &[&str] = &[
    "target_type",
    "target_gids",
    "num_targets",
    "src_type",
    "src_gids",
    "num_srcs",
    "gid_pairs",
    "loc",
    "receptor",
    "nc_dict",
    "allow_autapses",
    "probability",
];

pub(super) fn parse_connection(c: Node, net: &NetworkDescription) -> Res<Connection> {
    c.only_keys(CONN_KEYS)?;
    let gp = c.get("gid_pairs")?;
    let mut gid_pairs = Vec::new();
    for (src, targets) in gp.node().entries()? {
        let s: usize = src.parse().map_err(|_| {
            targets
                .node()
                .err("a source gid must be a non-negative integer")
        })?;
        let t: Vec<usize> = targets
            .node()
            .items()?
            .iter()
            .map(|x| x.node().usize())
            .collect::<Res<_>>()?;
        gid_pairs.push((s, t));
    }
    let src_type = c.get("src_type")?.node().str()?.to_string();
    let target_type = c.get("target_type")?.node().str()?.to_string();
    let Some((s0, s1)) = net.gid_range(&src_type) else {
        return Err(c
            .get("src_type")?
            .node()
            .err(format!("unknown cell type or drive {src_type}")));
    };
    let Some(target) = net.population(&target_type) else {
        return Err(c
            .get("target_type")?
            .node()
            .err(format!("unknown cell type {target_type}")));
    };
    let (t0, t1) = (target.gid_start, target.gid_start + target.positions.len());
    for (s, targets) in &gid_pairs {
        if !(s0..s1).contains(s) {
            return Err(gp.node().err(format!(
                "source gid {s} is not a {src_type} gid [{s0}, {s1})"
            )));
        }
        if let Some(t) = targets.iter().find(|t| !(t0..t1).contains(*t)) {
            return Err(gp.node().err(format!(
                "target gid {t} (of source {s}) is not a {target_type} gid [{t0}, {t1})"
            )));
        }
    }
    let loc = c.get("loc")?.node().str()?.to_string();
    let receptor = c.get("receptor")?.node().str()?.to_string();
    let tpl = &target.template;
    let Some(sections) = tpl
        .location_sections(&loc)
        .or_else(|| tpl.section_index(&loc).map(|_| vec![loc.clone()]))
    else {
        return Err(c.get("loc")?.node().err(format!(
            "'{loc}' is not a location or section of {target_type} cells"
        )));
    };
    for s in &sections {
        let spec = &tpl.sections[tpl.section_index(s).expect("checked")];
        if !spec.receptors.iter().any(|r| r == &receptor) {
            return Err(c.get("receptor")?.node().err(format!(
                "{target_type} cells have no '{receptor}' synapse on {s}"
            )));
        }
    }
    let nc = c.get("nc_dict")?;
    let nc = nc.node();
    nc.only_keys(&["A_delay", "A_weight", "lamtha", "threshold", "gain"])?;
    if let Some(t) = nc.opt("threshold")? {
        let th = t.node().f64()?;
        // NEURON keeps one threshold per spike source (the NetCons of a
        // source share its PreSyn): only the network's is reproduced.
        if th != net.threshold {
            return Err(t.node().err(format!(
                "a connection threshold ({th} mV) other than the network's ({} mV) is not \
                 supported",
                net.threshold
            )));
        }
    }
    let gain = match nc.opt("gain")? {
        Some(g) => g.node().checked(rules::non_negative)?,
        None => 1.0,
    };
    Ok(Connection {
        src_type,
        target_type,
        gid_pairs,
        loc,
        receptor,
        params: ConnectionParams {
            a_weight: nc.get("A_weight")?.node().checked(rules::non_negative)?,
            a_delay: nc.get("A_delay")?.node().checked(rules::non_negative)?,
            lamtha: nc.get("lamtha")?.node().checked(rules::positive)?,
            threshold: net.threshold,
            gain,
        },
        probability: c.get("probability")?.node().checked(rules::probability)?,
    })
}
