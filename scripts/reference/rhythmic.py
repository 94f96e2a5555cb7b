#!/usr/bin/env python
"""Golden data for rhythmic networks (tests/data/rhythmic/).

Runs hnn-core 0.6.1 (NEURON 8.2) on hnn-core's rhythm examples, on a 3x3 mesh,
for 300+ ms, and writes tests/data/rhythmic/<case>.h5: the dipole, the spikes,
the spike counts and firing rates per cell type, and the spectral peak of the
aggregate dipole. tests/fast_mode_rhythmic.rs compares hnn-mpi (exact and fast
numerics) against them, building each network from the TOML config beside the
file (<case>.toml), which expresses the same hnn-core calls.

Cases (dt 0.025 ms, one trial):

gamma_3x3       hnn-core's gamma example (examples/workflows/plot_simulate_gamma.py),
                its "strong PING" part: params = read_params('gamma_L5weak_L2weak.json');
                net = jones_2009_model(params, mesh_shape=(3, 3)); its Poisson drive
                (event_seed 1349); net.add_tonic_bias(cell_type='L5_pyramidal',
                amplitude=6.0); tstop 300 ms. Every cell type fires; ~65 Hz peak.
alpha_3x3       hnn-core's alpha/beta example (examples/workflows/plot_simulate_alpha.py),
                first part: jones_2009_model(mesh_shape=(3, 3)) + the ~10 Hz bursty
                drive 'alpha_prox' (proximal, event_seed 284); tstop 310 ms.
alpha_beta_3x3  the same example's second part: plus the 10 Hz distal bursty drive
                'alpha_dist' (burst_std 15, event_seed 296); tstop 310 ms (beta peak).
alpha_spiking_3x3
                alpha_3x3 with the drive strong enough for every cell type to
                fire: weights 2e-4 uS (not 5.4e-5) and burst_std 5 ms (not
                20); tstop 310 ms (~10 Hz peak, its 20 Hz harmonic next).

In alpha_3x3 and alpha_beta_3x3 the rhythm is sub-threshold (the example's
weights, 5.4e-5 uS): no cell fires, in NEURON as in the example; the firing
rates recorded are 0 (hence alpha_spiking_3x3). Also tried on 3x3 meshes
and not kept: the weak-PING part of the gamma example (no bias), and the
alpha/beta drives with weights of 1e-4 to 6e-4 uS and the example's 15-20 ms
jitter (cells firing): their spectra have several peaks of similar power
(second peak 0.8-0.95 of the first), so no single peak frequency
characterises them.

Spectral peak (how hnn-core's plot_psd computes the spectrum, with a finer
frequency grid): x = dpls[0].data['agg'][i0:] with i0 the first sample at
t >= TMIN_MS (50 ms, the gamma example's tmin; the bursty drives start at
50 ms); scipy.signal.periodogram(x, fs=dpl.sfreq, window='hamming',
nfft=round(fs / 0.1)) (zero-padded to a 0.1 Hz grid; plot_psd passes
nfft=len(x), a 3.8 Hz grid here); the peak is the frequency of the largest
PSD value within the case's band (gamma 20-100 Hz as the example's plot_psd,
alpha/beta 5-40 Hz).

Usage (from the repository root; about 30 s):

    /work/venv/bin/python scripts/reference/rhythmic.py
    /work/venv/bin/python scripts/reference/rhythmic.py --case gamma_3x3
    /work/venv/bin/python scripts/reference/rhythmic.py --list

Each case runs in a fresh Python process (--worker), as network.py does.
"""

import json
import os
import os.path as op
import time

import common

SCRIPT_REL = common.script_rel(__file__)
OUT_ROOT = common.data_dir("rhythmic")

DT = 0.025
MESH = (3, 3)
TMIN_MS = 50.0
GRID_HZ = 0.1

# plot_simulate_gamma.py, verbatim
GAMMA_POISSON = dict(
    rate_constant={"L2_pyramidal": 140.0, "L5_pyramidal": 40.0},
    weights_ampa={"L2_pyramidal": 0.0008, "L5_pyramidal": 0.0075},
    location="proximal",
    synaptic_delays={"L2_pyramidal": 0.1, "L5_pyramidal": 1.0},
    event_seed=1349,
)
GAMMA_BIAS = dict(cell_type="L5_pyramidal", amplitude=6.0)

# plot_simulate_alpha.py, verbatim
ALPHA_PROX = dict(
    tstart=50.0, burst_rate=10, burst_std=20, numspikes=2, spike_isi=10,
    n_drive_cells=10, location="proximal",
    weights_ampa={"L2_pyramidal": 5.4e-5, "L5_pyramidal": 5.4e-5},
    synaptic_delays={"L2_pyramidal": 0.1, "L5_pyramidal": 1.0},
    event_seed=284,
)
# alpha_spiking_3x3: ALPHA_PROX with these changes
ALPHA_SPIKING = dict(
    ALPHA_PROX, burst_std=5,
    weights_ampa={"L2_pyramidal": 2e-4, "L5_pyramidal": 2e-4},
)
ALPHA_DIST = dict(
    tstart=50.0, burst_rate=10, burst_std=15, numspikes=2, spike_isi=10,
    n_drive_cells=10, location="distal",
    weights_ampa={"L2_pyramidal": 5.4e-5, "L5_pyramidal": 5.4e-5},
    synaptic_delays={"L2_pyramidal": 5.0, "L5_pyramidal": 5.0},
    event_seed=296,
)

