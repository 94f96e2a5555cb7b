//! CMA-ES strategy constants as pycma 4.5 (`cma` package, the version
//! installed beside hnn-core 0.6.1) sets them with default options:
//! `RecombinationWeights`, `CMAParameters.set`, `GaussFullSampler.parameters`,
//! `CMAAdaptSigmaCSA.compute_cs` / `compute_damps` and `Mh.chiN`. Each
//! expression keeps pycma's order of operations, so that the constants
//! equal pycma's to the last bit or two (`tests/search_cma.rs` compares
//! them with `tests/data/search/cma_constants.json` to 1e-15).
//!
//! The bound handling, pycma's `BoxConstraintsLinQuadTransformation` for
//! the unit box, is here too.

/// pycma's default population size, `int(4 + 3 * ln(n))`.
pub fn default_popsize(n: usize) -> usize {
    (4.0 + 3.0 * libm::log(n as f64)) as usize
}

/// The constants of one (n, λ) strategy.
#[derive(Debug, Clone, PartialEq)]
pub struct CmaParams {
    pub n: usize,
    /// λ, points per generation.
    pub popsize: usize,
    /// Number of positive weights.
    pub mu: usize,
    /// λ recombination weights, decreasing: `mu` positive ones summing to
    /// 1, then the negative ones of active CMA (pycma's `CMA_active`).
    pub weights: Vec<f64>,
    pub mueff: f64,
    /// Cumulation constant of the covariance path p_c.
    pub cc: f64,
    /// Cumulation constant of the step-size path p_σ.
    pub cs: f64,
    /// Step-size damping d_σ.
    pub damps: f64,
    /// Rank-one learning rate (pycma's `GaussFullSampler.parameters`).
    pub c1: f64,
    /// Rank-μ learning rate (idem).
    pub cmu: f64,
    /// E‖N(0, I)‖ as pycma's `Mh.chiN` (exact up to n = 100).
    pub chi_n: f64,
}

impl CmaParams {
    /// pycma's constants for dimension `n >= 1` and population `popsize >= 2`,
    /// without mirrored sampling (pycma mirrors for `popsize < 6`, see
    /// docs/fit.md).
    pub fn new(n: usize, popsize: usize) -> CmaParams {
        let nf = n as f64;
        let lam = popsize as f64;
        // RecombinationWeights.__init__: raw log weights, positive part
        // normalised to sum 1, negative part to sum -1.
        let mut w: Vec<f64> = (1..=popsize)
            .map(|i| libm::log((lam + 1.0) / 2.0) - libm::log(i as f64))
            .collect();
        let mu = w.iter().filter(|&&x| x > 0.0).count();
        let spos: f64 = w[..mu].iter().sum();
        for x in w.iter_mut() {
            *x /= spos;
        }
        let mueff = 1.0 / w[..mu].iter().map(|x| x * x).sum::<f64>();
        let sneg: f64 = w[mu..].iter().sum();
        if sneg != 0.0 {
            for x in w[mu..].iter_mut() {
                *x /= -sneg;
            }
        }
        // CMAParameters.set: cc, and the c1 / cmu it first finalises the
        // negative weights with.
        let cc = (4.0 + mueff / nf) / (nf + (4.0 + 2.0 * mueff / nf));
        let rank_one_fac = if lam / 6.0 < 1.0 { lam / 6.0 } else { 1.0 };
        let sp_c1 = 1.0 * 1.0 * rank_one_fac * 2.0 / ((nf + 1.3) * (nf + 1.3) + mueff);
        let sp_cmu = f64::min(
            1.0 - sp_c1,
            1.0 * 2.0 * (0.25 + mueff + 1.0 / mueff - 2.0)
                / ((nf + 2.0) * (nf + 2.0) + 2.0 * mueff / 2.0),
        );
        finalize_negative_weights(&mut w, mu, nf, sp_c1, sp_cmu, mueff);
        // GaussFullSampler.parameters: the rates the update uses; pycma
        // finalises the negative weights again with them.
        let c1 = rank_one_fac * 2.0 / ((nf + 1.3) * (nf + 1.3) + mueff);
        let cmu = f64::min(
            1.0 - c1,
            2.0 * (0.25 + mueff - 2.0 + 1.0 / mueff)
                / ((nf + 2.0) * (nf + 2.0) + 2.0 * mueff / 2.0),
        );
        finalize_negative_weights(&mut w, mu, nf, c1, cmu, mueff);
        // CMAAdaptSigmaCSA.compute_cs / compute_damps (no mirrors:
        // lam_mirr = 0, so the mirror term is min(1, (0 - 1)^2) / 2 = 1/2).
        let cs = f64::min(0.5, (mueff + 2.0) / (nf + (mueff + 3.0)));
        let damp_in_eff = f64::max(1.0, 3.0 * (1.0 - libm::pow(0.5, nf / 9.0)));
        let damps = 0.5
            + 1.0 / 2.0
            + 2.0
                * f64::max(
                    0.0,
                    damp_in_eff * libm::pow((mueff - 1.0) / (nf + 1.0), 0.5) - 1.0,
                )
            + cs;
        CmaParams {
            n,
            popsize,
            mu,
            weights: w,
            mueff,
            cc,
            cs,
            damps,
            c1,
            cmu,
            chi_n: chi_n(n),
        }
    }
}

