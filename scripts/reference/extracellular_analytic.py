#!/usr/bin/env python
"""hnn-core 0.6.1's analytic extracellular checks as reference values.

Writes

    tests/data/extracellular/analytic.json   transfer resistances of single
        NEURON sections (hnn-core's test_transfer_resistance and more
        geometries/regimes), with the closed-form values of that test; the
        sum of membrane currents (hnn-core's test_transmembrane_currents, and
        per cell from cell_1x1.h5); PSA vs LSA at distant contacts of the
        erp_3x3/erp_5x5 files (hnn-core's test_rec_array_calculation check).
    tests/data/extracellular/csd_erp_3x3.h5  calculate_csd2d of the laminar
        LFP of erp_3x3.h5 (lam_psa, trial 0).

Needs tests/data/extracellular/{erp_3x3,erp_5x5,cell_1x1}.h5 (made by
extracellular.py). The sections are built in this process (no simulation);
the test_transmembrane_currents network runs in a fresh process (--worker).

Usage (from the repository root):

    /work/venv/bin/python scripts/reference/extracellular_analytic.py
"""

import json
import os
import os.path as op

import common

SCRIPT_REL = common.script_rel(__file__)
OUT_ROOT = common.data_dir("extracellular")

# (name, pt3d points before sec.L is set, L, nseg); hnn-core's test section
# first (oriented along y, L = 300, nseg 5, diam 8)
SECTIONS = [
    ("hnn_core_test", [(0.0, 0.0, 0.0), (0.0, 1.0, 0.0)], 300.0, 5),
    ("oblique", [(10.0, -20.0, 30.0), (11.0, -18.0, 33.0)], 200.0, 7),
    ("single_seg", [(0.0, 0.0, 0.0), (0.0, 0.0, 39.0)], 39.0, 1),
]

# (section, electrode position, conductivity, min_distance)
XFER_CASES = [
    ("hnn_core_test", (10.0, 150.0, 0.0), 0.3, 0.5),   # hnn-core's test_transfer_resistance
    ("hnn_core_test", (10.0, 400.0, 0.0), 0.3, 0.5),   # beyond the section end (LSA "ahead")
    ("hnn_core_test", (10.0, -100.0, 0.0), 0.3, 0.5),  # before its start (LSA "behind")
    ("hnn_core_test", (0.0, 150.0, 0.0), 0.3, 0.5),    # on the axis, at segment 2's centre
    ("hnn_core_test", (0.2, 30.0, 0.0), 0.3, 0.5),     # 0.2 um from segment 0's centre
    ("hnn_core_test", (0.2, 30.0, 0.0), 0.25, 2.0),    # the same, larger clamp, sigma 0.25
    ("hnn_core_test", (3.0, 150.0, 4.0), 0.3, 0.5),
    ("oblique", (50.0, 60.0, -70.0), 0.3, 0.5),
    ("oblique", (10.0, -20.0, 30.0), 0.3, 0.5),        # at the section start
    ("single_seg", (5.0, 0.0, 19.5), 0.3, 0.5),
    ("single_seg", (0.0, 0.0, 100.0), 0.3, 0.5),
]


def _closed_form(sec, elec_pos, conductivity):
    """hnn-core's test_transfer_resistance targets (verbatim arithmetic); valid
    for a section along +y from the origin and an electrode in the x-y plane."""
    import numpy as np

    seg_ctr_pts = [0]
    seg_ctr_pts.extend([seg.x * sec.L for seg in sec])
    seg_ctr_pts.append(sec.L)
    seg_lens = np.diff(seg_ctr_pts)
    first_len = seg_lens[0]
    seg_lens = np.array([first_len] + list(seg_lens[2:]))
    seg_ctr_pts = seg_ctr_pts[1:-1]
    out = {"psa": [], "lsa": []}
    for i in range(sec.nseg):
        r_psa = np.sqrt(elec_pos[0] ** 2 + (elec_pos[1] - seg_ctr_pts[i]) ** 2)
        out["psa"].append(1000 / (4.0 * np.pi * conductivity * r_psa))
        var_l = elec_pos[1] - (seg_ctr_pts[i] - seg_lens[i])
        var_h = elec_pos[1] - (seg_ctr_pts[i] + seg_lens[i])
        var_r = elec_pos[0]
        out["lsa"].append(
            1000 * np.log(np.abs((np.sqrt(var_h**2 + var_r**2) - var_h)
                                 / (np.sqrt(var_l**2 + var_r**2) - var_l)))
            / (4.0 * np.pi * conductivity * 2 * seg_lens[i]))
    return out


