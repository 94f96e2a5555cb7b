//! [`OutputSpec`]: what the file will hold, known before the first
//! simulation runs, and its consistency checks.

use super::error::OutputError;
use super::layout::RESERVED_ATTRS;

/// What the file will hold; known before the first simulation runs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OutputSpec {
    /// The TOML text (root attribute `config`).
    pub config_text: String,
    /// Hash of the network/sweep definition (root attribute
    /// `definition_hash`); `resume` refuses a file whose hash differs.
    pub definition_hash: String,
    /// Root attribute `git_commit`; see [`OutputSpec::build_git_commit`].
    pub git_commit: String,
    pub n_sims: usize,
    pub n_trials: usize,
    pub n_times: usize,
    /// ms
    pub tstop: f64,
    /// ms
    pub dt: f64,
    pub mpi_ranks: usize,
    /// `/times` (ms), `n_times` values.
    pub times: Vec<f64>,
    /// `/params/<name>`.
    pub param_names: Vec<String>,
    /// `[param][sim]`.
    pub param_values: Vec<Vec<f64>>,
    /// `/summary/<stat>`.
    pub stat_names: Vec<String>,
    pub save_dipole: bool,
    pub save_spikes: bool,
    /// `/cells/gid_ranges`: (name, start, stop), gids `start..stop`.
    pub gid_ranges: Vec<(String, usize, usize)>,
    /// Recorded voltages (`save = ["vsec_soma"]`, `["vsec_all"]`): one
    /// `/vsec/<name>` dataset each.
    pub vsec: Vec<VsecSpec>,
    /// Recorded synaptic currents (`save = ["isec_soma"]`, `["isec_all"]`):
    /// one `/isec/<name>` dataset each.
    pub isec: Vec<IsecSpec>,
    /// Recorded calcium concentrations (`save = ["ca_soma"]`,
    /// `["ca_all"]`): one `/ca/<name>` dataset each, its traces named as
    /// voltage traces are (gid, section).
    pub ca: Vec<VsecSpec>,
    /// Electrode arrays: one `/lfp/<name>` dataset each.
    pub lfp: Vec<LfpSpec>,
    /// More root attributes (strings).
    pub extra_attrs: Vec<(String, String)>,
    /// A fit's file: the `/fit` group, and `/params` written row by row as
    /// the search asks (created NaN; `param_values` are then ignored by
    /// `resume`, the fit compares its points itself).
    pub fit: Option<FitSpec>,
}

impl OutputSpec {
    /// The commit the binary was built from (`HNN_MPI_GIT_COMMIT`, set by
    /// build.rs from `git rev-parse`, or by the builder); else `"unknown"`.
    pub fn build_git_commit() -> String {
        option_env!("HNN_MPI_GIT_COMMIT")
            .unwrap_or("unknown")
            .to_string()
    }

    /// The numerics mode the file records (its extra attribute
    /// `numerics`; exact without one).
    pub fn numerics(&self) -> &str {
        self.extra_attrs
            .iter()
            .find(|(n, _)| n == super::layout::NUMERICS_ATTR)
            .map_or("exact", |(_, v)| v.as_str())
    }

    /// Checks the spec's internal consistency (lengths, names).
    pub fn validate(&self) -> Result<(), OutputError> {
        let bad = |m: String| Err(OutputError::InvalidSpec(m));
        if self.n_sims == 0 {
            return bad("n_sims must be at least 1".into());
        }
        if self.n_trials == 0 {
            return bad("n_trials must be at least 1".into());
        }
        if self.times.len() != self.n_times {
            return bad(format!(
                "times has {} values, n_times is {}",
                self.times.len(),
                self.n_times
            ));
        }
        if self.param_names.len() != self.param_values.len() {
            return bad(format!(
                "{} parameter names but {} value lists",
                self.param_names.len(),
                self.param_values.len()
            ));
        }
        for (name, values) in self.param_names.iter().zip(&self.param_values) {
            if values.len() != self.n_sims {
                return bad(format!(
                    "parameter `{name}` has {} values, n_sims is {}",
                    values.len(),
                    self.n_sims
                ));
            }
        }
        check_names("parameter", &self.param_names)?;
        check_names("statistic", &self.stat_names)?;
        for (name, start, stop) in &self.gid_ranges {
            if start > stop {
                return bad(format!(
                    "gid range of `{name}` has start {start} > stop {stop}"
                ));
            }
            if name.contains('\0') {
                return bad(format!("cell type name {name:?} contains a NUL character"));
            }
        }
        for (name, value) in &self.extra_attrs {
            if RESERVED_ATTRS.contains(&name.as_str()) {
                return bad(format!(
                    "extra attribute `{name}` would replace a standard one"
                ));
            }
            if name.is_empty() || name.contains('\0') || value.contains('\0') {
                return bad(format!(
                    "extra attribute {name:?} has an empty name or a NUL character"
                ));
            }
        }
        let mut extra: Vec<&str> = self.extra_attrs.iter().map(|(n, _)| n.as_str()).collect();
        extra.sort_unstable();
        if let Some(w) = extra.windows(2).find(|w| w[0] == w[1]) {
            return bad(format!("extra attribute `{}` given twice", w[0]));
        }
        // (name, gids, sections, receptors) of each recording of a group
        let plain = |v: &VsecSpec| (v.name.clone(), v.gids.len(), v.sections.len(), None);
        let groups = [
            ("vsec", self.vsec.iter().map(plain).collect::<Vec<_>>()),
            (
                "isec",
                self.isec
                    .iter()
                    .map(|v| {
                        let r = Some(v.receptors.len());
                        (v.name.clone(), v.gids.len(), v.sections.len(), r)
                    })
                    .collect(),
            ),
            ("ca", self.ca.iter().map(plain).collect()),
        ];
        for (group, sets) in &groups {
            for (name, n_gids, n_sections, n_receptors) in sets {
                let n_receptors = n_receptors.unwrap_or(*n_gids);
                if n_gids != n_sections || *n_gids != n_receptors {
                    return bad(format!(
                        "{group} `{name}` has {n_gids} gids but {n_sections} section names \
                         and {n_receptors} receptors"
                    ));
                }
            }
            let names: Vec<String> = sets.iter().map(|x| x.0.clone()).collect();
            check_names(&format!("/{group} recording"), &names)?;
        }
        check_names(
            "electrode array",
            &self.lfp.iter().map(|a| a.name.clone()).collect::<Vec<_>>(),
        )?;
        if let Some(a) = self.lfp.iter().find(|a| a.positions_um.is_empty()) {
            return bad(format!("electrode array `{}` has no contacts", a.name));
        }
        if self.config_text.contains('\0') || self.definition_hash.contains('\0') {
            return bad("config text or definition hash contains a NUL character".into());
        }
        Ok(())
    }
}

