#!/usr/bin/python3
"""Check hnn-mpi output files against docs/output_format.md with h5py, independently of
the Rust HDF5 bindings (what a Python user sees).

Usage:
    tests/h5py_check.py FILE [FILE ...] [expectations]

Every path, type and shape of SPEC §3 is checked, with the dimensions taken
from the root attributes (n_sims, n_trials, n_times) and cross-checked
between datasets. Expectations (optional) pin what the caller knows:

    --n-sims N --n-trials T --n-times K --mpi-ranks R
    --params a,b         exactly these /params/<name> (order irrelevant)
    --stats a,b          exactly these /summary/<stat>
    --dipole | --no-dipole      /dipole/{agg,L2,L5} present | absent
    --spikes | --no-spikes      /spikes/{times,gids,offsets} present | absent
    --vsec soma,all      exactly these voltage recordings /vsec/<name> ("" = none)
    --isec soma,all      exactly these synaptic-current recordings /isec/<name>
    --ca soma,all        exactly these calcium recordings /ca/<name>
    --lfp a,b            exactly these electrode arrays /lfp/<name> ("" = none)
    --cell-types a,b     these names, in gid order, in /cells/gid_ranges
    --all-done           every /status is 1 (done) and the file is closed
                         (the spike CSR is built: /spikes/offsets[-1] != -1)
    --smooth-window MS   recompute the dipole statistics of /summary with
                         numpy (hnn-core's smoothing, MS ms; 0 = none) and
                         rate_<type> from /spikes, and compare
    --simulated          the data come from a real run: also check the physics
                         below marked (*); without it synthetic test files pass

A fit's file (docs/output_format.md §13): /params rows not asked for are
NaN; /fit/objective and /fit/generation have n_sims rows, done rows an
objective and a generation, rows 0..n_evals-1 asked in order; once finished
(stop_reason set) rows from n_evals on are pending and empty, and
best_index / best_objective name the first smallest objective.

Data checks: /times starts at 0 with step dt up to tstop; done simulations
(status 1) have finite dipoles (*with agg = L2 + L5) and finite summaries
(dipole_min <= dipole_max); pending and failed ones have NaN dipoles and
summaries, and failed ones a message in /errors; the spike CSR is
non-decreasing from 0 to len(times) (*with gids inside /cells/gid_ranges and
times in [0, tstop]); each voltage recording /vsec/<name> is float32
[n_sims, n_trials, n_traces, n_times] in mV with /vsec/<name>_gids (int64) and
/vsec/<name>_sections (strings) of n_traces, gids inside /cells/gid_ranges in
non-decreasing order; done simulations have finite voltages (*within
[-150, 100] mV), the others NaN. The same for each synaptic-current
recording /isec/<name> (nA, *within +-1000 nA; with /isec/<name>_receptors,
strings of n_traces) and each calcium recording /ca/<name> (mM, *within
[0, 10] mM).
Each electrode array /lfp/<name> is float64
[n_sims, n_trials, n_contacts, n_times] in uV with attributes positions
[n_contacts, 3], conductivity > 0, method psa|lsa, min_distance > 0; done
simulations have finite potentials (*0 at t = 0), the others NaN.

A file whose writer is still running, or was killed, is read in SWMR mode
(and fails --all-done).

Prints "ok FILE: ..." per good file, every problem otherwise; exit status 0
when every file passes, 1 otherwise, 2 when h5py/numpy are missing.
"""

import argparse
import sys

try:
    import numpy as np
    import h5py
except ImportError as e:
    print(
        f"h5py_check.py: {e}. Run scripts/setup.sh (it installs python3-h5py) "
        "and use /usr/bin/python3.",
        file=sys.stderr,
    )
    sys.exit(2)

ROOT_STR_ATTRS = ["format", "version", "git_commit", "config", "created", "hostname"]
ROOT_INT_ATTRS = ["n_sims", "n_trials", "mpi_ranks"]
ROOT_F64_ATTRS = ["tstop", "dt"]


