#!/usr/bin/python3
"""Plot the extracellular potentials of one simulation of an hnn-mpi file.

Usage:
    scripts/plot_lfp.py OUTPUT.h5 [--sim I] [--array NAME] [--trial N|mean]
                        [--smooth MS] [--offset UV] [--no-spline] [--outdir DIR]
                        [--show]

Reads ``/lfp/<array>`` (docs/output_format.md), ``/times`` and
``/dipole/agg`` of an hnn-mpi output file and writes one PNG per array,
``<stem>_lfp_<array>_sim<I>.png`` in --outdir (default: the file's
directory), with three panels sharing the time axis (ms):

  (a) the LFP of every contact (µV), stacked by contact with a fixed offset,
      as hnn-core's ``plot_laminar_lfp`` draws them (``voltage_offset``;
      --offset UV, default 1.5 times the 99th percentile of |LFP|);
  (b) the current source density image of a laminar array: hnn-core 0.6.1's
      ``calculate_csd2d`` (``-diff(lfp, 2, axis=contacts) / delta**2`` with the
      top and bottom rows extrapolated linearly, ``2 * row[0] - row[1]``),
      ``delta`` the contact spacing along z from ``_get_laminar_z_coords``
      (at least 4 contacts, equispaced, colinear and stepping in z, else no
      CSD and a note); drawn as ``plot_laminar_csd`` does: a ``RectBivariateSpline``
      over (time, depth) onto one row per µm of depth (--no-spline: the raw
      rows), colour map ``jet`` symmetric about zero (sinks blue), µV/µm²;
  (c) the aggregate dipole (nAm) of the same simulation and trial, smoothed
      with --smooth MS when given (hnn-core's ``smooth_waveform``).

--sim defaults to the first simulation that is done; --array to every array
in the file; --trial to 0 (``mean``: the mean over trials of the LFP and of
the dipole, hnn-core's ``average_dipoles``).

Exit codes: 0 done, 1 nothing could be drawn (no /lfp, the simulation is not
done: messages say why), 2 bad arguments. Needs numpy, scipy, h5py and
matplotlib: Debian's /usr/bin/python3 after scripts/setup.sh.
"""

import argparse
import os
import sys

try:
    import numpy as np
    import h5py
    import matplotlib
    from scipy.interpolate import RectBivariateSpline
except ImportError as e:  # pragma: no cover - environment problem
    sys.exit(
        f"plot_lfp.py: {e}. Run scripts/setup.sh (it installs python3-h5py, python3-scipy "
        "and python3-matplotlib) and use /usr/bin/python3."
    )

STATUS_NAMES = {0: "pending", 1: "done", 2: "failed"}


class PlotError(Exception):
    """An error reported to the user as one message (exit code 1)."""


def log(msg):
    print(f"plot_lfp: {msg}", file=sys.stderr)


def calculate_csd2d(lfp, delta):
    """hnn-core 0.6.1 ``extracellular.calculate_csd2d``: [contacts, times]."""
    csd = -np.diff(lfp, n=2, axis=0) / delta**2
    bottom = csd[-1, :] * 2 - csd[-2, :]
    top = csd[0, :] * 2 - csd[1, :]
    return np.concatenate((top[None, ...], csd, bottom[None, ...]), axis=0)


def laminar_z(positions):
    """hnn-core 0.6.1 ``_get_laminar_z_coords``: (depths, delta) or a reason
    the array is not laminar (equispaced, colinear, stepping in z)."""
    pos = np.asarray(positions, dtype=float)
    if pos.shape[0] < 4:
        # calculate_csd2d extrapolates the border rows from two interior
        # rows (hnn-core itself fails on fewer).
        return None, f"{pos.shape[0]} contacts (a CSD needs at least 4)"
    disp = np.diff(pos, axis=0)
    z_delta = np.abs(disp[0, 2])
    mags = np.linalg.norm(disp, axis=1)
    cross = np.cross(disp[:-1], disp[1:])
    if not (np.allclose(mags, mags[0]) and z_delta > 0 and np.allclose(cross, 0)):
        return None, "contacts are not equispaced, colinear and stepping along z"
    return (pos[:, 2], z_delta), None


