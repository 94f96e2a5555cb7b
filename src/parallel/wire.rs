//! The wire format between ranks: the message tags of the scheduling
//! protocol, and simulation results as bytes, to send them from the rank
//! that computed them to rank 0, which writes the file (little-endian,
//! length-prefixed).

use crate::output::SimResult;

/// Worker -> rank 0: "give me work", carrying the last finished results
/// after one byte: 0, or why the worker stopped ([`STOPPED_BY_ROOT`],
/// [`STOPPED_BY_GROUP`], else the number of the signal it received).
pub const TAG_REQUEST: i32 = 1;
/// Worker -> rank 0: a finished result, no answer expected.
pub const TAG_RESULT: i32 = 2;
/// Rank 0 -> worker: simulation indices to run (empty: stop; [`STOP_SENT`]:
/// stop, and a [`TAG_STOP`] was sent before).
pub const TAG_WORK: i32 = 3;
/// Rank 0 -> worker, no data: abandon the simulations under way (the sweep
/// is interrupted). At most once per worker, always before its last
/// [`TAG_WORK`], so that no message is left unreceived.
pub const TAG_STOP: i32 = 4;

/// The [`TAG_WORK`] answer to a worker that was sent a [`TAG_STOP`].
pub const STOP_SENT: u64 = u64::MAX;
/// A request's first byte: the worker stopped because rank 0 asked.
pub const STOPPED_BY_ROOT: u8 = 255;
/// A request's first byte: another rank of the worker's group asked to
/// stop (a signal that reached it alone).
pub const STOPPED_BY_GROUP: u8 = 254;

/// Tells a group's other ranks that the sweep is over.
pub const STOP: u64 = u64::MAX;

struct Writer(Vec<u8>);

impl Writer {
    fn u64(&mut self, x: u64) {
        self.0.extend_from_slice(&x.to_le_bytes());
    }
    fn f64s(&mut self, x: &[f64]) {
        self.u64(x.len() as u64);
        for v in x {
            self.0.extend_from_slice(&v.to_le_bytes());
        }
    }
    fn i64s(&mut self, x: &[i64]) {
        self.u64(x.len() as u64);
        for v in x {
            self.0.extend_from_slice(&v.to_le_bytes());
        }
    }
    fn f32s(&mut self, x: &[f32]) {
        self.u64(x.len() as u64);
        for v in x {
            self.0.extend_from_slice(&v.to_le_bytes());
        }
    }
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take8(&mut self) -> [u8; 8] {
        let (head, rest) = self.0.split_at(8);
        self.0 = rest;
        head.try_into().unwrap()
    }
    fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.take8())
    }
    fn f64s(&mut self) -> Vec<f64> {
        let n = self.u64() as usize;
        (0..n).map(|_| f64::from_le_bytes(self.take8())).collect()
    }
    fn i64s(&mut self) -> Vec<i64> {
        let n = self.u64() as usize;
        (0..n).map(|_| i64::from_le_bytes(self.take8())).collect()
    }
    fn f32s(&mut self) -> Vec<f32> {
        let n = self.u64() as usize;
        let (head, rest) = self.0.split_at(4 * n);
        self.0 = rest;
        head.chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
            .collect()
    }
}

pub fn encode(r: &SimResult) -> Vec<u8> {
    let mut w = Writer(Vec::new());
    w.u64(r.sim as u64);
    match &r.error {
        Some(e) => {
            w.u64(1);
            w.u64(e.len() as u64);
            w.0.extend_from_slice(e.as_bytes());
        }
        None => w.u64(0),
    }
    let dipoles = r.dipoles.as_deref().unwrap_or(&[]);
    w.u64(u64::from(r.dipoles.is_some()));
    w.u64(dipoles.len() as u64);
    for d in dipoles {
        for layer in d {
            w.f64s(layer);
        }
    }
    w.u64(r.summary.len() as u64);
    for s in &r.summary {
        w.f64s(s);
    }
    w.u64(r.spikes.len() as u64);
    for (t, g) in &r.spikes {
        w.f64s(t);
        w.i64s(g);
    }
    w.u64(r.vsec.len() as u64);
    for rec in &r.vsec {
        w.u64(rec.len() as u64);
        for trial in rec {
            w.f32s(trial);
        }
    }
    w.u64(r.lfp.len() as u64);
    for array in &r.lfp {
        w.u64(array.len() as u64);
        for trial in array {
            w.f64s(trial);
        }
    }
    w.0
}

