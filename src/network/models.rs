//! The built-in models by name (docs/configuration.md, §4.1 `model` and
//! `hnn_json`), built from the `params` entries they read ([`ModelParams`]).

use super::calcium::{self, l5_pyramidal_ca};
use super::cells_default::{basket, l2_pyramidal, l5_pyramidal};
use super::description::NetworkDescription;
use super::hnn_params::ModelParams;
use super::jones_2009::jones_2009;
use super::law_2021::{self, apply_law_2021};
use super::model_error::ModelError;
use crate::config::ModelName;

/// `params` entries every model overrides: hnn-core's `_cell_L5Pyr`
/// replaces the dendritic `gbar_ar` by `_exp_g_at_dist`.
const FIXED_IN_ALL: &[(&str, &str)] = &[(
    "L5Pyr_dend_gbar_ar",
    "every model makes it 1e-6*exp(3e-3 x) S/cm² at x µm from the soma",
)];

/// `(key, why)` of the parameters `model` sets itself after reading
/// `params`, so that a value given for them would have no effect.
pub fn fixed_params(model: ModelName) -> Vec<(&'static str, &'static str)> {
    let mut v = FIXED_IN_ALL.to_vec();
    match model {
        ModelName::Law2021 => v.extend_from_slice(law_2021::FIXED_PARAMS),
        ModelName::Calcium => v.extend_from_slice(calcium::FIXED_PARAMS),
        ModelName::Jones2009 | ModelName::Neymotin2020 => {}
    }
    v
}

/// hnn-core 0.6.1's `<model>_model(params, mesh_shape=mesh)`, drives not
/// included. `jones_2009_model` only calls `neymotin_2020_model`, so the
/// two are one network; `law_2021_model` and `calcium_model` start from it.
/// The pyramidal cells take `p`'s cell parameters as hnn-core's
/// `pyramidal(cell_type, override_params=...)` does, before the model's own
/// changes.
pub fn build_model(
    model: ModelName,
    mesh_shape: (usize, usize),
    p: &ModelParams,
) -> Result<NetworkDescription, ModelError> {
    let mut net = jones_2009(mesh_shape, &p.weights)?;
    for pop in &mut net.populations {
        pop.template = match (pop.name.as_str(), model) {
            ("L2_pyramidal", _) => l2_pyramidal(&p.l2pyr),
            ("L5_pyramidal", ModelName::Calcium) => l5_pyramidal_ca(&p.l5pyr),
            ("L5_pyramidal", _) => l5_pyramidal(&p.l5pyr),
            (other, _) => basket(other),
        };
    }
    if model == ModelName::Law2021 {
        apply_law_2021(&mut net, &p.weights)?;
    }
    // hnn-core: Network.threshold = params['threshold'], copied into every
    // connection's nc_dict.
    net.threshold = p.threshold;
    for c in &mut net.connections {
        c.params.threshold = p.threshold;
    }
    Ok(net)
}
