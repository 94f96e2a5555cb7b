"""Reference values of hnn-core 0.6.1's objective functions (tests/objectives.rs).

Computes, with hnn-core's own functions, the objectives of its Optimizer on
simulated dipoles that are already golden data of this repository:

* the dipoles: tests/data/network/erp_3x3_trials3.json (3 trials of the 3x3
  ERP network), poisson_3x3.json and seed_p05.json (one trial each), as
  simulate_dipole returned them (nAm, baseline-renormalised), on the times of
  tests/data/network/times.json (tstop 170 ms, dt 0.025 ms);
* the targets: seed_p05's aggregate dipole (same sampling), and two noisy
  targets this script writes with hnn-core's ``Dipole.write`` (text format,
  read back with ``read_dipole``): ``target_noisy_1ms.txt`` (2 columns: the
  scaled, smoothed ERP average every 1 ms plus Gaussian noise) and
  ``target_fine.txt`` (4 columns, 0-50 ms every 0.02 ms, interpolated from
  seed_p05's scaled dipole plus noise), so that both branches of
  ``_resample_and_weight_dipole`` (simulation longer, target longer) run.

``_rmse_evoked``, ``_anticorr_evoked`` and ``_maximize_psd`` are called
themselves, with ``simulate_dipole`` in their module replaced by a function
returning copies of the golden trials (the network argument is a stub);
windows with a ``tstart`` call ``_rmse`` / ``_anticorr`` on hnn-core's own
``_preprocess_dipole`` and ``average_dipoles``. Band powers are sums of
``scipy.signal.periodogram(agg, sfreq, window='hamming')`` over the band,
as ``_get_relative_power`` makes them.

Run by hand from the repository root:

    /work/venv/bin/python scripts/reference/objectives.py

Writes tests/data/objectives/{objectives.json, target_noisy_1ms.txt,
target_fine.txt}. The noise is numpy's default_rng(15); rerunning rewrites
the same files (only the date changes).
"""

import json
import os
import os.path as op

import common

NETWORK = common.data_dir("network")


def golden_trials(case):
    """The case's trials as hnn-core Dipoles (agg, L2, L5 in nAm)."""
    import numpy as np
    from hnn_core.dipole import Dipole

    with open(op.join(NETWORK, "times.json")) as f:
        times = np.array(json.load(f)["times"])
    with open(op.join(NETWORK, f"{case}.json")) as f:
        d = json.load(f)
    out = []
    for tr in d["trials"]:
        data = np.c_[tr["dipole"]["agg"], tr["dipole"]["L2"], tr["dipole"]["L5"]]
        out.append(Dipole(times, data))
    return out


class _Net:
    """Stands for the network: the objectives only copy it."""

    def copy(self):
        return self


def call_objective(fun, trials, tstop, kwargs):
    """hnn-core's objective ``fun`` on one parameter set whose simulation
    returns copies of ``trials``."""
    import numpy as np
    from hnn_core.optimization import objective_functions as of
    from hnn_core.optimization.general_optimization import _update_params

    def fake_simulate(net, tstop, dt, n_trials):
        return [d.copy() for d in trials[:n_trials]]

    saved = of.simulate_dipole
    of.simulate_dipole = fake_simulate
    try:
        return float(
            fun(
                initial_net=_Net(),
                initial_params={"x": 0.0},
                set_params=lambda net, params: None,
                predicted_params=np.array([0.0]),
                update_params=_update_params,
                obj_values=[],
                tstop=tstop,
                obj_fun_kwargs=kwargs,
            )
        )
    finally:
        of.simulate_dipole = saved