def transfer_resistances():
    import numpy as np
    from neuron import h
    from hnn_core.extracellular import _transfer_resistance

    secs, desc = {}, {}
    for name, pts, L, nseg in SECTIONS:
        sec = h.Section(name=name)
        h.pt3dclear(sec=sec)
        for p in pts:
            h.pt3dadd(*p, 1, sec=sec)
        sec.L = L
        sec.diam = 8
        sec.nseg = nseg
        secs[name] = sec
        desc[name] = dict(
            pt3dadd_before_L=pts, L=L, nseg=nseg, diam=8.0,
            start=[sec.x3d(0), sec.y3d(0), sec.z3d(0)],
            end=[sec.x3d(1), sec.y3d(1), sec.z3d(1)],
            seg_x=[seg.x for seg in sec])
    cases = []
    for name, pos, cond, mind in XFER_CASES:
        sec = secs[name]
        c = dict(section=name, electrode_pos=list(pos), conductivity=cond,
                 min_distance=mind)
        for method in ("psa", "lsa"):
            c[method] = _transfer_resistance(sec, pos, cond, method, min_distance=mind)
        if name == "hnn_core_test" and pos[2] == 0.0 and pos[0] >= mind:
            cf = _closed_form(sec, pos, cond)
            c["closed_form"] = cf
            c["closed_form_max_rel_diff"] = {
                m: float(np.max(np.abs(np.asarray(c[m]) - cf[m]) / np.abs(cf[m])))
                for m in ("psa", "lsa")}
        cases.append(c)
    return desc, cases


# ---------------------------------------------------------------------------
# test_transmembrane_currents (worker)
# ---------------------------------------------------------------------------
TM_UPDATE = {"N_pyr_x": 3, "N_pyr_y": 3, "t_evprox_1": 5, "t_evdist_1": 10,
             "t_evprox_2": 20, "N_trials": 1}


REC_UPDATE = {"t_evprox_1": 7, "t_evdist_1": 17}
REC_POS = [(1, 2, 1000), (2, 3, 3000), (3, 4, 5000), (4, 5, 7000)]


def work(spec):
    if spec["what"] == "rec_array":
        return work_rec_array(spec["variant"])
    return work_transmembrane()


def work_rec_array(variant):
    """hnn-core's test_rec_array_calculation, second part (PSA vs LSA), one
    trial; variant 'hnn_core_test' = its network (drives from params),
    'erp' = the same model with add_erp_drives_to_jones_model instead (a
    network hnn-mpi builds: model neymotin_2020, mesh [3, 3], erp_drives)."""
    import numpy as np
    from hnn_core import read_params, neymotin_2020_model, simulate_dipole
    from hnn_core.network_models import add_erp_drives_to_jones_model
    import hnn_core

    if variant == "hnn_core_test":
        params = read_params(op.join(op.dirname(hnn_core.__file__), "param",
                                     "default.json"))
        params.update(REC_UPDATE)
        net = neymotin_2020_model(params, mesh_shape=(3, 3), add_drives_from_params=True)
    else:
        net = neymotin_2020_model(mesh_shape=(3, 3))
        add_erp_drives_to_jones_model(net)
    net.add_electrode_array("arr1", REC_POS)
    net.add_electrode_array("arr2", REC_POS, method="lsa")
    dpls = simulate_dipole(net, tstop=5, n_trials=1, verbose=False)
    psa = np.asarray(net.rec_arrays["arr1"].voltages)[0]
    lsa = np.asarray(net.rec_arrays["arr2"].voltages)[0]
    first = {name: min([min(ev) for ev in d["events"][0] if len(ev)] or [None])
             for name, d in net.external_drives.items()}
    st, sg = common.spikes(net, 0)
    return dict(times=np.asarray(net.rec_arrays["arr1"].times), psa=psa, lsa=lsa,
                agg=np.asarray(dpls[0].data["agg"]), first_drive_event_ms=first,
                n_spikes=len(st),
                allclose=[bool(np.all(np.abs(psa[c] - lsa[c]) <= 1e-3 + 1e-3 * np.abs(lsa[c])))
                          for c in range(len(REC_POS))],
                max_abs_diff=[float(np.max(np.abs(psa[c] - lsa[c])))
                              for c in range(len(REC_POS))])


