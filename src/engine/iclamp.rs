//! `IClamp` (NEURON's src/nrnoc/stim.mod): somatic current steps and
//! hnn-core's tonic biases. A stimulus, not a synapse: it receives no
//! events, so it is not a [`crate::engine::synapses`] bank.

/// A current clamp on one cell: `amp` nA while `del <= t < del + dur`.
#[derive(Debug, Clone)]
pub struct IClamp {
    pub cell: usize,
    pub node: usize,
    pub del_ms: f64,
    pub dur_ms: f64,
    pub amp_na: f64,
    /// `1e2 / area` of the node.
    pub scale: f64,
}

impl IClamp {
    /// Adds the electrode current at mid-step time `t_ms` (stim.mod).
    #[inline]
    pub fn current(&self, t_ms: f64, rhs: &mut [f64], nc: usize) {
        let i = if t_ms < self.del_ms + self.dur_ms && t_ms >= self.del_ms {
            self.amp_na
        } else {
            0.0
        };
        rhs[self.node * nc + self.cell] += i * self.scale;
    }
}
