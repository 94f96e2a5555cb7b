//! The fixed-step time loop over cell batches and events, in the order of
//! NEURON's `nrn_fixed_step`: deliver events due by mid-step, advance t by
//! dt/2, set up and solve the matrix, advance t by dt/2, update states.

use super::cell_batch::CellBatch;
use super::events::{EventQueue, SynapseTarget};

pub struct Simulator {
    pub batches: Vec<CellBatch>,
    pub events: EventQueue,
    /// Time step, ms.
    pub dt_ms: f64,
    /// Current time, ms (accumulated in half steps, as NEURON does).
    pub t_ms: f64,
}

impl Simulator {
    pub fn new(batches: Vec<CellBatch>, dt_ms: f64) -> Self {
        Simulator {
            batches,
            events: EventQueue::new(dt_ms),
            dt_ms,
            t_ms: 0.0,
        }
    }

    /// `finitialize()`: t = 0, every batch initialised. Events already
    /// queued stay queued (they are the drives' spike trains).
    pub fn initialize(&mut self) {
        self.t_ms = 0.0;
        for b in &mut self.batches {
            b.initialize();
        }
    }

    /// Queue a NetCon event at `time_ms` onto a synapse.
    pub fn queue_event(&mut self, time_ms: f64, target: SynapseTarget, weight_us: f64) {
        self.events.push(time_ms, target, weight_us);
    }

    /// One fixed step of `dt_ms`.
    pub fn step(&mut self) {
        let half = 0.5 * self.dt_ms;
        let til = self.t_ms + half;
        while let Some(ev) = self.events.pop_due(til) {
            let b = &mut self.batches[ev.target.batch as usize];
            let nc = b.n_cells;
            b.synapses.receive(
                ev.target.site as usize,
                ev.target.cell as usize,
                nc,
                ev.weight_us,
            );
        }
        self.t_ms += half;
        for b in &mut self.batches {
            b.setup_and_solve(self.t_ms);
        }
        self.t_ms += half;
        for b in &mut self.batches {
            b.update_states(self.dt_ms);
        }
    }
}
