#!/usr/bin/python3
"""Plot an hnn-mpi sweep the way hnn-core's "Batch Simulation" example does.

Usage:
    scripts/plot_sweep.py OUTPUT.h5 [--param weight_basket] [--window 30]
                          [--trial 0|mean] [--outdir DIR] [--prefix NAME]
                          [--max-lines N] [--show]

Reads the HDF5 file of docs/output_format.md with h5py and writes two PNGs into --outdir
(default: the directory of OUTPUT.h5):

  <prefix>_overlay.png  the aggregate dipole of every simulation, smoothed
                        (hnn-core's ``Dipole.smooth(window_len)``), against
                        time in ms, coloured by log10 of the parameter
                        (viridis, with a colour bar);
  <prefix>_peaks.png    min and max of the smoothed aggregate dipole against
                        the parameter, log x axis.

<prefix> defaults to the file's stem (seed_example.h5 -> seed_example_*.png).

Trials: by default trial 0 is plotted, as in the example (``dpl[0]``);
``--trial mean`` plots the mean over trials (as hnn-core's
``average_dipoles``) and computes the peaks of that mean.

Smoothing: hnn-core 0.6.1's ``smooth_waveform``: ``numpy.convolve(x, w,
'same')`` with ``w = numpy.hamming(round(window_ms * sfreq / 1000))``
normalised to sum 1, ``sfreq = 1000 / (t[1] - t[0])`` Hz. --window defaults
to the config's ``[summary] smooth_window_ms`` (root attribute ``config``),
else 30 ms (the example's).

Peaks: when ``/summary/dipole_min`` and ``/summary/dipole_max`` exist,
figure (b) plots those values (computed by hnn-mpi with the config's
smoothing, read from the root attribute ``config``), unless they would not
match the overlay: with --trial mean, or a --window other than the config's
smoothing, the peaks are computed here from the smoothed dipoles instead
(a note says so). Without /dipole (``[output] save`` lacks "dipole") only
figure (b) is drawn, from /summary, and the exit code is 1.

Large sweeps: dipoles are read one simulation at a time (memory does not
grow with the sweep) and the overlay draws at most --max-lines (500)
simulations, evenly spaced in the parameter.

Simulations that are pending (status 0) or failed (status 2) are skipped,
with a message listing them. Exit codes: 0 done, 1 no figure could be drawn
or a figure is missing (messages say why), 2 bad arguments.

Needs h5py, numpy and matplotlib; on Debian use /usr/bin/python3 after
scripts/setup.sh (packages python3-h5py, python3-matplotlib).
"""

import argparse
import os
import sys

try:
    import numpy as np
    import h5py
    import matplotlib
except ImportError as e:  # pragma: no cover - environment problem
    sys.exit(
        f"plot_sweep.py: {e}. Run scripts/setup.sh (it installs python3-h5py and "
        "python3-matplotlib) and use /usr/bin/python3."
    )

STATUS_NAMES = {0: "pending", 1: "done", 2: "failed"}
DEFAULT_WINDOW_MS = 30.0


class PlotError(Exception):
    """An error reported to the user as one message (exit code 1)."""


def log(msg):
    print(f"plot_sweep: {msg}", file=sys.stderr)


# --------------------------------------------------------------- smoothing


def smooth(data, window_ms, sfreq):
    """hnn-core 0.6.1 ``smooth_waveform(data, window_len, sfreq)`` (1-D)."""
    if window_ms < 0:
        raise PlotError("the smoothing window must be non-negative")
    if 0 < window_ms < 1:
        raise PlotError("a smoothing window below 1 ms is not supported (hnn-core)")
    winsz = int(np.round(1e-3 * window_ms * sfreq))
    if winsz < 1:
        raise PlotError(
            f"smoothing window too small: {winsz} samples (window {window_ms} ms, "
            f"sfreq {sfreq:g} Hz)"
        )
    if winsz > len(data):
        raise PlotError(
            f"smoothing window too long: {winsz} samples; the dipole has {len(data)}"
        )
    win = np.hamming(winsz)
    win /= win.sum()
    return np.convolve(data, win, "same")


# ------------------------------------------------------------------ reading


