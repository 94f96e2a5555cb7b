#!/usr/bin/env python
"""Extracellular-potential (LFP) reference data generator for hnn-mpi.

Runs hnn-core 0.6.1 (NEURON 8.2) simulations with electrode arrays added by
``net.add_electrode_array`` and writes HDF5 files (h5py, gzip) that hnn-mpi's
LFP code must match:

    tests/data/extracellular/<case>.h5

Cases
-----
erp_3x3   jones_2009_model(mesh_shape=(3, 3)) + add_erp_drives_to_jones_model
          (exactly as network.py builds its ERP cases), tstop 170, dt 0.025,
          2 trials, four electrode arrays (see ARRAYS): lam_psa, lam_lsa
          (laminar, x = y = 135 um, every 3rd depth of hnn-core's example
          ``range(-325, 2150, 100)``), off_psa, off_lsa (six contacts away
          from the column, on cell axes and next to segment centres).
erp_5x5   the same with mesh_shape=(5, 5).
cell_1x1  the single-cell debugging case: jones_2009_model(mesh_shape=(1, 1))
          + add_erp_drives_to_jones_model (one cell per type: L2 basket,
          L2 pyramidal, L5 basket, L5 pyramidal), tstop 30, 1 trial, the same
          four arrays; in addition every section's 3-D end points as
          ``_transfer_resistance`` reads them, every segment's centre and
          hnn-core's line lengths, the transfer-resistance matrices as
          ``_ExtracellularArrayBuilder._build`` built them (h.Matrix, segment
          order = h.allsec() order), and i_membrane_ (nA) of every segment
          after every step (the vector hnn-core's callback multiplies).

Every case runs in a fresh Python process (--worker), as network.py does.

Usage (from the repository root):

    /work/venv/bin/python scripts/reference/extracellular.py            # all
    /work/venv/bin/python scripts/reference/extracellular.py --case erp_3x3
    /work/venv/bin/python scripts/reference/extracellular.py --list

See scripts/reference/README.md and tests/data/extracellular/README.md.
"""

import json
import os
import os.path as op
import time

import common

SCRIPT_REL = common.script_rel(__file__)
OUT_ROOT = common.data_dir("extracellular")

DT = 0.025

# hnn-core's example plot_record_extracellular_potentials.py uses
# depths = list(range(-325, 2150, 100)); positions (135, 135, depth).
# Every 3rd depth keeps the files small: -325, -25, ..., 2075 (9 contacts,
# 300 um apart; still equispaced and colinear for calculate_csd2d).
LAMINAR = [(135.0, 135.0, float(d)) for d in list(range(-325, 2150, 100))[::3]]

# Off-axis contacts (um). Cells sit on a 1-um grid (inplane_distance 1.0),
# L5 pyramidal somata at z = 0, L2 pyramidal somata at z = 1307.4.
OFF_AXIS = [
    (1000.0, 0.0, 500.0),     # far from the column (PSA ~ LSA)
    (-250.0, 400.0, 1800.0),  # far, above-left
    (1.0, 1.0, 481.2),        # 0.2 um above the centre of L5Pyr apical_1 segment 6
                              # of the cell at (1, 1) (3x3, 5x5): PSA and LSA clamps;
                              # 1.0 um from the axes of the cells at (0|2, 1), (1, 0|2)
    (0.3, 0.0, 1318.45),      # 0.3 um beside the L2Pyr soma centre of the cell at (0, 0)
    (0.0, 0.0, 2100.0),       # on the axis of the cells at (0, 0), above the tufts
    (0.0, 0.0, -400.0),       # on that axis, below the basal dendrites
]