/// One voltage recording of the file: `/vsec/<name>` f32 `[n_sims,
/// n_trials, n_traces, n_times]` (mV), with `/vsec/<name>_gids` and
/// `/vsec/<name>_sections` naming each trace.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VsecSpec {
    /// `soma` or `all`.
    pub name: String,
    /// Cell gid of each trace.
    pub gids: Vec<usize>,
    /// Section of each trace.
    pub sections: Vec<String>,
}

impl VsecSpec {
    pub fn n_traces(&self) -> usize {
        self.gids.len()
    }
}

/// One synaptic-current recording of the file: `/isec/<name>` f32
/// `[n_sims, n_trials, n_traces, n_times]` (nA), with `/isec/<name>_gids`,
/// `/isec/<name>_sections` and `/isec/<name>_receptors` naming each trace
/// (receptor `receptors[k]` of section `sections[k]` of cell `gids[k]`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IsecSpec {
    /// `soma` or `all`.
    pub name: String,
    pub gids: Vec<usize>,
    pub sections: Vec<String>,
    pub receptors: Vec<String>,
}

impl IsecSpec {
    pub fn n_traces(&self) -> usize {
        self.gids.len()
    }
}

/// One electrode array of the file (the network's
/// `[[network.electrode_arrays]]` or hnn-core `rec_arrays`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LfpSpec {
    pub name: String,
    /// µm, one `[x, y, z]` per contact.
    pub positions_um: Vec<[f64; 3]>,
    /// S/m.
    pub conductivity: f64,
    /// `psa` or `lsa`.
    pub method: String,
    /// µm.
    pub min_distance: f64,
}

impl LfpSpec {
    pub fn n_contacts(&self) -> usize {
        self.positions_um.len()
    }
}

fn check_names(what: &str, names: &[String]) -> Result<(), OutputError> {
    for name in names {
        if name.is_empty() || name == "." || name.contains('/') || name.contains('\0') {
            return Err(OutputError::InvalidSpec(format!(
                "{what} name {name:?} cannot be an HDF5 dataset name (empty, \".\", or contains '/' or NUL)"
            )));
        }
    }
    let mut sorted: Vec<&String> = names.iter().collect();
    sorted.sort_unstable();
    if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
        return Err(OutputError::InvalidSpec(format!(
            "{what} `{}` given twice",
            w[0]
        )));
    }
    Ok(())
}

/// What the file's `/fit` group records of the fit before it runs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FitSpec {
    /// `[fit] solver` (`cma`, `cobyla`, `bayesian`).
    pub solver: String,
    /// `[fit] objective` (`dipole_rmse`, ...).
    pub objective: String,
    /// The target dipole the objective compares with: times (ms) and
    /// aggregate (nAm), as read from `[fit] target` (`/fit/target_times`,
    /// `/fit/target_agg`: the file shows what was fitted on its own).
    pub target: Option<(Vec<f64>, Vec<f64>)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> OutputSpec {
        OutputSpec {
            n_sims: 2,
            n_trials: 1,
            n_times: 3,
            times: vec![0.0, 0.5, 1.0],
            param_names: vec!["w".into()],
            param_values: vec![vec![1.0, 2.0]],
            stat_names: vec!["dipole_min".into()],
            ..Default::default()
        }
    }

    #[test]
    fn validate_catches_inconsistencies() {
        assert!(spec().validate().is_ok());
        let mut s = spec();
        s.times.pop();
        assert!(s.validate().unwrap_err().to_string().contains("n_times"));
        let mut s = spec();
        s.param_values[0].push(3.0);
        assert!(s.validate().unwrap_err().to_string().contains("`w`"));
        let mut s = spec();
        s.stat_names.push("a/b".into());
        assert!(s.validate().is_err());
        let mut s = spec();
        s.stat_names.push("dipole_min".into());
        assert!(s.validate().unwrap_err().to_string().contains("twice"));
        let mut s = spec();
        s.extra_attrs.push(("format".into(), "x".into()));
        assert!(s.validate().is_err());
        let mut s = spec();
        s.n_sims = 0;
        assert!(s.validate().is_err());
        let mut s = spec();
        s.gid_ranges.push(("L2_basket".into(), 5, 3));
        assert!(s.validate().is_err());
    }
}
