"""hnn-core 0.6.1's "Batch Simulation" example (the seed use case), timed.

The example's own code (jones_2009_model((3, 3)), one evoked drive, a zip sweep
of np.logspace(-4, -1, 20) weights, min/max of the 30 ms-smoothed dipole) run with
BatchSimulate(n_jobs=N, backend='loky'). Prints one JSON line with the wall
time of `batch_simulation.run(...)`. Run with the reference virtualenv.
"""
import argparse
import json
import time

import numpy as np
from hnn_core import jones_2009_model
from hnn_core.batch_simulate import BatchSimulate


def set_params(param_values, net=None):
    weights_ampa = {'L2_basket': param_values['weight_basket'],
                    'L2_pyramidal': param_values['weight_pyr'],
                    'L5_basket': param_values['weight_basket'],
                    'L5_pyramidal': param_values['weight_pyr']}
    synaptic_delays = {'L2_basket': 0.1, 'L2_pyramidal': 0.1,
                       'L5_basket': 1., 'L5_pyramidal': 1.}
    net.add_evoked_drive('evprox', mu=40, sigma=5, numspikes=1, location='proximal',
                         weights_ampa=weights_ampa, synaptic_delays=synaptic_delays)


def summary_func(results):
    summary_stats = []
    for result in results:
        dpl_smooth = result['dpl'][0].copy().smooth(window_len=30)
        dpl_data = dpl_smooth.data['agg']
        summary_stats.append({'min_peak': np.min(dpl_data), 'max_peak': np.max(dpl_data)})
    return summary_stats


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n-jobs", type=int, default=2)
    args = ap.parse_args()
    param_grid = {'weight_basket': np.logspace(-4, -1, 20),
                  'weight_pyr': np.logspace(-4, -1, 20)}
    start = time.perf_counter()
    net = jones_2009_model(mesh_shape=(3, 3))
    batch = BatchSimulate(net=net, set_params=set_params, summary_func=summary_func)
    res = batch.run(param_grid, n_jobs=args.n_jobs, combinations=False, backend='loky',
                    verbose=False)
    seconds = time.perf_counter() - start
    first = res['summary_statistics'][0][0]
    print(json.dumps({"simulator": "hnn-core BatchSimulate", "n_jobs": args.n_jobs,
                      "n_sims": 20, "seconds": round(seconds, 3),
                      "first_min_peak": float(first['min_peak'])}))


if __name__ == "__main__":
    main()
