#!/usr/bin/env python
"""Synaptic-current and calcium recording reference data for hnn-mpi.

Runs hnn-core 0.6.1 (NEURON 8.2) with ``record_isec`` and ``record_ca`` and
writes HDF5 files (h5py, gzip) that hnn-mpi's ``isec_*`` / ``ca_*`` outputs must
match:

    tests/data/recordings/<case>.h5

Cases (3x3 mesh, tstop 170 ms, dt 0.025 ms, 1 trial; the networks of
scripts/reference/models.py, built by the same calls):

law_2021   law_2021_model(mesh_shape=(3, 3)) + add_erp_drives_to_jones_model
calcium    calcium_model(mesh_shape=(3, 3)) + add_erp_drives_to_jones_model

Each case simulates the network twice, in fresh processes: with
``record_isec='all', record_ca='all'`` and with ``record_isec='soma',
record_ca='soma'``. To keep the files small only the first cell of each type
(gids 0, 3, 12, 15: L2 basket, L2 pyramidal, L5 basket, L5 pyramidal) is
written, every STRIDE-th sample (rows 0, STRIDE, ..., n_times - 1); the 'soma'
run is checked equal to the soma traces of the 'all' run for every cell
(recorded as an attribute) and written as indices into the 'all' traces.

Also checked and recorded (attribute ``timing_check``): for one synapse that
receives drive events, the recorded Exp2Syn ``i`` at sample k equals
``g[k] * (v[k-1] - e)`` (the current of the BREAKPOINT evaluated at the start
of step k, before the states advance), and the recorded ``cai`` is the state
after the step.

Usage (from the repository root):

    /work/venv/bin/python scripts/reference/recordings.py            # both
    /work/venv/bin/python scripts/reference/recordings.py --case law_2021
    /work/venv/bin/python scripts/reference/recordings.py --list

See scripts/reference/README.md and tests/data/recordings/README.md.
"""

import json
import os
import os.path as op
import time

import common

SCRIPT_REL = common.script_rel(__file__)
OUT_ROOT = common.data_dir("recordings")

TSTOP = 170.0
DT = 0.025
MESH = (3, 3)
STRIDE = 4  # write samples 0, 4, ..., 6800 (every 0.1 ms)
CELL_TYPES = ("L2_basket", "L2_pyramidal", "L5_basket", "L5_pyramidal")
# one synapse that receives evprox events, for the timing check
TIMING_SYN = ("L5_pyramidal", "basal_2", "basal_2_ampa")

CASES = ["law_2021", "calcium"]

CONFIG_MATCH = {
    "law_2021": (
        "tests/data/models/law_2021.toml ([network] model = \"law_2021\", mesh_shape = "
        "[3, 3], erp_drives = true; tstop 170) and tests/data/groups/law_2021_3x3.toml; "
        "same network and trial as tests/data/models/law_2021.json (dipole and spikes "
        "bit-identical, checked)"),
    "calcium": (
        "tests/data/models/calcium.toml ([network] model = \"calcium\", mesh_shape = "
        "[3, 3], erp_drives = true; tstop 170) and tests/data/groups/calcium_3x3.toml; "
        "same network and trial as tests/data/models/calcium.json (dipole and spikes "
        "bit-identical, checked)"),
}


# ---------------------------------------------------------------------------
# Worker side
# ---------------------------------------------------------------------------
def build(case):
    from hnn_core.network_models import (law_2021_model, calcium_model,
                                         add_erp_drives_to_jones_model)

    fn = dict(law_2021=law_2021_model, calcium=calcium_model)[case]
    net = fn(mesh_shape=MESH)
    add_erp_drives_to_jones_model(net)
    calls = [f"net = hnn_core.network_models.{fn.__name__}(mesh_shape={MESH})",
             "hnn_core.network_models.add_erp_drives_to_jones_model(net)  # tstart=0.0"]
    return net, calls


def _hook_timing(net, store):
    """Wrap Cell.record so that, for the first cell of TIMING_SYN's type, the
    synapse's i, g, A, B and v at its section's 0.5 are recorded too."""
    from neuron import h
    import hnn_core.cell as hc

    ct, sec, key = TIMING_SYN
    gid = net.gid_ranges[ct].start
    orig = hc.Cell.record

    def record(self, *a, **k):
        orig(self, *a, **k)
        if self.gid == gid:
            syn = self._nrn_synapses[key]
            for var in ("i", "g", "A", "B"):
                store[var] = h.Vector().record(getattr(syn, f"_ref_{var}"))
            store["v"] = h.Vector().record(self._nrn_sections[sec](0.5)._ref_v)
            store["e"] = syn.e
            if hasattr(self._nrn_sections["soma"](0.5), "_ref_cai"):
                store["cai"] = h.Vector().record(self._nrn_sections["soma"](0.5)._ref_cai)

    hc.Cell.record = record
    return gid


