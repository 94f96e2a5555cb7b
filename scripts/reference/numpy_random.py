#!/usr/bin/env python
"""numpy random-stream reference data generator for hnn-mpi.

hnn-core 0.6.1 draws every drive event time from numpy's legacy
``np.random.RandomState`` (MT19937) and prunes probabilistic connections with
``np.random.default_rng`` (PCG64 + SeedSequence).  ``src/network/numpy_random.rs``
re-implements those streams; this script records what numpy / hnn-core really
produce so that ``tests/numpy_random.rs`` can assert bit-for-bit equality.

It writes one small file:

    tests/data/numpy_random/reference.json

Every float is stored as a *string* holding Python's ``repr`` of the double
(shortest round-trip decimal).  Rust parses it with ``str::parse::<f64>``,
which is correctly rounded, so the exact bits survive (JSON numbers would go
through serde_json's float parser, which is not guaranteed exact without its
``float_roundtrip`` feature).  Integers are plain JSON integers.

Contents
--------
random_state      : cases = seed + an ordered list of operations run on ONE
                    ``np.random.RandomState(seed)``; each op has its arguments
                    and the values numpy returned.  ``raw32`` ops record the raw
                    MT19937 outputs (``rs._bit_generator.random_raw``).
                    ``*_strided`` ops draw ``n`` values and keep every
                    ``stride``-th one (to cover MT19937 re-generation without
                    bloating the file).
generator         : cases = seed + PCG64 state after seeding + an ordered list
                    of operations run on ONE ``np.random.default_rng(seed)``.
arange            : ``np.arange(start, stop, step)`` for float arguments (used
                    by ``_create_bursty_input``).
drive_calls       : direct calls of ``hnn_core.drives._drive_cell_event_times``
                    (all keyword arguments + the returned list).
instantiate_drives: a whole ``Network._instantiate_drives(tstop, n_trials)`` on
                    a small ``jones_2009_model`` with evoked, poisson, bursty and
                    spike_train drives; every call hnn-core makes to
                    ``_drive_cell_event_times`` is recorded (arguments exactly
                    as hnn-core passed them, and the result), plus the final
                    ``drive['events']`` nested lists.
connection_probability: ``hnn_core.network._connection_probability`` applied to
                    synthetic ``gid_pairs`` dicts (input and pruned output).

Usage (from the repository root):

    /work/venv/bin/python scripts/reference/numpy_random.py
    /work/venv/bin/python scripts/reference/numpy_random.py --out /tmp/x  # elsewhere
"""

import json
import os
import os.path as op
import platform
import sys

import numpy as np

import hnn_core
import hnn_core.drives
import hnn_core.network
from hnn_core import jones_2009_model
from hnn_core.drives import _drive_cell_event_times
from hnn_core.network import _connection_probability
from hnn_core.network_models import add_erp_drives_to_jones_model

import common

SCRIPT_REL = common.script_rel(__file__)
OUT_ROOT = common.data_dir("numpy_random")
OUT_FILE = "reference.json"


def F(x):
    """Encode one double exactly (Python repr, shortest round trip)."""
    x = float(x)
    assert np.isfinite(x), x
    return repr(x)


def FL(xs):
    return [F(x) for x in np.asarray(xs, dtype=float).ravel()]


