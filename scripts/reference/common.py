"""Helpers shared by the reference scripts in scripts/reference/.

Every generator here (single_cell.py, network.py, models.py, numpy_random.py,
hnn_json.py) imports this module as ``common`` (Python puts the running
script's directory first on sys.path, so ``import common`` works both for
``python scripts/reference/X.py`` and for the ``--worker`` subprocesses).

What is here:

* paths: ``REPO_ROOT``, ``data_dir(name)`` (tests/data/<name>),
  ``script_rel(__file__)`` (``scripts/reference/<file>``);
* provenance: ``versions()``, ``utc_date()``, ``utc_timestamp()`` and
  ``provenance(script)`` (the ``generated_by`` / versions / date header);
* command line: ``parser(doc, out=...)`` (``--out`` and, unless
  ``worker=False``, the hidden ``--worker/--spec/--result``),
  ``add_case_args`` (``--case``, ``--list``);
* the fresh-process pattern: ``spawn(script, spec)`` re-runs a script with
  ``--worker``; the child calls ``run_worker(args, work)``;
* JSON: ``py`` (numpy etc. to plain Python), ``dumps`` (full-precision floats,
  flat lists on one line), ``write_json``;
* hnn-core network summaries: ``drive_info``, ``connectivity_info``,
  ``spike_counts``, ``spikes``, ``drive_events``, ``times_sha``.

Only the standard library is imported at module level; numpy, hnn-core and
NEURON are imported inside the functions that need them.
"""

import argparse
import datetime
import hashlib
import json
import math
import os.path as op
import subprocess
import sys
import tempfile
import time

REPO_ROOT = op.abspath(op.join(op.dirname(op.abspath(__file__)), "..", ".."))


# ---------------------------------------------------------------------------
# Paths and provenance
# ---------------------------------------------------------------------------
def data_dir(name):
    """tests/data/<name> of this repository (absolute)."""
    return op.join(REPO_ROOT, "tests", "data", name)


def script_rel(path):
    """'scripts/reference/<file>' for a script's __file__."""
    return "scripts/reference/" + op.basename(path)


def versions():
    """(hnn_core, NEURON, numpy) version strings (imports all three)."""
    import hnn_core
    import neuron
    import numpy

    return hnn_core.__version__, neuron.__version__, numpy.__version__


def utc_date():
    """Today's UTC date, YYYY-MM-DD."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")


def utc_timestamp():
    """Now (UTC) to the second, ISO 8601 with offset."""
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def provenance(script, numpy=True, date=True):
    """The header every JSON output starts with, in this key order:
    generated_by, hnn_core_version, neuron_version[, numpy_version][, date]."""
    hnn_v, nrn_v, np_v = versions()
    out = dict(generated_by=script, hnn_core_version=hnn_v, neuron_version=nrn_v)
    if numpy:
        out["numpy_version"] = np_v
    if date:
        out["date"] = utc_date()
    return out


# ---------------------------------------------------------------------------
# Command line and the fresh-process worker pattern
# ---------------------------------------------------------------------------
def parser(doc, out=None, worker=True):
    """ArgumentParser with the script's docstring as help, ``--out`` (when a
    default is given) and, with ``worker``, the hidden worker arguments."""
    p = argparse.ArgumentParser(description=doc,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    if out is not None:
        p.add_argument("--out", default=out, help=f"output directory (default {out})")
    if worker:
        p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
        p.add_argument("--spec", help=argparse.SUPPRESS)
        p.add_argument("--result", help=argparse.SUPPRESS)
    return p


def add_case_args(p, choices=None, help="only these cases (repeatable); default all"):
    """``--case NAME`` (repeatable) and ``--list``."""
    p.add_argument("--case", action="append", choices=choices, help=help)
    p.add_argument("--list", action="store_true", help="list cases and exit")


def spawn(script, spec, wall_key=None):
    """Run ``script --worker`` in a fresh Python process (no NEURON state
    leaks between cases) with ``spec`` (JSON) and return its result dict;
    with ``wall_key``, the process's wall time is added under that key."""
    with tempfile.TemporaryDirectory() as tmp:
        sp, rp = op.join(tmp, "spec.json"), op.join(tmp, "result.json")
        with open(sp, "w") as f:
            json.dump(spec, f)
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, op.abspath(script), "--worker", "--spec", sp,
             "--result", rp],
            check=True,
        )
        wall = time.perf_counter() - t0
        res = json.load(open(rp))
    if wall_key is not None:
        res[wall_key] = wall
    return res


def run_worker(args, work, convert=None):
    """Worker side of ``spawn``: result = work(spec), written as JSON
    (through ``convert`` first, if given)."""
    spec = json.loads(open(args.spec).read())
    res = work(spec)
    with open(args.result, "w") as f:
        json.dump(res if convert is None else convert(res), f)


