//! `[output]` (docs/configuration.md §8): the output file's path (default
//! `results/<config file stem>.h5`) and what it saves.

use std::path::PathBuf;

use super::context::{idx, Ctx, Res};
use super::keys::OUTPUT_KEYS;
use super::readers::{array, no_hint, string, table};
use crate::config::raw::Node;
use crate::config::suggest::unknown_value;
use crate::config::types::{Output, SaveItem};

pub(super) fn parse_output(ctx: &mut Ctx, node: &Node, stem: &str) -> Res<Output> {
    let t = table(ctx, "output", node)?;
    t.check_keys(ctx, OUTPUT_KEYS, &no_hint)?;
    let path = match t.get(ctx, "path") {
        Some(n) => {
            let s = string(ctx, "output.path", n)?;
            if s.is_empty() {
                return Err(ctx.err_span("output.path", n.span.as_ref(), "must not be empty"));
            }
            PathBuf::from(s)
        }
        None => default_output(stem),
    };
    let mut save = Vec::new();
    match t.get(ctx, "save") {
        Some(n) => {
            let items = array(ctx, "output.save", n, "an array of names")?;
            let names: Vec<&str> = SaveItem::ALL.iter().map(|s| s.as_str()).collect();
            for (i, it) in items.iter().enumerate() {
                let p = idx("output.save", i);
                ctx.note(&p, it.span.as_ref());
                let s = string(ctx, &p, it)?;
                let Some(item) = SaveItem::from_name(&s) else {
                    return Err(ctx.err_span(
                        &p,
                        it.span.as_ref(),
                        unknown_value("save item", &s, &names, "items"),
                    ));
                };
                if save.contains(&item) {
                    return Err(ctx.err_span(&p, it.span.as_ref(), format!("{s:?} listed twice")));
                }
                save.push(item);
            }
        }
        None => save.push(SaveItem::Dipole),
    }
    Ok(Output { path, save })
}

/// `results/<stem>.h5`: the output path when `[output] path` is left out.
pub(super) fn default_output(stem: &str) -> PathBuf {
    PathBuf::from("results").join(format!("{stem}.h5"))
}
