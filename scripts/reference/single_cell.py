#!/usr/bin/env python
"""Single-cell reference data generator for hnn-mpi.

Builds each of hnn-core 0.6.1's four default cell types (L2_pyramidal,
L5_pyramidal, L2_basket, L5_basket) in NEURON exactly the way hnn-core's
``NetworkBuilder`` / ``_simulate_single_trial`` do, applies a set of
stimulation cases (somatic current step, single synaptic events, event
trains at off-grid times), and writes

    tests/data/single_cell/<cell_type>/structure.json
    tests/data/single_cell/<cell_type>/<case>.csv
    tests/data/single_cell/cases.json

Every case (and every structure dump) runs in its own fresh Python process
(this script re-invokes itself with ``--worker``) so that no NEURON state
leaks between cases.

Usage (from the repository root):

    /path/to/venv/bin/python scripts/reference/single_cell.py
    /path/to/venv/bin/python scripts/reference/single_cell.py --cell L5_pyramidal
    /path/to/venv/bin/python scripts/reference/single_cell.py --list

See scripts/reference/README.md.
"""

import json
import os
import os.path as op
import re
import time

import common

SCRIPT_REL = common.script_rel(__file__)
OUT_ROOT = common.data_dir("single_cell")

CELL_TYPES = ["L2_pyramidal", "L5_pyramidal", "L2_basket", "L5_basket"]
PYRAMIDAL = ("L2_pyramidal", "L5_pyramidal")

DT = 0.025  # ms, hnn-core default
CELSIUS = 37.0  # hnn-core net._params["celsius"]
THRESHOLD = 0.0  # hnn-core net._params["threshold"] (spike detection, mV)
TSTOP = 100.0  # ms
STRIDE = 4  # write every 4th recorded step (0.1 ms)
EVENT_T = 20.0  # ms, single synaptic event time (VecStim)
NC_DELAY = 1.0  # ms, NetCon delay
MULTI_EVENT_TIMES = [20.0137, 35.5, 60.01]  # off-grid event times (ms)

# ---------------------------------------------------------------------------
# Stimulation cases.  Weights are in uS (NetCon weight into an Exp2Syn), one
# NetCon per targeted section, all with the same weight and delay.  The
# values were chosen by hand (see README) so that every response is several
# mV at the soma and at least one excitatory case per cell fires.
# ---------------------------------------------------------------------------
STEP = {
    # delay 10 ms, duration 80 ms, amplitude in nA (somatic IClamp at 0.5)
    "L2_pyramidal": 1.5,
    "L5_pyramidal": 3.0,
    "L2_basket": 0.3,
    "L5_basket": 0.3,
}

SYN_WEIGHTS = {
    # (receptor, location) -> weight_uS; all sub-threshold at the soma (the
    # excitatory ones at roughly half of the weight that makes the soma fire)
    "L2_pyramidal": {
        ("ampa", "proximal"): 0.0005,
        ("ampa", "distal"): 0.0012,
        ("nmda", "proximal"): 0.00025,
        ("nmda", "distal"): 0.0006,
        ("gabaa", "proximal"): 0.02,
        ("gabaa", "distal"): 0.05,
        ("gabaa", "soma"): 0.05,
        ("gabab", "proximal"): 0.02,
        ("gabab", "distal"): 0.05,
        ("gabab", "soma"): 0.05,
    },
    "L5_pyramidal": {
        ("ampa", "proximal"): 0.0015,
        ("ampa", "distal"): 0.0006,
        ("nmda", "proximal"): 0.001,
        ("nmda", "distal"): 0.0004,
        ("gabaa", "proximal"): 0.05,
        ("gabaa", "distal"): 0.05,
        ("gabaa", "soma"): 0.05,
        ("gabab", "proximal"): 0.05,
        ("gabab", "distal"): 0.05,
        ("gabab", "soma"): 0.05,
    },
    # basket cells: L2_basket proximal == distal == ['soma'] and L5_basket
    # proximal == ['soma'] (distal == []), so one 'soma' case per receptor
    "L2_basket": {
        ("ampa", "soma"): 0.0006,
        ("nmda", "soma"): 0.0006,
        ("gabaa", "soma"): 0.01,
    },
    "L5_basket": {
        ("ampa", "soma"): 0.0006,
        ("nmda", "soma"): 0.0006,
        ("gabaa", "soma"): 0.01,
    },
}

