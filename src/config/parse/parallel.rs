//! `[parallel]` (docs/configuration.md §9): ranks per simulation.

use super::context::{Ctx, Res};
use super::keys::PARALLEL_KEYS;
use super::readers::{no_hint, plain_uint, table};
use crate::config::raw::Node;
use crate::config::types::Parallel;

pub(super) fn parse_parallel(ctx: &mut Ctx, node: &Node) -> Res<Parallel> {
    let t = table(ctx, "parallel", node)?;
    t.check_keys(ctx, PARALLEL_KEYS, &no_hint)?;
    let ranks_per_sim = match t.get(ctx, "ranks_per_sim") {
        Some(v) => plain_uint(ctx, "parallel.ranks_per_sim", v)? as usize,
        None => 1,
    };
    if ranks_per_sim < 1 {
        return Err(ctx.err(
            "parallel.ranks_per_sim",
            format!("must be >= 1 (got {ranks_per_sim})"),
        ));
    }
    Ok(Parallel { ranks_per_sim })
}
