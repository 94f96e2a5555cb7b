//! The fixed step over every cell batch and the event queue, in the order of
//! NEURON's `nrn_fixed_step` (fadvance.cpp; docs/engine.md, §4 One time
//! step, rows 4-10): deliver the events due by mid-step, advance t by dt/2,
//! set up and solve the matrix, advance t by dt/2, update the states.

use super::cell_batch::CellBatch;
use super::events::{EventQueue, SynapseTarget};
use super::time_grid::half_step;

pub struct Simulator {
    pub batches: Vec<CellBatch>,
    pub events: EventQueue,
    /// Time step, ms.
    pub dt_ms: f64,
    /// Current time, ms (accumulated in half steps, as NEURON does:
    /// [`crate::engine::time_grid`]).
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

    /// One fixed step of `dt_ms`, phase by phase as `nrn_fixed_step`.
    pub fn step(&mut self) {
        // deliver_net_events: everything due by t + dt/2.
        self.deliver_events(half_step(self.t_ms, self.dt_ms));
        self.t_ms = half_step(self.t_ms, self.dt_ms);
        // setup_tree_matrix, nrn_solve, update: at the mid-step time.
        for b in &mut self.batches {
            b.setup_and_solve(self.t_ms);
        }
        self.t_ms = half_step(self.t_ms, self.dt_ms);
        // nonvint: the states at the new voltage.
        for b in &mut self.batches {
            b.update_states(self.dt_ms);
        }
    }

    /// Every queued event with time `<= til_ms`, in (time, queue order),
    /// into its synapse's `NET_RECEIVE`.
    fn deliver_events(&mut self, til_ms: f64) {
        while let Some(ev) = self.events.pop_due(til_ms) {
            self.batches[ev.target.batch as usize].net_receive(
                ev.target.site as usize,
                ev.target.cell as usize,
                ev.weight_us,
            );
        }
    }
}
