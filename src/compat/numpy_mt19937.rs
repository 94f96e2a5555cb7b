//! numpy's legacy `np.random.RandomState(seed)` over its MT19937 bit
//! generator, bit for bit (what `hnn_core.drives._get_prng` creates).
//!
//! Reference version: numpy 2.4.6 (`numpy/random/...` paths below are in the
//! numpy source tree at tag `v2.4.6`). `tests/numpy_random.rs` checks every
//! value against numpy output recorded by `scripts/reference/numpy_random.py`
//! (bitwise `f64` equality).
//!
//! Floating point: every expression keeps numpy's C evaluation order, no
//! fused multiply-add (numpy's x86-64 wheels are built without FMA
//! contraction in these files; Rust never contracts), and `ln` is the
//! platform libm `log`, the same function numpy's C code calls.
//!
//! Arguments numpy refuses with a Python exception (`ValueError`,
//! `OverflowError`) panic here, with numpy's message quoted. The caller,
//! hnn-core's event times (`network/event_times.rs`), says which of the
//! readers' value rules keeps each of them out of reach.

/// Number of 32-bit words in the MT19937 state (`RK_STATE_LEN`).
const MT_N: usize = 624;
/// MT19937 shift parameter (`_MT19937_M`).
const MT_M: usize = 397;
const MATRIX_A: u32 = 0x9908_b0df;
const UPPER_MASK: u32 = 0x8000_0000;
const LOWER_MASK: u32 = 0x7fff_ffff;

/// The MT19937 bit generator as numpy implements it
/// (`numpy/random/src/mt19937/mt19937.{c,h}`).
#[derive(Clone)]
pub struct Mt19937 {
    key: [u32; MT_N],
    pos: usize,
}

impl std::fmt::Debug for Mt19937 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mt19937")
            .field("key[0..4]", &&self.key[0..4])
            .field("pos", &self.pos)
            .finish()
    }
}

impl Mt19937 {
    /// `mt19937_seed(state, seed)`: Knuth's initialisation as in the MT
    /// reference `init_genrand`; this is what `RandomState(seed)` does for an
    /// integer seed (`_MT19937._legacy_seeding` in `numpy/random/_mt19937.pyx`).
    pub fn new(seed: u32) -> Self {
        let mut key = [0u32; MT_N];
        let mut s = seed;
        for (pos, k) in key.iter_mut().enumerate() {
            *k = s;
            // (1812433253UL * (seed ^ (seed >> 30)) + pos + 1) & 0xffffffffUL
            s = 1_812_433_253u32
                .wrapping_mul(s ^ (s >> 30))
                .wrapping_add(pos as u32 + 1);
        }
        Mt19937 { key, pos: MT_N }
    }

    /// `mt19937_gen`: regenerate the whole state block.
    fn generate(&mut self) {
        let key = &mut self.key;
        let twist = |y: u32| (y >> 1) ^ (0u32.wrapping_sub(y & 1) & MATRIX_A);
        let mut i = 0;
        while i < MT_N - MT_M {
            let y = (key[i] & UPPER_MASK) | (key[i + 1] & LOWER_MASK);
            key[i] = key[i + MT_M] ^ twist(y);
            i += 1;
        }
        while i < MT_N - 1 {
            let y = (key[i] & UPPER_MASK) | (key[i + 1] & LOWER_MASK);
            key[i] = key[i + MT_M - MT_N] ^ twist(y);
            i += 1;
        }
        let y = (key[MT_N - 1] & UPPER_MASK) | (key[0] & LOWER_MASK);
        key[MT_N - 1] = key[MT_M - 1] ^ twist(y);
        self.pos = 0;
    }

    /// `mt19937_next` / `mt19937_next32`: one tempered 32-bit output.
    pub fn next_u32(&mut self) -> u32 {
        if self.pos == MT_N {
            self.generate();
        }
        let mut y = self.key[self.pos];
        self.pos += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^= y >> 18;
        y
    }

