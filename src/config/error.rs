//! Config errors: file, line, key path and message (SPEC §1: exit code 2,
//! "the message names the key, the file and the line").

use std::fmt;

/// A bad config. The caller maps it to exit code 2.
///
/// `Display` reads `FILE:LINE: KEY: MESSAGE`, e.g.
/// `configs/x.toml:12: drives[0].sigma: must be >= 0 (got -5)`; the line is
/// left out when unknown (a file that cannot be read), the key when the error
/// is not about one key (a TOML syntax error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The config file as the user named it.
    pub file: String,
    /// 1-based line of the offending key or value.
    pub line: Option<usize>,
    /// 1-based column (in characters), when known.
    pub column: Option<usize>,
    /// Dotted key path: `simulation.tstop`, `drives[0].weights_ampa.L2_basket`,
    /// `sweep.params.weight_pyr`, `network.connections[2].delay`. Empty for
    /// errors that are not about one key (syntax errors, unreadable file).
    pub key: String,
    /// What is wrong, without the location.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": ")?;
        if !self.key.is_empty() {
            write!(f, "{}: ", self.key)?;
        }
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Levenshtein distance (characters).
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
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

/// Candidates closest to `word` (ties kept): among those equal ignoring case,
/// within an edit distance of max(2, len/3), or one a prefix of the other.
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

/// "; did you mean `x`?" / "; did you mean `x` or `y`?" or "".
pub(crate) fn did_you_mean(word: &str, candidates: &[&str]) -> String {
    let m = close_matches(word, candidates);
    match m.len() {
        0 => String::new(),
        1 => format!("; did you mean `{}`?", m[0]),
        _ => {
            let quoted: Vec<String> = m.iter().map(|c| format!("`{c}`")).collect();
            let (last, first) = quoted.split_last().unwrap();
            format!("; did you mean {} or {last}?", first.join(", "))
        }
    }
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
        assert_eq!(
            did_you_mean("TSTOP", &["tstop", "dt"]),
            "; did you mean `tstop`?"
        );
    }

    #[test]
    fn display() {
        let e = ConfigError {
            file: "configs/x.toml".into(),
            line: Some(12),
            column: Some(9),
            key: "drives[0].sigma".into(),
            message: "must be >= 0 (got -5)".into(),
        };
        assert_eq!(
            e.to_string(),
            "configs/x.toml:12: drives[0].sigma: must be >= 0 (got -5)"
        );
    }
}