# ---------------------------------------------------------------------------
# JSON: full-precision floats (repr, round-trips exactly), number lists on one
# line so files stay small and diffable.
# ---------------------------------------------------------------------------
def py(o):
    """Convert numpy scalars/arrays, ranges, sets, tuples to plain python."""
    import numpy as np

    if isinstance(o, dict):
        return {str(k): py(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [py(v) for v in o]
    if isinstance(o, set):
        return sorted(py(v) for v in o)
    if isinstance(o, range):
        return [o.start, o.stop]
    if isinstance(o, np.ndarray):
        return [py(v) for v in o.tolist()]
    if isinstance(o, np.bool_):
        return bool(o)
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.str_):
        return str(o)
    if isinstance(o, float) and not math.isfinite(o):
        raise ValueError(f"non-finite float {o!r}")
    return o


def _is_flat(lst):
    return all(not isinstance(v, (list, dict)) for v in lst)


def dumps(o, ind=0):
    pad = " " * ind
    if isinstance(o, dict):
        if not o:
            return "{}"
        items = [
            f'{pad} {json.dumps(k)}: {dumps(v, ind + 1)}' for k, v in o.items()
        ]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(o, list):
        if _is_flat(o):
            return "[" + ",".join(json.dumps(v) for v in o) + "]"
        items = [f"{pad} {dumps(v, ind + 1)}" for v in o]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return json.dumps(o)


def write_json(path, obj):
    """Write ``dumps(py(obj))`` + newline; return the number of characters."""
    txt = dumps(py(obj)) + "\n"
    # must round-trip exactly
    assert json.loads(txt) == json.loads(json.dumps(py(obj)))
    with open(path, "w") as f:
        f.write(txt)
    return len(txt)


# ---------------------------------------------------------------------------
# hnn-core network summaries
# ---------------------------------------------------------------------------
def drive_info(net):
    """Every external drive's arguments as hnn-core stored them."""
    out = dict()
    for name, d in net.external_drives.items():
        lamthas = sorted(
            {c["nc_dict"]["lamtha"] for c in net.connectivity if c["src_type"] == name}
        )
        out[name] = dict(
            type=d["type"],
            location=d["location"],
            n_drive_cells=d["n_drive_cells"],
            cell_specific=d["cell_specific"],
            target_types=list(d["target_types"]),
            event_seed=d["event_seed"],
            conn_seed=d["conn_seed"],
            dynamics=dict(d["dynamics"]),
            weights_ampa=d["weights_ampa"],
            weights_nmda=d["weights_nmda"],
            synaptic_delays=d["synaptic_delays"],
            probability=d["probability"],
            space_constant=lamthas[0] if len(lamthas) == 1 else lamthas,
            gid_range=[net.gid_ranges[name].start, net.gid_ranges[name].stop],
        )
    return out


def _conn_pattern(conn):
    """Compact, exact description of conn['gid_pairs']."""
    srcs = sorted(conn["gid_pairs"])
    tgts = sorted(conn["target_gids"])
    pairs = {s: list(conn["gid_pairs"][s]) for s in srcs}
    full = all(
        pairs[s] == [t for t in tgts if conn["allow_autapses"] or t != s] for s in srcs
    )
    if full and len(srcs) == conn["num_srcs"]:
        return "all_to_all", None
    if len(srcs) == len(tgts) and all(pairs[s] == [t] for s, t in zip(srcs, tgts)):
        return "one_to_one", None
    return "explicit", [[s, pairs[s]] for s in srcs]


def connectivity_info(net):
    """One entry per net.connectivity item (gid pairs compacted)."""
    out = list()
    for conn in net.connectivity:
        pattern, explicit = _conn_pattern(conn)
        n_pairs = sum(len(v) for v in conn["gid_pairs"].values())
        e = dict(
            src_type=conn["src_type"],
            target_type=conn["target_type"],
            loc=conn["loc"],
            receptor=conn["receptor"],
            nc_dict={
                k: conn["nc_dict"][k]
                for k in ("A_weight", "A_delay", "lamtha", "threshold", "gain")
            },
            n_pairs=n_pairs,
            n_srcs=conn["num_srcs"],
            n_targets=conn["num_targets"],
            src_gid_range=[min(conn["src_gids"]), max(conn["src_gids"]) + 1],
            target_gid_range=[min(conn["target_gids"]), max(conn["target_gids"]) + 1],
            probability=conn["probability"],
            allow_autapses=conn["allow_autapses"],
            pattern=pattern,
        )
        if explicit is not None:
            e["gid_pairs"] = explicit
        out.append(e)
    return out


def spike_counts(net, gids):
    """Number of spikes per gid range (cell types and drives)."""
    counts = dict()
    for name, r in net.gid_ranges.items():
        counts[name] = int(sum(1 for g in gids if r.start <= g < r.stop))
    return counts


def spikes(net, trial):
    """(spike_times, spike_gids) of a trial as plain float / int lists, in
    hnn-core's order (drive-cell events included)."""
    cr = net.cell_response
    return ([float(x) for x in cr.spike_times[trial]],
            [int(g) for g in cr.spike_gids[trial]])


def drive_events(net, trial):
    """{drive: [event times (ms) of each drive cell]} of a trial."""
    return {
        name: [list(map(float, ev)) for ev in drv["events"][trial]]
        for name, drv in net.external_drives.items()
    }


def times_sha(t):
    """sha256 of the time vector as a JSON list of floats."""
    return hashlib.sha256(json.dumps([float(x) for x in t]).encode()).hexdigest()
