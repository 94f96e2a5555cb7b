//! `[simulation]` (docs/configuration.md §3): tstop, dt, n_trials and
//! celsius, with hnn-core's defaults, and the engine's `numerics`.

use super::context::{Ctx, Res};
use super::keys::SIMULATION_KEYS;
use super::readers::{no_hint, num_usize, string, table};
use crate::config::raw::Node;
use crate::config::suggest::unknown_value;
use crate::config::types::{Num, Numerics, Simulation, Unresolved};

/// `[simulation]`: the hnn-core settings, and `numerics` (default exact).
pub(super) fn parse_simulation(
    ctx: &mut Ctx,
    node: &Node,
) -> Res<(Simulation<Unresolved>, Numerics)> {
    let t = table(ctx, "simulation", node)?;
    t.check_keys(ctx, SIMULATION_KEYS, &no_hint)?;
    let tstop = t.num_or(ctx, "tstop", 170.0)?;
    let dt = t.num_or(ctx, "dt", 0.025)?;
    let celsius = t.num_or(ctx, "celsius", 37.0)?;
    let n_trials = match t.get(ctx, "n_trials") {
        Some(n) => num_usize(ctx, "simulation.n_trials", n)?,
        None => Num::Value(1),
    };
    let numerics = match t.get(ctx, "numerics") {
        Some(n) => {
            let s = string(ctx, "simulation.numerics", n)?;
            let names: Vec<&str> = Numerics::ALL.iter().map(|m| m.as_str()).collect();
            Numerics::from_name(&s).ok_or_else(|| {
                ctx.err_span(
                    "simulation.numerics",
                    n.span.as_ref(),
                    unknown_value("numerics", &s, &names, "modes"),
                )
            })?
        }
        None => Numerics::Exact,
    };
    Ok((
        Simulation {
            tstop,
            dt,
            n_trials,
            celsius,
        },
        numerics,
    ))
}