def smooth(data, window_ms, sfreq):
    """hnn-core 0.6.1 ``smooth_waveform`` (``numpy.convolve`` 'same' with a
    normalised Hamming window of ``round(window_ms * sfreq / 1000)``)."""
    n = int(np.round(window_ms * sfreq / 1000.0))
    if n < 1 or n > len(data):
        raise PlotError(f"--smooth {window_ms} ms gives a window of {n} samples")
    w = np.hamming(n)
    return np.convolve(data, w / w.sum(), "same")


def pick_sim(f, sim):
    status = f["status"][:]
    if sim is None:
        done = np.flatnonzero(status == 1)
        if done.size == 0:
            raise PlotError("no simulation in the file is done")
        return int(done[0])
    if not 0 <= sim < status.size:
        raise PlotError(f"--sim {sim}: the file has simulations 0..{status.size - 1}")
    if status[sim] != 1:
        raise PlotError(f"simulation {sim} is {STATUS_NAMES.get(int(status[sim]), status[sim])}")
    return sim


def trial_of(dset, sim, trial):
    """One simulation's [.., times] data for a trial or the mean of trials."""
    data = dset[sim]
    if trial == "mean":
        return data.mean(axis=0)
    if not 0 <= trial < data.shape[0]:
        raise PlotError(f"--trial {trial}: the file has trials 0..{data.shape[0] - 1}")
    return data[trial]


def plot_array(f, name, sim, args, plt):
    d = f["lfp"][name]
    times = f["times"][:]
    lfp = trial_of(d, sim, args.trial)  # [contacts, times], µV
    positions = d.attrs["positions"]
    n_contacts = lfp.shape[0]
    laminar, why_not = laminar_z(positions)

    fig, axes = plt.subplots(
        3, 1, sharex=True, figsize=(9, 10), gridspec_kw={"height_ratios": [3, 3, 1.5]}
    )
    ax_lfp, ax_csd, ax_dpl = axes
    method = d.attrs.get("method", b"")
    method = method.decode() if isinstance(method, bytes) else str(method)
    trial_label = "mean of trials" if args.trial == "mean" else f"trial {args.trial}"

    # (a) stacked traces, contact k raised by k offsets as hnn-core's
    # voltage_offset stacks them (a laminar array's depths then read upward,
    # as in panel b).
    # A few spike-sized peaks would flatten every trace if the spacing
    # followed the maximum: space by the 99th percentile (--offset sets it).
    span = float(np.percentile(np.abs(lfp), 99)) if lfp.size else 0.0
    offset = args.offset or (1.5 * span if span > 0 else 1.0)
    colors = plt.get_cmap("cividis", max(n_contacts, 2))
    for k in range(n_contacts):
        ax_lfp.plot(times, lfp[k] + k * offset, color=colors(k), lw=0.8)
    ax_lfp.set_yticks([k * offset for k in range(n_contacts)])
    if laminar is not None:
        labels = [f"{z:g}" for z in laminar[0]]
        ax_lfp.set_ylabel("contact depth z (µm)")
    else:
        labels = [f"C{k}" for k in range(n_contacts)]
        ax_lfp.set_ylabel("contact")
    ax_lfp.set_yticklabels(labels)
    ax_lfp.set_title(
        f"{name} ({method}), simulation {sim}, {trial_label}: LFP, µV "
        f"(traces {offset:.3g} µV apart)"
    )

    # (b) CSD
    if laminar is None:
        ax_csd.text(0.5, 0.5, f"no CSD: {why_not}", ha="center", va="center",
                    transform=ax_csd.transAxes)
        ax_csd.set_yticks([])
        log(f"{name}: no CSD ({why_not})")
    else:
        depths, delta = laminar
        csd = calculate_csd2d(lfp, delta)
        rows = depths
        if not args.no_spline:
            # plot_laminar_csd: RectBivariateSpline needs increasing depths.
            order = np.argsort(depths)
            spline = RectBivariateSpline(times, depths[order], csd[order].T)
            lo, hi = depths.min(), depths.max()
            rows = np.linspace(lo, hi, max(int(hi - lo), 2))
            csd = spline(times, rows).T
        vmax = float(np.max(np.abs(csd))) or 1.0
        im = ax_csd.pcolormesh(times, rows, csd, cmap="jet", shading="auto",
                               vmin=-vmax, vmax=vmax)
        ax_csd.set_ylabel("depth z (µm)")
        ax_csd.set_title(f"current source density (µV/µm², spacing {delta:g} µm; sinks blue)")
        # Outside the axes, as plot_laminar_csd puts it: the panels keep one width.
        cax = ax_csd.inset_axes([1.01, 0, 0.02, 1], transform=ax_csd.transAxes)
        fig.colorbar(im, cax=cax).set_label("CSD (µV/µm²)")

    # (c) dipole
    if "dipole" in f and "agg" in f["dipole"]:
        agg = trial_of(f["dipole"]["agg"], sim, args.trial)
        label = "raw"
        if args.smooth:
            agg = smooth(agg, args.smooth, 1000.0 / (times[1] - times[0]))
            label = f"smoothed {args.smooth:g} ms"
        ax_dpl.plot(times, agg, color="k", lw=1)
        ax_dpl.set_ylabel("dipole (nAm)")
        ax_dpl.set_title(f"aggregate dipole ({label})")
    else:
        ax_dpl.text(0.5, 0.5, "no /dipole in the file", ha="center", va="center",
                    transform=ax_dpl.transAxes)
    ax_dpl.set_xlabel("time (ms)")
    fig.tight_layout()

    stem = os.path.splitext(os.path.basename(args.file))[0]
    out = os.path.join(args.outdir, f"{stem}_lfp_{name}_sim{sim}.png")
    fig.savefig(out, dpi=110)
    log(f"wrote {out}")
    return fig