    /// `mt19937_next_double`: 53-bit double in [0, 1) from two 32-bit draws,
    /// `(a * 67108864.0 + b) / 9007199254740992.0` with `a = next >> 5`,
    /// `b = next >> 6` (numpy's `legacy_double` for a RandomState).
    pub fn next_double(&mut self) -> f64 {
        let a = (self.next_u32() >> 5) as f64;
        let b = (self.next_u32() >> 6) as f64;
        (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }
}

/// numpy's `CONS_NON_NEGATIVE` check (`check_constraint` in
/// `numpy/random/_common.pyx`): raises for any value with the sign bit set
/// (including -0.0) unless it is NaN.
fn check_non_negative(val: f64, name: &str) {
    if !val.is_nan() && val.is_sign_negative() {
        panic!("numpy raises ValueError: {name} < 0 (got {val})");
    }
}

/// numpy's legacy `np.random.RandomState`, seeded with an integer
/// (`numpy/random/mtrand.pyx`, distributions from
/// `numpy/random/src/legacy/legacy-distributions.c`).
///
/// Only the methods HNN-core needs (plus a few trivial ones) are provided.
/// Each `*_n` method is the `size=n` form and draws exactly like `n`
/// successive scalar calls (numpy's `cont(...)` fill loop).
#[derive(Clone, Debug)]
pub struct RandomState {
    bitgen: Mt19937,
    /// `aug_bitgen_t.has_gauss` / `.gauss`: the cached second polar
    /// Box-Muller value of `legacy_gauss`.
    has_gauss: bool,
    gauss: f64,
}

impl RandomState {
    /// `np.random.RandomState(seed)` for an integer seed in 0..=2**32-1.
    pub fn new(seed: u32) -> Self {
        RandomState {
            bitgen: Mt19937::new(seed),
            has_gauss: false,
            gauss: 0.0,
        }
    }

    /// `np.random.RandomState(seed)` for any Python-int seed: panics with
    /// numpy's message if the seed is outside 0..=2**32-1.
    pub fn from_seed_i64(seed: i64) -> Self {
        match u32::try_from(seed) {
            Ok(s) => RandomState::new(s),
            Err(_) => {
                panic!("numpy raises ValueError: Seed must be between 0 and 2**32 - 1 (got {seed})")
            }
        }
    }

    /// Raw 32-bit MT19937 output (`rs._bit_generator.random_raw()`).
    pub fn next_u32(&mut self) -> u32 {
        self.bitgen.next_u32()
    }

    /// `RandomState.random_sample()` (= `random()`, `rand()`):
    /// `random_standard_uniform` -> `mt19937_next_double`.
    pub fn random_sample(&mut self) -> f64 {
        self.bitgen.next_double()
    }

    /// `RandomState.random_sample(n)`.
    pub fn random_sample_n(&mut self, n: usize) -> Vec<f64> {
        (0..n).map(|_| self.random_sample()).collect()
    }

    /// `RandomState.rand(n)` (alias of `random_sample(n)`).
    pub fn rand(&mut self, n: usize) -> Vec<f64> {
        self.random_sample_n(n)
    }

    /// `RandomState.standard_normal()`: `legacy_gauss`, the polar Box-Muller
    /// method that returns `f * x2` and caches `f * x1` for the next call.
    pub fn standard_normal(&mut self) -> f64 {
        if self.has_gauss {
            let temp = self.gauss;
            self.has_gauss = false;
            self.gauss = 0.0;
            return temp;
        }
        let (x1, x2, r2) = loop {
            let x1 = 2.0 * self.bitgen.next_double() - 1.0;
            let x2 = 2.0 * self.bitgen.next_double() - 1.0;
            let r2 = x1 * x1 + x2 * x2;
            if !(r2 >= 1.0 || r2 == 0.0) {
                break (x1, x2, r2);
            }
        };
        // f = sqrt(-2.0 * log(r2) / r2)
        let f = (-2.0 * r2.ln() / r2).sqrt();
        self.gauss = f * x1;
        self.has_gauss = true;
        f * x2
    }