def work_transmembrane():
    import numpy as np
    from hnn_core import read_params, neymotin_2020_model, simulate_dipole
    import hnn_core

    params = read_params(op.join(op.dirname(hnn_core.__file__), "param", "default.json"))
    params.update(TM_UPDATE)
    net = neymotin_2020_model(params, add_drives_from_params=True)
    net.add_electrode_array("net_Im", (0, 0, 0), method=None)
    simulate_dipole(net, tstop=40.0, verbose=False)
    v = np.asarray(net.rec_arrays["net_Im"].voltages)
    return dict(shape=list(v.shape), max_abs=float(np.max(np.abs(v))))


def imem_sums(path):
    """Per cell of cell_1x1.h5: max over steps of |sum of i_membrane_| and of
    sum |i_membrane_| (nA)."""
    import h5py
    import numpy as np

    with h5py.File(path, "r") as f:
        imem = f["imem"][:]
        gid = f["segments/gid"][:]
    out = {}
    for g in np.unique(gid):
        cols = gid == g
        s = imem[:, cols].sum(axis=1)
        out[str(int(g))] = dict(
            n_segments=int(cols.sum()),
            max_abs_sum_nA=float(np.max(np.abs(s))),
            max_sum_abs_nA=float(np.max(np.abs(imem[:, cols]).sum(axis=1))))
    return out


def psa_vs_lsa(path):
    """max |PSA - LSA| (uV) per off-axis contact (hnn-core's test asserts
    assert_allclose(psa, lsa, rtol=1e-3, atol=1e-3) at its distant contact)."""
    import h5py
    import numpy as np

    with h5py.File(path, "r") as f:
        p, lsa = f["lfp/off_psa"][:], f["lfp/off_lsa"][:]
        pos = f["lfp/off_psa"].attrs["positions"]
    out = []
    for c in range(p.shape[1]):
        d = np.abs(p[:, c] - lsa[:, c])
        ok = bool(np.all(d <= 1e-3 + 1e-3 * np.abs(lsa[:, c])))
        out.append(dict(position=[float(x) for x in pos[c]],
                        max_abs_diff_uV=float(d.max()),
                        max_abs_psa_uV=float(np.abs(p[:, c]).max()),
                        allclose_rtol_1e_3_atol_1e_3=ok))
    return out