class Checker:
    def __init__(self, path):
        self.path = path
        self.problems = []

    def fail(self, msg):
        self.problems.append(msg)

    def expect(self, cond, msg):
        if not cond:
            self.fail(msg)
        return cond

    def dataset(self, f, path, kind, shape):
        """`path` is a dataset of numpy kind `kind` ('f' float64, 'i'
        int64, 'u' uint8, ...) and `shape`; returns it or None."""
        if path not in f:
            self.fail(f"/{path} is missing")
            return None
        d = f[path]
        if not isinstance(d, h5py.Dataset):
            self.fail(f"/{path} is not a dataset")
            return None
        want = {"f": np.dtype("<f8"), "i": np.dtype("<i8"), "u": np.dtype("u1")}.get(kind)
        if want is not None and d.dtype != want:
            self.fail(f"/{path} has type {d.dtype}, expected {want}")
        if shape is not None and d.shape != tuple(shape):
            self.fail(f"/{path} has shape {d.shape}, expected {tuple(shape)}")
            return None
        return d


def attr_str(v):
    if isinstance(v, bytes):
        return v.decode("utf-8")
    if isinstance(v, np.ndarray) and v.shape == ():
        return attr_str(v[()])
    return v


def check_file(path, a):
    c = Checker(path)
    unclosed = False
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        # A file still being written, or whose writer was killed, says "open
        # for writing" (and may end short of its last page): SWMR readers
        # can read it.
        if "already open for write" not in str(e) and "truncated file" not in str(e):
            c.fail(f"cannot open: {e}")
            return c, ""
        try:
            f = h5py.File(path, "r", libver="latest", swmr=True)
            unclosed = True
        except OSError as e2:
            c.fail(f"cannot open: {e}; in SWMR mode: {e2}")
            return c, ""
    if unclosed and a.all_done:
        c.fail("the file was not closed by its writer (still running, or killed)")
    with f:
        # ------------------------------------------------ root attributes
        for name in ROOT_STR_ATTRS:
            if c.expect(name in f.attrs, f"root attribute {name} is missing"):
                c.expect(
                    isinstance(attr_str(f.attrs[name]), str),
                    f"root attribute {name} is {type(f.attrs[name]).__name__}, not a string",
                )
        for name in ROOT_INT_ATTRS:
            if c.expect(name in f.attrs, f"root attribute {name} is missing"):
                v = f.attrs[name]
                c.expect(
                    np.issubdtype(np.asarray(v).dtype, np.integer) and np.ndim(v) == 0,
                    f"root attribute {name} = {v!r} is not an integer scalar",
                )
        for name in ROOT_F64_ATTRS:
            if c.expect(name in f.attrs, f"root attribute {name} is missing"):
                v = f.attrs[name]
                c.expect(
                    np.asarray(v).dtype == np.float64 and np.ndim(v) == 0,
                    f"root attribute {name} = {v!r} is not an f64 scalar",
                )
        if c.problems:
            return c, ""
        c.expect(attr_str(f.attrs["format"]) == "hnn-mpi/1",
                 f"format is {attr_str(f.attrs['format'])!r}, expected 'hnn-mpi/1'")
        n_sims = int(f.attrs["n_sims"])
        n_trials = int(f.attrs["n_trials"])
        tstop = float(f.attrs["tstop"])
        dt = float(f.attrs["dt"])
        for flag, val, name in [
            (a.n_sims, n_sims, "n_sims"),
            (a.n_trials, n_trials, "n_trials"),
            (a.mpi_ranks, int(f.attrs["mpi_ranks"]), "mpi_ranks"),
        ]:
            if flag is not None:
                c.expect(val == flag, f"attribute {name} = {val}, expected {flag}")
        c.expect(n_sims >= 1 and n_trials >= 1, f"n_sims = {n_sims}, n_trials = {n_trials}")
        c.expect(dt > 0 and tstop > 0, f"dt = {dt}, tstop = {tstop}")
        c.expect(len(attr_str(f.attrs["config"])) > 0, "root attribute config is empty")

        # ------------------------------------------------------- /times
        times = c.dataset(f, "times", "f", None)
        n_times = None
        if times is not None:
            c.expect(times.ndim == 1, f"/times has shape {times.shape}, expected [n_times]")
            t = times[()].ravel()
            n_times = len(t)
            if "n_times" in f.attrs:
                c.expect(int(f.attrs["n_times"]) == n_times,
                         f"attribute n_times = {f.attrs['n_times']}, /times has {n_times}")
            if a.n_times is not None:
                c.expect(n_times == a.n_times, f"/times has {n_times} values, expected {a.n_times}")
            if c.expect(n_times >= 2, f"/times has {n_times} values"):
                c.expect(t[0] == 0.0, f"/times[0] = {t[0]}, expected 0")
                c.expect(np.allclose(np.diff(t), dt, rtol=1e-9, atol=0),
                         "/times is not evenly spaced by dt")
                c.expect(abs(t[-1] - tstop) <= dt * (1 + 1e-9),
                         f"/times ends at {t[-1]}, tstop is {tstop}")

        # ---------------------------------------------------- /status
        status = c.dataset(f, "status", "u", (n_sims,))
        st = status[()] if status is not None else np.ones(n_sims, dtype=np.uint8)
        c.expect(np.isin(st, [0, 1, 2]).all(), f"/status has values {sorted(set(st.tolist()))}")
        done, failed = st == 1, st == 2
        not_done = ~done
        # Simulations whose data must be NaN. In a file its writer did not
        # close, the one(s) being written when it stopped may hold partial
        # data with status 0 (resume resets them): not checked there.
        must_be_nan = not_done & (not unclosed)
        if a.all_done:
            c.expect(done.all(), f"{int(not_done.sum())} simulation(s) not done: "
                     f"{np.flatnonzero(not_done)[:10].tolist()}")
        errors = c.dataset(f, "errors", None, (n_sims,))
        if errors is not None:
            c.expect(h5py.check_string_dtype(errors.dtype) is not None,
                     f"/errors has type {errors.dtype}, expected strings")
            msgs = errors.asstr()[()]
            for i in np.flatnonzero(failed):
                c.expect(len(msgs[i]) > 0, f"simulation {i} failed without a message in /errors")
            for i in np.flatnonzero(done):
                c.expect(len(msgs[i]) == 0, f"simulation {i} is done but /errors[{i}] = {msgs[i]!r}")

        # ---------------------------------------------------- /params
        names = []
        if c.expect("params" in f and isinstance(f["params"], h5py.Group), "/params group is missing"):
            names = sorted(f["params"].keys())
            # a fit's rows not yet asked for are NaN (§13)
            asked = np.ones(n_sims, dtype=bool)
            if "fit/generation" in f and f["fit/generation"].shape == (n_sims,):
                asked = f["fit/generation"][()] >= 0
            for n in names:
                d = c.dataset(f, f"params/{n}", "f", (n_sims,))
                if d is not None:
                    v = d[()]
                    c.expect(np.isfinite(v[asked]).all(), f"/params/{n} has non-finite values")
                    c.expect(np.isnan(v[~asked]).all(), f"/params/{n} has values in rows not asked for")
            if a.params is not None:
                c.expect(set(names) == set(a.params),
                         f"/params holds {names}, expected {sorted(a.params)}")

        # ---------------------------------------------------- /dipole
        has_dipole = "dipole" in f
        if a.dipole is not None:
            c.expect(has_dipole == a.dipole,
                     "/dipole " + ("is missing" if a.dipole else "is present but should not be"))
        if has_dipole and n_times is not None:
            dd = {}
            for layer in ("agg", "L2", "L5"):
                d = c.dataset(f, f"dipole/{layer}", "f", (n_sims, n_trials, n_times))
                if d is not None:
                    c.expect(attr_str(d.attrs.get("units")) == "nAm",
                             f"/dipole/{layer} units = {d.attrs.get('units')!r}, expected 'nAm'")
                    dd[layer] = d
            if len(dd) == 3:
                for i in range(n_sims):
                    agg = dd["agg"][i]
                    if done[i]:
                        if not c.expect(np.isfinite(agg).all(), f"/dipole/agg[{i}] (done) has NaN/inf"):
                            continue
                        if not a.simulated:
                            continue
                        s = dd["L2"][i] + dd["L5"][i]
                        scale = max(np.abs(agg).max(), 1e-300)
                        c.expect(np.abs(s - agg).max() <= 1e-12 * scale,
                                 f"/dipole/agg[{i}] != L2 + L5 (max diff {np.abs(s - agg).max():.3g})")
                    elif must_be_nan[i]:
                        c.expect(np.isnan(agg).all(),
                                 f"/dipole/agg[{i}] (status {st[i]}) is not NaN")

        # --------------------------------------------------- /summary
        stats = []
        if c.expect("summary" in f and isinstance(f["summary"], h5py.Group), "/summary group is missing"):
            stats = sorted(f["summary"].keys())
            vals = {}
            for s in stats:
                d = c.dataset(f, f"summary/{s}", "f", (n_sims, n_trials))
                if d is not None:
                    v = d[()]
                    vals[s] = v
                    c.expect(np.isfinite(v[done]).all(),
                             f"/summary/{s} has non-finite values for done simulations")
                    c.expect(np.isnan(v[must_be_nan]).all(),
                             f"/summary/{s} has values for pending/failed simulations")
            if a.stats is not None:
                c.expect(set(stats) == set(a.stats), f"/summary holds {stats}, expected {sorted(a.stats)}")
            if "dipole_min" in vals and "dipole_max" in vals:
                c.expect((vals["dipole_min"][done] <= vals["dipole_max"][done]).all(),
                         "/summary/dipole_min > dipole_max somewhere")

        # ----------------------------------------------------- /cells
        n_gids = None
        gr = c.dataset(f, "cells/gid_ranges", None, None)
        if gr is not None:
            fields = gr.dtype.names or ()
            if c.expect(set(fields) >= {"name", "start", "stop"},
                        f"/cells/gid_ranges fields are {fields}, expected name, start, stop"):
                recs = gr[()]
                cell_names = [attr_str(x) for x in recs["name"]]
                starts, stops = recs["start"].astype(np.int64), recs["stop"].astype(np.int64)
                c.expect(len(recs) >= 1, "/cells/gid_ranges is empty")
                if len(recs):
                    c.expect(starts[0] == 0, f"gid ranges start at {starts[0]}, not 0")
                    c.expect((starts <= stops).all(),
                             "a gid range has start > stop")
                    c.expect((starts[1:] == stops[:-1]).all(), "gid ranges are not contiguous")
                    n_gids = int(stops[-1])
                if a.cell_types is not None:
                    c.expect(cell_names[: len(a.cell_types)] == a.cell_types,
                             f"/cells/gid_ranges names are {cell_names}, expected {a.cell_types} first")

        # ---------------------------------------------------- /spikes
        has_spikes = "spikes" in f
        if a.spikes is not None:
            c.expect(has_spikes == a.spikes,
                     "/spikes " + ("is missing" if a.spikes else "is present but should not be"))
        if has_spikes:
            st_times = c.dataset(f, "spikes/times", "f", None)
            st_gids = c.dataset(f, "spikes/gids", "i", None)
            st_off = c.dataset(f, "spikes/offsets", "i", (n_sims * n_trials + 1,))
            if st_times is not None and st_gids is not None and st_off is not None:
                tt, gg, off = st_times[()], st_gids[()], st_off[()]
                c.expect(tt.ndim == 1 and tt.shape == gg.shape,
                         f"/spikes/times {tt.shape} and /spikes/gids {gg.shape} differ")
                # The CSR is complete once close() has built it: then no
                # offset is -1 (the work area /spikes/_pending may remain).
                closed = len(off) > 0 and off[-1] != -1
                if a.all_done:
                    c.expect(closed, "/spikes/offsets[-1] is -1: the CSR was not built (file not closed)")
                if closed:
                    ok = c.expect(off[0] == 0 and (np.diff(off) >= 0).all(),
                                  "/spikes/offsets is not non-decreasing from 0")
                    ok &= c.expect(off[-1] == len(tt),
                                   f"/spikes/offsets ends at {off[-1]}, /spikes/times has {len(tt)}")
                    if ok:
                        for i in np.flatnonzero(not_done):
                            a0, b0 = off[i * n_trials], off[(i + 1) * n_trials]
                            c.expect(a0 == b0, f"simulation {i} (status {st[i]}) has {b0 - a0} spikes")
                # else: an interrupted run; the CSR is rebuilt by --resume.
                if len(tt) and a.simulated:
                    c.expect(np.isfinite(tt).all() and tt.min() >= 0 and tt.max() <= tstop,
                             f"spike times outside [0, {tstop}]")
                    if n_gids is not None:
                        c.expect(gg.min() >= 0 and gg.max() < n_gids,
                                 f"spike gids outside [0, {n_gids})")

        # ------------------------------------------ /vsec, /isec, /ca
        # (group, units, physical range of --simulated data, expected names)
        groups = [
            ("vsec", "mV", (-150, 100), a.vsec),
            ("isec", "nA", (-1000, 1000), a.isec),
            ("ca", "mM", (0, 10), a.ca),
        ]
        ranges = list(gid_table(f).values())
        found = {}
        for group, units, (lo, hi), expected in groups:
            labels = ("_gids", "_sections", "_receptors")
            recs = []
            if group in f:
                recs = sorted(k for k in f[group] if not k.endswith(labels))
                c.expect(recs, f"/{group} has no recording")
            found[group] = recs
            if expected is not None:
                c.expect(recs == sorted(expected), f"/{group} recordings are {recs}, expected {sorted(expected)}")
            for name in recs:
                gd = c.dataset(f, f"{group}/{name}_gids", "i", None)
                label_names = ["sections"] + (["receptors"] if group == "isec" else [])
                sds = [c.dataset(f, f"{group}/{name}_{x}", None, None) for x in label_names]
                if gd is None or any(sd is None for sd in sds) or n_times is None:
                    continue
                gids = gd[()]
                n_traces = len(gids)
                for x, sd in zip(label_names, sds):
                    c.expect(sd.shape == (n_traces,),
                             f"/{group}/{name}_{x} has shape {sd.shape}, expected ({n_traces},)")
                    c.expect(h5py.check_string_dtype(sd.dtype) is not None,
                             f"/{group}/{name}_{x} is not strings")
                c.expect((np.diff(gids) >= 0).all(), f"/{group}/{name}_gids are not in gid order")
                if ranges and len(gids):
                    inside = np.zeros(len(gids), bool)
                    for s0, s1 in ranges:
                        inside |= (gids >= s0) & (gids < s1)
                    c.expect(inside.all(), f"/{group}/{name}_gids has gids outside /cells/gid_ranges")
                if name == "soma":
                    secs = [x.decode() if isinstance(x, bytes) else x for x in sds[0][()]]
                    c.expect(all(x == "soma" for x in secs), f"/{group}/soma_sections are not all 'soma'")
                d = c.dataset(f, f"{group}/{name}", None, (n_sims, n_trials, n_traces, n_times))
                if d is None:
                    continue
                c.expect(d.dtype == np.dtype("<f4"), f"/{group}/{name} has type {d.dtype}, expected float32")
                c.expect(attr_str(d.attrs.get("units")) == units,
                         f"/{group}/{name} units = {d.attrs.get('units')!r}")
                for i in range(n_sims):  # one simulation at a time: can be large
                    v = d[i]
                    if done[i]:
                        if c.expect(np.isfinite(v).all(), f"/{group}/{name}[{i}] (done) has NaN/inf") \
                                and a.simulated and v.size:
                            c.expect(v.min() >= lo and v.max() <= hi,
                                     f"/{group}/{name}[{i}] outside [{lo}, {hi}] {units}")
                    else:
                        c.expect(np.isnan(v).all(), f"/{group}/{name}[{i}] (status {st[i]}) is not NaN")
        recs = found["vsec"]

        # ---------------------------------------------------- /lfp
        arrays = sorted(f["lfp"]) if "lfp" in f else []
        if "lfp" in f:
            c.expect(arrays, "/lfp has no array")
        if a.lfp is not None:
            c.expect(arrays == sorted(a.lfp), f"/lfp arrays are {arrays}, expected {sorted(a.lfp)}")
        for name in arrays:
            d = f[f"lfp/{name}"]
            pos = d.attrs.get("positions")
            if not c.expect(pos is not None and np.ndim(pos) == 2 and np.shape(pos)[1] == 3,
                            f"/lfp/{name} positions = {pos!r}, expected [n_contacts, 3]"):
                continue
            n_contacts = np.shape(pos)[0]
            c.expect(n_contacts > 0 and np.isfinite(pos).all(), f"/lfp/{name} positions not finite")
            d = c.dataset(f, f"lfp/{name}", None, (n_sims, n_trials, n_contacts, n_times))
            if d is None:
                continue
            c.expect(d.dtype == np.dtype("<f8"), f"/lfp/{name} has type {d.dtype}, expected float64")
            c.expect(attr_str(d.attrs.get("units")) == "uV", f"/lfp/{name} units = {d.attrs.get('units')!r}")
            c.expect(attr_str(d.attrs.get("method")) in ("psa", "lsa"),
                     f"/lfp/{name} method = {d.attrs.get('method')!r}")
            for key in ("conductivity", "min_distance"):
                v = d.attrs.get(key)
                c.expect(v is not None and np.isfinite(v) and v > 0, f"/lfp/{name} {key} = {v!r}")
            for i in range(n_sims):
                v = d[i]
                if done[i]:
                    if c.expect(np.isfinite(v).all(), f"/lfp/{name}[{i}] (done) has NaN/inf") and a.simulated:
                        c.expect((v[..., 0] == 0).all(), f"/lfp/{name}[{i}] is not 0 at t = 0")
                else:
                    c.expect(np.isnan(v).all(), f"/lfp/{name}[{i}] (status {st[i]}) is not NaN")

        # ------------------------------- summaries recomputed with numpy
        if a.smooth_window is not None and c.expect(
            "dipole/agg" in f and n_times is not None,
            "--smooth-window needs /dipole/agg",
        ):
            recompute_summaries(c, f, a.smooth_window, done, n_trials, tstop, gid_table(f))

        # ---------------------------------------------------- /fit (§13)
        if "fit" in f:
            check_fit(c, f, n_sims, st, n_times)

        summary = (
            f"{n_sims} sims x {n_trials} trials x {n_times} times; "
            f"status done {int(done.sum())}, failed {int(failed.sum())}, pending "
            f"{int((st == 0).sum())}; params {names}; stats {stats}; "
            f"dipole {'yes' if has_dipole else 'no'}; spikes {'yes' if has_spikes else 'no'}; "
            f"vsec {','.join(recs) or 'no'}; isec {','.join(found['isec']) or 'no'}; "
            f"ca {','.join(found['ca']) or 'no'}; lfp {','.join(arrays) or 'no'}"
            + ("; not closed by its writer (read in SWMR mode)" if unclosed else "")
        )
    return c, summary