# name -> add_electrode_array keyword arguments (floats: hnn-core validates type)
ARRAYS = {
    "lam_psa": dict(electrode_pos=LAMINAR, conductivity=0.3, method="psa", min_distance=0.5),
    "lam_lsa": dict(electrode_pos=LAMINAR, conductivity=0.3, method="lsa", min_distance=0.5),
    "off_psa": dict(electrode_pos=OFF_AXIS, conductivity=0.25, method="psa", min_distance=1.0),
    "off_lsa": dict(electrode_pos=OFF_AXIS, conductivity=0.25, method="lsa", min_distance=1.0),
}

CASES = {
    "erp_3x3": dict(kind="erp", mesh_shape=[3, 3], n_trials=2, tstop=170.0),
    "erp_5x5": dict(kind="erp", mesh_shape=[5, 5], n_trials=2, tstop=170.0),
    "cell_1x1": dict(kind="cell", mesh_shape=[1, 1], n_trials=1, tstop=30.0),
}

CONFIG_MATCH = {
    "erp_3x3": (
        "[network] model = \"jones_2009\", mesh_shape = [3, 3], erp_drives = true; "
        "[simulation] tstop = 170.0, n_trials = 2 (the network of "
        "tests/data/network/erp_3x3.json / erp_3x3_trials3.json; trial 0 equals "
        "erp_3x3.json's trial 0; in Rust jones_2009((3, 3), &default_connection_weights()) "
        "+ add_erp_drives(&mut net, 0.0))"),
    "erp_5x5": (
        "[network] model = \"jones_2009\", mesh_shape = [5, 5], erp_drives = true; "
        "[simulation] tstop = 170.0, n_trials = 2 (tests/data/groups/erp_5x5.toml "
        "with tstop 170 instead of 120)"),
    "cell_1x1": (
        "[network] model = \"jones_2009\", mesh_shape = [1, 1], erp_drives = true; "
        "[simulation] tstop = 30.0, n_trials = 1"),
}


# ---------------------------------------------------------------------------
# Worker side
# ---------------------------------------------------------------------------
def build_net(case):
    from hnn_core import jones_2009_model
    from hnn_core.network_models import add_erp_drives_to_jones_model

    mesh = tuple(case["mesh_shape"])
    net = jones_2009_model(mesh_shape=mesh)
    add_erp_drives_to_jones_model(net)
    calls = [
        f"net = hnn_core.jones_2009_model(mesh_shape={mesh})",
        "hnn_core.network_models.add_erp_drives_to_jones_model(net)  # tstart=0.0",
    ]
    for name, kw in ARRAYS.items():
        kw = dict(kw)
        pos = kw.pop("electrode_pos")
        net.add_electrode_array(name, pos, **kw)
        calls.append(f"net.add_electrode_array({name!r}, {pos!r}, **{kw!r})")
    return net, calls


class _Capture:
    """Hooks into hnn-core's _ExtracellularArrayBuilder (worker side): the
    number of segments per build, and for the cell case every step's
    i_membrane_ vector (the one hnn-core's callback multiplies)."""

    def __init__(self, want_imem):
        import hnn_core.extracellular as ex

        self.ex = ex
        self.want_imem = want_imem
        self.builds = []  # per build: dict(array name -> n_segments)
        self.imem = None
        self._orig_build = ex._ExtracellularArrayBuilder._build
        self._orig_gather = ex._ExtracellularArrayBuilder._gather_nrn_voltages
        cap = self

        def build(self_, cvode=None, include_celltypes="all"):
            cap._orig_build(self_, cvode=cvode, include_celltypes=include_celltypes)
            if len(cap.builds) % len(ARRAYS) == 0:  # first array of a NetworkBuilder
                cap.first_builder = self_
            cap.builds.append(int(self_._nrn_imem_vec.size()))

        def gather(self_):
            cap._orig_gather(self_)
            if cap.want_imem and self_ is cap.first_builder:
                cap.imem.append(self_._nrn_imem_vec.to_python())

        ex._ExtracellularArrayBuilder._build = build
        ex._ExtracellularArrayBuilder._gather_nrn_voltages = gather
        self.first_builder = None
        self.imem = []