# supra-threshold excitatory single event, and a train of events at off-grid
# times (MULTI_EVENT_TIMES) with the same synapse and weight
STRONG = {
    "L2_pyramidal": ("ampa", "proximal", 0.002),
    "L5_pyramidal": ("ampa", "proximal", 0.004),
    "L2_basket": ("ampa", "soma", 0.002),
    "L5_basket": ("ampa", "soma", 0.002),
}
MULTI = STRONG


def _cell_template(cell_type):
    """hnn-core Cell object (not yet built), as in hnn-core's Network."""
    from hnn_core.cells_default import pyramidal, basket

    if cell_type in PYRAMIDAL:
        return pyramidal(cell_type, pos=(0, 0, 0), gid=0)
    return basket(cell_type, pos=(0, 0, 0), gid=0)


def _location_sections(cell, location):
    """Sections targeted by a drive at `location`, as NetworkBuilder does."""
    if location in cell.sect_loc:
        return list(cell.sect_loc[location])
    return [location]


def get_cases():
    """Return {cell_type: [case, ...]} (pure python, no NEURON objects)."""

    cases = dict()
    for ct in CELL_TYPES:
        cell = _cell_template(ct)
        lst = list()
        amp = STEP[ct]
        lst.append(
            dict(
                name="step",
                tstop=TSTOP,
                stimulus=[
                    dict(
                        kind="iclamp",
                        section="soma",
                        loc=0.5,
                        amp_nA=amp,
                        delay_ms=10.0,
                        dur_ms=80.0,
                    )
                ],
            )
        )

        def syn_stim(receptor, location, weight, times):
            secs = _location_sections(cell, location)
            syn = cell.synapses[receptor]
            return dict(
                kind="syn",
                receptor=receptor,
                location=location,
                sections=secs,
                loc=0.5,
                weight_uS=weight,
                nc_delay_ms=NC_DELAY,
                event_times_ms=list(times),
                synapse=dict(
                    mechanism="Exp2Syn",
                    e=float(syn["e"]),
                    tau1=float(syn["tau1"]),
                    tau2=float(syn["tau2"]),
                ),
            )

        seen_sections = dict()
        for (receptor, location), w in SYN_WEIGHTS[ct].items():
            secs = _location_sections(cell, location)
            key = (receptor, tuple(secs))
            if key in seen_sections:
                raise RuntimeError(f"duplicate case {ct} {receptor} {secs}")
            seen_sections[key] = location
            lst.append(
                dict(
                    name=f"{receptor}_{location}",
                    tstop=TSTOP,
                    stimulus=[syn_stim(receptor, location, w, [EVENT_T])],
                )
            )
        receptor, location, w = STRONG[ct]
        lst.append(
            dict(
                name=f"{receptor}_{location}_strong",
                tstop=TSTOP,
                stimulus=[syn_stim(receptor, location, w, [EVENT_T])],
            )
        )
        receptor, location, w = MULTI[ct]
        lst.append(
            dict(
                name=f"{receptor}_{location}_multi",
                tstop=TSTOP,
                stimulus=[syn_stim(receptor, location, w, MULTI_EVENT_TIMES)],
                record_syn_g=True,
            )
        )
        for c in lst:
            c["dt"] = DT
            c["write_stride"] = STRIDE
            c["file"] = f"{ct}/{c['name']}.csv"
        cases[ct] = lst
    return cases


