//! hnn-core 0.6.1's `law_2021_model` (hnn_core/network_models.py): the
//! Jones 2009 network with the changes of Law et al. 2021 (Cereb. Cortex
//! 32, 668–688) for beta events.

use std::collections::BTreeMap;

use super::description::NetworkDescription;
use super::jones_2009::add_cell_connection;
use super::model_error::ModelError;

/// `params` entries `law_2021_model` overrides after `jones_2009_model`
/// read them, so a value given for them has no effect: (key, what the
/// model does instead).
pub const FIXED_PARAMS: &[(&str, &str)] = &[
    (
        "gbar_L5Pyr_L5Pyr_nmda",
        "law_2021 sets the L5 pyramidal -> L5 pyramidal NMDA weight to 0.0004 µS",
    ),
    (
        "gbar_L5Basket_L5Pyr_gabab",
        "law_2021 sets the L5 basket -> L5 pyramidal GABAb weight to 0.005 µS",
    ),
    (
        "gbar_L2Basket_L5Pyr",
        "law_2021 removes the L2 basket -> L5 pyramidal GABAa connection (its GABAb replacement has 0.0002 µS)",
    ),
    ("L2Pyr_gabab_tau1", "law_2021 sets GABAb tau1 to 45 ms"),
    ("L2Pyr_gabab_tau2", "law_2021 sets GABAb tau2 to 200 ms"),
    ("L5Pyr_gabab_tau1", "law_2021 sets GABAb tau1 to 45 ms"),
    ("L5Pyr_gabab_tau2", "law_2021 sets GABAb tau2 to 200 ms"),
    (
        "L5Pyr_soma_gbar_ca",
        "law_2021 removes the ca channel from the L5 pyramidal soma",
    ),
];

/// Turn a Jones 2009 network (connections in `jones_2009_model`'s order,
/// pyramidal templates already built) into `law_2021_model`'s, step by step
/// as hnn-core does. `weights` are the `params` connection weights.
pub fn apply_law_2021(
    net: &mut NetworkDescription,
    weights: &BTreeMap<String, f64>,
) -> Result<(), ModelError> {
    // Longer GABAb inhibition on both pyramidal types.
    for pop in &mut net.populations {
        if pop.name == "L2_pyramidal" || pop.name == "L5_pyramidal" {
            let gabab = pop
                .template
                .synapses
                .iter_mut()
                .find(|s| s.receptor == "gabab")
                .ok_or(ModelError::MissingSynapse { receptor: "gabab" })?;
            gabab.set_param("tau1", 45.0);
            gabab.set_param("tau2", 200.0);
        }
    }
    // hnn-core indexes net.connectivity: 2 = L5Pyr->L5Pyr nmda,
    // 6/7 = L5Basket->L5Pyr gabaa/gabab (soma), 10 = L2Basket->L5Pyr gabaa.
    let expect = |i: usize, src: &str, target: &str, receptor: &str| {
        let c = &net.connections[i];
        if c.src_type == src && c.target_type == target && c.receptor == receptor {
            Ok(())
        } else {
            Err(ModelError::ConnectionOrder {
                index: i,
                found: format!("{} -> {} {}", c.src_type, c.target_type, c.receptor),
                expected: format!("{src} -> {target} {receptor}"),
            })
        }
    };
    expect(2, "L5_pyramidal", "L5_pyramidal", "nmda")?;
    expect(6, "L5_basket", "L5_pyramidal", "gabaa")?;
    expect(7, "L5_basket", "L5_pyramidal", "gabab")?;
    expect(10, "L2_basket", "L5_pyramidal", "gabaa")?;
    net.connections[2].params.a_weight = 0.0004;
    net.connections[6].params.a_weight = 0.02;
    net.connections[7].params.a_weight = 0.005;
    // No calcium channel in the L5 pyramidal soma and basal dendrites
    // (cad and kca stay).
    let l5 = net
        .populations
        .iter_mut()
        .find(|p| p.name == "L5_pyramidal")
        .ok_or(ModelError::MissingPopulation {
            cell_type: "L5_pyramidal",
        })?;
    for sec in ["soma", "basal_1", "basal_2", "basal_3"] {
        let i = l5
            .template
            .section_index(sec)
            .ok_or(ModelError::MissingSection {
                cell_type: "L5_pyramidal",
                section: sec,
            })?;
        l5.template.sections[i]
            .mechanisms
            .retain(|m| m.name != "ca");
    }
    net.connections.remove(10);
    let delay = net.delay;
    add_cell_connection(
        net,
        "L2_basket",
        "L5_pyramidal",
        "distal",
        "gabab",
        0.0002,
        delay,
        50.0,
        true,
    );
    // "Martinotti-like recurrent tuft connection".
    let w = *weights
        .get("gbar_L5Basket_L5Pyr_gabaa")
        .ok_or(ModelError::MissingWeight {
            name: "gbar_L5Basket_L5Pyr_gabaa",
        })?;
    add_cell_connection(
        net,
        "L5_basket",
        "L5_pyramidal",
        "distal",
        "gabaa",
        w,
        delay,
        70.0,
        true,
    );
    Ok(())
}
