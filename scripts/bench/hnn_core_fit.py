"""hnn-core 0.6.1's Optimizer on the fit example's problem (configs/fit_evoked.toml):
jones_2009_model(mesh_shape=(3, 3)) with the evoked drive of
scripts/reference/fit_target.py, its mu and two weights searched by
solver='cma' (obj_fun='dipole_rmse', popsize 16, n_jobs as given) against
tests/data/fit/target.txt, scale_factor 3000, smooth_window_len 10.

    /work/venv/bin/python scripts/bench/hnn_core_fit.py --generations G --n-jobs 2

hnn-core searches the constraints linearly (the bench config of
scripts/bench/fit.sh does too). Prints one JSON line: wall seconds of
Optimizer.fit, evaluations, the best objective.
"""

import argparse
import json
import os
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CONSTRAINTS = {"mu": (15.0, 22.0), "weight_basket": (0.001, 0.05), "weight_pyr": (0.002, 0.1)}


def set_params(net, params):
    wb, wp = params["weight_basket"], params["weight_pyr"]
    net.add_evoked_drive(
        "evprox",
        mu=params["mu"],
        sigma=2,
        numspikes=1,
        location="proximal",
        weights_ampa={"L2_basket": wb, "L2_pyramidal": wp, "L5_basket": wb, "L5_pyramidal": wp},
        synaptic_delays={"L2_basket": 0.1, "L2_pyramidal": 0.1, "L5_basket": 1.0, "L5_pyramidal": 1.0},
    )


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--generations", type=int, default=20)
    p.add_argument("--popsize", type=int, default=16)
    p.add_argument("--n-jobs", type=int, default=2)
    p.add_argument("--seed", type=int, default=123, help="pycma's seed (hnn-core's default 123)")
    a = p.parse_args()
    import numpy as np
    from hnn_core import jones_2009_model, read_dipole
    from hnn_core.optimization import Optimizer

    target = read_dipole(os.path.join(ROOT, "tests/data/fit/target.txt"))
    net = jones_2009_model(mesh_shape=(3, 3))
    opt = Optimizer(net, tstop=60.0, constraints=CONSTRAINTS, set_params=set_params,
                    solver="cma", obj_fun="dipole_rmse", max_iter=a.generations)
    start = time.perf_counter()
    # stdout of the optimiser's prints goes to stderr: the last line is ours
    out = sys.stdout
    sys.stdout = sys.stderr
    try:
        opt.fit(target=target, n_jobs=a.n_jobs, popsize=a.popsize, scale_factor=3000.0,
                smooth_window_len=10.0, verbose=False, seed=a.seed)
    finally:
        sys.stdout = out
    seconds = time.perf_counter() - start
    print(json.dumps(dict(seconds=round(seconds, 3), evaluations=a.generations * a.popsize,
                          best_objective=float(np.min(opt.obj_)), seed=a.seed)))


if __name__ == "__main__":
    main()
