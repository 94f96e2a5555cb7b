//! Why the network of one simulation cannot be built: the config key at
//! fault and what is wrong with it. [`super::from_config::build_network`]
//! places it in the config file (file, line and key) as a `ConfigError`.

use std::fmt;

use crate::config::{Config, ConfigError};

/// A network-building error before it is placed in the config file.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkBuildError {
    /// The config key at fault, e.g. `drives[0].location`,
    /// `network.hnn_json`, `network.params.gbar_L2Pyr_L2Pyr_ampa`.
    pub key: String,
    pub message: String,
}

impl NetworkBuildError {
    pub fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        NetworkBuildError {
            key: key.into(),
            message: message.into(),
        }
    }

    /// The error at `key`'s line of `config` (the file it was read from).
    pub fn placed(self, config: &Config) -> ConfigError {
        config.error_at(&self.key, self.message)
    }
}

impl fmt::Display for NetworkBuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

impl std::error::Error for NetworkBuildError {}
