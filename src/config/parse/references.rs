//! The cross-check of `"$name"` references against `[sweep.params]`
//! (docs/configuration.md §2.3): every reference names a sweep parameter,
//! and every sweep parameter is referenced somewhere.

use std::collections::BTreeSet;

use super::context::{Ctx, Res};
use crate::config::suggest::unknown_reference;
use crate::config::types::Sweep;

/// Check the references the parse recorded in `ctx` against `sweep`.
pub(crate) fn check_references(ctx: &Ctx, sweep: Option<&Sweep>) -> Res<()> {
    let params: Vec<&str> = sweep
        .map(|s| s.params.iter().map(|p| p.name.as_str()).collect())
        .unwrap_or_default();
    for site in &ctx.refs {
        if !params.contains(&site.name.as_str()) {
            return Err(ctx.err(&site.path, unknown_reference(&site.name, &params)));
        }
    }
    let used: BTreeSet<&str> = ctx.refs.iter().map(|r| r.name.as_str()).collect();
    for p in &params {
        if !used.contains(p) {
            return Err(ctx.err(
                &format!("sweep.params.{p}"),
                format!(
                    "sweep parameter `{p}` is used nowhere: write \"${p}\" where its value goes \
                     in [simulation], [network] or [[drives]]"
                ),
            ));
        }
    }
    Ok(())
}
