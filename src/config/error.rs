//! Config errors: file, line, key path and message (docs/configuration.md
//! §1, "Structure and checking": exit code 2, the message names the file,
//! the line and the key).

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

#[cfg(test)]
mod tests {
    use super::*;

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
