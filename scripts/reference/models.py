#!/usr/bin/env python
"""Golden data for hnn-core's other network models and for parameter files.

Runs hnn-core 0.6.1 (NEURON 8.2) and writes tests/data/models/<case>.json,
which tests/model_golden.rs compares hnn-mpi against (each case also has a
TOML config in tests/data/models/ that builds the same network through
hnn-mpi's config path).

Cases (3x3 mesh, tstop 170 ms, dt 0.025 ms, 1 trial):

neymotin_2020   neymotin_2020_model(mesh_shape=(3, 3)) + add_erp_drives_to_jones_model
law_2021        law_2021_model(mesh_shape=(3, 3)) + add_erp_drives_to_jones_model
calcium         calcium_model(mesh_shape=(3, 3)) + add_erp_drives_to_jones_model
gamma           hnn-core's gamma example on a small mesh:
                params = read_params('gamma_L5weak_L2weak.json');
                jones_2009_model(params, mesh_shape=(3, 3)) + its Poisson drive
                (event_seed 1079) + add_tonic_bias(cell_type='L5_pyramidal',
                amplitude=6.0). Also writes gamma_L5weak_L2weak.param, the same
                parameters in the legacy .param format, after checking that
                hnn-core's read_params reads both files to the same Params.
params_sweep_p0/p1/p2
                the three points of tests/data/models/params_sweep.toml
                (zip sweep of gbar_L2Pyr_L5Pyr, L5Pyr_soma_gkbar_hh2 and
                L2Pyr_ampa_tau2): params = read_params('default.json');
                params.update(point); net = jones_2009_model(params, (3, 3));
                the pyramidal cell templates rebuilt with
                pyramidal(cell_type, override_params=params) (hnn-core's
                per-cell parameter override; jones_2009_model itself only takes
                the connection weights and the threshold from params);
                add_erp_drives_to_jones_model.

Each file holds how it was produced (script, versions, the calls), the
parameters the network took from `params`, the pyramidal cell templates as
hnn-core computed them (synapses, per-section mechanism values), the drives
and connectivity, and per trial the aggregate dipole (dpls[0].data['agg'],
nAm, every sample, postproc=False), spike times/gids and counts per type.

Usage (from the repository root):

    /work/venv/bin/python scripts/reference/models.py            # every case
    /work/venv/bin/python scripts/reference/models.py --case law_2021
    /work/venv/bin/python scripts/reference/models.py --list

Every case runs in a fresh Python process (--worker), as network.py does.
"""

import json
import os
import os.path as op
import time

import common

SCRIPT_REL = common.script_rel(__file__)
OUT_ROOT = common.data_dir("models")

TSTOP = 170.0
DT = 0.025
MESH = (3, 3)

# hnn-core's gamma example (examples/howto/plot_simulate_gamma.py), drive
# arguments verbatim; the bias is the example's L5 tonic drive.
GAMMA_POISSON = dict(
    rate_constant={"L2_pyramidal": 140.0, "L5_pyramidal": 40.0},
    weights_ampa={"L2_pyramidal": 0.0008, "L5_pyramidal": 0.0075},
    location="proximal",
    synaptic_delays={"L2_pyramidal": 0.1, "L5_pyramidal": 1.0},
    event_seed=1079,
)
GAMMA_BIAS = dict(cell_type="L5_pyramidal", amplitude=6.0)

# tests/data/models/params_sweep.toml: [sweep] mode = "zip"
SWEEP = {
    "gbar_L2Pyr_L5Pyr": [0.0005, 0.001, 0.002],
    "L5Pyr_soma_gkbar_hh2": [0.012, 0.008, 0.01],
    "L2Pyr_ampa_tau2": [4.0, 3.0, 8.0],
}

CASES = ["neymotin_2020", "law_2021", "calcium", "gamma",
         "params_sweep_p0", "params_sweep_p1", "params_sweep_p2"]


def _param_dir():
    import hnn_core

    return op.join(op.dirname(hnn_core.__file__), "param")


def _write_param_file(params_json_path, out_path):
    """The legacy `key: value` format of hnn-core's _read_legacy_params."""
    from hnn_core import read_params

    raw = json.load(open(params_json_path))
    lines = []
    for k, v in raw.items():
        if isinstance(v, float):
            s = repr(v)
            if "." not in s and "e" not in s:
                s += ".0"  # read back as a float, as the JSON value is
        else:
            s = str(v)
        lines.append(f"{k}: {s}")
    with open(out_path, "w") as f:
        f.write("\n".join(lines) + "\n")
    a, b = read_params(params_json_path), read_params(out_path)
    assert dict(a) == dict(b), "read_params differs between .json and .param"
    return len(lines)


