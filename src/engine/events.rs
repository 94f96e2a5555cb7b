//! The event queue of NEURON's fixed-step method: events are delivered at
//! the start of the step whose midpoint reaches them (`t + dt/2 >= te`,
//! netcvode.cpp `deliver_net_events`), in time order.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Where an event goes: synapse `site` of cell `cell` in batch `batch`.
/// `site` indexes the layout's `synapses`, which name the point-process
/// bank and instance (`CellBatch::net_receive`).
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

/// Buckets beyond this many steps ahead go to the overflow heap (keeps the
/// bucket array small for events far beyond any tstop).
const MAX_BUCKETS: usize = 1 << 20;

/// A two-level queue: events land in per-step buckets (`floor(time / dt)`)
/// and only the buckets up to the present step enter `near`, a short list
/// sorted once per step, which pops them in (time, queue order) exactly as
/// one heap over all events would.
pub struct EventQueue {
    step_ms: f64,
    buckets: Vec<Vec<Event>>,
    /// Buckets below this index have been moved into `near`.
    drained: usize,
    /// Sorted ascending by `Event`'s (reversed) order: the next event is last.
    near: Vec<Event>,
    /// Events too far ahead for a bucket (or with a NaN time).
    overflow: BinaryHeap<Event>,
    next_seq: u64,
}

impl EventQueue {
    /// A queue whose buckets are `step_ms` wide (the integration step).
    pub fn new(step_ms: f64) -> Self {
        assert!(step_ms > 0.0, "event bucket width must be positive");
        EventQueue {
            step_ms,
            buckets: Vec::new(),
            drained: 0,
            near: Vec::new(),
            overflow: BinaryHeap::new(),
            next_seq: 0,
        }
    }

    /// `floor(time / step)`: monotonic in time, so every event due by `til`
    /// is in a bucket at or below `bucket(til)`. None: overflow.
    fn bucket(&self, time_ms: f64) -> Option<usize> {
        let k = (time_ms / self.step_ms).floor();
        if k.is_nan() || k >= MAX_BUCKETS as f64 {
            None
        } else {
            Some(k.max(0.0) as usize)
        }
    }

    pub fn push(&mut self, time_ms: f64, target: SynapseTarget, weight_us: f64) {
        let ev = Event {
            time_ms,
            target,
            weight_us,
            seq: self.next_seq,
        };
        self.next_seq += 1;
        match self.bucket(time_ms) {
            Some(k) if k >= self.drained => {
                if k >= self.buckets.len() {
                    self.buckets.resize_with(k + 1, Vec::new);
                }
                self.buckets[k].push(ev);
            }
            Some(_) => self.insert_near(ev),
            None => self.overflow.push(ev),
        }
    }

    /// Pops the next event due at or before `til_ms`.
    pub fn pop_due(&mut self, til_ms: f64) -> Option<Event> {
        let last = self
            .bucket(til_ms)
            .unwrap_or(MAX_BUCKETS - 1)
            .min(MAX_BUCKETS - 1);
        if self.drained <= last {
            while self.drained <= last {
                if let Some(bucket) = self.buckets.get_mut(self.drained) {
                    self.near.append(bucket);
                }
                self.drained += 1;
            }
            self.near.sort_unstable();
        }
        while self.overflow.peek().is_some_and(|e| e.time_ms <= til_ms) {
            let ev = self.overflow.pop().expect("peeked");
            self.insert_near(ev);
        }
        if self.near.last()?.time_ms <= til_ms {
            self.near.pop()
        } else {
            None
        }
    }

    /// An event for a bucket already drained: into its sorted place.
    fn insert_near(&mut self, ev: Event) {
        let at = self.near.partition_point(|e| *e < ev);
        self.near.insert(at, ev);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bucketed queue pops in the order of one heap over all events.
    #[test]
    fn pops_in_time_then_queue_order_like_one_heap() {
        let dt = 0.025;
        let target = SynapseTarget {
            batch: 0,
            cell: 0,
            site: 0,
        };
        let mut q = EventQueue::new(dt);
        let mut reference = BinaryHeap::new();
        // Pseudo-random times on and off the step grid, with ties, some
        // beyond the bucket range and some queued while popping.
        let mut x: u64 = 12345;
        let mut next = || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            x >> 11
        };
        let mut seq = 0u64;
        let mut push = |q: &mut EventQueue, reference: &mut BinaryHeap<Event>, t: f64| {
            q.push(t, target, seq as f64);
            reference.push(Event {
                time_ms: t,
                target,
                weight_us: seq as f64,
                seq,
            });
            seq += 1;
        };
        for _ in 0..3000 {
            let r = next();
            let t = match r % 4 {
                0 => (r % 400) as f64 * dt,
                1 => (r % 100_000) as f64 * 1e-4,
                2 => 1e9,
                _ => ((r % 1000) as f64 * 0.1).floor(),
            };
            push(&mut q, &mut reference, t);
        }
        let mut t = 0.0;
        let mut popped = 0;
        for step in 0..8000 {
            let til = t + 0.5 * dt;
            let mut late_pushed = false;
            while let Some(ev) = q.pop_due(til) {
                let want = reference.pop().unwrap();
                assert!(want.time_ms <= til);
                assert_eq!(ev.weight_us.to_bits(), want.weight_us.to_bits());
                popped += 1;
                if step % 7 == 0 {
                    push(&mut q, &mut reference, ev.time_ms + 1.0 + dt * 0.3);
                    if !late_pushed {
                        // Already due: goes straight into the sorted list.
                        push(&mut q, &mut reference, ev.time_ms);
                        late_pushed = true;
                    }
                }
            }
            assert!(reference.peek().is_none_or(|e| e.time_ms > til));
            t += dt;
        }
        assert!(popped > 2000);
        // What is left (overflow included) comes out in the same order.
        while let Some(ev) = q.pop_due(f64::INFINITY) {
            let want = reference.pop().unwrap();
            assert_eq!(ev.weight_us.to_bits(), want.weight_us.to_bits());
        }
        assert!(reference.is_empty());
    }
}
