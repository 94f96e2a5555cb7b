//! One cell type of a network file (`Cell.to_dict()`, hnn_core/cell.py):
//! sections with their mechanisms and synapses, the section tree and the
//! synapse locations; mechanism and parameter names are checked against the
//! engine's catalogue as they are read.

use std::collections::BTreeMap;

use super::json::{kind, Json, Node, Owned, Res};
use crate::config::rules;
use crate::network::cell_template::{
    nseg_for_length, CellTemplate, Distribution, MechanismSpec, SectionSpec, SynapseSpec, TreeEdge,
};
use crate::network::mechanism_catalogue::MechanismCatalogue;

/// hnn-core `_read_cell_types` metadata of the pre-metadata file format.
fn legacy_measure_dipole(name: &str) -> Option<bool> {
    match name {
        "L2_basket" | "L5_basket" => Some(false),
        "L2_pyramidal" | "L5_pyramidal" => Some(true),
        _ => None,
    }
}

const SECTION_KEYS: &[&str] = &[
    "L", "diam", "cm", "Ra", "end_pts", "nseg", "v0", "mechs", "syns",
];

const CELL_KEYS: &[&str] = &[
    "name",
    "pos",
    "sections",
    "synapses",
    "cell_tree",
    "sect_loc",
    "gid",
    "dipole_pp",
    "vsec",
    "isec",
    "ca",
    "tonic_biases",
];

pub(super) fn parse_cell_type(
    name: &str,
    c: Node,
    mechanisms: &dyn MechanismCatalogue,
) -> Res<(CellTemplate, bool)> {
    let (cell, measure_dipole) = match (c.opt("cell_object")?, c.opt("cell_metadata")?) {
        (Some(obj), Some(meta)) => {
            let md = match meta.node().opt("measure_dipole")? {
                Some(m) => m.node().bool()?,
                None => false,
            };
            (obj, md)
        }
        _ => {
            let Some(md) = legacy_measure_dipole(name) else {
                return Err(c.err(format!(
                    "cell type {name} has no `cell_object`/`cell_metadata` (hnn-core's older \
                     format knows only L2_basket, L2_pyramidal, L5_basket, L5_pyramidal)"
                )));
            };
            (
                Owned {
                    v: c.v,
                    path: c.path.to_string(),
                    file: c.file,
                },
                md,
            )
        }
    };
    let cell = cell.node();
    cell.only_keys(CELL_KEYS)?;
    if measure_dipole && !matches!(name, "L2_pyramidal" | "L5_pyramidal") {
        return Err(c.err(format!(
            "cell type {name} measures the dipole: hnn-mpi's dipole output has only the \
             L2_pyramidal and L5_pyramidal layers"
        )));
    }

    // synapses: receptor -> {e, tau1, tau2}
    let mut synapses = Vec::new();
    for (receptor, s) in cell.get("synapses")?.node().entries()? {
        let s = s.node();
        s.only_keys(&["e", "tau1", "tau2"])?;
        synapses.push(SynapseSpec::exp2syn(
            receptor,
            s.get("e")?.node().checked(rules::finite)?,
            s.get("tau1")?.node().checked(rules::positive)?,
            s.get("tau2")?.node().checked(rules::positive)?,
        ));
    }

    let mut sections = Vec::new();
    for (sec_name, s) in cell.get("sections")?.node().entries()? {
        sections.push(parse_section(sec_name, s.node(), &synapses, mechanisms)?);
    }
    if !sections.iter().any(|s| s.name == "soma") {
        return Err(cell
            .get("sections")?
            .node()
            .err("no `soma` section (hnn-core: soma must be defined for cell)"));
    }
    // cell_tree: "section,end" -> ["section,end", ...]
    let mut tree = Vec::new();
    let tree_node = cell.get("cell_tree")?;
    if !tree_node.node().is_null() {
        let parse_end = |n: Node, s: &str| -> Res<(String, u8)> {
            let (sec, end) = s
                .split_once(',')
                .ok_or_else(|| n.err(format!("tree node {s:?} is not \"section,end\"")))?;
            let end: u8 = match end.trim() {
                "0" => 0,
                "1" => 1,
                _ => return Err(n.err(format!("tree node {s:?}: the end must be 0 or 1"))),
            };
            if !sections.iter().any(|x| x.name == sec) {
                return Err(n.err(format!("tree node {s:?}: no section {sec}")));
            }
            Ok((sec.to_string(), end))
        };
        for (parent, children) in tree_node.node().entries()? {
            let (p, pe) = parse_end(children.node(), parent)?;
            for child in children.node().items()? {
                let (ch, ce) = parse_end(child.node(), child.node().str()?)?;
                // `_create_sections` skips a section's own (s, 0) -> (s, 1)
                if ch != p {
                    tree.push(TreeEdge {
                        parent: p.clone(),
                        parent_end: pe,
                        child: ch,
                        child_end: ce,
                    });
                }
            }
        }
    }

    check_tree(&tree, &sections, tree_node.node())?;

    let mut sect_loc = BTreeMap::new();
    for (loc, secs) in cell.get("sect_loc")?.node().entries()? {
        let list = secs.node().strings()?;
        for s in &list {
            if !sections.iter().any(|x| &x.name == s) {
                return Err(secs.node().err(format!("no section {s}")));
            }
        }
        sect_loc.insert(loc.to_string(), list);
    }
    if measure_dipole && !sections.iter().any(|s| s.name == "apical_trunk") {
        return Err(c.err(
            "measures the dipole but has no `apical_trunk` section (hnn-core's \
             NetworkBuilder aligns the dipole with apical_trunk)",
        ));
    }
    Ok((
        CellTemplate {
            cell_type: name.to_string(),
            sections,
            tree,
            sect_loc,
            synapses,
            dipole_axis_section: measure_dipole.then(|| "apical_trunk".to_string()),
        },
        measure_dipole,
    ))
}