def run(case, mode):
    import numpy as np
    from hnn_core import simulate_dipole

    net, calls = build(case)
    extra = {}
    timing_gid = _hook_timing(net, extra)
    calls.append(
        f"dpls = hnn_core.simulate_dipole(net, tstop={TSTOP!r}, dt={DT!r}, n_trials=1, "
        f"record_isec={mode!r}, record_ca={mode!r})  # postproc=False, "
        "JoblibBackend(n_jobs=1), verbose=False")
    t0 = time.perf_counter()
    dpls = simulate_dipole(net, tstop=TSTOP, dt=DT, n_trials=1, record_isec=mode,
                           record_ca=mode, verbose=False)
    wall = time.perf_counter() - t0
    cr = net.cell_response
    times = np.asarray(cr.times)
    assert np.array_equal(times, np.asarray(dpls[0].times))
    n = len(times)
    # every cell: gid -> section -> {key: trace}, in hnn-core's dict order
    isec, ca = [], []
    for gid in sorted(cr.isec[0]):
        for sec, d in cr.isec[0][gid].items():
            for key, tr in d.items():
                assert len(tr) == n
                isec.append((gid, sec, key, np.asarray(tr)))
    for gid in sorted(cr.ca[0]):
        for sec, tr in cr.ca[0][gid].items():
            assert len(tr) == n
            ca.append((gid, sec, np.asarray(tr)))
    st, sg = common.spikes(net, 0)
    out = dict(calls=calls, wall=wall, times=times, isec=isec, ca=ca,
               agg=np.asarray(dpls[0].data["agg"]), spike_times=st, spike_gids=sg,
               spike_counts=common.spike_counts(net, sg),
               first_gids={ct: net.gid_ranges[ct].start for ct in CELL_TYPES},
               gid_ranges={k: [r.start, r.stop] for k, r in net.gid_ranges.items()},
               isec_structure=_structure(cr.isec[0]),
               ca_structure={str(g): list(d) for g, d in cr.ca[0].items()})
    if extra:
        out["timing"] = _timing_check(extra, timing_gid)
    return out


def _structure(isec):
    """{gid: {section: [keys]}} of a trial's isec (sections with no synapse
    appear with an empty list, as hnn-core keeps them)."""
    return {str(g): {s: list(d) for s, d in secs.items()} for g, secs in isec.items()}


def _timing_check(x, gid):
    import numpy as np

    i, g, A, B, v = (np.asarray(x[k]) for k in ("i", "g", "A", "B", "v"))
    e = x["e"]
    ct, sec, key = TIMING_SYN
    k = np.arange(1, len(i))
    mid = g[k] * (v[k - 1] - e)          # start-of-step v, BREAKPOINT's g
    end = g[k] * (v[k] - e)              # end-of-step v
    gs = B - A                           # states as recorded (after the step)
    res = dict(
        synapse=dict(cell_type=ct, gid=gid, section=sec, key=key, e=e),
        n_samples=int(len(i)),
        i0=float(i[0]), g0=float(g[0]),
        nonzero_samples=int(np.sum(i != 0)),
        i_equals_g_times_v_prev_minus_e=dict(
            bit_identical=bool(np.array_equal(i[k], mid)),
            max_abs_diff_nA=float(np.max(np.abs(i[k] - mid)))),
        i_equals_g_times_v_same_sample_minus_e=dict(
            bit_identical=bool(np.array_equal(i[k], end)),
            max_abs_diff_nA=float(np.max(np.abs(i[k] - end)))),
        g_equals_B_minus_A_same_sample=dict(
            n_equal=int(np.sum(g == gs)), n=int(len(g))),
        g_equals_B_minus_A_previous_sample=dict(
            n_equal=int(np.sum(g[k] == gs[k - 1])), n=int(len(k)),
            max_rel_diff=float(np.max(np.abs(g[k] - gs[k - 1])
                                      / np.maximum(np.abs(g[k]), 1e-300)))),
    )
    if "cai" in x:
        c = np.asarray(x["cai"])
        res["cai_soma_first"] = [float(v) for v in c[:3]]
    return res


def work(spec):
    import numpy as np

    res = run(spec["case"], spec["mode"])
    path = op.join(spec["out"], f".{spec['case']}_{spec['mode']}.npz")
    np.savez(path,
             isec=np.array([t for *_, t in res["isec"]]).reshape(-1, len(res["times"])),
             ca=np.array([t for *_, t in res["ca"]]).reshape(-1, len(res["times"])),
             times=res["times"], agg=res["agg"])
    meta = {k: v for k, v in res.items() if k not in ("isec", "ca", "times", "agg")}
    meta["isec_labels"] = [[g, s, k] for g, s, k, _ in res["isec"]]
    meta["ca_labels"] = [[g, s] for g, s, _ in res["ca"]]
    meta["npz"] = path
    return common.py(meta)