def main():
    p = common.parser(__doc__, out=common.data_dir("objectives"), worker=False)
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)

    import numpy as np
    from scipy.signal import periodogram
    from hnn_core.dipole import Dipole, _anticorr, _rmse, average_dipoles, read_dipole
    from hnn_core.optimization import objective_functions as of

    erp = golden_trials("erp_3x3_trials3")
    poisson = golden_trials("poisson_3x3")
    p05 = golden_trials("seed_p05")
    times = erp[0].times
    rng = np.random.default_rng(15)

    # Target 1: the scaled, smoothed ERP average every 1 ms, plus noise;
    # one column (agg) besides the times.
    avg = average_dipoles([d.copy().scale(3000).smooth(30) for d in erp])
    step = 40
    t1 = times[::step]
    a1 = avg.data["agg"][::step]
    a1 = a1 + rng.normal(0.0, 0.2 * np.std(a1), a1.shape)
    noisy_path = op.join(args.out, "target_noisy_1ms.txt")
    Dipole(np.round(t1, 3), a1).write(noisy_path)

    # Target 2: 0-50 ms every 0.02 ms (finer than the simulation), from
    # seed_p05's scaled dipole plus noise; all four columns.
    tf = np.arange(2501) * 0.02
    layers = [np.interp(tf, times, 3000 * p05[0].data[k]) for k in ("agg", "L2", "L5")]
    layers[0] = layers[0] + rng.normal(0.0, 0.1 * np.std(layers[0]), tf.shape)
    fine_path = op.join(args.out, "target_fine.txt")
    Dipole(tf, np.c_[layers[0], layers[1], layers[2]]).write(fine_path)

    targets = {
        "seed_p05_x3000": Dipole(times, np.c_[3000 * p05[0].data["agg"]]),
        "target_noisy_1ms.txt": read_dipole(noisy_path),
        "target_fine.txt": read_dipole(fine_path),
    }
    golden = {"erp_3x3_trials3": erp, "poisson_3x3": poisson, "seed_p05": p05}

    cases = []

    def evoked(name, fun_name, case, n_trials, target, tstop, scale=None, smooth=None,
               tstart=None):
        trials = golden[case]
        kwargs = {"target": targets[target], "n_trials": n_trials}
        if scale is not None:
            kwargs["scale_factor"] = scale
        if smooth is not None:
            kwargs["smooth_window_len"] = smooth
        if tstart is None:
            fun = {"dipole_rmse": of._rmse_evoked, "dipole_corr": of._anticorr_evoked}[fun_name]
            value = call_objective(fun, trials, tstop, kwargs)
            how = f"hnn_core.optimization.objective_functions.{fun.__name__}"
        else:
            dpls = [d.copy() for d in trials[:n_trials]]
            of._preprocess_dipole(dpls, kwargs)
            dpl = average_dipoles(dpls)
            fun = {"dipole_rmse": _rmse, "dipole_corr": _anticorr}[fun_name]
            value = float(fun(dpl, targets[target], tstart=tstart, tstop=tstop))
            how = (f"hnn_core.dipole.{fun.__name__}(average_dipoles(_preprocess_dipole(...)), "
                   "target, tstart, tstop)")
        cases.append(dict(name=name, objective=fun_name, dipoles=case, n_trials=n_trials,
                          target=target, scale_factor=scale, smooth_window_ms=smooth,
                          tstart_ms=0.0 if tstart is None else tstart, tstop_ms=tstop,
                          computed_by=how, value=value))

    for obj in ("dipole_rmse", "dipole_corr"):
        evoked(f"{obj}_same_sampling", obj, "erp_3x3_trials3", 3, "seed_p05_x3000", 170.0,
               scale=3000.0, smooth=30.0)
        evoked(f"{obj}_noisy_1ms", obj, "erp_3x3_trials3", 3, "target_noisy_1ms.txt", 170.0,
               scale=3000.0, smooth=30.0)
        evoked(f"{obj}_fine_target", obj, "erp_3x3_trials3", 2, "target_fine.txt", 50.0,
               scale=3000.0, smooth=20.0)
        evoked(f"{obj}_one_trial_raw", obj, "seed_p05", 1, "target_noisy_1ms.txt", 170.0)
        evoked(f"{obj}_window", obj, "erp_3x3_trials3", 3, "target_noisy_1ms.txt", 120.0,
               scale=3000.0, smooth=30.0, tstart=20.0)
        evoked(f"{obj}_window_odd", obj, "erp_3x3_trials3", 1, "seed_p05_x3000", 100.3,
               scale=3000.0, tstart=7.4)

    def psd(name, case, f_bands, rbp, scale=None, smooth=None):
        kwargs = {"f_bands": f_bands, "relative_bandpower": rbp}
        if scale is not None:
            kwargs["scale_factor"] = scale
        if smooth is not None:
            kwargs["smooth_window_len"] = smooth
        value = call_objective(of._maximize_psd, golden[case], 170.0, kwargs)
        cases.append(dict(name=name, objective="maximize_psd", dipoles=case, n_trials=1,
                          f_bands=[list(b) for b in f_bands], relative_bandpower=rbp,
                          scale_factor=scale, smooth_window_ms=smooth,
                          computed_by="hnn_core.optimization.objective_functions._maximize_psd",
                          value=value))

    psd("maximize_psd_beta", "poisson_3x3", [(15.0, 30.0)], [1.0])
    psd("maximize_psd_two_bands_float", "poisson_3x3", [(8.0, 12.0), (15.0, 30.0)], 0.5,
        scale=3000.0, smooth=20.0)
    psd("maximize_psd_two_bands_list", "erp_3x3_trials3", [(1.0, 10.0), (20.0, 80.0)],
        [1.0, 2.0], smooth=30.0)

    # Band powers of single trials: even and odd lengths.
    for name, case, n, bands in (
        ("band_power_odd", "poisson_3x3", 6801, [(0.0, 5.0), (15.0, 30.0), (30.0, 80.0)]),
        ("band_power_even", "erp_3x3_trials3", 6800, [(0.0, 20.0), (5.88235294117647, 30.0)]),
    ):
        x = golden[case][0].data["agg"][:n]
        sfreq = golden[case][0].sfreq
        freqs, pxx = periodogram(x, sfreq, window="hamming")
        total = sum(pxx)
        absolute = [float(sum(pxx[(freqs >= lo) & (freqs <= hi)])) for lo, hi in bands]
        cases.append(dict(name=name, objective="band_power", dipoles=case, n_samples=n,
                          f_bands=[list(b) for b in bands], sfreq_hz=float(sfreq),
                          computed_by="sum(scipy.signal.periodogram(agg[:n_samples], sfreq, "
                                      "window='hamming')[1][band]), as _get_relative_power",
                          absolute=absolute,
                          relative=[a / float(total) for a in absolute]))

    import scipy
    out = common.provenance(common.script_rel(__file__))
    out["scipy_version"] = scipy.__version__
    out["noise"] = "numpy.random.default_rng(15).normal, target_noisy_1ms first"
    out["times"] = "tests/data/network/times.json"
    out["cases"] = cases
    common.write_json(op.join(args.out, "objectives.json"), out)
    print(f"{len(cases)} cases -> {args.out}")


if __name__ == "__main__":
    main()