def encode(obj):
    """Recursively encode floats (Python or numpy) as repr strings."""
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return F(obj)
    if isinstance(obj, dict):
        return {str(k): encode(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [encode(v) for v in obj]
    if obj is None:
        return None
    if isinstance(obj, str):
        return obj
    raise TypeError(type(obj))


# ---------------------------------------------------------------------------
# RandomState
# ---------------------------------------------------------------------------
RS_SEEDS = sorted(set([0, 1, 2, 12345, 2**32 - 1] + [2 + gid for gid in range(6)]))


def rs_case(seed, long=False):
    rs = np.random.RandomState(seed)
    ops = []

    def op_(name, values, **args):
        ops.append(dict(op=name, args=encode(args), values=values))

    # raw MT19937 outputs of a *separate* identically seeded state (so they
    # do not disturb the main sequence below)
    raw = np.random.RandomState(seed)._bit_generator.random_raw(8)
    ops_raw = dict(op="raw32", args={"n": 8}, values=[int(v) for v in raw])

    op_("random_sample", FL(rs.random_sample(5)), n=5)
    op_("standard_normal", FL(rs.standard_normal(7)), n=7)  # odd: leaves a cached gauss
    op_("standard_normal", FL(rs.standard_normal(4)), n=4)  # uses the cached one first
    op_("random_sample", FL(rs.random_sample(1)), n=1)  # cached gauss survives doubles
    op_("standard_normal", FL(rs.standard_normal(1)), n=1)
    op_("normal", FL(rs.normal(26.61, 2.47, 5)), loc=26.61, scale=2.47, n=5)
    op_("normal_scalar", [F(rs.normal(63.53, 3.85))], loc=63.53, scale=3.85)
    op_("exponential", FL(rs.exponential(1.0 / 10.0, 6)), scale=1.0 / 10.0, n=6)
    op_("exponential_scalar", [F(rs.exponential(0.025))], scale=0.025)
    op_("normal", FL(rs.normal(-5.0, 0.0, 3)), loc=-5.0, scale=0.0, n=3)
    loc = np.arange(50.0, 170.0, 1000.0 / 15.0)
    op_("normal_array", FL(rs.normal(loc, 20.0)), loc=FL(loc), scale=20.0)
    op_("uniform", FL(rs.uniform(25.0, 125.0, 4)), low=25.0, high=125.0, n=4)
    op_("rand", FL(rs.rand(3)), n=3)
    op_("normal", FL(rs.normal(137.12, 8.33, 2)), loc=137.12, scale=8.33, n=2)
    if long:
        # > 624 32-bit words: exercises mt19937_gen() re-generation twice
        v = rs.random_sample(1000)
        op_("random_sample_strided", FL(v[::37]), n=1000, stride=37)
        v = rs.standard_normal(1001)
        op_("standard_normal_strided", FL(v[::41]), n=1001, stride=41)
        v = rs.exponential(2.5, 999)
        op_("exponential_strided", FL(v[::43]), scale=2.5, n=999, stride=43)
    op_("standard_normal", FL(rs.standard_normal(3)), n=3)
    return dict(seed=seed, raw32=ops_raw, ops=ops)


# ---------------------------------------------------------------------------
# Generator (PCG64)
# ---------------------------------------------------------------------------
def gen_case(seed, ops_spec):
    rng = np.random.default_rng(seed)
    st = rng.bit_generator.state["state"]
    state = dict(state=hex(st["state"]), inc=hex(st["inc"]))
    ops = []
    for spec in ops_spec:
        name = spec[0]
        if name == "random":
            n = spec[1]
            ops.append(dict(op=name, args={"n": n}, values=FL(rng.random(n))))
        elif name == "choice":
            _, n, size, replace = spec
            vals = rng.choice(n, size, replace=replace)
            ops.append(
                dict(
                    op=name,
                    args={"n": n, "size": size, "replace": replace},
                    values=[int(v) for v in vals],
                )
            )
        else:
            raise ValueError(name)
    return dict(seed=seed, state_after_seeding=state, ops=ops)


GEN_CASES = [
    (0, [("random", 5), ("choice", 9, 4, False), ("random", 2)]),
    (1, [("choice", 9, 5, False), ("choice", 9, 5, False), ("random", 3)]),
    (2, [("choice", 100, 50, False), ("random", 1)]),
    (3, [("choice", 1000, 500, False), ("random", 1)]),
    (4, [("choice", 81, 40, False), ("choice", 7, 7, False), ("choice", 5, 0, False)]),
    (12345, [("random", 3), ("choice", 1, 1, False), ("choice", 2, 1, False)]),
    # tail-shuffle path (pop_size > 10000 and size > pop_size // 50)
    (5, [("choice", 12000, 300, False), ("random", 2)]),
    # Floyd path with a big population (size <= pop_size // 50)
    (6, [("choice", 20000, 100, False), ("random", 1)]),
    # 64-bit Lemire path (bound > 2**32 - 1)
    (7, [("choice", 2**33, 5, False)]),
    # replace=True (Generator.integers path)
    (8, [("choice", 10, 6, True), ("random", 1), ("choice", 1000, 3, True)]),
    (2**32 - 1, [("random", 4)]),
    (2**32, [("random", 2)]),
    (2**64 - 1, [("random", 2), ("choice", 30, 12, False)]),
]


# ---------------------------------------------------------------------------
# np.arange for floats (used by _create_bursty_input)
# ---------------------------------------------------------------------------
ARANGE_CASES = [
    (50.0, 170.0, 1000.0 / 15.0),
    (50.0, 1000.0, 100.0),
    (0.1, 1000.0, 1000.0 / 7.0),
    (7.3, 2000.0, 1000.0 / 22.0),
    (101.53781002, 170.0, 1000.0 / 10.0),
    (170.0, 170.0, 100.0),
    (180.0, 170.0, 100.0),
    (-12.25, 3000.0, 1000.0 / 37.0),
    (0.0, 0.30000000000000004, 0.1),
    # start + i*((start + step) - start) differs from start + i*step here:
    (300.0, 1000.0, 1000.0 / 3.0),
    (95.95770165, 3000.0, 1000.0 / 60.0),
    (268.6569336, 1000.0, 1000.0 / 33.3),
    # (stop - start) / step rounds up past an integer: one extra element
    (0.1, 0.4, 0.1),
]


# ---------------------------------------------------------------------------
# Direct _drive_cell_event_times calls
# ---------------------------------------------------------------------------
def drive_call_cases():
    cases = []
    evoked = [
        dict(mu=26.61, sigma=2.47, numspikes=1),
        dict(mu=3.0, sigma=4.0, numspikes=5),  # some times <= 0 are dropped
        dict(mu=160.0, sigma=15.0, numspikes=4),  # some times > tstop dropped
        dict(mu=63.53, sigma=0.0, numspikes=2),
    ]
    poisson = [
        (dict(tstart=0.0, tstop=170.0, rate_constant=10.0), "any"),
        (dict(tstart=50.0, tstop=150.0, rate_constant=85.0), "any"),
        (
            dict(
                tstart=0.0,
                tstop=170.0,
                rate_constant={"L2_basket": 40.0, "L5_pyramidal": 13.7},
            ),
            "L5_pyramidal",
        ),
        (
            dict(tstart=0.0, tstop=170.0, rate_constant={"L2_basket": 40.0}),
            "L2_pyramidal",  # legacy branch: no rate for this type -> []
        ),
        (dict(tstart=20.0, tstop=400.0, rate_constant=1.0), "any"),  # runs past tstop
    ]
    bursty = [
        dict(tstart=50.0, tstart_std=0.0, tstop=170.0, burst_rate=10.0,
             burst_std=20.0, numspikes=2, spike_isi=10.0),
        dict(tstart=50.0, tstart_std=5.0, tstop=170.0, burst_rate=15.0,
             burst_std=10.0, numspikes=3, spike_isi=5.0),
        dict(tstart=0.0, tstart_std=0.0, tstop=1000.0, burst_rate=22.0,
             burst_std=0.0, numspikes=1, spike_isi=10.0),
        dict(tstart=10.0, tstart_std=30.0, tstop=300.0, burst_rate=7.0,
             burst_std=12.5, numspikes=4, spike_isi=2.5),
    ]
    spike_train = [
        dict(times=[10.2, 25.3, -1.0, 15.1, 300.0, 30.4, 0.0], gids=[0, 1, 0, 0, 1, 1, 0]),
        dict(times=[], gids=[]),
    ]
    seeds = [(2, 0), (544, 37)]  # (event_seed, first gid of drive)
    for seed, gid0 in seeds:
        for trial_idx in range(3):
            for gid in (0, 5):
                common = dict(
                    tstop=170.0,
                    trial_idx=trial_idx,
                    drive_cell_gid=gid,
                    event_seed=seed + gid0,
                    trial_seed_offset=297,
                )
                for dyn in evoked:
                    cases.append(dict(drive_type="evoked", dynamics=dyn,
                                      target_type="any", **common))
                for dyn, tt in poisson:
                    cases.append(dict(drive_type="poisson", dynamics=dyn,
                                      target_type=tt, **common))
                for dyn in bursty:
                    c = dict(common)
                    c["tstop"] = dyn["tstop"]
                    cases.append(dict(drive_type="bursty", dynamics=dyn,
                                      target_type="any", **c))
    for dyn in spike_train:
        for gid in (0, 1, 2):
            cases.append(dict(drive_type="spike_train", dynamics=dyn,
                              target_type="any", tstop=170.0, trial_idx=1,
                              drive_cell_gid=gid, event_seed=0,
                              trial_seed_offset=297))
    # 'gaussian' (legacy extgauss) is the same code path as 'evoked'
    cases.append(dict(drive_type="gaussian", dynamics=evoked[1], target_type="any",
                      tstop=170.0, trial_idx=2, drive_cell_gid=3, event_seed=2,
                      trial_seed_offset=297))
    table = []
    out = []
    for c in cases:
        if c["dynamics"] not in table:
            table.append(c["dynamics"])
        res = _drive_cell_event_times(
            c["drive_type"],
            c["dynamics"],
            tstop=c["tstop"],
            target_type=c["target_type"],
            trial_idx=c["trial_idx"],
            drive_cell_gid=c["drive_cell_gid"],
            event_seed=c["event_seed"],
            trial_seed_offset=c["trial_seed_offset"],
        )
        rec = encode({k: v for k, v in c.items() if k != "dynamics"})
        rec["dynamics"] = table.index(c["dynamics"])
        rec["times"] = FL(res)
        out.append(rec)
    return dict(dynamics_table=encode(table), cases=out)


# ---------------------------------------------------------------------------
# Whole-network _instantiate_drives (records the calls hnn-core makes)
# ---------------------------------------------------------------------------
def instantiate_drives_case():
    calls = []
    conn_prob_calls = []
    holder = {}
    orig = hnn_core.network._drive_cell_event_times
    orig_cp = hnn_core.network._connection_probability

    def recorder(drive_type, dynamics, tstop, target_type="any", trial_idx=0,
                 drive_cell_gid=0, event_seed=0, trial_seed_offset=0):
        res = orig(drive_type, dynamics, tstop, target_type=target_type,
                   trial_idx=trial_idx, drive_cell_gid=drive_cell_gid,
                   event_seed=event_seed, trial_seed_offset=trial_seed_offset)
        names = [n for n, d in holder["net"].external_drives.items()
                 if d["dynamics"] is dynamics]
        assert len(names) == 1
        # compact row, see "call_fields"
        calls.append([names[0], drive_type, F(tstop), target_type, trial_idx,
                      drive_cell_gid, event_seed, trial_seed_offset, FL(res)])
        return res

    def cp_recorder(conn, probability, conn_seed=None):
        before = [[int(s), [int(t) for t in ts]] for s, ts in conn["gid_pairs"].items()]
        orig_cp(conn, probability, conn_seed)
        after = [[int(s), [int(t) for t in ts]] for s, ts in conn["gid_pairs"].items()]
        conn_prob_calls.append(dict(probability=F(probability), conn_seed=conn_seed,
                                    gid_pairs_in=before, gid_pairs_out=after))

    hnn_core.network._drive_cell_event_times = recorder
    hnn_core.network._connection_probability = cp_recorder
    try:
        net = jones_2009_model(mesh_shape=(3, 3))
        holder["net"] = net
        add_erp_drives_to_jones_model(net)
        net.add_poisson_drive(
            "poisson_any",
            tstart=10.0,
            tstop=150.0,
            rate_constant=40.0,
            weights_ampa={"L2_pyramidal": 1e-3, "L5_pyramidal": 1e-3},
            location="proximal",
            synaptic_delays=0.1,
            cell_specific=False,
            n_drive_cells=2,
            event_seed=17,
        )
        net.add_poisson_drive(
            "poisson_typed",
            tstart=0.0,
            tstop=None,
            rate_constant={"L2_basket": 55.0, "L5_pyramidal": 12.5},
            weights_ampa={"L2_basket": 1e-3, "L5_pyramidal": 1e-3},
            location="proximal",
            synaptic_delays=0.1,
            event_seed=99,
            probability=0.5,
            conn_seed=11,
        )
        net.add_bursty_drive(
            "beta_dist",
            tstart=50.0,
            tstart_std=5.0,
            tstop=None,
            burst_rate=15.0,
            burst_std=10.0,
            numspikes=2,
            spike_isi=10.0,
            n_drive_cells=3,
            location="distal",
            weights_ampa={"L2_pyramidal": 1e-3},
            synaptic_delays=0.1,
            event_seed=278,
        )
        net.add_spike_train_drive(
            "train",
            spike_data=[(12.5, 0), (40.0, 1), (-3.0, 0), (9.0, 0), (400.0, 1)],
            location="proximal",
            weights_ampa={"L5_pyramidal": 1e-3},
            synaptic_delays=0.1,
            # hnn-core 0.6.1 crashes in _attach_drive with the default
            # conn_seed=None (None + seed_increment), so pass one
            conn_seed=3,
        )
        tstop = 170.0
        # dipole.simulate_dipole replaces tstop=None in drive dynamics first
        for drive in net.external_drives.values():
            if "tstop" in drive["dynamics"] and drive["dynamics"]["tstop"] is None:
                drive["dynamics"]["tstop"] = tstop
        net._instantiate_drives(tstop=tstop, n_trials=3)
    finally:
        hnn_core.network._drive_cell_event_times = orig
        hnn_core.network._connection_probability = orig_cp

    drives = []
    for name, drive in net.external_drives.items():
        dyn = dict(drive["dynamics"])
        drives.append(
            dict(
                name=name,
                type=drive["type"],
                dynamics=encode(dyn),
                event_seed=int(drive["event_seed"]),
                cell_specific=bool(drive["cell_specific"]),
                gid_range=[int(net.gid_ranges[name][0]), int(net.gid_ranges[name][-1]) + 1],
                events=[[FL(cell) for cell in trial] for trial in drive["events"]],
            )
        )
    return dict(
        model="jones_2009_model(mesh_shape=(3, 3)) + add_erp_drives_to_jones_model "
        "+ poisson/bursty/spike_train drives (see script)",
        tstop=F(170.0),
        n_trials=3,
        n_gids=int(net._n_gids),
        drives=drives,
        call_fields=["drive", "drive_type", "tstop", "target_type", "trial_idx",
                     "drive_cell_gid", "event_seed", "trial_seed_offset", "times"],
        calls=calls,
        connection_probability_calls=conn_prob_calls,
    )


# ---------------------------------------------------------------------------
# _connection_probability on synthetic gid_pairs
# ---------------------------------------------------------------------------
def connection_probability_cases():
    out = []
    specs = [
        # (n_src, n_target_per_src, probability, conn_seed)
        (9, 1, 0.5, 3),  # one-to-one drive -> 9 targets
        (1, 9, 0.5, 3),
        (10, 10, 0.5, 4),  # 100 connections
        (10, 100, 0.5, 5),  # 1000 connections
        (9, 8, 0.25, 0),
        (3, 5, 0.9, 12345),
        (200, 100, 0.05, 7),  # 20000 connections, tail-shuffle path
        (4, 2, 0.1, 2),  # round(0.8) = 1
        (5, 1, 0.1, 2),  # round(0.5) = 0 (round half to even) -> all removed
        (3, 5, 0.5, 2),  # round(7.5) = 8
    ]
    for n_src, n_tgt, p, seed in specs:
        gid_pairs = {}
        for s in range(n_src):
            # targets are arbitrary gids (not indices) to keep them distinct
            gid_pairs[1000 + 7 * s] = [3 * s + 11 * t for t in range(n_tgt)]
        conn = {"gid_pairs": {k: list(v) for k, v in gid_pairs.items()}}
        _connection_probability(conn, p, seed)
        # flat indices (in gid_pairs iteration order) of the kept connections
        flat_in = [(s, t) for s, ts in gid_pairs.items() for t in ts]
        flat_out = set((s, t) for s, ts in conn["gid_pairs"].items() for t in ts)
        kept = [i for i, st in enumerate(flat_in) if st in flat_out]
        rec = dict(
            n_src=n_src,
            n_target_per_src=n_tgt,
            gid_pairs_rule="src = 1000 + 7*s (s < n_src); targets = [3*s + 11*t for t < n_target_per_src]",
            probability=F(p),
            conn_seed=seed,
            kept_flat_indices=kept,
        )
        if len(flat_in) <= 100:
            rec["gid_pairs_out"] = [[int(s), [int(t) for t in ts]]
                                    for s, ts in conn["gid_pairs"].items()]
        out.append(rec)
    return out


def main():
    p = common.parser(__doc__, out=OUT_ROOT, worker=False)
    args = p.parse_args()
    hnn_v, _, np_v = common.versions()
    ref = dict(
        header=dict(
            produced_by=SCRIPT_REL,
            command=f"/work/venv/bin/python {SCRIPT_REL}",
            date_utc=common.utc_timestamp(),
            numpy_version=np_v,
            hnn_core_version=hnn_v,
            python_version=sys.version.split()[0],
            platform=platform.platform(),
            machine=platform.machine(),
            float_encoding="every float is a string holding Python repr(float) "
            "(shortest round-trip decimal); parse with str::parse::<f64>",
        ),
        random_state=[rs_case(s, long=(s in (0, 2**32 - 1, 7))) for s in RS_SEEDS],
        generator=[gen_case(seed, ops) for seed, ops in GEN_CASES],
        arange=[
            dict(start=F(a), stop=F(b), step=F(c), values=FL(np.arange(a, b, c)))
            for a, b, c in ARANGE_CASES
        ],
        drive_calls=drive_call_cases(),
        instantiate_drives=instantiate_drives_case(),
        connection_probability=connection_probability_cases(),
    )
    text = json.dumps(ref, separators=(",", ":"))
    os.makedirs(args.out, exist_ok=True)
    out_path = op.join(args.out, OUT_FILE)
    with open(out_path, "w") as fh:
        fh.write(text)
        fh.write("\n")
    print(f"wrote {out_path} ({len(text) / 1024:.1f} KiB)")


if __name__ == "__main__":
    main()