    /// `RandomState.standard_normal(n)`.
    pub fn standard_normal_n(&mut self, n: usize) -> Vec<f64> {
        (0..n).map(|_| self.standard_normal()).collect()
    }

    /// `RandomState.normal(loc, scale)`: `legacy_normal` =
    /// `loc + scale * legacy_gauss(state)`. Panics (numpy `ValueError`) if
    /// `scale < 0`.
    pub fn normal(&mut self, loc: f64, scale: f64) -> f64 {
        check_non_negative(scale, "scale");
        loc + scale * self.standard_normal()
    }

    /// `RandomState.normal(loc, scale, n)` with scalar `loc`.
    pub fn normal_n(&mut self, loc: f64, scale: f64, n: usize) -> Vec<f64> {
        check_non_negative(scale, "scale");
        (0..n)
            .map(|_| loc + scale * self.standard_normal())
            .collect()
    }

    /// `RandomState.normal(loc_array, scale)` (1-D array `loc`, scalar
    /// `scale`, `size=None`): numpy's broadcast loop calls
    /// `legacy_normal(state, loc[i], scale)` element by element in C order.
    /// An empty `loc` draws nothing.
    pub fn normal_array(&mut self, loc: &[f64], scale: f64) -> Vec<f64> {
        check_non_negative(scale, "scale");
        loc.iter()
            .map(|&l| l + scale * self.standard_normal())
            .collect()
    }

    /// `legacy_standard_exponential`: `-log(1.0 - legacy_double(state))`.
    pub fn standard_exponential(&mut self) -> f64 {
        -(1.0 - self.bitgen.next_double()).ln()
    }

    /// `RandomState.exponential(scale)`: `legacy_exponential` =
    /// `scale * legacy_standard_exponential(state)`. Panics (numpy
    /// `ValueError`) if `scale < 0`.
    pub fn exponential(&mut self, scale: f64) -> f64 {
        check_non_negative(scale, "scale");
        scale * self.standard_exponential()
    }

    /// `RandomState.exponential(scale, n)`.
    pub fn exponential_n(&mut self, scale: f64, n: usize) -> Vec<f64> {
        check_non_negative(scale, "scale");
        (0..n)
            .map(|_| scale * self.standard_exponential())
            .collect()
    }

    /// `RandomState.uniform(low, high)` (scalars): `random_uniform` =
    /// `low + (high - low) * next_double`. Panics (numpy `OverflowError`) if
    /// `high - low` is not finite.
    pub fn uniform(&mut self, low: f64, high: f64) -> f64 {
        let range = high - low;
        if !range.is_finite() {
            panic!("numpy raises OverflowError: Range exceeds valid bounds");
        }
        low + range * self.bitgen.next_double()
    }

    /// `RandomState.uniform(low, high, n)` (scalars).
    pub fn uniform_n(&mut self, low: f64, high: f64, n: usize) -> Vec<f64> {
        (0..n).map(|_| self.uniform(low, high)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mt19937_reference_init_genrand_5489() {
        // First output of the MT19937 reference implementation for
        // init_genrand(5489).
        let mut mt = Mt19937::new(5489);
        assert_eq!(mt.next_u32(), 3_499_211_612);
    }

    #[test]
    fn random_state_0_first_values() {
        // np.random.RandomState(0).random_sample(2)
        let mut rs = RandomState::new(0);
        assert_eq!(rs.random_sample(), 0.5488135039273248);
        assert_eq!(rs.random_sample(), 0.7151893663724195);
        // np.random.RandomState(0).standard_normal(2)
        let mut rs = RandomState::new(0);
        assert_eq!(rs.standard_normal(), 1.764052345967664);
        assert_eq!(rs.standard_normal(), 0.4001572083672233);
    }
}
