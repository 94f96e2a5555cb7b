//! `[simulation]` (docs/configuration.md §3): tstop, dt, n_trials and
//! celsius, with hnn-core's defaults.

use super::context::{Ctx, Res};
use super::keys::SIMULATION_KEYS;
use super::readers::{no_hint, num_usize, table};
use crate::config::raw::Node;
use crate::config::types::{Num, Simulation, Unresolved};

pub(super) fn parse_simulation(ctx: &mut Ctx, node: &Node) -> Res<Simulation<Unresolved>> {
    let t = table(ctx, "simulation", node)?;
    t.check_keys(ctx, SIMULATION_KEYS, &no_hint)?;
    let tstop = t.num_or(ctx, "tstop", 170.0)?;
    let dt = t.num_or(ctx, "dt", 0.025)?;
    let celsius = t.num_or(ctx, "celsius", 37.0)?;
    let n_trials = match t.get(ctx, "n_trials") {
        Some(n) => num_usize(ctx, "simulation.n_trials", n)?,
        None => Num::Value(1),
    };
    Ok(Simulation {
        tstop,
        dt,
        n_trials,
        celsius,
    })
}
