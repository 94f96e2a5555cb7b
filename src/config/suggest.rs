//! The one "unknown value — did you mean" helper: every message that refuses
//! a name the config does not know (a key, a model, a cell type, a receptor,
//! a drive type, a sweep mode or parameter, a statistic, a save item) is
//! built here, so the close matches and the wording agree everywhere; the
//! network's HNN parameter reader (`network/hnn_params.rs`) takes its close
//! matches from [`nearest`].

/// Levenshtein distance (characters).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let sub = prev[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            cur[j] = sub.min(prev[j] + 1).min(cur[j - 1] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Candidates closest to `word` (ties kept, at most three): among those
/// equal ignoring case, within an edit distance of max(2, len/3), or one a
/// prefix of the other.
pub(crate) fn close_matches<'a>(word: &str, candidates: &[&'a str]) -> Vec<&'a str> {
    let lw = word.to_lowercase();
    let limit = (word.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, &'a str)> = candidates
        .iter()
        .filter_map(|&c| {
            let lc = c.to_lowercase();
            let d = edit_distance(&lw, &lc);
            let prefix = lw.len() >= 3 && (lc.starts_with(&lw) || lw.starts_with(&lc));
            if d <= limit || prefix {
                Some((d, c))
            } else {
                None
            }
        })
        .collect();
    scored.sort();
    let best = scored.first().map(|s| s.0).unwrap_or(0);
    scored
        .into_iter()
        .filter(|s| s.0 == best)
        .map(|(_, c)| c)
        .take(3)
        .collect()
}

/// Up to three candidates within `max_distance` edits of `word` ignoring
/// case, closest first (ties in name order): for a long list of similar
/// names (HNN parameters) where [`close_matches`]' best-only rule would hide
/// near misses.
pub(crate) fn nearest<'a>(word: &str, candidates: &[&'a str], max_distance: usize) -> Vec<&'a str> {
    let lower = word.to_lowercase();
    let mut scored: Vec<(usize, &'a str)> = candidates
        .iter()
        .map(|c| (edit_distance(&lower, &c.to_lowercase()), *c))
        .filter(|(d, _)| *d <= max_distance)
        .collect();
    scored.sort();
    scored.iter().take(3).map(|(_, c)| *c).collect()
}

/// "; did you mean `x`?" / "; did you mean `x` or `y`?" or "".
pub(crate) fn did_you_mean(word: &str, candidates: &[&str]) -> String {
    let quoted: Vec<String> = close_matches(word, candidates)
        .iter()
        .map(|c| format!("`{c}`"))
        .collect();
    match quoted.split_last() {
        None => String::new(),
        Some((only, [])) => format!("; did you mean {only}?"),
        Some((last, first)) => format!("; did you mean {} or {last}?", first.join(", ")),
    }
}

/// A key that `allowed` lacks: "unknown key; did you mean `x`?", or, with no
/// close match, "unknown key (allowed: a, b, c)".
pub(crate) fn unknown_key(key: &str, allowed: &[&str]) -> String {
    let dym = did_you_mean(key, allowed);
    if dym.is_empty() {
        format!("unknown key (allowed: {})", allowed.join(", "))
    } else {
        format!("unknown key{dym}")
    }
}

/// A string value that `candidates` lacks, quoted as Rust debug-prints it:
/// `unknown {what} "x"; did you mean `y`? ({label}: a, b, c)`, e.g.
/// `unknown model "jones2009"; did you mean `jones_2009`? (models: ...)`.
pub(crate) fn unknown_value(what: &str, value: &str, candidates: &[&str], label: &str) -> String {
    unknown_value_and(what, value, candidates, label, "")
}

/// [`unknown_value`] whose listing ends with `more` after the candidates
/// (", rate_<cell_type>": a form the candidates cannot list).
pub(crate) fn unknown_value_and(
    what: &str,
    value: &str,
    candidates: &[&str],
    label: &str,
    more: &str,
) -> String {
    unknown(what, &format!("{value:?}"), value, candidates, label, more)
}

/// A name (cell type, connection source) that `candidates` lacks, in
/// backticks: `unknown {what} `x`; did you mean `y`? ({label}: a, b, c)`.
pub(crate) fn unknown_name(what: &str, name: &str, candidates: &[&str], label: &str) -> String {
    unknown(what, &format!("`{name}`"), name, candidates, label, "")
}

fn unknown(
    what: &str,
    shown: &str,
    value: &str,
    candidates: &[&str],
    label: &str,
    more: &str,
) -> String {
    format!(
        "unknown {what} {shown}{} ({label}: {}{more})",
        did_you_mean(value, candidates),
        candidates.join(", ")
    )
}

/// A `"$name"` reference to no sweep parameter; the suggestion is written as
/// a reference too ("; did you mean $w?").
pub(crate) fn unknown_reference(name: &str, params: &[&str]) -> String {
    if params.is_empty() {
        return format!("unknown sweep parameter ${name}: the file has no [sweep.params]");
    }
    format!(
        "unknown sweep parameter ${name}{} (sweep parameters: {})",
        match close_matches(name, params).first() {
            Some(m) => format!("; did you mean ${m}?"),
            None => String::new(),
        },
        params.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance() {
        assert_eq!(edit_distance("tstop", "tstop"), 0);
        assert_eq!(edit_distance("tstpo", "tstop"), 2);
        assert_eq!(edit_distance("L2_pyrmidal", "L2_pyramidal"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn suggestions() {
        let c = ["L2_basket", "L2_pyramidal", "L5_basket", "L5_pyramidal"];
        assert_eq!(close_matches("L2_pyrmidal", &c)[0], "L2_pyramidal");
        assert_eq!(
            did_you_mean("L2_pyrmidal", &c),
            "; did you mean `L2_pyramidal`?"
        );
        assert_eq!(did_you_mean("zzzzzzzz", &c), "");
        assert_eq!(nearest("l2_baskt", &c, 3), ["L2_basket", "L5_basket"]);
        assert_eq!(
            did_you_mean("TSTOP", &["tstop", "dt"]),
            "; did you mean `tstop`?"
        );
    }
}