CASES = {
    "gamma_3x3": dict(tstop=300.0, band_hz=[20.0, 100.0]),
    "alpha_3x3": dict(tstop=310.0, band_hz=[5.0, 40.0]),
    "alpha_beta_3x3": dict(tstop=310.0, band_hz=[5.0, 40.0]),
    "alpha_spiking_3x3": dict(tstop=310.0, band_hz=[5.0, 40.0]),
}
CELL_TYPES = ["L2_basket", "L2_pyramidal", "L5_basket", "L5_pyramidal"]


def build_net(name):
    """(net, calls) of a case."""
    import hnn_core
    from hnn_core import jones_2009_model, read_params

    calls = list()
    if name == "gamma_3x3":
        fname = op.join(op.dirname(hnn_core.__file__), "param", "gamma_L5weak_L2weak.json")
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
    else:
        net = jones_2009_model(mesh_shape=MESH)
        prox = ALPHA_SPIKING if name == "alpha_spiking_3x3" else ALPHA_PROX
        net.add_bursty_drive("alpha_prox", **prox)
        calls += [
            f"net = hnn_core.jones_2009_model(mesh_shape={MESH})",
            f"net.add_bursty_drive('alpha_prox', **{prox!r})",
        ]
        if name == "alpha_beta_3x3":
            net.add_bursty_drive("alpha_dist", **ALPHA_DIST)
            calls.append(f"net.add_bursty_drive('alpha_dist', **{ALPHA_DIST!r})")
    return net, calls


def spectral_peak(times, agg, sfreq, band):
    """(peak Hz, i0, nfft, freqs in band, psd in band) as the docstring says."""
    import numpy as np
    from scipy.signal import periodogram

    i0 = int(np.argmax(np.asarray(times) >= TMIN_MS))
    nfft = int(round(sfreq / GRID_HZ))
    freqs, psd = periodogram(np.asarray(agg)[i0:], sfreq, window="hamming", nfft=nfft)
    sel = (freqs >= band[0]) & (freqs <= band[1])
    k = int(np.argmax(psd[sel]))
    return float(freqs[sel][k]), i0, nfft, freqs[sel], psd[sel]


def run_case(name):
    import numpy as np
    from hnn_core import simulate_dipole

    case = CASES[name]
    net, calls = build_net(name)
    t0 = time.perf_counter()
    dpls = simulate_dipole(net, tstop=case["tstop"], dt=DT, n_trials=1, postproc=False,
                           verbose=False)
    wall = time.perf_counter() - t0
    calls.append(f"dpls = hnn_core.simulate_dipole(net, tstop={case['tstop']!r}, dt={DT!r}, "
                 "n_trials=1, postproc=False)  # JoblibBackend(n_jobs=1)")
    d = dpls[0]
    times = np.asarray(d.times)
    st, sg = common.spikes(net, 0)
    counts = common.spike_counts(net, sg)
    peak, i0, nfft, freqs, psd = spectral_peak(times, d.data["agg"], d.sfreq, case["band_hz"])
    window_s = (times[-1] - times[i0]) / 1000.0
    n_cells = {ct: len(net.gid_ranges[ct]) for ct in CELL_TYPES}
    # per cell type: spikes per cell per second after TMIN_MS
    rates = list()
    for ct in CELL_TYPES:
        r = net.gid_ranges[ct]
        n = sum(1 for g, t in zip(sg, st) if r.start <= g < r.stop and t >= times[i0])
        rates.append(n / n_cells[ct] / window_s)
    return dict(
        name=name, calls=calls, wall=wall, times=times, sfreq=float(d.sfreq),
        dipole={k: np.asarray(d.data[k]) for k in ("agg", "L2", "L5")},
        spike_times=np.asarray(st, dtype=np.float64), spike_gids=np.asarray(sg, dtype=np.int64),
        counts=counts, n_cells=n_cells, rates=rates, window_s=window_s,
        peak=peak, i0=i0, nfft=nfft, freqs=freqs, psd=psd,
        gid_ranges={k: [r.start, r.stop] for k, r in net.gid_ranges.items()},
        drives=common.drive_info(net), tonic_biases=net.external_biases,
        drive_events=common.drive_events(net, 0),
    )