# ---------------------------------------------------------------------------
# Parent side: compare the two runs, write the file
# ---------------------------------------------------------------------------
def _receptor(sec, key):
    assert key.startswith(sec + "_"), (sec, key)
    return key[len(sec) + 1:]


def write_case(case, out):
    import h5py
    import numpy as np

    runs = {}
    for mode in ("all", "soma"):
        meta = common.spawn(__file__, dict(case=case, mode=mode, out=out))
        data = np.load(meta["npz"])
        runs[mode] = (meta, {k: data[k] for k in data.files})
        os.remove(meta["npz"])
    (ma, da), (ms, ds) = runs["all"], runs["soma"]
    assert np.array_equal(da["times"], ds["times"])
    n_times = len(da["times"])
    # recording does not change the simulation
    same_agg = bool(np.array_equal(da["agg"], ds["agg"]))
    same_spikes = (ma["spike_times"] == ms["spike_times"]
                   and ma["spike_gids"] == ms["spike_gids"])
    models_json = json.load(open(op.join(common.data_dir("models"), f"{case}.json")))
    mj = models_json["trials"][0]
    same_as_models = (bool(np.array_equal(da["agg"], np.array(mj["agg"])))
                      and ma["spike_times"] == mj["spike_times"]
                      and ma["spike_gids"] == mj["spike_gids"])
    # 'soma' run == soma rows of the 'all' run, every cell
    all_isec_idx = {tuple(lbl): i for i, lbl in enumerate(ma["isec_labels"])}
    all_ca_idx = {tuple(lbl): i for i, lbl in enumerate(ma["ca_labels"])}
    soma_isec_equal = all(
        np.array_equal(ds["isec"][j], da["isec"][all_isec_idx[tuple(lbl)]])
        for j, lbl in enumerate(ms["isec_labels"]))
    soma_ca_equal = all(
        np.array_equal(ds["ca"][j], da["ca"][all_ca_idx[tuple(lbl)]])
        for j, lbl in enumerate(ms["ca_labels"]))
    assert all(lbl[1] == "soma" for lbl in ms["isec_labels"] + ms["ca_labels"])
    assert soma_isec_equal and soma_ca_equal and same_agg and same_spikes

    keep = sorted(ma["first_gids"].values())
    rows = np.arange(0, n_times, STRIDE)
    assert rows[-1] == n_times - 1
    sel_i = [i for i, (g, s, k) in enumerate(ma["isec_labels"]) if g in keep]
    sel_c = [i for i, (g, s) in enumerate(ma["ca_labels"]) if g in keep]
    kept_i = [tuple(ma["isec_labels"][i]) for i in sel_i]
    kept_c = [tuple(ma["ca_labels"][i]) for i in sel_c]
    soma_i = [kept_i.index(tuple(lbl)) for lbl in ms["isec_labels"] if lbl[0] in keep]
    soma_c = [kept_c.index(tuple(lbl)) for lbl in ms["ca_labels"] if lbl[0] in keep]

    checks = dict(
        soma_run_equals_soma_rows_of_all_run=dict(isec=soma_isec_equal, ca=soma_ca_equal),
        dipole_and_spikes_identical_all_vs_soma_run=same_agg and same_spikes,
        dipole_and_spikes_identical_to_tests_data_models_json=same_as_models,
    )
    hv, nv, npv = common.versions()
    gz = dict(compression="gzip", compression_opts=9, shuffle=True)
    s_t = h5py.string_dtype()
    path = op.join(out, f"{case}.h5")
    with h5py.File(path, "w") as f:
        a = f.attrs
        a["generated_by"] = SCRIPT_REL
        a["hnn_core_version"] = hv
        a["neuron_version"] = nv
        a["numpy_version"] = npv
        a["h5py_version"] = h5py.__version__
        a["date"] = common.utc_date()
        a["case"] = case
        a["calls_all"] = " ; ".join(ma["calls"])
        a["calls_soma"] = " ; ".join(ms["calls"])
        a["config_match"] = CONFIG_MATCH[case]
        a["tstop_ms"] = TSTOP
        a["dt_ms"] = DT
        a["n_trials"] = 1
        a["mesh_shape"] = np.array(MESH, dtype=np.int64)
        a["gid_ranges"] = json.dumps(ma["gid_ranges"])
        a["n_times_simulated"] = n_times
        a["sample_stride"] = STRIDE
        a["cells_kept"] = np.array(keep, dtype=np.int64)
        a["cells_kept_note"] = (
            "only the first gid of each cell type is written (L2_basket, L2_pyramidal, "
            "L5_basket, L5_pyramidal); every cell was recorded and checked")
        a["isec_structure_all"] = json.dumps(ma["isec_structure"])
        a["ca_structure_all"] = json.dumps(ma["ca_structure"])
        a["n_isec_traces_all_cells"] = len(ma["isec_labels"])
        a["n_ca_traces_all_cells"] = len(ma["ca_labels"])
        a["checks"] = json.dumps(checks)
        a["timing_check"] = json.dumps(ma["timing"])
        a["simulate_dipole_wall_seconds"] = json.dumps(
            dict(all=round(ma["wall"], 3), soma=round(ms["wall"], 3)))
        f.create_dataset("times", data=da["times"][rows])
        f["times"].attrs["units"] = "ms"
        f["times"].attrs["note"] = (
            f"cell_response.times[rows], rows = 0, {STRIDE}, ..., {n_times - 1} "
            "(NEURON's accumulated h.t; times[0] = 0)")
        f.create_dataset("sample_rows", data=rows.astype(np.int64))
        g = f.create_group("isec")
        g.attrs["units"] = "nA"
        g.attrs["note"] = (
            "all: [n_trials=1, n_traces, n_samples] = cell_response.isec[0][gid][section]"
            "[key][rows] (Exp2Syn i, Vector.record of _ref_i), traces in gid order, each "
            "cell's sections and keys in hnn-core's dict order; key = section + '_' + "
            "receptor. soma_index: the traces record_isec='soma' gives, as rows of all "
            "(checked identical in a separate 'soma' run)")
        g.create_dataset("all", data=da["isec"][sel_i][:, rows][None], chunks=(
            1, 1, len(rows)), **gz)
        g.create_dataset("all_gids", data=np.array([x[0] for x in kept_i], dtype=np.int64))
        g.create_dataset("all_sections", data=[x[1] for x in kept_i], dtype=s_t)
        g.create_dataset("all_receptors", data=[_receptor(x[1], x[2]) for x in kept_i],
                         dtype=s_t)
        g.create_dataset("all_keys", data=[x[2] for x in kept_i], dtype=s_t)
        g.create_dataset("soma_index", data=np.array(soma_i, dtype=np.int64))
        g = f.create_group("ca")
        g.attrs["units"] = "mM"
        g.attrs["note"] = (
            "all: [1, n_traces, n_samples] = cell_response.ca[0][gid][section][rows] "
            "(cai at sec(0.5), only sections that have cai), gid order, hnn-core's section "
            "order. soma_index: rows of all that record_ca='soma' gives")
        g.create_dataset("all", data=da["ca"][sel_c][:, rows][None], chunks=(
            1, 1, len(rows)), **gz)
        g.create_dataset("all_gids", data=np.array([x[0] for x in kept_c], dtype=np.int64))
        g.create_dataset("all_sections", data=[x[1] for x in kept_c], dtype=s_t)
        g.create_dataset("soma_index", data=np.array(soma_c, dtype=np.int64))
        f.create_dataset("dipole_agg", data=da["agg"][None], **gz)
        f["dipole_agg"].attrs["units"] = "nAm"
        f["dipole_agg"].attrs["note"] = "dpls[0].data['agg'], every sample (not strided)"
        types = list(ma["spike_counts"])
        f.create_dataset("spike_counts", data=np.array(
            [[ma["spike_counts"][t] for t in types]], dtype=np.int64))
        f["spike_counts"].attrs["columns"] = types
    return dict(path=path, size=op.getsize(path), n_isec=len(kept_i), n_ca=len(kept_c),
                n_isec_all=len(ma["isec_labels"]), n_ca_all=len(ma["ca_labels"]),
                checks=checks, timing=ma["timing"],
                wall=(ma["wall"], ms["wall"]), counts=ma["spike_counts"])


def main():
    p = common.parser(__doc__, out=OUT_ROOT)
    common.add_case_args(p, choices=CASES)
    args = p.parse_args()
    if args.worker:
        return common.run_worker(args, work)
    if args.list:
        print("\n".join(CASES))
        return
    os.makedirs(args.out, exist_ok=True)
    for name in args.case or CASES:
        r = write_case(name, args.out)
        print(f"== {name}: {r['size'] / 1024:.0f} KiB; isec traces {r['n_isec']} "
              f"(of {r['n_isec_all']}), ca traces {r['n_ca']} (of {r['n_ca_all']}); "
              f"simulate_dipole {r['wall'][0]:.1f} + {r['wall'][1]:.1f} s", flush=True)
        print(f"  spikes {r['counts']}", flush=True)
        print(f"  checks {r['checks']}", flush=True)
        print(f"  timing {json.dumps(r['timing'])}", flush=True)


if __name__ == "__main__":
    main()