# ---------------------------------------------------------------------------
# NEURON side (only used inside worker processes)
# ---------------------------------------------------------------------------
class Sim:
    """Build one hnn-core cell in NEURON as NetworkBuilder does."""

    def __init__(self, cell_type):
        # importing network_builder calls h.nrnunit_use_legacy(1)
        from hnn_core import network_builder as nb
        from neuron import h

        self.h = h
        self.cell_type = cell_type
        # NetworkBuilder._build -> _create_parallel_context
        self.pc = h.ParallelContext()
        self.cvode = h.CVode()
        self.cvode.active(0)  # fixed step
        nb.load_custom_mechanisms(net_verbose=False)

        # NetworkBuilder._create_cells_and_drives: cell_object.copy(), gid,
        # pos, then build(sec_name_apical='apical_trunk') iff measure_dipole
        # (True for pyramidal cells, False for baskets in every hnn-core
        # default network).  The template's __init__ already ran
        # _compute_section_mechs() (distance-dependent gbar_ar for L5Pyr).
        template = _cell_template(cell_type)
        cell = template.copy()
        self.has_dipole = cell_type in PYRAMIDAL
        if self.has_dipole:
            cell.build(sec_name_apical="apical_trunk")
        else:
            cell.build()
        self.cell = cell
        self.secs = cell._nrn_sections  # hnn-core order
        # setup_source_netcon + pc.cell (spike detection at soma(0.5))
        self.pc.set_gid2node(cell.gid, 0)
        self.src_nc = cell.setup_source_netcon(THRESHOLD)
        self.pc.cell(cell.gid, self.src_nc)
        self.spike_t = h.Vector()
        self.spike_gid = h.Vector()
        self.pc.spike_record(cell.gid, self.spike_t, self.spike_gid)
        self._keep = list()

    def add_stimulus(self, stim, record_syn_g=False):
        h = self.h
        if stim["kind"] == "iclamp":
            # same as Cell.create_tonic_bias
            ic = h.IClamp(self.secs[stim["section"]](stim["loc"]))
            ic.delay = stim["delay_ms"]
            ic.dur = stim["dur_ms"]
            ic.amp = stim["amp_nA"]
            self._keep.append(ic)
            return [("i_iclamp_nA", ic._ref_i)]
        elif stim["kind"] == "syn":
            vec = h.Vector()
            vec.from_python(stim["event_times_ms"])
            vs = h.VecStim()
            vs.play(vec)
            self._keep += [vec, vs]
            refs = list()
            for sec_name in stim["sections"]:
                syn = self.cell._nrn_synapses[f"{sec_name}_{stim['receptor']}"]
                assert syn.e == stim["synapse"]["e"]
                assert syn.tau1 == stim["synapse"]["tau1"]
                assert syn.tau2 == stim["synapse"]["tau2"]
                nc = h.NetCon(vs, syn)
                nc.weight[0] = stim["weight_uS"]
                nc.delay = stim["nc_delay_ms"]
                self._keep.append(nc)
                if record_syn_g and not refs:
                    refs.append(("g_syn_uS", syn._ref_g))
            return refs
        raise ValueError(stim["kind"])

    def init(self, tstop):
        """_simulate_single_trial up to (not including) psolve."""
        h = self.h
        h.load_file("stdrun.hoc")
        h.tstop = tstop
        h.dt = DT
        h.celsius = CELSIUS
        self.pc.set_maxstep(10)
        h.finitialize()  # NO voltage argument: per-section v0 stands

    def init_events(self, tstop):
        # hnn-core schedules (print-only) cvode events every 10 ms on rank 0
        for tt in range(0, int(tstop), 10):
            self.cvode.event(tt, _noop)

    def run(self, tstop):
        self.h.fcurrent()
        t0 = time.perf_counter()
        self.pc.psolve(tstop)
        return time.perf_counter() - t0


def _noop():
    pass


# ------------------------------- structure --------------------------------
def _mech_var_names(h, mech):
    out = dict()
    for vartype, label in ((1, "parameter"), (2, "assigned"), (3, "state")):
        ms = h.MechanismStandard(mech, vartype)
        ref = h.ref("")
        for i in range(int(ms.count())):
            size = int(ms.name(ref, i))
            out[ref[0]] = (label, size)
    return out


