"""Golden data for hnn-core JSON networks (`[network] hnn_json`) and voltage
recordings (`[output] save = ["vsec_soma" | "vsec_all"]`).

For each case this script
  1. builds a network with hnn-core 0.6.1 calls (listed in the output's
     header), writes it with `Network.write_configuration` to
     tests/data/hnn_json/<case>.json (the file hnn-mpi reads);
  2. simulates that same Network object with
     `simulate_dipole(net, tstop, dt, n_trials, record_vsec=...)` and stores
     dipoles (agg, L2, L5: raw, unsmoothed, unscaled), spikes, every drive
     event time and the recorded voltages (subsampled: every
     `vsec_every`-th sample, `vsec_sample_idx` says which) in
     tests/data/hnn_json/<case>.golden.json.

Why the written Network object and not `read_network_configuration(file)`:
in hnn-core 0.6.1 `_read_connectivity` re-adds every connection with
`add_connection(..., probability=conn['probability'])` and no seed, so a
connection stored with probability < 1 is pruned a second time with an
unseeded RNG (a different network on every read). The file's gid pairs are
the network that was written and simulated here; hnn-mpi uses them as
stored. For the case without probability < 1 (`custom_3x3`) the script also
simulates the read-back network and checks that its dipole equals the
original's bit for bit (the reader rebuilds the same network).

It also writes broken and unsupported files to tests/data/hnn_json/broken/,
each derived from a valid file (see BROKEN below) for the error tests.

Run from the repository root (about 30 s):
    /work/venv/bin/python scripts/reference/hnn_json.py
    /work/venv/bin/python scripts/reference/hnn_json.py --case custom_3x3
    /work/venv/bin/python scripts/reference/hnn_json.py --list
    /work/venv/bin/python scripts/reference/hnn_json.py --out /tmp/x  # elsewhere
(broken/ is derived from <out>/mixed_3x3.json, which must exist when only
custom_3x3 is run.)
"""

import copy
import json
import os
import sys

import numpy as np

from hnn_core import jones_2009_model, simulate_dipole, read_network_configuration
from hnn_core.network_models import add_erp_drives_to_jones_model

import common

SCRIPT_REL = common.script_rel(__file__)
OUT_ROOT = common.data_dir("hnn_json")


def case_mixed_3x3():
    """Jones 2009 3x3 with evoked (cell-specific with per-type probability,
    and 2 shared drive cells), poisson (cell-specific, per-type rates,
    probability 0.8) and bursty (shared cells, tstop None) drives, and two
    tonic biases (one with tstop None, one on a dendrite)."""
    calls = []
    net = jones_2009_model(mesh_shape=(3, 3))
    calls.append("net = jones_2009_model(mesh_shape=(3, 3))")

    def call(text, fn, **kw):
        calls.append(text)
        fn(**kw)

    kw = dict(
        name="evprox1", mu=20.0, sigma=3.0, numspikes=1, location="proximal",
        cell_specific=True,
        weights_ampa={"L2_basket": 0.08, "L2_pyramidal": 0.02,
                      "L5_basket": 0.04, "L5_pyramidal": 0.01},
        weights_nmda={"L2_pyramidal": 0.005},
        synaptic_delays={"L2_basket": 0.1, "L2_pyramidal": 0.1,
                         "L5_basket": 1.0, "L5_pyramidal": 1.0},
        probability={"L2_basket": 1.0, "L2_pyramidal": 0.5,
                     "L5_basket": 1.0, "L5_pyramidal": 0.7},
        event_seed=11, conn_seed=5)
    call(f"net.add_evoked_drive(**{kw!r})", net.add_evoked_drive, **kw)
    kw = dict(
        name="evdist1", mu=45.0, sigma=4.0, numspikes=2, location="distal",
        n_drive_cells=2, cell_specific=False,
        weights_ampa={"L2_basket": 0.01, "L2_pyramidal": 0.03,
                      "L5_pyramidal": 0.02},
        weights_nmda={"L2_pyramidal": 0.004, "L5_pyramidal": 0.003},
        synaptic_delays={"L2_basket": 0.1, "L2_pyramidal": 0.1,
                         "L5_pyramidal": 0.1},
        space_constant=2.0, event_seed=4, conn_seed=9)
    call(f"net.add_evoked_drive(**{kw!r})", net.add_evoked_drive, **kw)
    kw = dict(
        name="poisson", tstart=10.0, tstop=90.0,
        rate_constant={"L2_pyramidal": 40.0, "L5_pyramidal": 30.0,
                       "L5_basket": 20.0},
        location="proximal", cell_specific=True,
        weights_ampa={"L2_pyramidal": 0.002, "L5_pyramidal": 0.003,
                      "L5_basket": 0.002},
        synaptic_delays={"L2_pyramidal": 0.1, "L5_pyramidal": 1.0,
                         "L5_basket": 1.0},
        probability=0.8, event_seed=17, conn_seed=21)
    call(f"net.add_poisson_drive(**{kw!r})", net.add_poisson_drive, **kw)
    kw = dict(
        name="bursty", tstart=30.0, tstart_std=2.0, burst_rate=25.0,
        burst_std=3.0, numspikes=3, spike_isi=5.0, location="distal",
        n_drive_cells=3, cell_specific=False,
        weights_ampa={"L2_pyramidal": 0.004, "L5_pyramidal": 0.004},
        weights_nmda={"L2_pyramidal": 0.001},
        synaptic_delays={"L2_pyramidal": 0.1, "L5_pyramidal": 0.1},
        probability={"L2_pyramidal": 0.6, "L5_pyramidal": 1.0},
        event_seed=3, conn_seed=8)
    call(f"net.add_bursty_drive(**{kw!r})", net.add_bursty_drive, **kw)
    kw = dict(cell_type="L5_pyramidal", amplitude=0.2, t0=5.0, tstop=None)
    call(f"net.add_tonic_bias(**{kw!r})", net.add_tonic_bias, **kw)
    kw = dict(cell_type="L2_pyramidal", section="apical_tuft",
              bias_name="tonic_dend", amplitude=0.1, t0=20.0, tstop=70.0)
    call(f"net.add_tonic_bias(**{kw!r})", net.add_tonic_bias, **kw)
    return net, calls, dict(tstop=100.0, dt=0.025, n_trials=2,
                            record_vsec="soma", vsec_every=10)


