#!/usr/bin/python3
"""Plot the electrode arrays of an hnn-mpi output file: laminar LFP traces and
their current source density (CSD), beside the aggregate dipole.

Usage:
    scripts/plot_lfp.py OUTPUT.h5 [--sim I] [--trial N] [--array NAME]
                        [--outdir DIR] [--no-spline] [--show]

Reads /lfp/<name> (docs/output_format.md §8b) with h5py and writes, per
array (all of them, or --array NAME), <stem>_lfp_<name>_sim<I>.png into
--outdir (default: the directory of OUTPUT.h5), with up to three panels
sharing the time axis (ms):

  dipole  /dipole/agg of the simulation and trial (nAm), when saved;
  LFP     each contact's potential (µV), offset by contact, labelled by
          depth (hnn-core's ``ExtracellularArray.plot_lfp``);
  CSD     hnn-core 0.6.1's ``calculate_csd2d``: minus the second spatial
          difference over the contacts divided by the spacing squared
          (µV/µm²), the two border rows extrapolated linearly (``2 * row1 -
          row2``), drawn as ``plot_laminar_csd`` draws it (``jet``, sinks
          blue, colour range symmetric about 0, the contacts interpolated
          to 1 µm by a bicubic spline unless --no-spline).

The CSD needs a laminar array, as hnn-core's ``_get_laminar_z_coords``
checks: at least 4 contacts (the border extrapolation needs two interior
rows), equally spaced, colinear, stepping along z; other arrays get the LFP
panel only, with a note.

--sim (default 0) and --trial (default 0) count from 0. A simulation that is
not done (status 0 or 2) is refused. Exit codes: 0 done, 1 nothing could be
drawn, 2 bad arguments.

Needs h5py, numpy, scipy and matplotlib; on Debian use /usr/bin/python3
after scripts/setup.sh.
"""

import argparse
import os
import sys

try:
    import h5py
    import numpy as np
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError as e:  # pragma: no cover
    sys.exit(f"plot_lfp.py: {e}. Run scripts/setup.sh and use /usr/bin/python3.")


def calculate_csd2d(lfp, delta):
    """hnn-core 0.6.1 ``calculate_csd2d`` (extracellular.py)."""
    csd = -np.diff(lfp, n=2, axis=0) / delta**2
    bottom = csd[-1, :] * 2 - csd[-2, :]
    top = csd[0, :] * 2 - csd[1, :]
    return np.concatenate((top[None, ...], csd, bottom[None, ...]), axis=0)


def laminar_z(positions):
    """hnn-core ``_get_laminar_z_coords``: (z, spacing), or a reason why not."""
    pos = np.asarray(positions, float)
    if len(pos) < 4:
        return None, f"{len(pos)} contacts (the CSD needs at least 4)"
    d = np.diff(pos, axis=0)
    z_delta = abs(d[0, 2])
    mags = np.linalg.norm(d, axis=1)
    cross = np.cross(d[:-1], d[1:])
    if not (np.allclose(mags, mags[0]) and z_delta > 0 and np.allclose(cross, 0)):
        return None, "contacts not equispaced, colinear and stepping along z"
    return (pos[:, 2], z_delta), None