def _parse_mod_globals(mod_path):
    """Names of GLOBAL variables (explicit or PARAMETER-not-RANGE)."""
    txt = open(mod_path).read()
    txt = re.sub(r"COMMENT.*?ENDCOMMENT", "", txt, flags=re.S)
    txt = re.sub(r":[^\n]*", "", txt)
    m = re.search(r"NEURON\s*{(.*?)}", txt, flags=re.S)
    neuron_blk = m.group(1)
    suffix = re.search(r"(SUFFIX|POINT_PROCESS|ARTIFICIAL_CELL)\s+(\w+)", neuron_blk)
    kind, suffix = suffix.group(1), suffix.group(2)
    declared = set()
    globals_ = list()
    for line in neuron_blk.splitlines():
        toks = re.split(r"[\s,]+", line.strip())
        if not toks or not toks[0]:
            continue
        if toks[0] == "GLOBAL":
            globals_ += [t for t in toks[1:] if t]
        if toks[0] in ("RANGE", "POINTER", "USEION", "READ", "WRITE",
                       "NONSPECIFIC_CURRENT", "GLOBAL"):
            declared.update(toks[1:])
    m = re.search(r"PARAMETER\s*{(.*?)}", txt, flags=re.S)
    if m:
        for line in m.group(1).splitlines():
            line = re.sub(r"\(.*?\)|<.*?>", " ", line).split("=")[0]
            for name in re.findall(r"[A-Za-z_]\w*", line):
                if name in ("v", "dt", "celsius", "t") or name in declared:
                    continue
                globals_.append(name)
    tables = [ln.strip() for ln in txt.splitlines() if "TABLE" in ln]
    seen = list()
    for g in globals_:
        if g not in seen:
            seen.append(g)
    return kind, suffix, seen, tables


ION_VARS = {
    # MechanismStandard's vartype split is not meaningful for ions; list
    # every ion range variable explicitly
    "na_ion": ["ena", "nai", "nao", "ina", "dina_dv_"],
    "k_ion": ["ek", "ki", "ko", "ik", "dik_dv_"],
    "ca_ion": ["eca", "cai", "cao", "ica", "dica_dv_"],
}


def _segment_mechs(h, seg, var_cache):
    out = dict()
    for mech in seg:
        name = mech.name()
        if name not in var_cache:
            if name in ION_VARS:
                var_cache[name] = {v: ("ion", 1) for v in ION_VARS[name]}
            else:
                var_cache[name] = _mech_var_names(h, name)
        vals = dict()
        for var, (label, size) in var_cache[name].items():
            if size != 1:
                vals[var] = [float(getattr(seg, var)[i]) for i in range(size)]
            else:
                vals[var] = float(getattr(seg, var))
        out[name] = vals
    return out


def _snapshot(sim, var_cache):
    h = sim.h
    snap = dict()
    for name, sec in sim.secs.items():
        nodes = list()
        for seg in sec.allseg():
            nodes.append(
                dict(v=float(seg.v), mechanisms=_segment_mechs(h, seg, var_cache))
            )
        snap[name] = nodes
    return snap


def _decode_ion_style(st):
    # NEURON docs: c_style + 4*cinit + 8*e_style + 32*einit + 64*eadvance
    # (bit 128 is internal/undocumented)
    return dict(
        raw=st,
        c_style=st & 3,
        cinit=(st >> 2) & 1,
        e_style=(st >> 3) & 3,
        einit=(st >> 5) & 1,
        eadvance=(st >> 6) & 1,
        bit128=(st >> 7) & 1,
    )


def _jsonable(x):
    import math

    if isinstance(x, float) and not math.isfinite(x):
        return repr(x)
    return x