def case_custom_3x3():
    """Jones 2009 3x3 with modified cell parameters (L5 soma gkbar, L2
    apical_tuft gbar_km, L5 GABA-A decay), a changed local weight, an added
    connection, a global gain, hnn-core's ERP drives and a drive onto one
    section; all connection probabilities 1 (so the read-back network equals
    the original). Records every section ('all')."""
    calls = []
    net = jones_2009_model(mesh_shape=(3, 3))
    calls.append("net = jones_2009_model(mesh_shape=(3, 3))")
    l5 = net.cell_types["L5_pyramidal"]["cell_object"]
    l5.sections["soma"].mechs["hh2"]["gkbar_hh2"] = 0.012
    l5.synapses["gabaa"]["tau2"] = 7.0
    l2 = net.cell_types["L2_pyramidal"]["cell_object"]
    l2.sections["apical_tuft"].mechs["km"]["gbar_km"] = 300.0
    calls.append(
        "net.cell_types['L5_pyramidal']['cell_object'].sections['soma']"
        ".mechs['hh2']['gkbar_hh2'] = 0.012")
    calls.append(
        "net.cell_types['L5_pyramidal']['cell_object'].synapses['gabaa']"
        "['tau2'] = 7.0")
    calls.append(
        "net.cell_types['L2_pyramidal']['cell_object'].sections['apical_tuft']"
        ".mechs['km']['gbar_km'] = 300.0")
    # L2 pyramidal -> L5 pyramidal AMPA weight doubled
    for conn in net.connectivity:
        if (conn["src_type"], conn["target_type"], conn["receptor"]) == (
                "L2_pyramidal", "L5_pyramidal", "ampa"):
            conn["nc_dict"]["A_weight"] *= 2.0
    calls.append("connectivity L2_pyramidal->L5_pyramidal ampa: "
                 "nc_dict['A_weight'] *= 2.0")
    kw = dict(src_gids="L2_basket", target_gids="L5_pyramidal", loc="soma",
              receptor="gabaa", weight=0.002, delay=1.0, lamtha=50.0)
    calls.append(f"net.add_connection(**{kw!r})")
    net.add_connection(**kw)
    calls.append("net.set_global_synaptic_gains(e_i=1.5)")
    net.set_global_synaptic_gains(e_i=1.5)
    calls.append("add_erp_drives_to_jones_model(net)")
    add_erp_drives_to_jones_model(net)
    kw = dict(name="tuft", mu=30.0, sigma=2.0, numspikes=1,
              location="apical_tuft", cell_specific=False, n_drive_cells=1,
              weights_ampa={"L5_pyramidal": 0.01, "L2_pyramidal": 0.005},
              synaptic_delays={"L5_pyramidal": 0.5, "L2_pyramidal": 0.5},
              event_seed=30, conn_seed=31)
    calls.append(f"net.add_evoked_drive(**{kw!r})")
    net.add_evoked_drive(**kw)
    kw = dict(cell_type="L5_basket", amplitude=0.05, t0=0.0, tstop=60.0)
    calls.append(f"net.add_tonic_bias(**{kw!r})")
    net.add_tonic_bias(**kw)
    return net, calls, dict(tstop=80.0, dt=0.025, n_trials=1,
                            record_vsec="all", vsec_every=20,
                            check_read_back=True)


