"""hnn-core 0.6.1's default ERP on an NxN mesh with MPIBackend(n_procs=P), timed.

Prints one JSON line with the wall time of simulate_dipole. Needs mpi4py in the
reference virtualenv (pip install mpi4py) and OpenMPI's mpiexec.
"""
import argparse
import json
import time

from hnn_core import MPIBackend, jones_2009_model, simulate_dipole
from hnn_core.network_models import add_erp_drives_to_jones_model


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--mesh", type=int, default=20)
    ap.add_argument("--n-procs", type=int, default=2)
    args = ap.parse_args()
    net = jones_2009_model(mesh_shape=(args.mesh, args.mesh))
    add_erp_drives_to_jones_model(net)
    start = time.perf_counter()
    with MPIBackend(n_procs=args.n_procs, mpi_cmd="mpiexec --oversubscribe --allow-run-as-root"):
        simulate_dipole(net, tstop=170.0, dt=0.025, n_trials=1)
    seconds = time.perf_counter() - start
    print(json.dumps({"simulator": "hnn-core MPIBackend", "mesh": args.mesh,
                      "n_procs": args.n_procs, "seconds": round(seconds, 3)}))


if __name__ == "__main__":
    main()