/// `RecombinationWeights.finalize_negative_weights(dimension, c1, cmu)`.
fn finalize_negative_weights(w: &mut [f64], mu: usize, nf: f64, c1: f64, cmu: f64, mueff: f64) {
    if w.last().is_none_or(|&x| x >= 0.0) || cmu <= 0.0 {
        return;
    }
    // _negative_weights_set_sum(1 + c1 / cmu)
    let value = (1.0 + c1 / cmu).abs();
    let factor = (value / w[mu..].iter().sum::<f64>()).abs();
    for x in w[mu..].iter_mut() {
        *x *= factor;
    }
    // positive definiteness, then the mueff-dependent limit
    limit_negative_sum(w, mu, (1.0 - c1 - cmu) / cmu / nf);
    let sneg: f64 = w[mu..].iter().sum();
    let mueff_minus = sneg * sneg / w[mu..].iter().map(|x| x * x).sum::<f64>();
    limit_negative_sum(w, mu, 1.0 + 2.0 * mueff_minus / (mueff + 2.0));
}

/// `_negative_weights_limit_sum(value)`: scale the negative weights down
/// so that their sum is at least `-|value|`.
fn limit_negative_sum(w: &mut [f64], mu: usize, value: f64) {
    let value = value.abs();
    let sum: f64 = w[mu..].iter().sum();
    if sum >= -value {
        return;
    }
    let factor = (value / sum).abs();
    if factor < 1.0 {
        for x in w[mu..].iter_mut() {
            *x *= factor;
        }
    }
}

/// pycma's `Mh.chiN(n)`: its table of the exact E‖N(0, I_n)‖ =
/// √2 Γ((n+1)/2) / Γ(n/2) for n <= 100, its approximation beyond.
pub fn chi_n(n: usize) -> f64 {
    if let Some(&v) = CHI_N.get(n) {
        return v;
    }
    let nf = n as f64;
    libm::pow(nf, 0.5) * (1.0 - 1.0 / (4.0 * nf) + 1.0 / (32.0 * nf * nf))
}