def config_window_ms(f):
    """The smoothing hnn-mpi applied before its summary statistics, from the
    root attribute ``config``: ``[summary] smooth_window_ms`` in ms, 0.0 when
    the config has none (no smoothing), None when unknown (no config, or it
    cannot be parsed here)."""
    text = f.attrs.get("config")
    if text is None:
        return None
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    try:
        import tomllib  # Python >= 3.11 (Debian 12)
    except ImportError:
        return None
    try:
        cfg = tomllib.loads(str(text))
    except Exception:  # noqa: BLE001 - any parse problem: unknown window
        return None
    summary = cfg.get("summary", {})
    w = summary.get("smooth_window_ms") if isinstance(summary, dict) else None
    if w is None:
        return 0.0
    return float(w) if isinstance(w, (int, float)) and not isinstance(w, bool) else None


def usable_sims(f, n_sims):
    """Indices of the done simulations; reports pending and failed ones."""
    if "status" not in f:
        log("warning: the file has no /status; assuming every simulation is done")
        return np.arange(n_sims)
    status = f["status"][()]
    errors = None
    if "errors" in f:
        errors = f["errors"].asstr()[()] if hasattr(f["errors"], "asstr") else f["errors"][()]

    def show(idx, limit=10):
        s = ", ".join(str(i) for i in idx[:limit])
        return s + (f", ... ({len(idx)} in all)" if len(idx) > limit else "")

    pending = np.flatnonzero(status == 0)
    failed = np.flatnonzero(status == 2)
    other = np.flatnonzero((status != 0) & (status != 1) & (status != 2))
    if len(pending):
        log(
            f"skipping {len(pending)} pending simulation(s) (not run yet; "
            f"finish with hnn-mpi --resume): {show(pending)}"
        )
    if len(failed):
        log(f"skipping {len(failed)} failed simulation(s): {show(failed)}")
        if errors is not None:
            for i in failed[:5]:
                log(f"  simulation {i}: {errors[i]}")
            if len(failed) > 5:
                log("  ... (messages of the others in /errors)")
    if len(other):
        log(f"skipping {len(other)} simulation(s) with an unknown status: {show(other)}")
    return np.flatnonzero(status == 1)


# ----------------------------------------------------------------- plotting


def param_label(name):
    # hnn-core's synaptic weights (weights_ampa / weights_nmda, gbar_*) are
    # in microsiemens; the example labels its axis "Synaptic Strength (nS)".
    if name.startswith("weight") or name.startswith("gbar"):
        return f"{name}: synaptic strength (µS)"
    return name


def plot_overlay(t, waves, pvals, param, log_scale, title_note, path):
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    order = np.argsort(pvals, kind="stable")
    cvals = np.log10(pvals) if log_scale else np.asarray(pvals, dtype=float)
    cmap = plt.get_cmap("viridis")
    lo, hi = float(cvals.min()), float(cvals.max())
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    norm = plt.Normalize(lo, hi)

    fig, ax = plt.subplots(figsize=(10, 6))
    segs = [np.column_stack([t, waves[k]]) for k in order]
    lc = LineCollection(segs, colors=cmap(norm(cvals[order])), linewidths=2, alpha=0.7)
    ax.add_collection(lc)
    ax.set_xlim(t[0], t[-1])
    ymin, ymax = float(np.min(waves[order])), float(np.max(waves[order]))
    pad = 0.05 * (ymax - ymin) if ymax > ymin else max(abs(ymax), 1e-12)
    ax.set_ylim(ymin - pad, ymax + pad)
    sm = plt.cm.ScalarMappable(cmap=cmap, norm=norm)
    sm.set_array([])
    cb = fig.colorbar(sm, ax=ax)
    cb.set_label(f"log10({param})" if log_scale else param)
    ax.set_title(f"Overlay of Dipole Waveforms\n{title_note}", fontsize=12)
    ax.set_xlabel("Time (ms)")
    ax.set_ylabel("Dipole Amplitude (nAm)")
    ax.grid(True)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return fig


def plot_peaks(pvals, mins, maxs, param, log_scale, title_note, path):
    import matplotlib.pyplot as plt

    order = np.argsort(pvals, kind="stable")
    x = np.asarray(pvals)[order]
    repeated = len(np.unique(x)) < len(x)
    # Several simulations per value (a product sweep over more parameters):
    # markers only, a line through them would zigzag.
    style = dict(linestyle="none", marker="o", markersize=4, alpha=0.7) if repeated else {}
    fig, ax = plt.subplots(figsize=(10, 6))
    ax.plot(x, np.asarray(mins)[order], label="Min Dipole Peak", **style)
    ax.plot(x, np.asarray(maxs)[order], label="Max Dipole Peak", **style)
    ax.set_xlabel(param_label(param))
    ax.set_ylabel("Dipole Peak Magnitude (nAm)")
    ax.set_title(f"Min and Max Dipole Peaks across Simulations\n{title_note}", fontsize=12)
    ax.legend()
    ax.grid(True)
    if log_scale:
        ax.set_xscale("log")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return fig


