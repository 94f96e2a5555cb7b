#!/usr/bin/env python3
"""pycma's own generations and its state after each tell, for tests/search_cma.rs.

Run by hand: /work/venv/bin/python scripts/reference/cma_trajectory.py
Writes tests/data/search/cma_trajectory.json. pycma 4.5 runs unbounded (the
bound transform is compared separately, cma_constants.json) from x0 = 0.5,
sigma0 = 0.25 on a rotated ellipsoid; for every generation the file holds the
points pycma sampled (its genotypes), their values, and the mean, sigma,
covariance C and paths p_c, p_sigma after `tell`. The Rust CMA-ES is told the
same points and values and must arrive at the same state.
"""
import datetime
import json
import sys
from pathlib import Path

import numpy as np
import cma


def objective(x):
    x = np.asarray(x)
    n = len(x)
    c = np.linspace(0.3, 0.7, n)
    y = x - c
    return float(sum((1 + 3 * i) * y[i] ** 2 for i in range(n)) + 2 * y[0] * y[-1])


out = {
    "provenance": {
        "script": "scripts/reference/cma_trajectory.py",
        "cma": cma.__version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "date": datetime.date.today().isoformat(),
        "objective": "sum((1 + 3 i) (x_i - c_i)^2) + 2 (x_0 - c_0)(x_{n-1} - c_{n-1}), c = linspace(0.3, 0.7, n)",
    },
    "runs": [],
}
for n, lam, seed, gens in [(2, 6, 3, 30), (3, 16, 5, 20), (5, 10, 7, 20)]:
    es = cma.CMAEvolutionStrategy(n * [0.5], 0.25, {
        "popsize": lam, "verbose": -9, "seed": seed, "tolfun": 0, "tolx": 0,
        "tolflatfitness": 10**9})
    run = {"n": n, "popsize": lam, "generations": []}
    for _ in range(gens):
        X = es.ask()
        F = [objective(x) for x in X]
        es.tell(X, F)
        run["generations"].append({
            "points": [[float(v) for v in x] for x in X],
            "values": F,
            "mean": [float(v) for v in es.mean],
            "sigma": float(es.sigma),
            "C": [[float(v) for v in row] for row in es.sm.C],
            "pc": [float(v) for v in es.pc],
            "ps": [float(v) for v in es.adapt_sigma.ps],
        })
    out["runs"].append(run)
path = Path(__file__).resolve().parents[2] / "tests/data/search/cma_trajectory.json"
path.write_text(json.dumps(out) + "\n")
print("wrote", path, path.stat().st_size, "bytes")
