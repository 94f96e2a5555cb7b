//! The event queue of NEURON's fixed-step method: events are delivered at
//! the start of the step whose midpoint reaches them (`t + dt/2 >= te`,
//! netcvode.cpp `deliver_net_events`), in time order.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Where an event goes: synapse `site` of cell `cell` in batch `batch`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SynapseTarget {
    pub batch: u32,
    pub cell: u32,
    pub site: u32,
}

#[derive(Debug, Clone, Copy)]
pub struct Event {
    /// Delivery time, ms.
    pub time_ms: f64,
    pub target: SynapseTarget,
    /// NetCon weight, µS.
    pub weight_us: f64,
    seq: u64,
}

impl PartialEq for Event {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Event {}
impl PartialOrd for Event {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Event {
    /// Reversed so that the max-heap pops the earliest (then first-queued).
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .time_ms
            .total_cmp(&self.time_ms)
            .then(other.seq.cmp(&self.seq))
    }
}

#[derive(Default)]
pub struct EventQueue {
    heap: BinaryHeap<Event>,
    next_seq: u64,
}

impl EventQueue {
    pub fn push(&mut self, time_ms: f64, target: SynapseTarget, weight_us: f64) {
        self.heap.push(Event {
            time_ms,
            target,
            weight_us,
            seq: self.next_seq,
        });
        self.next_seq += 1;
    }

    /// Pops the next event due at or before `til_ms`.
    pub fn pop_due(&mut self, til_ms: f64) -> Option<Event> {
        if self.heap.peek()?.time_ms <= til_ms {
            self.heap.pop()
        } else {
            None
        }
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    pub fn clear(&mut self) {
        self.heap.clear();
    }
}