def dump_structure(cell_type, out_path):
    from hnn_core.cell import _get_cos_theta

    sim = Sim(cell_type)
    h = sim.h
    cell = sim.cell
    # synapses exist in every built cell; record their parameters
    syns = list()
    for key, syn in cell._nrn_synapses.items():
        seg = syn.get_segment()
        syns.append(
            dict(
                key=key,
                section=[n for n, s in sim.secs.items() if s == seg.sec][0],
                x=float(seg.x),
                mechanism="Exp2Syn",
                e=float(syn.e),
                tau1=float(syn.tau1),
                tau2=float(syn.tau2),
            )
        )

    # state before finitialize (v as set by hnn-core's sec.v = v0)
    v_before = {
        name: [float(seg.v) for seg in sec.allseg()] for name, sec in sim.secs.items()
    }
    sim.init(TSTOP)
    var_cache = dict()
    snap_init = _snapshot(sim, var_cache)
    dipole_rec_t0 = float(cell.dipole[0]) if sim.has_dipole else None
    dpl_after_finit = float(cell.dpl_vec[0]) if sim.has_dipole else None
    pp_after_finit = [
        dict(Q=float(d.Q), Qsum=float(d.Qsum), ia=float(d.ia)) for d in cell.dipole_pp
    ]
    h.fcurrent()
    snap_fcur = _snapshot(sim, var_cache)
    dpl_after_fcur = float(cell.dpl_vec[0]) if sim.has_dipole else None

    # differences produced by h.fcurrent()
    fcurrent_changes = list()
    for name in snap_init:
        for i, (a, b) in enumerate(zip(snap_init[name], snap_fcur[name])):
            if a["v"] != b["v"]:
                fcurrent_changes.append(dict(section=name, node=i, var="v",
                                             after_finitialize=a["v"],
                                             after_fcurrent=b["v"]))
            for mech, vals in a["mechanisms"].items():
                for var, va in vals.items():
                    vb = b["mechanisms"][mech][var]
                    if va != vb:
                        fcurrent_changes.append(
                            dict(section=name, node=i, mechanism=mech, var=var,
                                 after_finitialize=va, after_fcurrent=vb))

    cos_thetas = _get_cos_theta(cell.sections, "apical_trunk") if sim.has_dipole else {}
    dpp_by_sec = dict()
    for name, dpp in zip(cell.sections, cell.dipole_pp):
        dpp_by_sec[name] = dpp

    sections = list()
    for name, sec in sim.secs.items():
        hsec = cell.sections[name]
        psec = sec.parentseg()
        parent = None
        if psec is not None:
            parent = dict(
                section=[n for n, s in sim.secs.items() if s == psec.sec][0],
                parent_x=float(psec.x),
                child_x=float(h.section_orientation(sec=sec)),
            )
        pt3d = [
            dict(
                arc=float(h.arc3d(i, sec=sec)),
                x=float(h.x3d(i, sec=sec)),
                y=float(h.y3d(i, sec=sec)),
                z=float(h.z3d(i, sec=sec)),
                diam=float(h.diam3d(i, sec=sec)),
            )
            for i in range(int(h.n3d(sec=sec)))
        ]
        nodes = list()
        allx = [float(seg.x) for seg in sec.allseg()]
        for i, seg in enumerate(sec.allseg()):
            x = float(seg.x)
            node = dict(
                x=x,
                kind="end0" if i == 0 else ("end1" if i == len(allx) - 1 else "centre"),
                node_index=int(seg.node_index()),
                area_um2=float(seg.area()),
                ri_Mohm=float(h.ri(x, sec=sec)),
                diam=float(seg.diam),
                cm=float(seg.cm),
                v=snap_init[name][i]["v"],
                mechanisms=snap_init[name][i]["mechanisms"],
            )
            if v_before[name][i] != node["v"]:
                node["v_before_finitialize"] = v_before[name][i]
            if sim.has_dipole and 0 < i < len(allx) - 1:
                node["dipole_pv_x"] = allx[i - 1]
            nodes.append(node)
        entry = dict(
            name=name,
            nrn_name=sec.name(),
            L=float(sec.L),
            diam=float(sec.diam),
            Ra=float(sec.Ra),
            cm=float(sec.cm),
            nseg=int(sec.nseg),
            v0_hnn=float(hsec.v0),
            hnn_end_pts=[[float(c) for c in p] for p in hsec.end_pts],
            inserted=[m.name() for m in sec(0.5)],
            hnn_mechs={
                mech: {
                    k: (v if not isinstance(v, list) else
                        dict(seg_x=[float(a) for a in v[0]],
                             values=[float(b) for b in v[1]]))
                    for k, v in p.items()
                }
                for mech, p in hsec.mechs.items()
            },
            syns=list(hsec.syns),
            parent=parent,
            pt3d=pt3d,
            ion_style={
                ion: _decode_ion_style(int(h.ion_style(ion, sec=sec)))
                for ion in ("na_ion", "k_ion", "ca_ion")
                if h.ismembrane(ion, sec=sec)
            },
            v_end1=float(sec(1).v),
            nodes=nodes,
        )
        if sim.has_dipole:
            dpp = dpp_by_sec[name]
            entry["dipole_cos_theta"] = float(cos_thetas[name])
            entry["dipole_pp"] = dict(
                loc=float(dpp.get_loc()),
                ri_Mohm=float(dpp.ri),
                ztan_um=float(dpp.ztan),
                pv_x=float(sec(0.99).x),
            )
        sections.append(entry)

    # mechanism GLOBALs (after finitialize)
    import hnn_core

    mod_dir = op.join(op.dirname(hnn_core.__file__), "mod")
    globals_ = dict()
    for fname in sorted(os.listdir(mod_dir)):
        if not fname.endswith(".mod"):
            continue
        kind, suffix, names, tables = _parse_mod_globals(op.join(mod_dir, fname))
        g = dict()
        for n in names:
            try:
                g[n] = float(getattr(h, f"{n}_{suffix}"))
            except Exception:
                pass
        globals_[suffix] = dict(kind=kind, mod_file=fname, values=g)
        if tables:
            globals_[suffix]["TABLE"] = tables
            globals_[suffix]["usetable"] = float(getattr(h, f"usetable_{suffix}"))
    ion_globals = dict()
    for n in ("nai0_na_ion", "nao0_na_ion", "ki0_k_ion", "ko0_k_ion",
              "cai0_ca_ion", "cao0_ca_ion"):
        ion_globals[n] = float(getattr(h, n))

    soma = sim.secs["soma"]
    out = dict(
        **common.provenance(SCRIPT_REL, numpy=False, date=False),
        cell_type=cell_type,
        hnn_name=cell.name,
        gid=cell.gid,
        pos=[float(c) for c in cell.pos],
        celsius=float(h.celsius),
        dt=float(h.dt),
        nrnunit_use_legacy=int(h.nrnunit_use_legacy()),
        FARADAY=float(h.FARADAY),
        R=float(h.R),
        has_dipole=sim.has_dipole,
        sect_loc={k: list(v) for k, v in cell.sect_loc.items()},
        cell_tree=(None if cell.cell_tree is None else
                   [dict(parent=list(p), children=[list(c) for c in ch])
                    for p, ch in cell.cell_tree.items()]),
        section_order=list(sim.secs),
        n_segments=int(sum(s.nseg for s in sim.secs.values())),
        synapses=syns,
        mechanism_variables={
            m: {k: lab for k, (lab, size) in d.items()} for m, d in var_cache.items()
        },
        mechanism_globals=globals_,
        ion_globals=ion_globals,
        soma_root_node_v=float(soma(0).v),
        soma_v0_hnn=float(cell.sections["soma"].v0),
        end1_node_v={name: float(sec(1).v) for name, sec in sim.secs.items()},
        dipole_t0=dict(
            recorded_dipole_at_t0=dipole_rec_t0,
            Qtotal_after_finitialize=dpl_after_finit,
            Qtotal_after_fcurrent=dpl_after_fcur,
            dipole_pp_after_finitialize=pp_after_finit,
        ) if sim.has_dipole else None,
        finitialize_changed_v=any(
            "v_before_finitialize" in n for s in sections for n in s["nodes"]),
        fcurrent_changes=fcurrent_changes,
        sections=sections,
        notes=[
            "Node values (v, mechanisms) are after h.finitialize() (no argument); "
            "'fcurrent_changes' lists every value that the following h.fcurrent() "
            "changed (the state psolve starts from is the after_fcurrent value).",
            "End nodes (x=0, x=1) carry no membrane mechanisms: NEURON's "
            "'for mech in seg' is empty there (attribute access would alias the "
            "adjacent segment), so their 'mechanisms' is {}.",
            "The x=0 node of a child section IS the parent's node at parent_x "
            "(same node_index); its area/ri/v are that node's.",
            "ri_Mohm is h.ri(x): resistance between the node and its parent node "
            "(1e30 for the root node).",
            "Dipole density mech at centre node i points pv at node i-1 "
            "(dipole_pv_x); the Dipole point process at x=1 points pv at "
            "sec(0.99) (dipole_pp.pv_x).",
            "ion_style.raw is h.ion_style(ion, sec=sec), decoded as c_style + "
            "4*cinit + 8*e_style + 32*einit + 64*eadvance (styles 0..3 = "
            "unused/parameter/assigned/state).",
            "v_before_finitialize is only present where finitialize changed v.",
            "All channel mechanisms with a TABLE statement run with "
            "usetable=1 (see mechanism_globals).",
        ],
    )

    def fix(o):
        if isinstance(o, dict):
            return {k: fix(v) for k, v in o.items()}
        if isinstance(o, list):
            return [fix(v) for v in o]
        return _jsonable(o)

    with open(out_path, "w") as f:
        json.dump(fix(out), f, indent=1)
        f.write("\n")


