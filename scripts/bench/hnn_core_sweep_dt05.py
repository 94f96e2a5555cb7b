"""hnn-core 0.6.1's side of scripts/bench/sweep_dt05.sh, timed.

A random sweep of the 3x3 Jones 2009 network at dt = 0.5 ms (170 ms), with the
priors of configs/bench_sweep_dt05.toml: mu ~ U(20, 60) ms, AMPA weights
log-uniform in [1e-4, 1e-1] uS, and a per-simulation integer event_seed in
[0, 1000000), through hnn-core's own BatchSimulate(n_jobs=N, backend='loky',
combinations=False), the summary the min/max of the 30 ms-smoothed dipole (the
seed example's). The draws come from numpy.random.default_rng(2024): the same
distribution as hnn-mpi's sweep, not the same points (the rate, not the
numbers, is compared). Prints one JSON line with the wall time of the whole
run (network build included) and simulations per second. Run with the
reference virtualenv.
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
    net.add_evoked_drive('evprox', mu=param_values['mu'], sigma=5, numspikes=1,
                         location='proximal', weights_ampa=weights_ampa,
                         synaptic_delays=synaptic_delays,
                         event_seed=int(param_values['seed']))


def summary_func(results):
    out = []
    for result in results:
        d = result['dpl'][0].copy().smooth(window_len=30).data['agg']
        out.append({'min_peak': float(np.min(d)), 'max_peak': float(np.max(d))})
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n-jobs", type=int, default=2)
    ap.add_argument("--n-sims", type=int, default=200)
    ap.add_argument("--dt", type=float, default=0.5)
    args = ap.parse_args()
    rng = np.random.default_rng(2024)
    n = args.n_sims
    param_grid = {'mu': rng.uniform(20.0, 60.0, n),
                  'weight_basket': 10.0 ** rng.uniform(-4, -1, n),
                  'weight_pyr': 10.0 ** rng.uniform(-4, -1, n),
                  'seed': rng.integers(0, 1000000, n)}
    start = time.perf_counter()
    net = jones_2009_model(mesh_shape=(3, 3))
    batch = BatchSimulate(net=net, set_params=set_params, summary_func=summary_func,
                          tstop=170.0, dt=args.dt, clear_cache=True)
    batch.run(param_grid, n_jobs=args.n_jobs, combinations=False, backend='loky',
              verbose=False)
    seconds = time.perf_counter() - start
    print(json.dumps({"simulator": "hnn-core BatchSimulate", "n_jobs": args.n_jobs,
                      "n_sims": n, "dt": args.dt, "seconds": round(seconds, 3),
                      "sims_per_second": round(n / seconds, 3)}))


if __name__ == "__main__":
    main()