def write_csd(src, dst):
    import h5py
    import numpy as np
    from hnn_core.extracellular import calculate_csd2d, _get_laminar_z_coords

    hv, nv, npv = common.versions()
    with h5py.File(src, "r") as f, h5py.File(dst, "w") as g:
        a = g.attrs
        a["generated_by"] = SCRIPT_REL
        a["hnn_core_version"] = hv
        a["neuron_version"] = nv
        a["numpy_version"] = npv
        a["date"] = common.utc_date()
        a["source"] = "tests/data/extracellular/" + op.basename(src)
        a["note"] = (
            "<array> = hnn_core.extracellular.calculate_csd2d(lfp_data=lfp[0], "
            "delta=z_delta) with contact_labels, z_delta = _get_laminar_z_coords("
            "positions), as ExtracellularArray.plot_csd computes it; [n_contacts, "
            "n_times] (uV/um^2)")
        g.create_dataset("times", data=f["times"][:])
        for an in ("lam_psa",):
            pos = f[f"lfp/{an}"].attrs["positions"]
            lfp = f[f"lfp/{an}"][0]
            z, delta = _get_laminar_z_coords([tuple(p) for p in pos])
            csd = calculate_csd2d(lfp_data=lfp, delta=delta)
            d = g.create_dataset(an, data=csd, compression="gzip", compression_opts=9,
                                 shuffle=True)
            d.attrs["trial"] = 0
            d.attrs["delta_um"] = float(delta)
            d.attrs["contact_z_um"] = np.asarray(z, dtype=np.float64)
    return op.getsize(dst)


