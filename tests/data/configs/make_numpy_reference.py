"""Reference numbers for the sweep expansion tests (tests/config_errors.rs).

Run with numpy 1.26.4 on a CPU with AVX-512 (numpy's SIMD report lists
AVX512_SKX), the configuration that produced hnn-core's documented "Batch
Simulation" example:

    python -m venv /tmp/np126 && /tmp/np126/bin/pip install numpy==1.26.4
    /tmp/np126/bin/python tests/data/configs/make_numpy_reference.py \
        > tests/data/configs/numpy_reference.json

JSON floats are written with repr(), which round-trips exactly.
"""
import json
import sys

import numpy as np

rng = np.random.RandomState(20261126)
spaces = [(-4, -1, 20), (-3, 0, 7), (-6, -2, 33), (0, 2, 5), (-1.5, 1.25, 12), (-4, -4, 3), (2, -3, 9), (-300, 300, 61)]
lin = [(0.0, 1.0, 11), (-5, 3, 17), (1e-3, 0.1, 50), (0.1, 0.3, 3), (2.5, 2.5, 4), (7, -2, 10), (0, 1, 1)]
# np.power(10.0, y) over exponents of every logspace a config might use
ys = np.concatenate([rng.uniform(-12, 12, 1500), rng.uniform(-300, 300, 300), np.arange(-20, 21, dtype=float)])
bases = {b: rng.uniform(-20, 20, 200) for b in (2.0, 3.7, 0.5, 123.456)}
out = {
    "generated_by": "tests/data/configs/make_numpy_reference.py",
    "numpy_version": np.__version__,
    "simd": [k for k, v in np.core._multiarray_umath.__cpu_features__.items() if v],
    "seed_weight_basket_printed": [
        9.999999999999999e-05, 0.00014384498882876628, 0.000206913808111479,
        0.00029763514416313193, 0.00042813323987193956, 0.0006158482110660266,
        0.0008858667904100822, 0.0012742749857031334, 0.0018329807108324356,
        0.002636650898730358, 0.00379269019073225, 0.005455594781168514,
        0.007847599703514606, 0.011288378916846885, 0.01623776739188721,
        0.023357214690901212, 0.033598182862837805, 0.04832930238571752,
        0.06951927961775606, 0.09999999999999999],
    "logspace": [{"args": list(a), "values": np.logspace(*a).tolist()} for a in spaces],
    "linspace": [{"args": list(a), "values": np.linspace(*a).tolist()} for a in lin],
    "power10": {"y": ys.tolist(), "values": np.power(10.0, ys).tolist()},
    "power_other_bases": [{"x": b, "y": y.tolist(), "values": np.power(b, y).tolist()} for b, y in bases.items()],
}
json.dump(out, sys.stdout, indent=0)
sys.stdout.write("\n")