CASES = {"mixed_3x3": case_mixed_3x3, "custom_3x3": case_custom_3x3}


def simulate(net, p):
    dpls = simulate_dipole(net, tstop=p["tstop"], dt=p["dt"],
                           n_trials=p["n_trials"],
                           record_vsec=p["record_vsec"], postproc=False)
    cr = net.cell_response
    times = np.asarray(dpls[0].times)
    idx = np.arange(0, len(times), p["vsec_every"])
    trials = []
    for trial, dpl in enumerate(dpls):
        vsec = {}
        for gid, secs in sorted(cr.vsec[trial].items()):
            vsec[str(gid)] = {name: np.asarray(v)[idx].tolist()
                              for name, v in secs.items()}
        spike_times, spike_gids = common.spikes(net, trial)
        trials.append({
            "dipole": {k: np.asarray(dpl.data[k]).tolist()
                       for k in ("agg", "L2", "L5")},
            "spike_times": spike_times,
            "spike_gids": spike_gids,
            "drive_events": common.drive_events(net, trial),
            "vsec": vsec,
        })
    return times, idx, trials


def make_case(name, out):
    net, calls, p = CASES[name]()
    path = os.path.join(out, f"{name}.json")
    net.write_configuration(path)
    read_back = read_network_configuration(path) if p.get("check_read_back") else None
    read_back_err = None
    times, idx, trials = simulate(net, p)
    if read_back is not None:
        dpl = simulate_dipole(read_back, tstop=p["tstop"], dt=p["dt"],
                              n_trials=1, postproc=False)[0]
        a = np.asarray(dpl.data["agg"])
        b = np.asarray(trials[0]["dipole"]["agg"])
        # Not bit for bit: the read-back network differs in the last bit
        # somewhere (max |diff| ~1e-18 nAm on ~1e-2), rounding only.
        err = np.abs(a - b).max() / np.abs(b).max()
        if err > 1e-12:
            sys.exit(f"{name}: the read-back network's dipole differs ({err:e})")
        read_back_err = float(err)
        print(f"{name}: read_network_configuration round trip: max |diff| / max |dipole| = {err:.2e}")
    hnn_v, nrn_v, _ = common.versions()
    golden = {
        "produced_by": SCRIPT_REL,
        "date": common.utc_date(),
        "hnn_core": hnn_v,
        "neuron": nrn_v,
        "network_file": f"{name}.json",
        "calls": calls,
        "simulate": (f"simulate_dipole(net, tstop={p['tstop']}, dt={p['dt']}, "
                     f"n_trials={p['n_trials']}, record_vsec={p['record_vsec']!r}, "
                     "postproc=False) on the Network object that wrote the file"),
        "tstop": p["tstop"], "dt": p["dt"], "n_trials": p["n_trials"],
        "n_times": len(times),
        "record_vsec": p["record_vsec"],
        "vsec_every": p["vsec_every"],
        "vsec_sample_idx": idx.tolist(),
        "vsec_note": "cell_response.vsec[trial][gid][section] (mV, sec(0.5)), "
                     "samples vsec_sample_idx of the n_times samples",
        "read_back_check": (None if read_back_err is None else
                            "read_network_configuration(file) simulated too: agg dipole "
                            f"max |diff| / max |agg| = {read_back_err:.2e} vs this one"),
        "trials": trials,
    }
    with open(os.path.join(out, f"{name}.golden.json"), "w") as f:
        json.dump(golden, f)
    n_spk = [len(t["spike_times"]) for t in trials]
    print(f"{name}: written ({n_spk} spikes per trial)")