def main():
    p = common.parser(__doc__, out=OUT_ROOT)
    args = p.parse_args()
    if args.worker:
        return common.run_worker(args, work, convert=common.py)
    os.makedirs(args.out, exist_ok=True)
    desc, cases = transfer_resistances()
    tm = common.spawn(__file__, dict(what="transmembrane"))
    ra = common.spawn(__file__, dict(what="rec_array", variant="hnn_core_test"))
    re_ = common.spawn(__file__, dict(what="rec_array", variant="erp"))
    doc = dict(
        **common.provenance(SCRIPT_REL),
        transfer_resistance=dict(
            note=(
                "values = hnn_core.extracellular._transfer_resistance(sec, electrode_pos, "
                "conductivity, method, min_distance) (uV/nA per segment, segment order), on "
                "NEURON sections built as hnn-core's test_transfer_resistance builds its "
                "section: h.pt3dclear; h.pt3dadd(x, y, z, 1) for the listed points; sec.L = L "
                "(pt3dconst 0 rescales the points); sec.diam = 8; sec.nseg = nseg. start/end "
                "= x3d/y3d/z3d(0|1) as NEURON stores them (float32). closed_form = the "
                "targets of hnn-core's test (which asserts rtol 1e-12), given where that "
                "formula applies (section along +y from the origin, electrode in the x-y "
                "plane, off the clamp)."),
            sections=desc,
            cases=cases,
        ),
        transmembrane_currents=dict(
            hnn_core_test=dict(
                how=("params = read_params('default.json'); params.update("
                     f"{TM_UPDATE!r}); net = neymotin_2020_model(params, "
                     "add_drives_from_params=True); net.add_electrode_array('net_Im', "
                     "(0, 0, 0), method=None)  # every transfer resistance 1; "
                     "simulate_dipole(net, tstop=40.0); hnn-core asserts "
                     "assert_allclose(voltages, 0, rtol=1e-10, atol=1e-10)"),
                voltages_shape=tm["shape"],
                max_abs_sum_of_all_imem_nA=tm["max_abs"]),
            cell_1x1_per_cell=dict(
                note=("from tests/data/extracellular/cell_1x1.h5 /imem: per gid, max over "
                      "steps of |sum over the cell's segments| and of sum |i_membrane_|"),
                cells=imem_sums(op.join(args.out, "cell_1x1.h5"))),
        ),
        psa_vs_lsa=dict(
            note=("off_psa vs off_lsa contacts (sigma 0.25, min_distance 1.0), all trials "
                  "and samples; hnn-core's test_rec_array_calculation asserts PSA and LSA "
                  "allclose(rtol=1e-3, atol=1e-3) at a distant contact"),
            erp_3x3=psa_vs_lsa(op.join(args.out, "erp_3x3.h5")),
            erp_5x5=psa_vs_lsa(op.join(args.out, "erp_5x5.h5")),
            hnn_core_test=dict(
                how=("params = read_params('default.json'); params.update("
                     f"{REC_UPDATE!r}); net = neymotin_2020_model(params, mesh_shape=(3, 3), "
                     "add_drives_from_params=True); net.add_electrode_array('arr1', "
                     f"{REC_POS!r}); net.add_electrode_array('arr2', same, method='lsa'); "
                     "simulate_dipole(net, tstop=5, n_trials=1)  # hnn-core's "
                     "test_rec_array_calculation runs 5 identical trials and asserts "
                     "allclose(arr1[trial][1], arr2[trial][1], rtol=1e-3, atol=1e-3) "
                     "(contact 1 = (2, 3, 3000)). Its drives come from the params file "
                     "(first events before 5 ms), which hnn-mpi does not build: see "
                     "erp_variant for a network hnn-mpi builds"),
                positions=REC_POS,
                first_drive_event_ms=ra["first_drive_event_ms"],
                n_spikes_incl_drives=ra["n_spikes"],
                allclose_rtol_1e_3_atol_1e_3=ra["allclose"],
                max_abs_diff_uV=ra["max_abs_diff"],
                times=ra["times"],
                psa_uV=ra["psa"],
                lsa_uV=ra["lsa"],
                dipole_agg_nAm=ra["agg"],
            ),
            erp_variant=dict(
                how=("net = neymotin_2020_model(mesh_shape=(3, 3)); "
                     "add_erp_drives_to_jones_model(net); the same two arrays; "
                     "simulate_dipole(net, tstop=5, n_trials=1)  # hnn-mpi: [network] model = "
                     "'neymotin_2020', mesh_shape = [3, 3], erp_drives = true; [simulation] "
                     "tstop = 5.0 (psa: conductivity 0.3, min_distance 0.5, as hnn-core's "
                     "defaults)"),
                positions=REC_POS,
                first_drive_event_ms=re_["first_drive_event_ms"],
                n_spikes_incl_drives=re_["n_spikes"],
                allclose_rtol_1e_3_atol_1e_3=re_["allclose"],
                max_abs_diff_uV=re_["max_abs_diff"],
                times=re_["times"],
                psa_uV=re_["psa"],
                lsa_uV=re_["lsa"],
                dipole_agg_nAm=re_["agg"],
            ),
        ),
    )
    n = common.write_json(op.join(args.out, "analytic.json"), doc)
    print(f"wrote analytic.json: {n / 1024:.0f} KiB", flush=True)
    for c in cases:
        if "closed_form_max_rel_diff" in c:
            print(f"  closed form vs hnn-core {c['electrode_pos']}: "
                  f"{c['closed_form_max_rel_diff']}", flush=True)
    print(f"  rec_array test: first drive events {ra['first_drive_event_ms']}, allclose "
          f"{ra['allclose']}, max |psa - lsa| {ra['max_abs_diff']}", flush=True)
    print(f"  rec_array erp variant: first drive events {re_['first_drive_event_ms']}, "
          f"allclose {re_['allclose']}, max |psa - lsa| {re_['max_abs_diff']}", flush=True)
    print(f"  test_transmembrane_currents max |sum imem| = {tm['max_abs']!r} nA", flush=True)
    print(f"  cell_1x1 per cell: {doc['transmembrane_currents']['cell_1x1_per_cell']['cells']}",
          flush=True)
    for k in ("erp_3x3", "erp_5x5"):
        print(f"  {k} psa vs lsa: " + ", ".join(
            f"{c['position']}: {c['max_abs_diff_uV']:.3g} ({c['allclose_rtol_1e_3_atol_1e_3']})"
            for c in doc["psa_vs_lsa"][k]), flush=True)
    n = write_csd(op.join(args.out, "erp_3x3.h5"), op.join(args.out, "csd_erp_3x3.h5"))
    print(f"wrote csd_erp_3x3.h5: {n / 1024:.0f} KiB", flush=True)


if __name__ == "__main__":
    main()