def plot_array(f, name, sim, trial, outdir, stem, spline):
    d = f[f"lfp/{name}"]
    pos = d.attrs["positions"]
    lfp = d[sim, trial]  # [n_contacts, n_times], uV
    t = f["times"][()]
    lam, why = laminar_z(pos)
    has_dipole = "dipole/agg" in f
    rows = 1 + int(has_dipole) + int(lam is not None)
    fig, axes = plt.subplots(rows, 1, sharex=True, figsize=(8, 2.2 + 2.4 * rows),
                             squeeze=False)
    axes = axes[:, 0]
    k = 0
    if has_dipole:
        axes[k].plot(t, f["dipole/agg"][sim, trial], color="k", lw=1)
        axes[k].set_ylabel("dipole (nAm)")
        axes[k].set_title(f"{stem}: simulation {sim}, trial {trial}, array {name} "
                          f"({d.attrs['method']}, σ = {d.attrs['conductivity']} S/m)")
        k += 1
    ax = axes[k]
    span = np.nanmax(np.abs(lfp)) if np.isfinite(lfp).any() else 1.0
    offset = span if span > 0 else 1.0
    order = np.argsort(-pos[:, 2])  # top contact first
    for row, c in enumerate(order):
        ax.plot(t, lfp[c] - row * offset, lw=0.8,
                color=plt.cm.cividis(row / max(1, len(order) - 1)))
    ax.set_yticks([-row * offset for row in range(len(order))])
    ax.set_yticklabels([f"{pos[c, 2]:g}" for c in order])
    ax.set_ylabel("contact z (µm)")
    ax.text(1.0, 1.02, f"offset {offset:.3g} µV per contact", transform=ax.transAxes,
            ha="right", fontsize=8)
    if not has_dipole:
        ax.set_title(f"{stem}: simulation {sim}, trial {trial}, array {name}")
    if lam is None:
        ax.text(0.0, 1.02, f"no CSD: {why}", transform=ax.transAxes, fontsize=8)
    else:
        z, delta = lam
        csd = calculate_csd2d(lfp, delta)
        depths = z
        data = csd
        if spline:
            from scipy.interpolate import RectBivariateSpline

            inc = np.argsort(z)  # the spline wants increasing depths
            interp = RectBivariateSpline(t, z[inc], csd[inc].T)
            depths = np.linspace(z.min(), z.max(), int(round(z.max() - z.min())))
            data = interp(t, depths).T
        vmax = np.nanmax(np.abs(data)) or 1.0
        ax = axes[k + 1]
        im = ax.pcolormesh(t, depths, data, cmap="jet", shading="auto",
                           vmin=-vmax, vmax=vmax)
        ax.set_ylabel("electrode depth z (µm)")
        cax = ax.inset_axes([1.01, 0, 0.02, 1], transform=ax.transAxes)
        fig.colorbar(im, ax=ax, cax=cax).set_label("CSD (µV/µm²)")
    axes[-1].set_xlabel("time (ms)")
    fig.tight_layout()
    out = os.path.join(outdir, f"{stem}_lfp_{name}_sim{sim}.png")
    fig.savefig(out, dpi=110)
    plt.close(fig)
    print(f"wrote {out}" + ("" if lam is not None else f" (LFP only: {why})"))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("file")
    p.add_argument("--sim", type=int, default=0)
    p.add_argument("--trial", type=int, default=0)
    p.add_argument("--array")
    p.add_argument("--outdir")
    p.add_argument("--no-spline", dest="spline", action="store_false")
    p.add_argument("--show", action="store_true")
    a = p.parse_args()
    try:
        f = h5py.File(a.file, "r", swmr=True)
    except OSError as e:
        print(f"plot_lfp.py: cannot open {a.file}: {e}", file=sys.stderr)
        return 2
    with f:
        if "lfp" not in f or not len(f["lfp"]):
            print(f"plot_lfp.py: {a.file} has no /lfp (the network had no electrode arrays)",
                  file=sys.stderr)
            return 1
        names = sorted(f["lfp"])
        if a.array is not None:
            if a.array not in names:
                print(f"plot_lfp.py: no array {a.array!r} (arrays: {', '.join(names)})",
                      file=sys.stderr)
                return 2
            names = [a.array]
        n_sims, n_trials = int(f.attrs["n_sims"]), int(f.attrs["n_trials"])
        if not (0 <= a.sim < n_sims and 0 <= a.trial < n_trials):
            print(f"plot_lfp.py: --sim {a.sim} --trial {a.trial} outside "
                  f"{n_sims} simulations x {n_trials} trials", file=sys.stderr)
            return 2
        status = int(f["status"][a.sim])
        if status != 1:
            print(f"plot_lfp.py: simulation {a.sim} is not done (status {status})",
                  file=sys.stderr)
            return 1
        outdir = a.outdir or os.path.dirname(os.path.abspath(a.file))
        os.makedirs(outdir, exist_ok=True)
        stem = os.path.splitext(os.path.basename(a.file))[0]
        for name in names:
            plot_array(f, name, a.sim, a.trial, outdir, stem, a.spline)
    if a.show:
        plt.show()
    return 0


if __name__ == "__main__":
    sys.exit(main())