def _section_table(builder):
    """Sections in h.allsec() order (the order of hnn-core's PtrVector and
    transfer-resistance columns) with their owning gid and hnn-core name, the
    3-D end points _transfer_resistance reads (x3d(0), x3d(1): NEURON stores
    pt3d as float32) and the per-segment quantities it derives."""
    import numpy as np
    from neuron import h

    owner = {}
    for cell in builder._cells:
        for name, sec in cell._nrn_sections.items():
            owner[sec] = (cell.gid, name)
    secs, segs = [], []
    for sec in h.allsec():
        gid, name = owner[sec]
        start = np.array([sec.x3d(0), sec.y3d(0), sec.z3d(0)])
        end = np.array([sec.x3d(1), sec.y3d(1), sec.z3d(1)])
        vec = end - start
        # hnn_core/extracellular.py _transfer_resistance, verbatim arithmetic
        seg_ctr = np.zeros((sec.nseg, 3))
        line_lens = np.zeros(sec.nseg + 2)
        xs = []
        for ii, seg in enumerate(sec):
            seg_ctr[ii, :] = start + seg.x * vec
            line_lens[ii + 1] = seg.x * sec.L
            xs.append(seg.x)
        line_lens[-1] = sec.L
        line_lens = np.diff(line_lens)
        first_len = line_lens[0]
        line_lens = np.array([first_len] + list(line_lens[2:]))
        secs.append(dict(gid=gid, name=name, nrn_name=sec.name(), nseg=sec.nseg,
                         n3d=int(sec.n3d()), L=sec.L, start=start, end=end,
                         pt3d=[[sec.x3d(i), sec.y3d(i), sec.z3d(i), sec.arc3d(i)]
                               for i in range(int(sec.n3d()))]))
        for k in range(sec.nseg):
            segs.append(dict(gid=gid, sec=len(secs) - 1, x=xs[k], ctr=seg_ctr[k],
                             line_len=line_lens[k]))
    return secs, segs


def _allsec_order_is_gid_then_sections(builder):
    """True when h.allsec() lists the cells in gid order and each cell's
    sections in hnn-core's cell.sections order (checked, recorded)."""
    from neuron import h

    owner = {}
    for cell in builder._cells:
        for name, sec in cell._nrn_sections.items():
            owner[sec] = (cell.gid, name)
    got = [owner[sec] for sec in h.allsec()]
    expect = [(cell.gid, name) for cell in sorted(builder._cells, key=lambda c: c.gid)
              for name in cell.sections]
    return got == expect


def _mulv_orders(R, imem):
    """R @ I at every step summed in candidate orders (for the report of
    which order NEURON's Matrix.mulv uses)."""
    import numpy as np

    n_c, n = R.shape
    out = {}
    seq = np.zeros((imem.shape[0], n_c))
    for j in range(n):  # left to right, one accumulator
        seq += imem[:, j][:, None] * R[:, j][None, :]
    out["sequential"] = seq
    # meschach __ip__ with VUNROLL: four accumulators over 4-blocks, then the tail
    n4 = n // 4
    s = [np.zeros((imem.shape[0], n_c)) for _ in range(4)]
    for i in range(n4):
        for k in range(4):
            j = 4 * i + k
            s[k] = s[k] + imem[:, j][:, None] * R[:, j][None, :]
    acc = s[0] + (s[1] + s[2] + s[3])
    for j in range(4 * n4, n):
        acc = acc + imem[:, j][:, None] * R[:, j][None, :]
    out["unroll4_meschach"] = acc
    out["numpy_matmul"] = imem @ R.T
    return out