# --------------------------------------------------------------------- main


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Render hnn-core's Batch Simulation figures from an hnn-mpi HDF5 file.",
    )
    p.add_argument("file", help="hnn-mpi output file (docs/output_format.md)")
    p.add_argument(
        "--param",
        default=None,
        help="swept parameter for colours and x axis (/params/<name>); default "
        "weight_basket if present, else the first parameter",
    )
    p.add_argument(
        "--window",
        type=float,
        default=None,
        help="Hamming smoothing window in ms (hnn-core's Dipole.smooth; 0 = none); "
        "default the config's [summary] smooth_window_ms, else 30",
    )
    p.add_argument(
        "--trial",
        default="0",
        help="trial to plot (0-based), or 'mean' for the mean over trials; default 0",
    )
    p.add_argument("--outdir", default=None, help="directory for the PNGs (created); default the file's")
    p.add_argument("--prefix", default=None, help="PNG name prefix; default the file's stem")
    p.add_argument(
        "--max-lines",
        type=int,
        default=500,
        help="draw at most this many dipoles in the overlay (evenly spaced in the parameter)",
    )
    p.add_argument("--show", action="store_true", help="also open the figures in a window")
    a = p.parse_args(argv)
    if a.trial != "mean":
        try:
            a.trial = int(a.trial)
        except ValueError:
            p.error(f"--trial must be an integer or 'mean', not {a.trial!r}")
        if a.trial < 0:
            p.error("--trial must be >= 0")
    if a.max_lines < 1:
        p.error("--max-lines must be >= 1")
    return a


