//! km.mod: slow non-inactivating (muscarinic) potassium channel.

use super::abi::{
    BuildContext, DensityMechanism, IonUse, MechanismInfo, MechanismInstance, Param, StateVar,
};
use super::ca_ion::Ions;
use super::fast_gates::GateTable;
use super::{gated_potassium_current, gated_potassium_current_fast, table_gates, tadj, Scratch};
use crate::config::Numerics;
use crate::engine::table::Table;
use crate::engine::units::hoc_exp;

/// Half-activation voltage, mV.
const THA: f64 = -30.0;
/// Activation slope, mV.
const QA: f64 = 9.0;
/// Maximal activation and deactivation rates, /ms.
const RA: f64 = 0.001;
const RB: f64 = 0.001;
const Q10: f64 = 2.3;
/// Reference temperature and hnn-core's shift, °C.
const TEMP: f64 = 23.0;
const TSHIFT: f64 = 30.7;
/// Table range, mV.
const VMIN: f64 = -120.0;
const VMAX: f64 = 100.0;

/// Fast mode's table points per interval of the 1.1 mV table at dt = 0.025 ms
/// (`fast_gates::refinement` scales it with dt).
const FAST_REFINE: usize = 16;

pub static INFO: MechanismInfo = MechanismInfo {
    name: "km",
    mod_file: "hnn_core/mod/km.mod",
    params: &[
        Param::range("gbar", "pS/um2", 10.0),
        Param::global("tha", "mV", THA),
        Param::global("qa", "mV", QA),
        Param::global("Ra", "/ms", RA),
        Param::global("Rb", "/ms", RB),
        Param::global("temp", "degC", TEMP),
        Param::global("q10", "1", Q10),
        Param::global("tshift", "degC", TSHIFT),
        Param::global("vmin", "mV", VMIN),
        Param::global("vmax", "mV", VMAX),
    ],
    states: &[StateVar { name: "n", unit: "1" }],
    // ek stays at NEURON's default (nothing writes ki/ko).
    ions: &[IonUse {
        ion: "k",
        read: &["ek"],
        write: &["ik"],
    }],
    build: |m, ctx| Box::new(Km::new(m, ctx)),
};

/// km.mod `rates(v)`: [ninf, ntau].
fn rates(v: f64, tadj: f64) -> [f64; 2] {
    let a = RA * (v - THA) / (1.0 - hoc_exp(-(v - THA) / QA));
    let b = -RB * (v - THA) / (1.0 - hoc_exp((v - THA) / QA));
    let ntau = 1.0 / tadj / (a + b);
    let ninf = a / (a + b);
    [ninf, ntau]
}

pub struct Km {
    pub nodes: Vec<usize>,
    /// pS/µm².
    gbar: Vec<f64>,
    pub n: Vec<f64>,
    tadj: f64,
    /// `TABLE ninf, ntau FROM vmin TO vmax WITH 199` (vmin -120, vmax 100 mV).
    table: Table<2>,
    /// Fast mode: n's update factors at the same points.
    fast: Option<GateTable<1>>,
}

impl Km {
    pub fn new(mech: &DensityMechanism, ctx: &BuildContext) -> Self {
        let tadj = tadj(Q10, ctx.celsius, TEMP, TSHIFT);
        let table = Table::build(VMIN, VMAX, 199, |v| rates(v, tadj));
        Km {
            nodes: mech.nodes.clone(),
            gbar: mech.range("gbar"),
            n: vec![0.0; mech.nodes.len() * ctx.n_cells],
            tadj,
            fast: (ctx.numerics == Numerics::Fast)
                .then(|| GateTable::from_table(&table, FAST_REFINE, [(0, 1)], ctx.dt_ms)),
            table,
        }
    }
}

impl MechanismInstance for Km {
    fn info(&self) -> &'static MechanismInfo {
        &INFO
    }

    /// INITIAL: n = ninf(v).
    fn init(&mut self, v: &[f64], _ions: &mut Ions, nc: usize) {
        for (i, &node) in self.nodes.iter().enumerate() {
            for c in 0..nc {
                self.n[i * nc + c] = self.table.lookup(v[node * nc + c])[0];
            }
        }
    }

    /// BREAKPOINT: `ik = 1e-4 * tadj * gbar * n * (v - ek)`, mA/cm².
    fn current(&self, v: &[f64], rhs: &mut [f64], d: &mut [f64], _ions: &mut Ions, nc: usize) {
        let kernel = if self.fast.is_some() {
            gated_potassium_current_fast
        } else {
            gated_potassium_current
        };
        kernel(&self.nodes, &self.gbar, &self.n, self.tadj, v, rhs, d, nc);
    }

    fn state(&mut self, v: &[f64], _ions: &mut Ions, nc: usize, dt: f64, scratch: &mut Scratch) {
        if let Some(t) = &self.fast {
            return t.advance(v, &self.nodes, nc, dt, scratch, [&mut self.n[..]]);
        }
        let gates = &mut [(&mut self.n[..], 0, 1)];
        table_gates(&self.table, v, &self.nodes, nc, dt, scratch, gates);
    }

    fn n_gate_states(&self) -> usize {
        self.n.len()
    }
}