def run_case(name, case):
    import numpy as np
    from hnn_core import simulate_dipole
    import hnn_core.network_builder as nb

    cap = _Capture(want_imem=case["kind"] == "cell")
    net, calls = build_net(case)
    tstop, n_trials = case["tstop"], case["n_trials"]
    calls.append(f"dpls = hnn_core.simulate_dipole(net, tstop={tstop!r}, dt={DT!r}, "
                 f"n_trials={n_trials})  # postproc=False, JoblibBackend(n_jobs=1), "
                 "verbose=False")
    t0 = time.perf_counter()
    dpls = simulate_dipole(net, tstop=tstop, dt=DT, n_trials=n_trials, verbose=False)
    wall = time.perf_counter() - t0
    times = np.asarray(dpls[0].times)
    assert _allsec_order_is_gid_then_sections(nb._LAST_NETWORK)
    out = dict(name=name, case=case, calls=calls, wall=wall, times=times,
               n_segments_per_build=cap.builds, gid_ranges={
                   k: [r.start, r.stop] for k, r in net.gid_ranges.items()})
    lfp = {}
    for an, arr in net.rec_arrays.items():
        v = np.asarray(arr.voltages)
        assert v.shape == (n_trials, arr.n_contacts, len(times)), v.shape
        assert np.array_equal(np.asarray(arr.times), times)
        assert np.all(v[:, :, 0] == 0.0)
        lfp[an] = v
    out["lfp"] = lfp
    out["agg"] = np.array([np.asarray(d.data["agg"]) for d in dpls])
    out["spikes"] = [common.spikes(net, tr) for tr in range(n_trials)]
    out["spike_counts"] = [common.spike_counts(net, sg) for _, sg in out["spikes"]]
    out["drive_events"] = [common.drive_events(net, tr) for tr in range(n_trials)]
    if case["kind"] == "cell":
        builder = nb._LAST_NETWORK
        secs, segs = _section_table(builder)
        n_seg = len(segs)
        R = {}
        for an, nrn_arr in builder._nrn_rec_arrays.items():
            m = nrn_arr._nrn_r_transfer
            R[an] = np.array([m.getrow(i).to_python() for i in range(int(m.nrow()))])
            assert R[an].shape == (net.rec_arrays[an].n_contacts, n_seg)
        imem = np.array(cap.imem)
        assert imem.shape == (len(times) - 1, n_seg), imem.shape
        checks = {}
        for an in R:
            got = lfp[an][0][:, 1:].T
            res = {}
            for order, val in _mulv_orders(R[an], imem).items():
                d = np.abs(val - got)
                res[order] = dict(bit_identical=bool(np.array_equal(val, got)),
                                  max_abs_diff_uV=float(d.max()),
                                  n_differing=int(np.sum(val != got)))
            checks[an] = res
        # the transfer resistances recomputed with hnn-core's function on the
        # sections as built equal the matrix (sanity of the section order)
        from hnn_core.extracellular import _transfer_resistance
        from neuron import h
        for an, kw in ARRAYS.items():
            row = [np.concatenate([_transfer_resistance(
                sec, pos, kw["conductivity"], kw["method"], kw["min_distance"])
                for sec in h.allsec()]) for pos in kw["electrode_pos"]]
            assert np.array_equal(np.array(row), R[an]), an
        out.update(sections=secs, segments=segs, R=R, imem=imem, mulv_check=checks)
    return out


