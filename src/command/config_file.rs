//! Reading the config file: its text, checked to be TOML, before anything
//! else (rank 0 reads it and sends the text to the other ranks).

use std::fmt;
use std::path::Path;

use super::cli::exit_code;

/// Why the config file could not be used.
#[derive(Debug)]
pub enum ConfigFileError {
    Read(String, std::io::Error),
    Toml(String, toml::de::Error),
}

impl ConfigFileError {
    /// A missing, unreadable or malformed config is a bad argument
    /// (docs/cli.md, "Exit codes").
    pub fn exit_code(&self) -> u8 {
        exit_code::BAD_CONFIG
    }
}

impl fmt::Display for ConfigFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read(path, e) => write!(f, "cannot read config file {path}: {e}"),
            // toml's message carries the line, the column and the offending text.
            Self::Toml(path, e) => write!(f, "invalid TOML in config file {path}: {e}"),
        }
    }
}

impl std::error::Error for ConfigFileError {}

/// Reads `path` and checks that it is TOML; returns its text.
pub fn read_config(path: &Path) -> Result<String, ConfigFileError> {
    let name = path.display().to_string();
    let text = crate::config::rules::read_input_file(path)
        .map_err(|e| ConfigFileError::Read(name.clone(), e.into()))?;
    text.parse::<toml::Table>()
        .map_err(|e| ConfigFileError::Toml(name, e))?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_file(name: &str, contents: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("hnn-mpi-app-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    #[test]
    fn seed_example_is_valid_toml() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/seed_example.toml");
        let text = read_config(&path).unwrap();
        let table: toml::Table = text.parse().unwrap();
        assert!(table.contains_key("sweep"));
    }

    #[test]
    fn missing_file_names_the_file() {
        let err = read_config(Path::new("no/such/config.toml")).unwrap_err();
        assert!(matches!(err, ConfigFileError::Read(..)));
        assert_eq!(err.exit_code(), exit_code::BAD_CONFIG);
        assert!(err.to_string().contains("no/such/config.toml"), "{err}");
    }

    #[test]
    fn bad_toml_names_the_file_and_the_line() {
        let path = temp_file("bad.toml", "[simulation]\ntstop = 170.0\ndt = = 0.025\n");
        let err = read_config(&path).unwrap_err();
        assert!(matches!(err, ConfigFileError::Toml(..)));
        assert_eq!(err.exit_code(), exit_code::BAD_CONFIG);
        let msg = err.to_string();
        assert!(msg.contains(&path.display().to_string()), "{msg}");
        assert!(msg.contains("line 3"), "{msg}");
    }
}