def build(case):
    """(net, calls, cell_overrides) of a case."""
    from hnn_core import read_params
    from hnn_core.network_models import (
        neymotin_2020_model, law_2021_model, calcium_model, jones_2009_model,
        add_erp_drives_to_jones_model)
    from hnn_core.cells_default import pyramidal

    calls = []
    overrides = None
    erp = "hnn_core.network_models.add_erp_drives_to_jones_model(net)  # tstart=0.0"
    if case in ("neymotin_2020", "law_2021", "calcium"):
        fn = dict(neymotin_2020=neymotin_2020_model, law_2021=law_2021_model,
                  calcium=calcium_model)[case]
        net = fn(mesh_shape=MESH)
        add_erp_drives_to_jones_model(net)
        calls += [f"net = hnn_core.network_models.{fn.__name__}(mesh_shape={MESH})", erp]
    elif case == "gamma":
        fname = op.join(_param_dir(), "gamma_L5weak_L2weak.json")
        params = read_params(fname)
        net = jones_2009_model(params, mesh_shape=MESH)
        net.add_poisson_drive("poisson", **GAMMA_POISSON)
        net.add_tonic_bias(**GAMMA_BIAS)
        calls += [
            "params = hnn_core.read_params('hnn_core/param/gamma_L5weak_L2weak.json')",
            f"net = hnn_core.jones_2009_model(params, mesh_shape={MESH})",
            f"net.add_poisson_drive('poisson', **{GAMMA_POISSON!r})",
            f"net.add_tonic_bias(**{GAMMA_BIAS!r})  # t0=0, tstop=None, section='soma'",
        ]
    elif case.startswith("params_sweep_p"):
        i = int(case[-1])
        point = {k: v[i] for k, v in SWEEP.items()}
        params = read_params(op.join(_param_dir(), "default.json"))
        params.update(point)
        net = jones_2009_model(params, mesh_shape=MESH)
        for ct in ("L2_pyramidal", "L5_pyramidal"):
            pos = net.cell_types[ct]["cell_object"].pos
            net.cell_types[ct]["cell_object"] = pyramidal(
                ct, pos=pos, override_params=dict(params))
        add_erp_drives_to_jones_model(net)
        overrides = point
        calls += [
            "params = hnn_core.read_params('hnn_core/param/default.json')",
            f"params.update({point!r})",
            f"net = hnn_core.jones_2009_model(params, mesh_shape={MESH})",
            "for ct in ('L2_pyramidal', 'L5_pyramidal'): "
            "net.cell_types[ct]['cell_object'] = hnn_core.cells_default.pyramidal("
            "ct, pos=net.cell_types[ct]['cell_object'].pos, override_params=dict(params))",
            erp,
        ]
    else:
        raise ValueError(case)
    return net, calls, overrides


def _cells(net):
    """Pyramidal templates as hnn-core computed them (after _compute_section_mechs)."""
    out = dict()
    for ct, d in net.cell_types.items():
        cell = d["cell_object"]
        secs = dict()
        for name, sec in cell.sections.items():
            secs[name] = dict(L=sec.L, diam=sec.diam, Ra=sec.Ra, cm=sec.cm, v0=sec.v0,
                              nseg=sec.nseg, syns=list(sec.syns), mechs=sec.mechs)
        out[ct] = dict(synapses=cell.synapses, sections=secs,
                       sect_loc=cell.sect_loc)
    return out


def run_case(case):
    import numpy as np
    from hnn_core import simulate_dipole

    net, calls, overrides = build(case)
    connectivity = common.connectivity_info(net)
    t0 = time.perf_counter()
    dpls = simulate_dipole(net, tstop=TSTOP, dt=DT, n_trials=1, verbose=False)
    wall = time.perf_counter() - t0
    times = np.asarray(dpls[0].times)
    st, sg = common.spikes(net, 0)
    used = ["threshold", "celsius"] + sorted(k for k in net._params if k.startswith("gbar_")
                                             and "_ev" not in k)
    return dict(
        **common.provenance(SCRIPT_REL),
        case=case,
        calls=calls + [
            f"dpls = hnn_core.simulate_dipole(net, tstop={TSTOP!r}, dt={DT!r}, "
            "n_trials=1)  # postproc=False, JoblibBackend(n_jobs=1), verbose=False"],
        tstop=TSTOP,
        dt=DT,
        n_trials=1,
        mesh_shape=list(MESH),
        params_used={k: net._params[k] for k in used},
        params_used_note=(
            "the entries of net._params that hnn-core 0.6.1 reads when it builds and "
            "simulates this network (model function weights, threshold, "
            "NetworkBuilder's h.celsius); cell parameters in params are not read by "
            "the model functions"),
        cell_overrides=overrides,
        cells=_cells(net),
        gid_ranges={k: [r.start, r.stop] for k, r in net.gid_ranges.items()},
        drives=common.drive_info(net),
        tonic_biases=net.external_biases,
        connectivity=connectivity,
        simulate_dipole_wall_seconds=round(wall, 3),
        times=dict(n=int(len(times)), first=float(times[0]), last=float(times[-1]),
                   sha256=common.times_sha(times)),
        dipole_note=(
            "trials[t].agg = dpls[t].data['agg'] (nAm, baseline-renormalised, "
            "unsmoothed, unscaled), every sample (index i <-> times[i], NEURON's "
            "accumulated h.t, tests/data/network/times.json)"),
        spikes_note=(
            "spike_times/spike_gids = net.cell_response.spike_times[t] / spike_gids[t] "
            "(drive-cell events included)"),
        trials=[dict(
            spike_counts=common.spike_counts(net, sg),
            agg=np.asarray(dpls[0].data["agg"]),
            spike_times=st,
            spike_gids=sg,
        )],
    )


def work(spec):
    doc = run_case(spec["case"])
    size = common.write_json(op.join(spec["out"], f"{spec['case']}.json"), doc)
    return dict(size=size, counts=doc["trials"][0]["spike_counts"],
                wall=doc["simulate_dipole_wall_seconds"])


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
    names = args.case or CASES
    if "gamma" in names:
        src = op.join(_param_dir(), "gamma_L5weak_L2weak.json")
        with open(src) as f, open(op.join(args.out, "gamma_L5weak_L2weak.json"), "w") as g:
            g.write(f.read())
        n = _write_param_file(src, op.join(args.out, "gamma_L5weak_L2weak.param"))
        print(f"copied gamma_L5weak_L2weak.json; wrote gamma_L5weak_L2weak.param "
              f"({n} lines, read_params identical)", flush=True)
    for name in names:
        res = common.spawn(__file__, dict(case=name, out=args.out))
        print(f"== {name}: {res['size'] / 1024:.0f} KiB, simulate_dipole "
              f"{res['wall']:.1f} s, spikes {res['counts']}", flush=True)


if __name__ == "__main__":
    main()