def check_fit(c, f, n_sims, st, n_times):
    """A fit's /fit group: objective (f64) and generation (int) per row,
    the attributes, rows asked for before the rows run, the best."""
    g = f["fit"]
    obj = c.dataset(f, "fit/objective", "f", (n_sims,))
    gen = c.dataset(f, "fit/generation", "i", (n_sims,))
    for name in ["solver", "objective", "stop_reason"]:
        c.expect(name in g.attrs and isinstance(attr_str(g.attrs[name]), str),
                 f"/fit attribute {name} is missing or not a string")
    for name in ["n_evals", "best_index"]:
        c.expect(name in g.attrs and np.issubdtype(np.asarray(g.attrs[name]).dtype, np.integer),
                 f"/fit attribute {name} is missing or not an integer")
    c.expect("best_objective" in g.attrs, "/fit attribute best_objective is missing")
    if "target_agg" in g:
        t = g["target_times"][()]
        c.expect(g["target_agg"].shape == t.shape and np.all(np.diff(t) > 0),
                 "/fit/target_times and target_agg differ in length or times do not increase")
    if obj is None or gen is None:
        return
    o, k = obj[()], gen[()]
    done = st == 1
    c.expect(np.all(k[done] >= 0), "a done row has no generation")
    c.expect(not np.isnan(o[done]).any(), "a done row has no objective")
    c.expect(np.all(np.diff(k[k >= 0]) >= 0), "/fit/generation decreases")
    asked = np.nonzero(k >= 0)[0]
    c.expect(asked.size == 0 or asked[-1] + 1 == asked.size, "rows asked for are not 0..n")
    reason = attr_str(g.attrs.get("stop_reason", ""))
    if reason:
        n = int(g.attrs["n_evals"])
        c.expect(np.all(st[:n] != 0) and np.all(st[n:] == 0),
                 f"a finished fit of {n} evaluations has pending rows before {n} or rows run after")
        c.expect(np.all(k[n:] == -1) and np.isnan(o[n:]).all(), "rows after n_evals are not empty")
        b = int(g.attrs["best_index"])
        fin = np.isfinite(o[:n])
        if fin.any():
            m = np.min(o[:n][fin])
            c.expect(b >= 0 and o[b] == m and int(np.argmax(o[:n] == m)) == b
                     and float(g.attrs["best_objective"]) == m,
                     f"best_index {b} is not the first smallest objective {m}")


