#!/usr/bin/env python3
"""pycma's CMA-ES constants and bound transform, for tests/search_cma.rs.

Run by hand: /work/venv/bin/python scripts/reference/cma_reference.py
Writes tests/data/search/cma_constants.json: for n = 1..5 and popsize 16 and
pycma's default (int(4 + 3 ln n); only those >= 6, where pycma does not mirror
samples), the recombination weights, mueff, cc, cs, damps, c1, cmu (the rates
GaussFullSampler.update uses) and chiN; and BoxConstraintsLinQuadTransformation
of the unit box [0, 1] at a list of genotype values.
"""
import datetime
import json
import sys
from pathlib import Path

import numpy as np
import cma
from cma.transformations import BoxConstraintsLinQuadTransformation
from cma.utilities.math import Mh

out = {
    "provenance": {
        "script": "scripts/reference/cma_reference.py",
        "cma": cma.__version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "date": datetime.date.today().isoformat(),
    },
    "strategies": [],
}
for n in range(1, 6):
    for lam in sorted({16, int(4 + 3 * np.log(n))}):
        if lam < 6:
            continue
        es = cma.CMAEvolutionStrategy(n * [0.5], 0.25, {
            "popsize": lam, "bounds": [0, 1], "verbose": -9, "seed": 1})
        es.adapt_sigma.initialize(es)
        p = es.sm.parameters(mueff=es.sp.weights.mueff, lam=es.sp.weights.lambda_)
        out["strategies"].append({
            "n": n,
            "popsize": lam,
            "mu": int(es.sp.weights.mu),
            "weights": [float(w) for w in es.sp.weights],
            "mueff": float(es.sp.weights.mueff),
            "cc": float(es.sp.cc),
            "cs": float(es.adapt_sigma.cs),
            "damps": float(es.adapt_sigma.damps),
            "c1": float(p["c1"]),
            "cmu": float(p["cmu"]),
            "chi_n": float(Mh.chiN(n)),
        })
tf = BoxConstraintsLinQuadTransformation([[0, 1]])
xs = [-7.3, -2.05, -1.3, -0.6, -0.55, -0.2, -0.1, -0.05, -0.01, 0.0, 0.02, 0.05,
      0.07, 0.5, 0.93, 0.95, 0.99, 1.0, 1.04, 1.05, 1.1, 1.3, 1.6, 1.65, 2.2, 3.75, 12.34]
out["unit_box"] = [[x, float(tf([x])[0])] for x in xs]
path = Path(__file__).resolve().parents[2] / "tests/data/search/cma_constants.json"
path.write_text(json.dumps(out, indent=1) + "\n")
print("wrote", path)