def write_h5(path, res):
    import h5py
    import numpy as np
    import scipy

    name, case = res["name"], CASES[res["name"]]
    hv, nv, npv = common.versions()
    gz = dict(compression="gzip", compression_opts=9, shuffle=True)
    with h5py.File(path, "w") as f:
        a = f.attrs
        a["generated_by"] = SCRIPT_REL
        a["hnn_core_version"] = hv
        a["neuron_version"] = nv
        a["numpy_version"] = npv
        a["scipy_version"] = scipy.__version__
        a["h5py_version"] = h5py.__version__
        a["date"] = common.utc_date()
        a["case"] = name
        a["calls"] = " ; ".join(res["calls"])
        a["config"] = f"tests/data/rhythmic/{name}.toml"
        a["tstop_ms"] = case["tstop"]
        a["dt_ms"] = DT
        a["mesh_shape"] = np.array(MESH, dtype=np.int64)
        a["gid_ranges"] = json.dumps(res["gid_ranges"])
        a["drives"] = json.dumps(common.py(res["drives"]))
        a["tonic_biases"] = json.dumps(common.py(res["tonic_biases"]))
        a["simulate_dipole_wall_seconds"] = round(res["wall"], 3)
        f.create_dataset("times", data=res["times"], **gz)
        f["times"].attrs["units"] = "ms"
        f["times"].attrs["note"] = "dpls[0].times (NEURON's recorded h.t, accumulated)"
        g = f.create_group("dipole")
        g.attrs["units"] = "nAm"
        g.attrs["note"] = (
            "dpls[0].data[k] of simulate_dipole(postproc=False): per-layer sums, "
            "baseline-renormalised, fAm -> nAm; unsmoothed, unscaled; every sample")
        for k, v in res["dipole"].items():
            g.create_dataset(k, data=v, **gz)
        s = f.create_group("spikes")
        s.attrs["note"] = ("net.cell_response.spike_times/spike_gids[0] (ms; drive-cell "
                           "events included)")
        s.create_dataset("times", data=res["spike_times"], **gz)
        s.create_dataset("gids", data=res["spike_gids"], **gz)
        names = list(res["counts"])
        f.create_dataset("spike_counts", data=np.array([res["counts"][k] for k in names],
                                                       dtype=np.int64))
        f["spike_counts"].attrs["columns"] = json.dumps(names)
        f["spike_counts"].attrs["note"] = "spikes per gid range over the whole run"
        f.create_dataset("firing_rate_hz", data=np.array(res["rates"]))
        f["firing_rate_hz"].attrs["columns"] = json.dumps(CELL_TYPES)
        f["firing_rate_hz"].attrs["n_cells"] = np.array(
            [res["n_cells"][c] for c in CELL_TYPES], dtype=np.int64)
        f["firing_rate_hz"].attrs["window_s"] = res["window_s"]
        f["firing_rate_hz"].attrs["note"] = (
            "spikes of the type at t >= times[start_index] / n_cells / window_s, "
            "window_s = (times[-1] - times[start_index]) / 1000")
        sp = f.create_group("spectrum")
        sp.attrs["peak_hz"] = res["peak"]
        sp.attrs["start_index"] = res["i0"]
        sp.attrs["tmin_ms"] = TMIN_MS
        sp.attrs["sfreq_hz"] = res["sfreq"]
        sp.attrs["nfft"] = res["nfft"]
        sp.attrs["band_hz"] = np.array(case["band_hz"])
        sp.attrs["note"] = (
            "scipy.signal.periodogram(dipole/agg[start_index:], sfreq_hz, "
            "window='hamming', nfft=nfft) (detrend='constant', density); freqs_hz/psd "
            "= the terms within band_hz; peak_hz = freqs_hz[argmax(psd)]")
        sp.create_dataset("freqs_hz", data=res["freqs"], **gz)
        sp.create_dataset("psd", data=res["psd"], **gz)
        sp["psd"].attrs["units"] = "nAm^2/Hz"
        ev = f.create_group("drive_events")
        ev.attrs["note"] = "per drive: event times (ms) of each drive cell, concatenated; " \
                           "'<drive>_n' = events per drive cell"
        for dn, cells in res["drive_events"].items():
            ev.create_dataset(dn, data=np.array([t for c in cells for t in c]))
            ev.create_dataset(dn + "_n", data=np.array([len(c) for c in cells], dtype=np.int64))


def work(spec):
    res = run_case(spec["case"])
    path = op.join(spec["out"], f"{spec['case']}.h5")
    write_h5(path, res)
    return dict(size=os.path.getsize(path), counts=res["counts"], rates=res["rates"],
                peak=res["peak"], wall=res["wall"])


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
        print(f"== {name}: {res['size'] / 1024:.0f} KiB, simulate_dipole {res['wall']:.1f} s, "
              f"spectral peak {res['peak']:.1f} Hz, spikes {res['counts']}, "
              f"rates (Hz, {', '.join(CELL_TYPES)}) "
              f"{[round(r, 3) for r in res['rates']]}", flush=True)


if __name__ == "__main__":
    main()