/// The engine's tree (as NEURON's `connect` makes it): every section
/// reached from the soma exactly once, attached by its 0 end.
fn check_tree(tree: &[TreeEdge], sections: &[SectionSpec], n: Node) -> Res<()> {
    let mut parent: BTreeMap<&str, &str> = BTreeMap::new();
    for e in tree {
        if e.child_end != 0 {
            return Err(n.err(format!(
                "{} attaches by its 1 end: hnn-mpi supports sections attached by their 0 end",
                e.child
            )));
        }
        if let Some(p) = parent.insert(&e.child, &e.parent) {
            return Err(n.err(format!(
                "{} is attached twice (to {p} and {})",
                e.child, e.parent
            )));
        }
    }
    for s in sections {
        let mut cur = s.name.as_str();
        let mut steps = 0;
        while cur != "soma" {
            match parent.get(cur) {
                Some(p) if steps <= sections.len() => {
                    cur = p;
                    steps += 1;
                }
                _ => return Err(n.err(format!("section {} is not connected to the soma", s.name))),
            }
        }
    }
    Ok(())
}

fn parse_section(
    name: &str,
    s: Node,
    synapses: &[SynapseSpec],
    catalogue: &dyn MechanismCatalogue,
) -> Res<SectionSpec> {
    s.only_keys(SECTION_KEYS)?;
    let l_um = s.get("L")?.node().f64()?;
    if l_um.is_nan() || l_um <= 0.0 {
        return Err(s
            .get("L")?
            .node()
            .err(format!("length must be > 0, got {l_um}")));
    }
    // `Section.__init__` recomputes nseg from L (hnn-core `_get_nseg`)
    let nseg = nseg_for_length(l_um);
    if let Some(n) = s.opt("nseg")? {
        let stored = n.node().usize()?;
        if stored != nseg {
            return Err(n.node().err(format!(
                "nseg {stored} is not hnn-core's {nseg} for L = {l_um} µm (hnn-core recomputes \
                 it from L; a file with another nseg was not written by hnn-core 0.6.1)"
            )));
        }
    }
    let end_pts_node = s.get("end_pts")?;
    let pts = end_pts_node.node().items()?;
    if pts.len() != 2 {
        return Err(end_pts_node.node().err(format!(
            "expected 2 end points, found {} (hnn-mpi supports unbranched straight sections)",
            pts.len()
        )));
    }
    let end_pts = [pts[0].node().point()?, pts[1].node().point()?];
    let v0_mv = match s.opt("v0")? {
        Some(v) => v.node().f64()?,
        None => -65.0, // hnn_io `_read_cell_types`: backwards compatibility
    };
    let mut mechanisms = Vec::new();
    for (mech, params) in s.get("mechs")?.node().entries()? {
        let Some(range_params) = catalogue.range_parameters(mech) else {
            return Err(params.node().err(format!(
                "mechanism `{mech}` is not implemented in hnn-mpi's engine"
            )));
        };
        let names: Vec<String> = range_params.iter().map(|p| format!("{p}_{mech}")).collect();
        let mut out = BTreeMap::new();
        for (pname, v) in params.node().entries()? {
            if !names.iter().any(|n| n == pname) {
                return Err(v.node().err(format!(
                    "`{pname}` is not a parameter of mechanism {mech} in hnn-mpi's engine \
                     (parameters: {})",
                    names.join(", ")
                )));
            }
            let dist = match v.v {
                Json::Num(x, _) => Distribution::Uniform(*x),
                // [segment x, segment values] (`Cell._compute_section_mechs`)
                Json::Arr(pair) if pair.len() == 2 => {
                    let items = v.node().items()?;
                    let values = items[1].node().f64s()?;
                    if values.len() != nseg {
                        return Err(v.node().err(format!(
                            "{} segment values for a section of {nseg} segments",
                            values.len()
                        )));
                    }
                    Distribution::PerSegment(values)
                }
                _ => {
                    return Err(v.node().err(format!(
                        "expected a number or [segment positions, segment values], found {}",
                        kind(v.v)
                    )))
                }
            };
            out.insert(pname.to_string(), dist);
        }
        mechanisms.push(MechanismSpec {
            name: mech.to_string(),
            params: out,
        });
    }
    let syns = s.get("syns")?;
    let receptors = syns.node().strings()?;
    for r in &receptors {
        if !synapses.iter().any(|x| &x.receptor == r) {
            return Err(syns.node().err(format!(
                "receptor {r} has no entry in the cell's `synapses`"
            )));
        }
    }
    Ok(SectionSpec {
        name: name.to_string(),
        l_um,
        diam_um: s.get("diam")?.node().checked(rules::positive)?,
        ra_ohm_cm: s.get("Ra")?.node().checked(rules::positive)?,
        cm_uf_per_cm2: s.get("cm")?.node().checked(rules::positive)?,
        v0_mv,
        end_pts,
        nseg,
        mechanisms,
        receptors,
    })
}