def write_h5(path, res):
    import h5py
    import numpy as np

    name, case = res["name"], res["case"]
    hv, nv, npv = common.versions()
    gz = dict(compression="gzip", compression_opts=9, shuffle=True)
    with h5py.File(path, "w") as f:
        a = f.attrs
        a["generated_by"] = SCRIPT_REL
        a["hnn_core_version"] = hv
        a["neuron_version"] = nv
        a["numpy_version"] = npv
        a["h5py_version"] = h5py.__version__
        a["date"] = common.utc_date()
        a["case"] = name
        a["calls"] = " ; ".join(res["calls"])
        a["config_match"] = CONFIG_MATCH[name]
        a["tstop_ms"] = case["tstop"]
        a["dt_ms"] = DT
        a["n_trials"] = case["n_trials"]
        a["mesh_shape"] = np.array(case["mesh_shape"], dtype=np.int64)
        a["gid_ranges"] = json.dumps(res["gid_ranges"])
        a["n_segments_per_build"] = np.array(res["n_segments_per_build"], dtype=np.int64)
        a["segment_order"] = (
            "h.allsec() order, checked (last trial): cells in gid order (drive cells have "
            "no sections), each cell's sections in hnn-core's cell.sections order, "
            "segments of a section in order (nodes of sec, ends excluded)")
        a["mulv_order"] = (
            "V[c] = sum over segments j in that order of R[c, j] * I[j], one accumulator "
            "from 0.0, left to right (bit-identical to the stored LFP in cell_1x1, see "
            "its mulv_check attribute)")
        a["simulate_dipole_wall_seconds"] = round(res["wall"], 3)
        f.create_dataset("times", data=res["times"])
        f["times"].attrs["units"] = "ms"
        f["times"].attrs["note"] = (
            "net.rec_arrays[name].times = NEURON's recorded h.t (accumulated, "
            "times[0] = 0); identical to dpls[trial].times")
        g = f.create_group("lfp")
        g.attrs["note"] = (
            "/lfp/<array> = net.rec_arrays[<array>].voltages, [n_trials, n_contacts, "
            "n_times] f64 uV; voltages[:, :, 0] = 0 by hnn-core's definition; sample k "
            "(k >= 1) is R @ i_membrane_ after step k")
        for an, v in res["lfp"].items():
            kw = ARRAYS[an]
            d = g.create_dataset(an, data=v, chunks=(1, 1, v.shape[2]), **gz)
            d.attrs["units"] = "uV"
            d.attrs["positions"] = np.array(kw["electrode_pos"], dtype=np.float64)
            d.attrs["conductivity"] = kw["conductivity"]
            d.attrs["method"] = kw["method"]
            d.attrs["min_distance"] = kw["min_distance"]
        f.create_dataset("dipole_agg", data=res["agg"], **gz)
        f["dipole_agg"].attrs["units"] = "nAm"
        f["dipole_agg"].attrs["note"] = (
            "dpls[trial].data['agg'], [n_trials, n_times], postproc=False")
        types = list(res["spike_counts"][0])
        f.create_dataset("spike_counts", data=np.array(
            [[c[t] for t in types] for c in res["spike_counts"]], dtype=np.int64))
        f["spike_counts"].attrs["columns"] = types
        f["spike_counts"].attrs["note"] = "[n_trials, n gid ranges], drive events included"
        s = f.create_group("spikes")
        for tr, (st, sg) in enumerate(res["spikes"]):
            s.create_dataset(f"trial{tr}_times", data=np.array(st, dtype=np.float64))
            s.create_dataset(f"trial{tr}_gids", data=np.array(sg, dtype=np.int64))
        s.attrs["note"] = "net.cell_response.spike_times/spike_gids[trial] (ms; drives included)"
        if case["kind"] == "cell":
            _write_cell_extras(f, res, gz)


