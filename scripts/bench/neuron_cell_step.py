#!/usr/bin/env python
"""NEURON's cost of one fixed time step of one hnn-core L5 pyramidal cell.

Builds one L5_pyramidal cell exactly as scripts/reference/single_cell.py does
(hnn-core 0.6.1's NetworkBuilder recipe: dipole mechanisms inserted, spike
detector registered with the ParallelContext, fixed step dt = 0.025 ms,
celsius = 37) with a somatic step current (the golden `step` case's
amplitude and delay; by default held until tstop so that the cell keeps
firing), then times `pc.psolve(tstop)` -- excluding setup, finitialize and
fcurrent -- `--repeats` times and prints, as the last line, one JSON object:

    {"simulator": "NEURON", "ns_per_compartment_step": <best run>,
     "n_compartments": sum(sec.nseg), "steps": tstop/dt, ...}

Usage:  python scripts/bench/neuron_cell_step.py [tstop_ms] [--repeats N]
        [--amp nA] [--delay ms] [--dur ms]
"""

import argparse
import json
import os.path as op
import statistics
import sys
import time

sys.path.insert(0, op.join(op.dirname(op.abspath(__file__)), "..", "reference"))
import single_cell as sc  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("tstop", nargs="?", type=float, default=1000.0, help="ms")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--amp", type=float, default=sc.STEP["L5_pyramidal"], help="nA")
    p.add_argument("--delay", type=float, default=10.0, help="ms")
    p.add_argument("--dur", type=float, default=None,
                   help="ms (default: until tstop)")
    args = p.parse_args()
    tstop = args.tstop
    dur = tstop if args.dur is None else args.dur

    sim = sc.Sim("L5_pyramidal")
    sim.add_stimulus(dict(kind="iclamp", section="soma", loc=0.5,
                          amp_nA=args.amp, delay_ms=args.delay, dur_ms=dur))
    h = sim.h
    n_comp = int(sum(sec.nseg for sec in sim.secs.values()))
    steps = int(round(tstop / sc.DT))

    times = list()
    n_spikes = list()
    for _ in range(args.repeats):
        sim.init(tstop)
        sim.init_events(tstop)
        h.fcurrent()
        t0 = time.perf_counter()
        sim.pc.psolve(tstop)
        times.append(time.perf_counter() - t0)
        n_spikes.append(int(sim.spike_t.size()))
        assert abs(h.t - tstop) < sc.DT, h.t

    best = min(times)
    out = {
        "simulator": "NEURON",
        "ns_per_compartment_step": best * 1e9 / (n_comp * steps),
        "n_compartments": n_comp,
        "steps": steps,
        "seconds": best,
        "median_seconds": statistics.median(times),
        "repeats": args.repeats,
        "tstop_ms": tstop,
        "dt_ms": sc.DT,
        "iclamp": {"amp_nA": args.amp, "delay_ms": args.delay, "dur_ms": dur},
        "spikes_last_run": n_spikes[-1],
        "neuron_version": sc._versions()[1],
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