pub fn decode(bytes: &[u8]) -> SimResult {
    let mut r = Reader(bytes);
    let sim = r.u64() as usize;
    let error = if r.u64() == 1 {
        let n = r.u64() as usize;
        let (s, rest) = r.0.split_at(n);
        r.0 = rest;
        Some(String::from_utf8_lossy(s).into_owned())
    } else {
        None
    };
    let has_dipoles = r.u64() == 1;
    let n_trials = r.u64() as usize;
    let dipoles: Vec<[Vec<f64>; 3]> = (0..n_trials)
        .map(|_| [r.f64s(), r.f64s(), r.f64s()])
        .collect();
    let n_stats = r.u64() as usize;
    let summary = (0..n_stats).map(|_| r.f64s()).collect();
    let n_spikes = r.u64() as usize;
    let spikes = (0..n_spikes).map(|_| (r.f64s(), r.i64s())).collect();
    let n_vsec = r.u64() as usize;
    let vsec = (0..n_vsec)
        .map(|_| {
            let n = r.u64() as usize;
            (0..n).map(|_| r.f32s()).collect()
        })
        .collect();
    let n_lfp = r.u64() as usize;
    let lfp = (0..n_lfp)
        .map(|_| {
            let n = r.u64() as usize;
            (0..n).map(|_| r.f64s()).collect()
        })
        .collect();
    SimResult {
        sim,
        dipoles: has_dipoles.then_some(dipoles),
        summary,
        spikes,
        vsec,
        lfp,
        error,
    }
}

/// Several results in one message (a batch's): their number, then each
/// length-prefixed. No results: no bytes.
pub fn encode_all(results: &[SimResult]) -> Vec<u8> {
    if results.is_empty() {
        return Vec::new();
    }
    let mut w = Writer(Vec::new());
    w.u64(results.len() as u64);
    for r in results {
        let bytes = encode(r);
        w.u64(bytes.len() as u64);
        w.0.extend_from_slice(&bytes);
    }
    w.0
}

pub fn decode_all(bytes: &[u8]) -> Vec<SimResult> {
    if bytes.is_empty() {
        return Vec::new();
    }
    let mut r = Reader(bytes);
    let n = r.u64() as usize;
    (0..n)
        .map(|_| {
            let len = r.u64() as usize;
            let (one, rest) = r.0.split_at(len);
            r.0 = rest;
            decode(one)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let r = SimResult {
            sim: 7,
            dipoles: Some(vec![[vec![1.0, -2.5], vec![0.5, f64::NAN], vec![3.0, 4.0]]]),
            summary: vec![vec![1.5], vec![-0.25]],
            spikes: vec![(vec![1.0, 2.0], vec![3, 4])],
            vsec: vec![vec![vec![-65.5, 1.25], vec![f32::NAN, 3.0]]],
            lfp: vec![
                vec![vec![0.0, -1.5e-3, f64::NAN, 7.25]],
                vec![vec![f64::MIN_POSITIVE, -0.0]],
            ],
            error: None,
        };
        let back = decode(&encode(&r));
        assert_eq!(back.sim, 7);
        assert_eq!(back.summary, r.summary);
        assert_eq!(back.spikes, r.spikes);
        let bits = |v: &Vec<Vec<Vec<f32>>>| -> Vec<u32> {
            v.iter().flatten().flatten().map(|x| x.to_bits()).collect()
        };
        assert_eq!(bits(&back.vsec), bits(&r.vsec));
        let bits64 = |v: &Vec<Vec<Vec<f64>>>| -> Vec<Vec<Vec<u64>>> {
            v.iter()
                .map(|a| {
                    a.iter()
                        .map(|t| t.iter().map(|x| x.to_bits()).collect())
                        .collect()
                })
                .collect()
        };
        assert_eq!(bits64(&back.lfp), bits64(&r.lfp));
        let (a, b) = (&back.dipoles.unwrap()[0], &r.dipoles.unwrap()[0]);
        assert!(a
            .iter()
            .flatten()
            .zip(b.iter().flatten())
            .all(|(x, y)| x.to_bits() == y.to_bits()));
        let f = decode(&encode(&SimResult::failed(3, "boom")));
        assert_eq!((f.sim, f.error.as_deref()), (3, Some("boom")));
    }

    #[test]
    fn several_results_in_one_message() {
        assert!(decode_all(&encode_all(&[])).is_empty());
        let rs = [
            SimResult::failed(4, "diverged"),
            SimResult {
                sim: 5,
                summary: vec![vec![2.0]],
                ..Default::default()
            },
        ];
        let back = decode_all(&encode_all(&rs));
        assert_eq!(back.len(), 2);
        assert_eq!(
            (back[0].sim, back[0].error.as_deref()),
            (4, Some("diverged"))
        );
        assert_eq!((back[1].sim, &back[1].summary), (5, &vec![vec![2.0]]));
    }
}