def hnn_smooth(x, window_ms, sfreq):
    """hnn-core 0.6.1 ``smooth_waveform``: 'same' convolution with a
    normalised numpy.hamming of round(window_ms * sfreq / 1000) samples."""
    if window_ms == 0:
        return x
    win = np.hamming(int(np.round(1e-3 * window_ms * sfreq)))
    win /= win.sum()
    return np.convolve(x, win, "same")


def gid_table(f):
    if "cells/gid_ranges" not in f:
        return {}
    try:
        recs = f["cells/gid_ranges"][()]
        return {attr_str(r["name"]): (int(r["start"]), int(r["stop"])) for r in recs}
    except (KeyError, ValueError, TypeError):
        return {}


def recompute_summaries(c, f, window_ms, done, n_trials, tstop, gids):
    """/summary/dipole_{min,max,peak_to_peak,rms} of done simulations equal
    the same statistics of the numpy-smoothed /dipole/agg (relative 1e-9 of
    the dipole's scale); rate_<type> equal the spike counts of /spikes."""
    t = f["times"][()]
    sfreq = 1000.0 / (t[1] - t[0])
    fns = {
        "dipole_min": np.min,
        "dipole_max": np.max,
        "dipole_peak_to_peak": lambda x: np.max(x) - np.min(x),
        "dipole_rms": lambda x: np.sqrt(np.mean(x * x)),
    }
    stats = {k: f[f"summary/{k}"][()] for k in fns if f"summary/{k}" in f}
    rates = {}
    if "spikes/offsets" in f and f["spikes/offsets"][-1] != -1:
        for k in f.get("summary", {}).keys():
            if k.startswith("rate_") and k[5:] in gids:
                rates[k] = f[f"summary/{k}"][()]
        off, sg = f["spikes/offsets"][()], f["spikes/gids"][()]
    c.expect(stats or rates, "--smooth-window: no recomputable statistic in /summary")
    worst = 0.0
    for i in np.flatnonzero(done):
        for tr in range(n_trials):
            x = hnn_smooth(f["dipole/agg"][i, tr, :], window_ms, sfreq)
            scale = max(np.abs(x).max(), 1e-300)
            for k, v in stats.items():
                err = abs(fns[k](x) - v[i, tr]) / scale
                worst = max(worst, err)
                c.expect(err <= 1e-9, f"/summary/{k}[{i}, {tr}] = {v[i, tr]!r}, numpy gives "
                         f"{fns[k](x)!r} (window {window_ms:g} ms)")
            for k, v in rates.items():
                lo, hi = gids[k[5:]]
                g = sg[off[i * n_trials + tr]: off[i * n_trials + tr + 1]]
                want = np.count_nonzero((g >= lo) & (g < hi)) / (hi - lo) / (tstop / 1000.0)
                c.expect(abs(want - v[i, tr]) <= 1e-9 * max(abs(want), 1.0),
                         f"/summary/{k}[{i}, {tr}] = {v[i, tr]!r}, the spikes give {want!r}")
    return worst