def _write_cell_extras(f, res, gz):
    import numpy as np

    secs, segs = res["sections"], res["segments"]
    str_t = __import__("h5py").string_dtype()
    g = f.create_group("sections")
    g.attrs["note"] = (
        "h.allsec() order = hnn-core's PtrVector / transfer-resistance column order. "
        "start/end = (x3d(0), y3d(0), z3d(0)) and (x3d(1), y3d(1), z3d(1)) (um, "
        "NEURON's float32 pt3d widened to f64) after hnn-core's pt3dadd at the "
        "cell's position, sec.L assignment (pt3dconst 0) and h.define_shape(); "
        "pt3d_<i> rows are [x3d(i), y3d(i), z3d(i), arc3d(i)]")
    g.create_dataset("gid", data=np.array([s["gid"] for s in secs], dtype=np.int64))
    g.create_dataset("name", data=[s["name"] for s in secs], dtype=str_t)
    g.create_dataset("nrn_name", data=[s["nrn_name"] for s in secs], dtype=str_t)
    g.create_dataset("nseg", data=np.array([s["nseg"] for s in secs], dtype=np.int64))
    g.create_dataset("n3d", data=np.array([s["n3d"] for s in secs], dtype=np.int64))
    g.create_dataset("L", data=np.array([s["L"] for s in secs]))
    g.create_dataset("start", data=np.array([s["start"] for s in secs]))
    g.create_dataset("end", data=np.array([s["end"] for s in secs]))
    assert all(s["n3d"] == 2 for s in secs)
    g = f.create_group("segments")
    g.attrs["note"] = (
        "one row per segment (nodes of sec, ends excluded) in h.allsec() order; "
        "section = row of /sections; ctr = start + x * (end - start) and line_len "
        "(hnn-core's half-length: first segment x*L, then (x_k+1 - x_k)*L, ... as "
        "_transfer_resistance computes it), um")
    g.create_dataset("gid", data=np.array([s["gid"] for s in segs], dtype=np.int64))
    g.create_dataset("section", data=np.array([s["sec"] for s in segs], dtype=np.int64))
    g.create_dataset("x", data=np.array([s["x"] for s in segs]))
    g.create_dataset("ctr", data=np.array([s["ctr"] for s in segs]))
    g.create_dataset("line_len", data=np.array([s["line_len"] for s in segs]))
    g = f.create_group("transfer_resistance")
    g.attrs["units"] = "uV/nA"
    g.attrs["note"] = (
        "<array> = _ExtracellularArrayBuilder._nrn_r_transfer (h.Matrix) as built, "
        "[n_contacts, n_segments], columns in /segments order")
    for an, R in res["R"].items():
        g.create_dataset(an, data=R)
    d = f.create_dataset("imem", data=res["imem"], chunks=(64, res["imem"].shape[1]), **gz)
    d.attrs["units"] = "nA"
    d.attrs["note"] = (
        "[n_times - 1, n_segments]: i_membrane_ (use_fast_imem) of every segment "
        "as hnn-core's extra_scatter_gather callback gathered it after step k "
        "(row k-1 <-> times[k]), columns in /segments order")
    f.attrs["mulv_check"] = json.dumps(res["mulv_check"])


def work(spec):
    name = spec["case"]
    res = run_case(name, CASES[name])
    path = op.join(spec["out"], f"{name}.h5")
    write_h5(path, res)
    info = dict(size=op.getsize(path), counts=res["spike_counts"], wall=res["wall"],
                n_segments_per_build=res["n_segments_per_build"],
                lfp_shapes={k: list(v.shape) for k, v in res["lfp"].items()})
    if "mulv_check" in res:
        info["mulv_check"] = res["mulv_check"]
    return common.py(info)


def main():
    p = common.parser(__doc__, out=OUT_ROOT)
    common.add_case_args(p, choices=list(CASES))
    args = p.parse_args()
    if args.worker:
        return common.run_worker(args, work)
    if args.list:
        for n, c in CASES.items():
            print(n, json.dumps(c))
        return
    os.makedirs(args.out, exist_ok=True)
    for name in args.case or list(CASES):
        res = common.spawn(__file__, dict(case=name, out=args.out))
        print(f"== {name}: {res['size'] / 1024:.0f} KiB, simulate_dipole "
              f"{res['wall']:.1f} s, segments per build {res['n_segments_per_build']}",
              flush=True)
        print(f"  lfp shapes {res['lfp_shapes']}", flush=True)
        for tr, c in enumerate(res["counts"]):
            print(f"  trial {tr} spikes {c}", flush=True)
        if "mulv_check" in res:
            for an, r in res["mulv_check"].items():
                print(f"  {an} R @ imem vs stored: {r}", flush=True)


if __name__ == "__main__":
    main()