# Broken / unsupported files: (file, description, how it is derived from
# mixed_3x3.json). Each is checked for its message by tests/hnn_json_golden.rs.
def broken_files(out_dir):
    with open(os.path.join(out_dir, "mixed_3x3.json")) as f:
        text = f.read()
    base = json.loads(text)
    out = {}
    out["truncated.json"] = ("the file cut in the middle (not JSON)",
                             text[: len(text) // 2])

    def variant(fname, what, edit):
        d = copy.deepcopy(base)
        edit(d)
        out[fname] = (what, json.dumps(d, indent=1))

    variant("wrong_object_type.json", "object_type 'CellResponse'",
            lambda d: d.__setitem__("object_type", "CellResponse"))
    variant("missing_gid_ranges.json", "no gid_ranges",
            lambda d: d.pop("gid_ranges"))
    variant("bad_section_length.json",
            "cell_types.L5_pyramidal.cell_object.sections.soma.L is a string",
            lambda d: d["cell_types"]["L5_pyramidal"]["cell_object"]["sections"]
            ["soma"].__setitem__("L", "long"))
    variant("unknown_mechanism.json",
            "a mechanism the engine lacks (hh3) on the L2 basket soma",
            lambda d: d["cell_types"]["L2_basket"]["cell_object"]["sections"]
            ["soma"]["mechs"].__setitem__("hh3", {"gbar_hh3": 0.1}))
    variant("bad_mechanism_parameter.json",
            "an unknown parameter (gfoo_km) of km on L5 apical_tuft",
            lambda d: d["cell_types"]["L5_pyramidal"]["cell_object"]["sections"]
            ["apical_tuft"]["mechs"]["km"].__setitem__("gfoo_km", 1.0))

    def conn_threshold(d):
        d["connectivity"][0]["nc_dict"]["threshold"] = -10.0
    variant("connection_threshold.json",
            "a connection with its own spike threshold (-10 mV)", conn_threshold)

    def gid_outside(d):
        c = d["connectivity"][0]
        first = next(iter(c["gid_pairs"]))
        c["gid_pairs"][first] = c["gid_pairs"][first] + [999]
    variant("target_gid_out_of_range.json",
            "connectivity[0] targets gid 999", gid_outside)

    # real hnn-core output: an electrode array, read by hnn-mpi
    # (tests/data/hnn_json/rec_arrays_3x3.json); broken variants of it
    net = jones_2009_model(mesh_shape=(3, 3))
    net.add_electrode_array("shank", [(1.0, 1.0, 100.0), (1.0, 1.0, 600.0)])
    buf = __import__("io").StringIO()
    net.write_configuration(buf)
    with open(os.path.join(out_dir, "rec_arrays_3x3.json"), "w") as f:
        f.write(buf.getvalue())
    arrays = json.loads(buf.getvalue())

    def array_variant(fname, what, edit):
        d = copy.deepcopy(arrays)
        edit(d["rec_arrays"]["shank"])
        out[fname] = (what, json.dumps(d, indent=1))

    array_variant("rec_arrays_bad_method.json", "rec_arrays.shank.method is 'csd'",
                  lambda a: a.__setitem__("method", "csd"))
    array_variant("rec_arrays_negative_conductivity.json",
                  "rec_arrays.shank.conductivity is -0.3",
                  lambda a: a.__setitem__("conductivity", -0.3))
    array_variant("rec_arrays_no_contacts.json", "rec_arrays.shank.positions is []",
                  lambda a: a.__setitem__("positions", []))
    array_variant("rec_arrays_bad_contact.json",
                  "rec_arrays.shank.positions[1] has two numbers",
                  lambda a: a["positions"].__setitem__(1, [1.0, 1.0]))
    os.makedirs(os.path.join(out_dir, "broken"), exist_ok=True)
    readme = ["# Broken and unsupported hnn-core network files",
              "",
              "Made by scripts/reference/hnn_json.py from mixed_3x3.json (or, for",
              "rec_arrays_*.json, from ../rec_arrays_3x3.json, written by hnn-core",
              "itself). Each must be refused with",
              "an error that names the problem (tests/hnn_json_golden.rs).",
              ""]
    for fname, (what, content) in sorted(out.items()):
        with open(os.path.join(out_dir, "broken", fname), "w") as f:
            f.write(content)
        readme.append(f"- `{fname}`: {what}")
    with open(os.path.join(out_dir, "broken", "README.md"), "w") as f:
        f.write("\n".join(readme) + "\n")
    print(f"broken files: {len(out)}")


def main():
    p = common.parser(__doc__, out=OUT_ROOT, worker=False)
    common.add_case_args(p, choices=sorted(CASES))
    args = p.parse_args()
    if args.list:
        print("\n".join(sorted(CASES)))
        return
    os.makedirs(args.out, exist_ok=True)
    for name in args.case or sorted(CASES):
        make_case(name, args.out)
    broken_files(args.out)


if __name__ == "__main__":
    main()
