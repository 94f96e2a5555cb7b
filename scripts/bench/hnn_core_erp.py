"""Time hnn-core 0.6.1 on the default ERP (jones_2009_model + ERP drives).

Prints one JSON line: {"simulator": "hnn-core", "mesh": [nx, ny], "seconds": wall time of
simulate_dipole (network build + NEURON run + post-processing, one core), ...}.
Run with the reference virtualenv (scripts/reference/README.md).
"""
import argparse
import json
import time

from hnn_core import jones_2009_model, simulate_dipole
from hnn_core.network_models import add_erp_drives_to_jones_model


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--mesh", type=int, nargs=2, default=[10, 10])
    ap.add_argument("--tstop", type=float, default=170.0)
    args = ap.parse_args()
    net = jones_2009_model(mesh_shape=tuple(args.mesh))
    add_erp_drives_to_jones_model(net)
    start = time.perf_counter()
    dpls = simulate_dipole(net, tstop=args.tstop, dt=0.025, n_trials=1)
    seconds = time.perf_counter() - start
    n_spikes = len(net.cell_response.spike_times[0])
    print(json.dumps({"simulator": "hnn-core", "mesh": args.mesh, "tstop": args.tstop,
                      "seconds": round(seconds, 3), "n_spikes": n_spikes,
                      "agg_peak_nAm": float(abs(dpls[0].data["agg"]).max())}))


if __name__ == "__main__":
    main()