def main(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="See the module docstring (head scripts/plot_lfp.py) for the panels.",
    )
    p.add_argument("file")
    p.add_argument("--sim", type=int, default=None, help="simulation index (default: first done)")
    p.add_argument("--array", action="append", help="array name (repeatable; default: all)")
    p.add_argument("--trial", default="0", help="trial index or 'mean' (default 0)")
    p.add_argument("--smooth", type=float, default=None, help="smooth the dipole (window, ms)")
    p.add_argument("--offset", type=float, default=None,
                   help="µV between stacked traces (default 1.5x the 99th percentile of |LFP|)")
    p.add_argument("--no-spline", action="store_true", help="CSD rows as computed, no spline")
    p.add_argument("--outdir", default=None)
    p.add_argument("--show", action="store_true")
    args = p.parse_args(argv)
    if args.trial != "mean":
        try:
            args.trial = int(args.trial)
        except ValueError:
            p.error(f"--trial must be an integer or 'mean', got {args.trial!r}")
    if args.outdir is None:
        args.outdir = os.path.dirname(os.path.abspath(args.file))
    if not args.show:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    try:
        with h5py.File(args.file, "r") as f:
            if "lfp" not in f or len(f["lfp"]) == 0:
                raise PlotError(
                    f"{args.file} has no /lfp (the config has no [[network.electrode_arrays]])"
                )
            names = list(f["lfp"].keys())
            wanted = args.array or names
            missing = [a for a in wanted if a not in names]
            if missing:
                raise PlotError(f"no array {missing[0]!r} in the file; it has {', '.join(names)}")
            sim = pick_sim(f, args.sim)
            os.makedirs(args.outdir, exist_ok=True)
            for name in wanted:
                plot_array(f, name, sim, args, plt)
    except PlotError as e:
        log(str(e))
        return 1
    except OSError as e:
        log(f"cannot read {args.file}: {e}")
        return 1
    if args.show:
        plt.show()
    return 0


if __name__ == "__main__":
    sys.exit(main())