# --------------------------------- cases ----------------------------------
def run_case(cell_type, case, out_csv, header_info):
    import numpy as np

    sim = Sim(cell_type)
    h = sim.h
    extra_refs = list()
    for stim in case["stimulus"]:
        extra_refs += sim.add_stimulus(stim, case.get("record_syn_g", False))

    names = list(sim.secs)
    col_names = ["t", "v_soma"] + [f"v_{n}" for n in names if n != "soma"]
    t_vec = h.Vector().record(h._ref_t)
    vecs = [h.Vector().record(sim.secs["soma"](0.5)._ref_v)]
    vecs += [h.Vector().record(sim.secs[n](0.5)._ref_v) for n in names if n != "soma"]
    if sim.has_dipole:
        col_names.append("dipole_fAm")
        vecs.append(sim.cell.dipole)
    for cname, ref in extra_refs:
        col_names.append(cname)
        vecs.append(h.Vector().record(ref))

    tstop = case["tstop"]
    sim.init(tstop)
    sim.init_events(tstop)
    run_s = sim.run(tstop)

    t = np.array(t_vec.to_python())
    cols = [t] + [np.array(v.to_python()) for v in vecs]
    n = len(t)
    for c in cols:
        assert len(c) == n, (len(c), n)
    v_soma = cols[1]
    n_cross = int(np.sum((v_soma[:-1] < 0.0) & (v_soma[1:] >= 0.0)))

    with open(out_csv, "w") as f:
        for line in header_info:
            f.write(f"# {line}\n")
        f.write(f"# recorded steps: {n} (t = 0 .. {float(t[-1])!r}); written every "
                f"{STRIDE}th step: {len(range(0, n, STRIDE))} rows\n")
        f.write(f"# soma(0.5) upward 0 mV crossings (every step): {n_cross}\n")
        f.write(",".join(col_names) + "\n")
        for i in range(0, n, STRIDE):
            f.write(",".join(repr(float(c[i])) for c in cols) + "\n")

    return dict(
        n_steps=n - 1,
        n_rows=len(range(0, n, STRIDE)),
        columns=col_names,
        t_last=float(t[-1]),
        soma_zero_crossings=n_cross,
        spike_times_ms=[float(x) for x in sim.spike_t.to_python()],
        v_soma_max=float(v_soma.max()),
        v_soma_min=float(v_soma.min()),
        psolve_seconds=run_s,
    )


