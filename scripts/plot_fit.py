#!/usr/bin/python3
"""Plot an hnn-mpi fit (a config with [fit], docs/configuration.md §13).

Usage:
    scripts/plot_fit.py OUTPUT.h5 [-o OUT.png] [--show]

Reads the HDF5 file of docs/output_format.md (§13, the /fit group) with
h5py and draws one figure of three rows (default OUT: OUTPUT_fit.png beside
the file):

  1. the objective of every evaluation against its index (dots; failed
     evaluations, +inf, are left out) and the best so far (a line), the
     search's stop reason and best evaluation in the title;
  2. the target dipole (/fit/target_agg) beside the best evaluation's
     simulated aggregate dipole prepared as the objective compares it
     (hnn-core's ``_rmse_evoked``: each trial scaled by [fit] scale_factor
     and smoothed by ``Dipole.smooth(smooth_window_ms)``, then averaged over
     the trials), the comparison window [tstart, tstop] shaded; for
     maximize_psd, the best evaluation's prepared dipole alone;
  3. the parameter trajectories: each /params/<name> against the evaluation
     index, one panel per parameter (log y axis for ``log = true``), the
     best evaluation marked.

The [fit] settings are read from the file's root attribute ``config`` (the
TOML text). Exit codes: 0 done, 1 the file is not a fit's or holds no
evaluation, 2 bad arguments.

Needs h5py, numpy and matplotlib; on Debian use /usr/bin/python3 after
scripts/setup.sh (packages python3-h5py, python3-matplotlib).
"""

import argparse
import os
import sys
import tomllib

try:
    import h5py
    import matplotlib
    import numpy as np
except ImportError as e:  # pragma: no cover - environment problem
    sys.exit(f"plot_fit.py needs h5py, numpy and matplotlib ({e}); run scripts/setup.sh")


def smooth(x, window_ms, sfreq):
    """hnn-core 0.6.1's ``smooth_waveform``: ``np.convolve(x, w, 'same')``
    with a Hamming window of round(window_ms * sfreq / 1000) samples,
    normalised to sum 1."""
    n = int(np.round(window_ms * sfreq / 1000.0))
    w = np.hamming(n)
    w /= w.sum()
    return np.convolve(x, w, "same")


def prepared(agg_trials, times, fit):
    """The trials' aggregate dipoles scaled, smoothed and averaged as
    ``_rmse_evoked`` compares them."""
    sfreq = 1000.0 / (times[1] - times[0])
    out = []
    for x in agg_trials:
        x = np.array(x, dtype=float)
        if "scale_factor" in fit:
            x = x * fit["scale_factor"]
        if "smooth_window_ms" in fit:
            x = smooth(x, fit["smooth_window_ms"], sfreq)
        out.append(x)
    return np.mean(out, axis=0)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", help="a fit's output file")
    p.add_argument("-o", "--output", help="the PNG to write (default FILE_fit.png)")
    p.add_argument("--show", action="store_true", help="also show the figure")
    args = p.parse_args()
    if not args.show:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = args.output or os.path.splitext(args.file)[0] + "_fit.png"
    with h5py.File(args.file, "r") as f:
        if "fit" not in f:
            print(f"{args.file} is not a fit's file (no /fit group)", file=sys.stderr)
            return 1
        g = f["fit"]
        n = int(g.attrs["n_evals"])
        status = f["status"][:]
        if n == 0:
            # an interrupted fit: the rows written so far
            n = int(np.max(np.nonzero(status)[0]) + 1) if status.any() else 0
        if n == 0:
            print(f"{args.file} holds no evaluation", file=sys.stderr)
            return 1
        cfg = tomllib.loads(f.attrs["config"])
        fit = cfg["fit"]
        obj = g["objective"][:n]
        best = int(g.attrs["best_index"])
        if best < 0:
            finite = np.where(np.isfinite(obj))[0]
            best = int(finite[np.argmin(obj[finite])]) if finite.size else -1
        reason = g.attrs["stop_reason"] or "interrupted"
        names = list(fit["params"].keys())
        params = {k: f["params"][k][:n] for k in names}
        times = f["times"][:]
        best_dpl = None
        if best >= 0 and "dipole" in f:
            best_dpl = prepared(f["dipole"]["agg"][best], times, fit)
        target = None
        if "target_agg" in g:
            target = (g["target_times"][:], g["target_agg"][:])
        solver, objective = g.attrs["solver"], g.attrs["objective"]

    n_p = len(names)
    fig = plt.figure(figsize=(10, 7 + 1.6 * n_p), constrained_layout=True)
    gs = fig.add_gridspec(2 + n_p, 1, height_ratios=[2, 2] + [1] * n_p)

    ax = fig.add_subplot(gs[0])
    idx = np.arange(n)
    ok = np.isfinite(obj)
    ax.plot(idx[ok], obj[ok], ".", color="0.5", ms=4, label="evaluation")
    run_best = np.minimum.accumulate(np.where(ok, obj, np.inf))
    ax.plot(idx, run_best, "-", color="C3", label="best so far")
    if best >= 0:
        ax.plot([best], [obj[best]], "*", color="C3", ms=12)
    ax.set_xlabel("evaluation")
    ax.set_ylabel(objective)
    if np.all(obj[ok] > 0):
        ax.set_yscale("log")
    ax.set_title(
        f"{solver}: {n} evaluations, stopped by {reason}; best {obj[best]:.4g} at evaluation {best}"
        if best >= 0
        else f"{solver}: {n} evaluations, no finite objective"
    )
    ax.legend(loc="upper right")

    ax = fig.add_subplot(gs[1])
    if target is not None:
        ax.plot(target[0], target[1], color="k", lw=1.5, label="target")
    if best_dpl is not None:
        ax.plot(times, best_dpl, color="C3", lw=1.2, label=f"best simulation (evaluation {best})")
    tstart = fit.get("tstart", 0.0)
    tstop = fit.get("tstop", times[-1])
    ax.axvspan(tstart, tstop, color="0.93", zorder=0, label="compared window")
    prep = []
    if "scale_factor" in fit:
        prep.append(f"scaled x{fit['scale_factor']:g}")
    if "smooth_window_ms" in fit:
        prep.append(f"smoothed {fit['smooth_window_ms']:g} ms")
    ax.set_title("aggregate dipole" + (" (simulation " + ", ".join(prep) + ")" if prep else ""))
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("dipole (nAm)")
    ax.legend(loc="upper right")

    for i, name in enumerate(names):
        ax = fig.add_subplot(gs[2 + i])
        v = params[name]
        ax.plot(idx, v, ".", ms=3, color=f"C{i}")
        if best >= 0:
            ax.axhline(v[best], color=f"C{i}", lw=0.8, ls="--")
            ax.plot([best], [v[best]], "*", color="C3", ms=10)
        spec = fit["params"][name]
        if spec.get("log", False):
            ax.set_yscale("log")
        ax.set_ylim(spec["low"], spec["high"])
        ax.set_ylabel(name)
        if i == n_p - 1:
            ax.set_xlabel("evaluation")
    fig.savefig(out, dpi=100)
    print(out)
    if args.show:
        plt.show()
    return 0


if __name__ == "__main__":
    sys.exit(main())
