#!/usr/bin/python3
"""Load an hnn-mpi sweep as the θ and x of simulation-based inference.

Usage:
    scripts/sbi_example.py OUTPUT.h5 [--trial 0|mean] [--window MS] [--save FILE.npz]

Reads the HDF5 file of docs/output_format.md with h5py and builds numpy arrays:

  theta    [n, n_params]   the swept parameters (/params/<name>, in the file
                           order of [sweep.params] of the stored config); with a random or lhs sweep these are
                           the draws from the prior, integer draws included
                           (e.g. a per-simulation event_seed, a nuisance
                           parameter you may drop before training);
  x        [n, n_stats]    the summary statistics (/summary/<stat>) of trial 0,
                           or their mean over trials with --trial mean
                           (band_power fills band_power_<k> and band_power_rel_<k>);
  dipoles  [n, n_times]    the aggregate dipoles (nAm) of the same trial(s),
                           smoothed as hnn-core's Dipole.smooth (the config's
                           [summary] smooth_window_ms unless --window is given;
                           --window 0: unsmoothed); absent without /dipole;
  times    [n_times]       ms.

Row i of every array is the i-th simulation that finished: pending (status 0)
and failed (status 2) simulations are skipped and counted on stderr; `sims`
holds the simulation indices kept. --save writes all of them (and the
parameter and statistic names) to an .npz file.

With the sbi package (not needed here) the arrays train a posterior:

    import torch
    from sbi.inference import NPE
    npe = NPE(prior)                       # the prior the sweep drew from
    npe.append_simulations(torch.tensor(theta, dtype=torch.float32),
                           torch.tensor(x, dtype=torch.float32)).train()

Needs h5py and numpy (Debian: /usr/bin/python3 with python3-h5py, installed
by scripts/setup.sh). Exit codes: 0 done, 1 nothing usable in the file,
2 bad arguments.
"""

import argparse
import sys

try:
    import h5py
    import numpy as np
except ImportError as e:  # pragma: no cover - environment problem
    sys.exit(f"sbi_example.py: {e}. Run scripts/setup.sh and use /usr/bin/python3.")


def smooth(data, window_ms, sfreq):
    """hnn-core 0.6.1 ``smooth_waveform(data, window_len, sfreq)`` (1-D)."""
    winsz = int(np.round(1e-3 * window_ms * sfreq))
    if winsz < 1 or winsz > len(data):
        raise ValueError(f"smoothing window of {winsz} samples for {len(data)} samples")
    win = np.hamming(winsz)
    win /= win.sum()
    return np.convolve(data, win, "same")


def config(f):
    """The config the file was made with (root attribute ``config``)."""
    import tomllib  # Python >= 3.11

    text = f.attrs["config"]
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    return tomllib.loads(str(text))


def config_window_ms(f):
    """``[summary] smooth_window_ms`` of the stored config (0.0: none)."""
    return float(config(f).get("summary", {}).get("smooth_window_ms", 0.0))


def load(path, trial="0", window_ms=None):
    """theta, x, dipoles, times, names of a sweep file (see the module doc)."""
    with h5py.File(path, "r") as f:
        status = f["status"][()]
        sims = np.flatnonzero(status == 1)
        n_pending = int(np.sum(status == 0))
        n_failed = int(np.sum(status == 2))
        if n_pending or n_failed:
            print(f"sbi_example: skipping {n_pending} pending and {n_failed} failed "
                  "simulation(s)", file=sys.stderr)
        # [sweep.params] file order, from the stored config (h5py lists
        # the /params datasets alphabetically)
        param_names = list(config(f).get("sweep", {}).get("params", {}).keys())
        if sorted(param_names) != sorted(f["params"].keys()):
            param_names = sorted(f["params"].keys())
        theta = np.column_stack([f["params"][p][()][sims] for p in param_names]) \
            if param_names else np.zeros((len(sims), 0))
        stat_names = list(f["summary"].keys()) if "summary" in f else []

        def pick(a):  # a: [n_sims, n_trials, ...] -> one trial or the mean
            a = a[sims]
            return a.mean(axis=1) if trial == "mean" else a[:, int(trial)]

        x = np.column_stack([pick(f["summary"][s][()]) for s in stat_names]) \
            if stat_names else np.zeros((len(sims), 0))
        times = f["times"][()]
        dipoles = None
        if "dipole" in f:
            w = config_window_ms(f) if window_ms is None else window_ms
            sfreq = 1000.0 / (times[1] - times[0])
            rows = []
            for i in sims:
                agg = f["dipole/agg"][i]  # [n_trials, n_times], one simulation at a time
                agg = agg.mean(axis=0) if trial == "mean" else agg[int(trial)]
                rows.append(smooth(agg, w, sfreq) if w > 0 else agg)
            dipoles = np.array(rows).reshape(len(sims), len(times))
    return dict(theta=theta, x=x, dipoles=dipoles, times=times, sims=sims,
                param_names=np.array(param_names), stat_names=np.array(stat_names))


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file")
    p.add_argument("--trial", default="0", help="trial index or 'mean' (default 0)")
    p.add_argument("--window", type=float, default=None,
                   help="smoothing window in ms (default: the config's; 0: none)")
    p.add_argument("--save", default=None, help="write the arrays to this .npz file")
    a = p.parse_args()
    if a.trial != "mean" and not a.trial.isdigit():
        p.error("--trial takes a trial index or 'mean'")
    d = load(a.file, a.trial, a.window)
    n = len(d["sims"])
    if n == 0:
        print("sbi_example: no finished simulation in the file", file=sys.stderr)
        return 1
    print(f"theta {d['theta'].shape}: {', '.join(d['param_names'])}")
    print(f"x {d['x'].shape}: {', '.join(d['stat_names'])}")
    if d["dipoles"] is not None:
        print(f"dipoles {d['dipoles'].shape} (nAm), times {d['times'].shape} (ms)")
    if a.save:
        np.savez(a.save, **{k: v for k, v in d.items() if v is not None})
        print(f"saved {a.save}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