# --------------------------------- driver ---------------------------------
def _versions():
    """(hnn_core, NEURON) versions (also used by scripts/bench/neuron_cell_step.py)."""
    return common.versions()[:2]


def work(spec):
    if spec["what"] == "structure":
        dump_structure(spec["cell_type"], spec["out"])
        return dict(ok=True)
    return run_case(spec["cell_type"], spec["case"], spec["out"], spec["header"])


def _spawn(spec):
    return common.spawn(__file__, spec, wall_key="wall_seconds")


def main():
    p = common.parser(__doc__, out=OUT_ROOT)
    p.add_argument("--cell", action="append", choices=CELL_TYPES,
                   help="only these cell types (repeatable); default all")
    common.add_case_args(p, help="only these case names")
    p.add_argument("--no-structure", action="store_true")
    args = p.parse_args()
    if args.worker:
        return common.run_worker(args, work)

    cases = get_cases()
    cell_types = args.cell or CELL_TYPES
    if args.list:
        for ct in cell_types:
            for c in cases[ct]:
                print(ct, c["name"], json.dumps(c["stimulus"]))
        return

    prov = common.provenance(SCRIPT_REL, numpy=False)
    hnn_v, nrn_v, today = prov["hnn_core_version"], prov["neuron_version"], prov["date"]
    manifest_path = op.join(args.out, "cases.json")
    manifest = None
    if op.exists(manifest_path):
        manifest = json.load(open(manifest_path))
    if manifest is None or args.cell is None and args.case is None:
        manifest = dict(cell_types=dict())
    manifest.update(
        **prov,
        integration=dict(
            method="fixed step (CVode inactive), h.finitialize() without v, "
                    "h.fcurrent(), pc.psolve(tstop)",
            dt=DT,
            celsius=CELSIUS,
            set_maxstep=10,
            nrnunit_use_legacy=1,
        ),
        columns=dict(
            t="ms, NEURON's h.t as recorded (accumulated t += dt)",
            v_soma="mV, soma(0.5)",
            **{"v_<section>": "mV, <section>(0.5), hnn-core section order"},
            dipole_fAm="raw cell.dipole (Qtotal, fAm), pyramidal cells only",
            i_iclamp_nA="IClamp.i (nA), iclamp cases only",
            g_syn_uS="Exp2Syn.g (uS) of the synapse on the first targeted "
                     "section (all targeted sections receive identical events); "
                     "only in cases with record_syn_g (the *_multi cases)",
        ),
        write_stride=STRIDE,
    )
    for ct in cell_types:
        os.makedirs(op.join(args.out, ct), exist_ok=True)
        entry = manifest["cell_types"].setdefault(ct, dict(cases=list()))
        entry["structure"] = f"{ct}/structure.json"
        entry["has_dipole"] = ct in PYRAMIDAL
        if not args.no_structure and not args.case:
            res = _spawn(dict(what="structure", cell_type=ct,
                              out=op.join(args.out, ct, "structure.json")))
            print(f"{ct}: structure.json ({res['wall_seconds']:.2f} s)", flush=True)
        by_name = {c["name"]: c for c in entry["cases"]}
        for case in cases[ct]:
            if args.case and case["name"] not in args.case:
                continue
            header = [
                f"generated by {SCRIPT_REL} (hnn-core {hnn_v}, NEURON {nrn_v}) "
                f"on {today}",
                f"cell_type: {ct}; case: {case['name']}",
                f"tstop = {case['tstop']!r} ms, dt = {DT!r} ms, fixed step, "
                f"celsius = {CELSIUS!r}, finitialize() without v, fcurrent(), "
                f"pc.psolve(tstop)",
                "stimulus: " + json.dumps(case["stimulus"]),
            ]
            res = _spawn(dict(what="case", cell_type=ct, case=case,
                              out=op.join(args.out, case["file"]), header=header))
            c = dict(case)
            c["columns"] = res["columns"]
            c["n_steps"] = res["n_steps"]
            c["n_rows"] = res["n_rows"]
            c["t_last_ms"] = res["t_last"]
            c["soma_zero_crossings"] = res["soma_zero_crossings"]
            c["neuron_spike_times_ms"] = res["spike_times_ms"]
            c["v_soma_range_mV"] = [res["v_soma_min"], res["v_soma_max"]]
            by_name[case["name"]] = c
            print(f"{ct:13s} {case['name']:24s} spikes={res['soma_zero_crossings']:2d} "
                  f"v_soma=[{res['v_soma_min']:.2f}, {res['v_soma_max']:.2f}] "
                  f"psolve={res['psolve_seconds'] * 1e3:.1f} ms "
                  f"wall={res['wall_seconds']:.2f} s", flush=True)
        order = [c["name"] for c in cases[ct]]
        entry["cases"] = [by_name[n] for n in order if n in by_name]
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