/// pycma 4.5 `MathHelperFunctions._chiN_dict`, copied (index = dimension).
#[rustfmt::skip]
const CHI_N: [f64; 101] = [
    0.0, 0.7978845608028655, 1.2533141373155003, 1.595769121605731, 1.8799712059732505,
    2.1276921621409746, 2.3499640074665633, 2.553230594569169, 2.741624675377657,
    2.9179778223647648, 3.084327759799864, 3.2421975804052945, 3.3927605357798503,
    3.536942814987594, 3.6754905804281717, 3.8090153392174084, 3.9380256218873266,
    4.062949695165236, 4.184152223255285, 4.3019467360573085, 4.416605124547244,
    4.528364985323483, 4.637435380774607, 4.744001413196028, 4.848227898082544,
    4.950262344204552, 5.0502373938359835, 5.148272837972733, 5.244477293598906,
    5.338949609749503, 5.43178005408458, 5.52305132043052, 5.612839389220734,
    5.701214266250859, 5.788240620133882, 5.873978334925127, 5.9584829913142885,
    6.0418062873515614, 6.1239964077396865, 6.205098349171872, 6.2851542079433615,
    6.364203435048076, 6.442283063141947, 6.519427909073635, 6.595670755121518,
    6.671042511610232, 6.74557236319246, 6.8192879007571285, 6.892215240653168,
    6.964379132688128, 7.035803058166777, 7.106509319069516, 7.176519119330112,
    7.245852639051275, 7.31452910239415, 7.38256683978809, 7.449983345031077,
    7.516795327784239, 7.5830187619066365, 7.648668930026066, 7.713760464698126,
    7.7783073864671906, 7.842323139109761, 7.905820622310913, 7.96881222199863,
    8.03130983853807, 8.09332491296736, 8.154868451438654, 8.215951048012318,
    8.27658290593774, 8.33677385754191, 8.396533382835388, 8.455870626935365,
    8.51479441639645, 8.573313274531692, 8.63143543579914, 8.689168859322658,
    8.746521241609798, 8.803500028524274, 8.860112426565767, 8.916365413505355,
    8.972265748421034, 9.027819981174169, 9.083034461364504, 9.137915346798245,
    9.192468611501424, 9.246700053307748, 9.300615301048495, 9.354219821369465,
    9.407518925198481, 9.46051777388503, 9.51322138503217, 9.565634638039308,
    9.617762279373185, 9.669608927583212, 9.721179078076121, 9.772477107663885,
    9.823507278897976, 9.874273744202052, 9.924780549814447, 9.97503163955105,
];

/// Half-widths of the quadratic margins of the unit box in pycma's
/// `BoxConstraintsLinQuadTransformation` (`margin_width2`): `al =
/// min((ub - lb) / 2, max(1, |lb|) / 20)` = 0.05 for `lb = 0`, and the
/// same for `ub = 1`.
const AL: f64 = 0.05;
const AU: f64 = 0.05;

/// pycma's `BoxConstraintsLinQuadTransformation.__call__` for one
/// coordinate and the box `[0, 1]`: periodic, the identity on
/// `[0.05, 0.95]`, quadratic to the bounds, so every result lies in
/// `[0, 1]`. Same steps in the same order as pycma.
pub fn to_unit_box(x: f64) -> f64 {
    let (lb, ub, al, au) = (0.0f64, 1.0f64, AL, AU);
    let mut y = x;
    if y < lb - 2.0 * al - (ub - lb) / 2.0 || y > ub + 2.0 * au + (ub - lb) / 2.0 {
        let r = 2.0 * (ub - lb + al + au);
        let s = lb - 2.0 * al - (ub - lb) / 2.0;
        y -= r * py_floor_div(y - s, r);
    }
    if y > ub + au {
        y -= 2.0 * (y - ub - au);
    }
    if y < lb - al {
        y += 2.0 * (lb - al - y);
    }
    if y < lb + al {
        y = lb + (y - (lb - al)) * (y - (lb - al)) / 4.0 / al;
    }
    if y > ub - au {
        y = ub - (y - (ub + au)) * (y - (ub + au)) / 4.0 / au;
    }
    // Rounding in the shift can leave -0.0 or 1 + ulp: keep the box closed.
    y.clamp(0.0, 1.0)
}

/// Python's float `a // b` (CPython `float_floor_div`: from `fmod`, so it
/// differs from `floor(a / b)` when `a / b` rounds up to an integer).
fn py_floor_div(a: f64, b: f64) -> f64 {
    let m = libm::fmod(a, b);
    let mut div = (a - m) / b;
    if m != 0.0 && ((b < 0.0) != (m < 0.0)) {
        div -= 1.0;
    }
    if div != 0.0 {
        let floordiv = libm::floor(div);
        if div - floordiv > 0.5 {
            floordiv + 1.0
        } else {
            floordiv
        }
    } else {
        0.0f64.copysign(a / b)
    }
}
