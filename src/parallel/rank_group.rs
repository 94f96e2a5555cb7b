//! [`SimGroup`] over an MPI communicator: the ranks that share one
//! simulation (`ranks_per_sim`) exchange spikes and gather results with
//! collectives.

use mpi::collective::SystemOperation;
use mpi::datatype::PartitionMut;
use mpi::topology::SimpleCommunicator;
use mpi::traits::{Communicator, CommunicatorCollectives, Root};
use mpi::Count;

use crate::engine::network_sim::{SimGroup, SpikeRecord};

pub struct MpiGroup<'a>(pub &'a SimpleCommunicator);

fn displacements(counts: &[Count]) -> Vec<Count> {
    counts
        .iter()
        .scan(0, |acc, &c| {
            let d = *acc;
            *acc += c;
            Some(d)
        })
        .collect()
}

impl SimGroup for MpiGroup<'_> {
    fn rank(&self) -> usize {
        self.0.rank() as usize
    }

    fn size(&self) -> usize {
        self.0.size() as usize
    }

    fn all_gather_spikes(&self, local: &[SpikeRecord]) -> Vec<SpikeRecord> {
        let flat: Vec<f64> = local
            .iter()
            .flat_map(|s| [s.time_ms, s.gid as f64, s.step as f64])
            .collect();
        let mut counts = vec![0 as Count; self.size()];
        self.0
            .all_gather_into(&(flat.len() as Count), &mut counts[..]);
        let displs = displacements(&counts);
        let mut all = vec![0.0; counts.iter().sum::<Count>() as usize];
        {
            let mut part = PartitionMut::new(&mut all[..], counts, displs);
            self.0.all_gather_varcount_into(&flat[..], &mut part);
        }
        all.chunks_exact(3)
            .map(|c| SpikeRecord {
                time_ms: c[0],
                gid: c[1] as usize,
                step: c[2] as usize,
            })
            .collect()
    }

    fn any(&self, local: bool) -> bool {
        let mut any = 0u8;
        self.0
            .all_reduce_into(&u8::from(local), &mut any, SystemOperation::max());
        any != 0
    }

    fn gather_f64(&self, data: &[f64]) -> Option<Vec<Vec<f64>>> {
        let root = self.0.process_at_rank(0);
        let n = data.len() as Count;
        if self.0.rank() != 0 {
            root.gather_into(&n);
            root.gather_varcount_into(data);
            return None;
        }
        let mut counts = vec![0 as Count; self.size()];
        root.gather_into_root(&n, &mut counts[..]);
        let displs = displacements(&counts);
        let mut all = vec![0.0; counts.iter().sum::<Count>() as usize];
        {
            let mut part = PartitionMut::new(&mut all[..], counts.clone(), displs.clone());
            root.gather_varcount_into_root(data, &mut part);
        }
        Some(
            counts
                .iter()
                .zip(&displs)
                .map(|(&c, &d)| all[d as usize..(d + c) as usize].to_vec())
                .collect(),
        )
    }
}