def main(argv=None):
    a = parse_args(argv)
    if not a.show:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not os.path.exists(a.file):
        raise PlotError(f"{a.file}: no such file")
    outdir = a.outdir if a.outdir is not None else (os.path.dirname(a.file) or ".")
    os.makedirs(outdir, exist_ok=True)
    prefix = a.prefix or os.path.splitext(os.path.basename(a.file))[0]
    overlay_png = os.path.join(outdir, f"{prefix}_overlay.png")
    peaks_png = os.path.join(outdir, f"{prefix}_peaks.png")

    try:
        f = h5py.File(a.file, "r")
    except OSError as e:
        raise PlotError(f"{a.file}: not a readable HDF5 file ({e})")
    with f:
        fmt = f.attrs.get("format")
        if isinstance(fmt, bytes):
            fmt = fmt.decode()
        if fmt is None or not str(fmt).startswith("hnn-mpi/"):
            log(f"warning: {a.file} has format attribute {fmt!r}, not hnn-mpi/1")

        # Parameter.
        names = sorted(f["params"].keys()) if "params" in f else []
        if not names:
            raise PlotError(f"{a.file} has no /params (a run without [sweep]?): nothing to plot against")
        param = a.param
        if param is None:
            param = "weight_basket" if "weight_basket" in names else names[0]
        if param not in names:
            raise PlotError(
                f"no parameter {param!r} in {a.file}; available: {', '.join(names)}"
            )
        pall = f["params"][param][()].astype(float)
        n_sims = len(pall)

        # Trials.
        n_trials = int(f.attrs.get("n_trials", 1))
        if "dipole/agg" in f:
            n_trials = f["dipole/agg"].shape[1]
        if a.trial != "mean" and a.trial >= n_trials:
            raise PlotError(f"--trial {a.trial}: the file has {n_trials} trial(s) (0..{n_trials - 1})")
        trial_note = (
            f"mean of {n_trials} trials" if a.trial == "mean" else f"trial {a.trial}"
            + (f" of {n_trials}" if n_trials > 1 else "")
        )

        sims = usable_sims(f, n_sims)
        if len(sims) == 0:
            raise PlotError(f"{a.file}: no simulation is done yet; nothing to plot")
        pvals = pall[sims]
        log_scale = bool(np.all(pvals > 0))
        if not log_scale:
            log(f"warning: {param} has values <= 0; linear colour scale and x axis")

        # Smoothing window: by default the one hnn-mpi used for /summary, so
        # that both figures show the same smoothed dipoles.
        cfg_window = config_window_ms(f)
        window = a.window
        if window is None:
            window = cfg_window if cfg_window else DEFAULT_WINDOW_MS
            if "dipole/agg" not in f and cfg_window is not None:
                window = cfg_window  # only /summary to plot: describe it as it is
        t = f["times"][()]
        sfreq = 1000.0 / (t[1] - t[0])
        smooth_note = f"{window:g} ms Hamming smoothing" if window > 0 else "unsmoothed"

        have_dipoles = "dipole/agg" in f
        have_summary = "summary/dipole_min" in f and "summary/dipole_max" in f

        # Peaks: hnn-mpi's summaries when they describe what the overlay
        # shows (same trial, same smoothing); else computed from the dipoles.
        use_summary = have_summary and a.trial != "mean"
        if use_summary and cfg_window is not None and cfg_window != window:
            was = "no" if cfg_window == 0 else f"{cfg_window:g} ms"
            if have_dipoles:
                log(f"note: /summary was computed with {was} smoothing, not {window:g} ms: "
                    "the peaks are computed from the dipoles")
                use_summary = False
            else:
                log(f"warning: the peaks come from /summary ({was} smoothing), not "
                    f"{window:g} ms (the file has no dipoles to recompute them)")

        # The overlay draws at most --max-lines dipoles, evenly spaced in the
        # parameter; dipoles are read one simulation at a time, so memory
        # does not grow with the sweep.
        draw = np.argsort(pvals, kind="stable")
        if len(draw) > a.max_lines:
            pick = np.round(np.linspace(0, len(draw) - 1, a.max_lines)).astype(int)
            draw = draw[np.unique(pick)]
            if have_dipoles:
                log(f"overlay: drawing {len(draw)} of {len(sims)} simulations, evenly "
                    f"spaced in {param} (--max-lines)")
        mins = maxs = None
        waves = None
        keep = np.ones(len(sims), dtype=bool)
        if have_dipoles:
            ds = f["dipole/agg"]
            in_draw = np.zeros(len(sims), dtype=bool)
            in_draw[draw] = True
            todo = np.flatnonzero(in_draw) if use_summary else np.arange(len(sims))
            waves = {}
            if not use_summary:
                mins, maxs = np.full(len(sims), np.nan), np.full(len(sims), np.nan)
            for k in todo:
                i = sims[k]
                raw = ds[i, :, :].mean(axis=0) if a.trial == "mean" else ds[i, a.trial, :]
                if not np.all(np.isfinite(raw)):
                    keep[k] = False  # status 1 promises complete data; say so below
                    continue
                y = smooth(raw, window, sfreq) if window > 0 else raw
                if not use_summary:
                    mins[k], maxs[k] = y.min(), y.max()
                if in_draw[k]:
                    waves[k] = y
            if not keep.all():
                bad = sims[~keep]
                log(f"warning: skipping {len(bad)} simulation(s) marked done whose dipole "
                    f"has NaN/inf: {', '.join(str(i) for i in bad[:10])}")
        if use_summary:
            mins = f["summary/dipole_min"][()][sims, a.trial]
            maxs = f["summary/dipole_max"][()][sims, a.trial]
            if cfg_window is None:
                sw = "smoothing unknown"
                log("note: the peaks come from /summary; their smoothing window is not known here")
            else:
                sw = "unsmoothed" if cfg_window == 0 else f"{cfg_window:g} ms Hamming smoothing"
            peaks_note = f"hnn-mpi's /summary/dipole_min, dipole_max ({sw}), {trial_note}"
        else:
            peaks_note = f"aggregate dipole, {smooth_note}, {trial_note}"

        written = []
        if mins is not None:
            ok = keep & np.isfinite(mins) & np.isfinite(maxs)
            if ok.any():
                plot_peaks(pvals[ok], mins[ok], maxs[ok], param, log_scale, peaks_note, peaks_png)
                written.append(peaks_png)
        if waves:
            k = np.array(sorted(waves))
            plot_overlay(t, np.array([waves[j] for j in k]), pvals[k], param, log_scale,
                         f"aggregate dipole, {smooth_note}, {trial_note}, "
                         + (f"{len(k)} simulations" if len(k) == int(keep.sum())
                            else f"{len(k)} of {int(keep.sum())} simulations"),
                         overlay_png)
            written.append(overlay_png)

    for p in written:
        print(p)
    if not have_dipoles:
        raise PlotError(
            f"{a.file} has no /dipole/agg (the config's [output] save omits \"dipole\"): "
            "no overlay" + ("; the peaks figure was drawn from /summary" if written else
                            " and no /summary/dipole_min, dipole_max for the peaks")
        )
    if a.show:
        plt.show()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except PlotError as e:
        log(f"error: {e}")
        sys.exit(1)