def csv(s):
    return [x for x in s.split(",") if x] if s else []


def main(argv=None):
    p = argparse.ArgumentParser(description="Check hnn-mpi output files against SPEC §3.")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--n-sims", type=int)
    p.add_argument("--n-trials", type=int)
    p.add_argument("--n-times", type=int)
    p.add_argument("--mpi-ranks", type=int)
    p.add_argument("--params", type=csv, help="comma-separated names")
    p.add_argument("--stats", type=csv, help="comma-separated names")
    p.add_argument("--cell-types", type=csv, help="comma-separated names, in gid order")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--dipole", dest="dipole", action="store_true", default=None)
    g.add_argument("--no-dipole", dest="dipole", action="store_false")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--spikes", dest="spikes", action="store_true", default=None)
    g.add_argument("--no-spikes", dest="spikes", action="store_false")
    p.add_argument("--vsec", type=csv, help="comma-separated recordings (soma, all); '' for none")
    p.add_argument("--isec", type=csv, help="comma-separated recordings (soma, all); '' for none")
    p.add_argument("--ca", type=csv, help="comma-separated recordings (soma, all); '' for none")
    p.add_argument("--lfp", type=csv, help="comma-separated electrode arrays; '' for none")
    p.add_argument("--all-done", action="store_true")
    p.add_argument(
        "--smooth-window",
        type=float,
        metavar="MS",
        help="recompute /summary/dipole_{min,max,peak_to_peak,rms} from /dipole/agg "
        "smoothed as hnn-core does with this window (0 = none), and rate_<type> from "
        "/spikes, and compare",
    )
    p.add_argument(
        "--simulated",
        action="store_true",
        help="the file comes from a real run (not synthetic test data): also check "
        "agg = L2 + L5, spike times in [0, tstop] and gids inside /cells/gid_ranges",
    )
    a = p.parse_args(argv)

    bad = 0
    for path in a.files:
        c, summary = check_file(path, a)
        if c.problems:
            bad += 1
            print(f"FAIL {path}:")
            for m in c.problems:
                print(f"  - {m}")
        else:
            print(f"ok {path}: {summary}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
