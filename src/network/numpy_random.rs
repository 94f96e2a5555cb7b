//! Bit-exact re-implementation of the numpy random streams that HNN-core
//! 0.6.1 uses, and of HNN-core's drive event-time / connection-pruning code
//! built on them.
//!
//! Reference versions: numpy 2.4.6 (`numpy/random/...` paths below are in
//! the numpy source tree at tag `v2.4.6`), hnn-core 0.6.1 (`hnn_core/...`).
//! `tests/numpy_random.rs` checks every value against numpy / hnn-core output
//! recorded by `scripts/reference/numpy_random.py` (bitwise `f64` equality).
//!
//! Sections:
//! 1. [`Mt19937`] + [`RandomState`]: numpy's legacy `np.random.RandomState(seed)`
//!    (what `hnn_core.drives._get_prng` creates).
//! 2. [`SeedSequence`] + [`Pcg64`] + [`Generator`]: `np.random.default_rng(seed)`
//!    (what `hnn_core.network._connection_probability` creates).
//! 3. HNN-core drive event times (`hnn_core/drives.py`): [`get_prng`],
//!    [`create_extpois`], [`create_gauss`], [`create_bursty_input`],
//!    [`spike_train_event_times`], [`filter_and_sort_event_times`],
//!    [`drive_cell_event_times`], plus [`numpy_arange_f64`].
//! 4. HNN-core connection pruning (`hnn_core/network.py`):
//!    [`connection_probability_kept`], [`connection_probability_prune`],
//!    [`connection_probability_apply`].
//!
//! Floating point: every expression keeps numpy's C evaluation order, no
//! fused multiply-add (numpy's x86-64 wheels are built without FMA
//! contraction in these files; Rust never contracts), and `ln` is the
//! platform libm `log`, the same function numpy's C code calls.
//!
//! Errors that numpy / hnn-core raise as Python exceptions (`ValueError`,
//! ...) are panics here, with the Python message quoted. User input never
//! reaches them: every reader (the TOML, hnn-core network and parameter
//! files) applies [`crate::config::rules`] first (sigma and burst_std >= 0
//! and not -0.0, rates > 0, tstop >= tstart, a Poisson drive ending after
//! it starts, bursts that fit their period, probabilities in (0, 1],
//! seeds within 2**32 - 1 for every trial and drive cell), and
//! [`crate::estimate`] bounds the number of events drawn.

use std::collections::BTreeMap;

// ===========================================================================
// 1. MT19937 and the legacy RandomState
// ===========================================================================

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

// ===========================================================================
// 2. SeedSequence, PCG64 and Generator (np.random.default_rng)
// ===========================================================================

// Constants of `numpy/random/bit_generator.pyx`.
const SS_POOL_SIZE: usize = 4; // DEFAULT_POOL_SIZE
const SS_INIT_A: u32 = 0x43b0_d7e5;
const SS_MULT_A: u32 = 0x931e_8875;
const SS_INIT_B: u32 = 0x8b51_f9dd;
const SS_MULT_B: u32 = 0x58f3_8ded;
const SS_MIX_MULT_L: u32 = 0xca01_f9dd;
const SS_MIX_MULT_R: u32 = 0x4973_f715;
const SS_XSHIFT: u32 = 16; // uint32 itemsize * 8 // 2

/// numpy's `SeedSequence(entropy)` for a non-negative integer entropy, with
/// no spawn key and the default pool size of 4
/// (`numpy/random/bit_generator.pyx`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedSequence {
    pool: [u32; SS_POOL_SIZE],
}

/// `hashmix` of `bit_generator.pyx` (mutates the running hash constant).
fn ss_hashmix(value: u32, hash_const: &mut u32) -> u32 {
    let mut value = value ^ *hash_const;
    *hash_const = hash_const.wrapping_mul(SS_MULT_A);
    value = value.wrapping_mul(*hash_const);
    value ^ (value >> SS_XSHIFT)
}

/// `mix` of `bit_generator.pyx`.
fn ss_mix(x: u32, y: u32) -> u32 {
    let result = SS_MIX_MULT_L
        .wrapping_mul(x)
        .wrapping_sub(SS_MIX_MULT_R.wrapping_mul(y));
    result ^ (result >> SS_XSHIFT)
}

impl SeedSequence {
    /// `SeedSequence(entropy)` for an integer entropy: the integer is split
    /// into 32-bit words, lowest first (`_int_to_uint32_array`; 0 -> `[0]`),
    /// then mixed into the pool (`SeedSequence.mix_entropy`).
    pub fn new(entropy: u128) -> Self {
        let mut words = Vec::new();
        if entropy == 0 {
            words.push(0u32);
        }
        let mut n = entropy;
        while n > 0 {
            words.push((n & 0xffff_ffff) as u32);
            n >>= 32;
        }
        Self::from_entropy_words(&words)
    }

    /// `SeedSequence(entropy)` with an already assembled uint32 entropy array
    /// (`mix_entropy(pool, entropy_array)`).
    pub fn from_entropy_words(entropy: &[u32]) -> Self {
        let mut mixer = [0u32; SS_POOL_SIZE];
        let mut hash_const = SS_INIT_A;
        // Add in the entropy up to the pool size.
        for (i, m) in mixer.iter_mut().enumerate() {
            let v = if i < entropy.len() { entropy[i] } else { 0 };
            *m = ss_hashmix(v, &mut hash_const);
        }
        // Mix all bits together so late bits can affect earlier bits.
        for i_src in 0..SS_POOL_SIZE {
            for i_dst in 0..SS_POOL_SIZE {
                if i_src != i_dst {
                    let h = ss_hashmix(mixer[i_src], &mut hash_const);
                    mixer[i_dst] = ss_mix(mixer[i_dst], h);
                }
            }
        }
        // Add any remaining entropy, mixing each new word with each pool word.
        for &e in entropy.iter().skip(SS_POOL_SIZE) {
            for m in mixer.iter_mut() {
                let h = ss_hashmix(e, &mut hash_const);
                *m = ss_mix(*m, h);
            }
        }
        SeedSequence { pool: mixer }
    }

    /// `SeedSequence.generate_state(n_words, np.uint32)`.
    pub fn generate_state_u32(&self, n_words: usize) -> Vec<u32> {
        let mut hash_const = SS_INIT_B;
        (0..n_words)
            .map(|i| {
                let mut data_val = self.pool[i % SS_POOL_SIZE];
                data_val ^= hash_const;
                hash_const = hash_const.wrapping_mul(SS_MULT_B);
                data_val = data_val.wrapping_mul(hash_const);
                data_val ^ (data_val >> SS_XSHIFT)
            })
            .collect()
    }

    /// `SeedSequence.generate_state(n_words, np.uint64)`: twice as many
    /// uint32 words, viewed as little-endian uint64.
    pub fn generate_state_u64(&self, n_words: usize) -> Vec<u64> {
        self.generate_state_u32(2 * n_words)
            .chunks_exact(2)
            .map(|w| (w[0] as u64) | ((w[1] as u64) << 32))
            .collect()
    }
}

/// `PCG_DEFAULT_MULTIPLIER_128` of `numpy/random/src/pcg64/pcg64.h`.
const PCG_MULT: u128 = (2_549_297_995_355_413_924u128 << 64) | 4_865_540_595_714_422_341u128;

/// numpy's `PCG64` bit generator (PCG XSL-RR 128/64,
/// `numpy/random/src/pcg64/pcg64.{c,h}`, `numpy/random/_pcg64.pyx`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pcg64 {
    state: u128,
    inc: u128,
    /// Buffered upper half for `next_u32` (`has_uint32`, `uinteger`).
    has_uint32: bool,
    uinteger: u32,
}

impl Pcg64 {
    /// `PCG64(seed_seq)`: `val = seed_seq.generate_state(4, np.uint64)`,
    /// `pcg64_set_seed(state, val[0..2], val[2..4])`.
    pub fn from_seed_sequence(ss: &SeedSequence) -> Self {
        let val = ss.generate_state_u64(4);
        let initstate = ((val[0] as u128) << 64) | val[1] as u128;
        let initseq = ((val[2] as u128) << 64) | val[3] as u128;
        Self::from_initstate_initseq(initstate, initseq)
    }

    /// `pcg_setseq_128_srandom_r(rng, initstate, initseq)`.
    pub fn from_initstate_initseq(initstate: u128, initseq: u128) -> Self {
        let mut p = Pcg64 {
            state: 0,
            inc: (initseq << 1) | 1,
            has_uint32: false,
            uinteger: 0,
        };
        p.step();
        p.state = p.state.wrapping_add(initstate);
        p.step();
        p
    }

    /// `(state, inc)` as in `bit_generator.state["state"]`.
    pub fn state(&self) -> (u128, u128) {
        (self.state, self.inc)
    }

    /// `pcg_setseq_128_step_r`.
    fn step(&mut self) {
        self.state = self.state.wrapping_mul(PCG_MULT).wrapping_add(self.inc);
    }

    /// `pcg64_next64` = `pcg_setseq_128_xsl_rr_64_random_r`: step, then
    /// output `rotr64(high ^ low, state >> 122)`.
    pub fn next_u64(&mut self) -> u64 {
        self.step();
        let s = self.state;
        (((s >> 64) as u64) ^ (s as u64)).rotate_right((s >> 122) as u32)
    }

    /// `pcg64_next32`: the low half of a 64-bit draw, buffering the high half
    /// for the next call.
    pub fn next_u32(&mut self) -> u32 {
        if self.has_uint32 {
            self.has_uint32 = false;
            return self.uinteger;
        }
        let next = self.next_u64();
        self.has_uint32 = true;
        self.uinteger = (next >> 32) as u32;
        (next & 0xffff_ffff) as u32
    }

    /// `pcg64_double` = `uint64_to_double(next64)` =
    /// `(rnd >> 11) * (1.0 / 9007199254740992.0)`.
    pub fn next_double(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64) * (1.0 / 9_007_199_254_740_992.0)
    }
}

/// numpy's `np.random.Generator` over `PCG64` (`numpy/random/_generator.pyx`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Generator {
    bitgen: Pcg64,
}

/// `np.random.default_rng(seed)` for a non-negative integer seed:
/// `Generator(PCG64(SeedSequence(seed)))`.
///
/// (`default_rng(None)` draws OS entropy and is not reproducible, so it is
/// not offered.)
pub fn default_rng(seed: u128) -> Generator {
    Generator {
        bitgen: Pcg64::from_seed_sequence(&SeedSequence::new(seed)),
    }
}

/// `_gen_mask` (`numpy/random/_bounded_integers.pxd.in`): smallest all-ones
/// bit mask >= `max_val`.
fn gen_mask(max_val: u64) -> u64 {
    let mut mask = max_val;
    mask |= mask >> 1;
    mask |= mask >> 2;
    mask |= mask >> 4;
    mask |= mask >> 8;
    mask |= mask >> 16;
    mask |= mask >> 32;
    mask
}

impl Generator {
    /// Borrow the underlying bit generator.
    pub fn bit_generator(&self) -> &Pcg64 {
        &self.bitgen
    }

    /// `Generator.random()`: `next_double` of PCG64.
    pub fn random(&mut self) -> f64 {
        self.bitgen.next_double()
    }

    /// `Generator.random(n)`.
    pub fn random_n(&mut self, n: usize) -> Vec<f64> {
        (0..n).map(|_| self.random()).collect()
    }

    /// `buffered_bounded_lemire_uint32` (numpy's
    /// `numpy/random/src/distributions/distributions.c`; the buffer arguments
    /// are unused there): uniform integer in `[0, rng]`, `rng < 0xFFFFFFFF`.
    fn bounded_lemire_u32(&mut self, rng: u32) -> u32 {
        let rng_excl = rng + 1;
        let mut m = (self.bitgen.next_u32() as u64) * (rng_excl as u64);
        let mut leftover = m as u32;
        if leftover < rng_excl {
            let threshold = (u32::MAX - rng) % rng_excl;
            while leftover < threshold {
                m = (self.bitgen.next_u32() as u64) * (rng_excl as u64);
                leftover = m as u32;
            }
        }
        (m >> 32) as u32
    }

    /// `bounded_lemire_uint64` (128-bit multiply branch): uniform integer in
    /// `[0, rng]`, `rng < 0xFFFFFFFFFFFFFFFF`.
    fn bounded_lemire_u64(&mut self, rng: u64) -> u64 {
        let rng_excl = rng + 1;
        let mut m = (self.bitgen.next_u64() as u128) * (rng_excl as u128);
        let mut leftover = m as u64;
        if leftover < rng_excl {
            let threshold = (u64::MAX - rng) % rng_excl;
            while leftover < threshold {
                m = (self.bitgen.next_u64() as u128) * (rng_excl as u128);
                leftover = m as u64;
            }
        }
        (m >> 64) as u64
    }

    /// `random_bounded_uint64(bitgen, off, rng, mask=0, use_masked=false)`:
    /// uniform integer in `[off, off + rng]` (Lemire rejection; ranges that
    /// fit 32 bits use the buffered 32-bit PCG64 output).
    pub fn random_bounded_u64(&mut self, off: u64, rng: u64) -> u64 {
        if rng == 0 {
            off
        } else if rng <= 0xffff_ffff {
            if rng == 0xffff_ffff {
                off.wrapping_add(self.bitgen.next_u32() as u64)
            } else {
                off.wrapping_add(self.bounded_lemire_u32(rng as u32) as u64)
            }
        } else if rng == u64::MAX {
            off.wrapping_add(self.bitgen.next_u64())
        } else {
            off.wrapping_add(self.bounded_lemire_u64(rng))
        }
    }

    /// `_shuffle_int(bitgen, n, first, data)` of `_generator.pyx`: Fisher-Yates
    /// over positions `n-1, n-2, ..., first`.
    fn shuffle_int(&mut self, first: usize, data: &mut [i64]) {
        let n = data.len();
        for i in (first..n).rev() {
            let j = self.random_bounded_u64(0, i as u64) as usize;
            data.swap(i, j);
        }
    }

    /// `Generator.choice(pop_size, size, replace=replace)` for an integer
    /// population (or `a = np.arange(pop_size)` / `range(pop_size)`, which
    /// gives the same values), `p=None`, `shuffle=True`, `axis=0`.
    ///
    /// Paths reproduced (numpy `_generator.pyx`, `Generator.choice`):
    /// * `replace=True`: `self.integers(0, pop_size, size, dtype=np.int64)`
    ///   (`random_bounded_uint64_fill`, Lemire, unmasked);
    /// * `replace=False` with `pop_size > 10000 and size > pop_size // 50`:
    ///   "tail shuffle" of `arange(pop_size)`;
    /// * `replace=False` otherwise: Floyd's algorithm with an open-addressing
    ///   hash set, followed by a shuffle of the result.
    ///
    /// Not implemented: a probability vector `p` (a different algorithm:
    /// cdf + searchsorted) and `shuffle=False` (cutoff 20 and no final
    /// shuffle); this API has no way to request them.
    ///
    /// Panics like numpy's `ValueError` when `size > pop_size` without
    /// replacement, or `pop_size == 0` with `size > 0`.
    pub fn choice(&mut self, pop_size: u64, size: usize, replace: bool) -> Vec<i64> {
        if pop_size == 0 && size != 0 {
            panic!(
                "numpy raises ValueError: a must be a positive integer unless no samples are taken"
            );
        }
        if replace {
            // integers(0, pop_size) -> closed interval [0, pop_size - 1]
            let rng = pop_size - 1;
            return (0..size)
                .map(|_| self.random_bounded_u64(0, rng) as i64)
                .collect();
        }
        if size as u64 > pop_size {
            panic!(
                "numpy raises ValueError: Cannot take a larger sample than population when \
                 replace is False"
            );
        }
        let pop_size_i = pop_size as i64;
        let size_i = size as i64;
        // "This is a heuristic tuning. should be improvable" (cutoff = 50
        // because shuffle=True)
        let cutoff = 50;
        if pop_size_i > 10000 && size_i > pop_size_i / cutoff {
            // Tail shuffle size elements
            let mut idx: Vec<i64> = (0..pop_size_i).collect();
            let first = std::cmp::max(pop_size_i - size_i, 1) as usize;
            self.shuffle_int(first, &mut idx);
            idx.split_off((pop_size_i - size_i) as usize)
        } else {
            // Floyd's algorithm
            let mut idx = vec![0i64; size];
            // smallest power of 2 larger than 1.2 * size
            let set_size = (1.2 * size_i as f64) as u64;
            let mask = gen_mask(set_size);
            let set_size = 1 + mask;
            const EMPTY: u64 = u64::MAX;
            let mut hash_set = vec![EMPTY; set_size as usize];
            for j in (pop_size_i - size_i)..pop_size_i {
                let val = self.random_bounded_u64(0, j as u64);
                let mut loc = val & mask;
                while hash_set[loc as usize] != EMPTY && hash_set[loc as usize] != val {
                    loc = (loc + 1) & mask;
                }
                let out = (j - pop_size_i + size_i) as usize;
                if hash_set[loc as usize] == EMPTY {
                    // val not in hash_set
                    hash_set[loc as usize] = val;
                    idx[out] = val as i64;
                } else {
                    // we need to insert j instead
                    let mut loc = (j as u64) & mask;
                    while hash_set[loc as usize] != EMPTY {
                        loc = (loc + 1) & mask;
                    }
                    hash_set[loc as usize] = j as u64;
                    idx[out] = j;
                }
            }
            self.shuffle_int(1, &mut idx);
            idx
        }
    }
}

// ===========================================================================
// 3. HNN-core drive event times (hnn_core/drives.py, hnn-core 0.6.1)
// ===========================================================================

/// `np.arange(start, stop, step)` for float64 arguments
/// (`PyArray_ArangeObj` / `_calc_length` in
/// `numpy/_core/src/multiarray/ctors.c`, `DOUBLE_fill` in `arraytypes.c.src`):
/// length `ceil((stop - start) / step)` (0 if negative), values
/// `[start, start + step, start + i * ((start + step) - start) for i >= 2]`.
pub fn numpy_arange_f64(start: f64, stop: f64, step: f64) -> Vec<f64> {
    if step == 0.0 {
        panic!("Python raises ZeroDivisionError: float division by zero (np.arange step 0)");
    }
    let delta = stop - start;
    let value = delta / step;
    let len: i64 = if value == 0.0 && delta != 0.0 {
        // underflow and divide-by-inf check
        if value.is_sign_negative() {
            0
        } else {
            1
        }
    } else {
        let c = value.ceil();
        if c.is_nan() {
            panic!("numpy raises ValueError: arange: cannot compute length");
        }
        if c > i64::MAX as f64 {
            panic!("numpy raises ValueError: Maximum allowed size exceeded");
        }
        c as i64
    };
    if len <= 0 {
        return Vec::new();
    }
    let len = len as usize;
    let mut out = Vec::with_capacity(len);
    out.push(start);
    if len == 1 {
        return out;
    }
    let next = start + step;
    out.push(next);
    let d = next - start;
    for i in 2..len {
        out.push(start + (i as f64) * d);
    }
    out
}

/// `hnn_core.drives._get_prng(seed, gid)`:
/// `(np.random.RandomState(seed + gid), np.random.RandomState(seed))`.
/// Panics like numpy if either seed is outside 0..=2**32-1.
pub fn get_prng(seed: i64, gid: i64) -> (RandomState, RandomState) {
    (
        RandomState::from_seed_i64(seed + gid),
        RandomState::from_seed_i64(seed),
    )
}

/// `hnn_core.drives._create_extpois(t0=, T=, lamtha=, prng=)`: Poisson event
/// times on `(t0, T)` with rate `lamtha` Hz:
/// `t_gen += prng.exponential(1.0 / lamtha) * 1000.0` while `t_gen < T`,
/// keeping values `< T`. Panics with hnn-core's `ValueError`s.
pub fn create_extpois(t0: f64, t_stop: f64, lamtha: f64, prng: &mut RandomState) -> Vec<f64> {
    if t0 < 0.0 {
        panic!(
            "hnn-core raises ValueError: The start time for Poisson inputs must begreater \
             than 0. Got {t0}"
        );
    }
    if t_stop < t0 {
        panic!(
            "hnn-core raises ValueError: The end time for Poisson inputs must begreater than \
             start time. Got ({t0}, {t_stop})"
        );
    }
    if lamtha <= 0.0 {
        panic!("hnn-core raises ValueError: Rate must be > 0. Got {lamtha}");
    }
    let mut event_times = Vec::new();
    let mut t_gen = t0;
    while t_gen < t_stop {
        t_gen += prng.exponential(1.0 / lamtha) * 1000.0;
        if t_gen < t_stop {
            event_times.push(t_gen);
        }
    }
    event_times
}

/// `hnn_core.drives._create_gauss(mu=, sigma=, numspikes=, prng=)`:
/// `prng.normal(mu, sigma, numspikes)`.
pub fn create_gauss(mu: f64, sigma: f64, numspikes: usize, prng: &mut RandomState) -> Vec<f64> {
    prng.normal_n(mu, sigma, numspikes)
}

/// `hnn_core.drives._create_bursty_input(...)`: rhythmic bursts.
///
/// ```text
/// if t0_stdev > 0: t0 = prng2.normal(t0, t0_stdev)
/// burst_period = 1000 / f_input
/// isi_array = np.arange(t0, tstop, burst_period)
/// t_array = prng.normal(isi_array, events_jitter_std)
/// if events_per_cycle > 1:
///     cycle = np.arange(events_per_cycle) - (events_per_cycle - 1) / 2
///     t_array = ravel([t_array + cycle_events_isi * cyc for cyc in cycle])
/// ```
/// (output is grouped by spike-within-burst, not sorted). Panics with
/// hnn-core's `ValueError` if the burst is longer than its period.
#[allow(clippy::too_many_arguments)]
pub fn create_bursty_input(
    t0: f64,
    t0_stdev: f64,
    tstop: f64,
    f_input: f64,
    events_jitter_std: f64,
    events_per_cycle: usize,
    cycle_events_isi: f64,
    prng: &mut RandomState,
    prng2: &mut RandomState,
) -> Vec<f64> {
    let mut t0 = t0;
    if t0_stdev > 0.0 {
        t0 = prng2.normal(t0, t0_stdev);
    }
    let burst_period = 1000.0 / f_input;
    let burst_duration = (events_per_cycle as f64 - 1.0) * cycle_events_isi;
    if burst_duration > burst_period {
        panic!(
            "hnn-core raises ValueError: Burst duration ({burst_duration}s) cannot be greater \
             than burst period ({burst_period}s)Consider increasing the spike ISI or burst rate"
        );
    }
    // array of mean stimulus times, starts at t0
    let isi_array = numpy_arange_f64(t0, tstop, burst_period);
    // array of single stimulus times -- no doublets
    let t_array = prng.normal_array(&isi_array, events_jitter_std);
    if events_per_cycle > 1 {
        let half = (events_per_cycle - 1) as f64 / 2.0;
        let mut out = Vec::with_capacity(t_array.len() * events_per_cycle);
        for k in 0..events_per_cycle {
            let cyc = k as f64 - half;
            let shift = cycle_events_isi * cyc;
            out.extend(t_array.iter().map(|&t| t + shift));
        }
        out
    } else {
        t_array
    }
}

/// The `spike_train` branch of `_drive_cell_event_times` (hnn-core 0.6.1):
/// the `times` whose `gids` equal `drive_cell_gid`, in input order. It
/// returns early in hnn-core, so these times are **neither filtered to
/// `0 < t <= tstop` nor sorted**. Empty `times` or `gids` (or missing keys)
/// give no events; mismatched lengths panic (numpy `IndexError`).
pub fn spike_train_event_times(times: &[f64], gids: &[i64], drive_cell_gid: i64) -> Vec<f64> {
    if times.is_empty() || gids.is_empty() {
        return Vec::new();
    }
    if times.len() != gids.len() {
        panic!(
            "numpy raises IndexError: boolean index did not match (spike_train times/gids \
             lengths {} != {})",
            times.len(),
            gids.len()
        );
    }
    times
        .iter()
        .zip(gids)
        .filter(|&(_, &g)| g == drive_cell_gid)
        .map(|(&t, _)| t)
        .collect()
}

/// The end of `_drive_cell_event_times` for evoked / poisson / bursty drives:
/// `event_times[(event_times > 0) & (event_times <= tstop)]`, then
/// `event_times.sort()` ("values MUST be sorted for VecStim()").
pub fn filter_and_sort_event_times(mut event_times: Vec<f64>, tstop: f64) -> Vec<f64> {
    event_times.retain(|&t| t > 0.0 && t <= tstop);
    event_times.sort_by(|a, b| a.partial_cmp(b).expect("NaN event time"));
    event_times
}

/// Poisson `rate_constant` of a drive's dynamics: a single number, or a
/// dict keyed by target cell type (what `Network.add_poisson_drive` stores
/// when `cell_specific=True`).
#[derive(Clone, Debug, PartialEq)]
pub enum PoissonRate {
    Constant(f64),
    PerTargetType(BTreeMap<String, f64>),
}

/// `drive['dynamics']` of an HNN-core external drive, by drive type, as
/// consumed by [`drive_cell_event_times`].
#[derive(Clone, Debug, PartialEq)]
pub enum DriveEventDynamics {
    /// `'evoked'` (and legacy `'gaussian'`, the same code path):
    /// `dict(mu, sigma, numspikes)`.
    Evoked {
        mu: f64,
        sigma: f64,
        numspikes: usize,
    },
    /// `'poisson'`: `dict(tstart, tstop, rate_constant)`; `tstop` already
    /// resolved (simulate_dipole replaces `None` by the simulation tstop).
    Poisson {
        tstart: f64,
        tstop: f64,
        rate_constant: PoissonRate,
    },
    /// `'bursty'`: `dict(tstart, tstart_std, tstop, burst_rate, burst_std,
    /// numspikes, spike_isi)`; `tstop` already resolved.
    Bursty {
        tstart: f64,
        tstart_std: f64,
        tstop: f64,
        burst_rate: f64,
        burst_std: f64,
        numspikes: usize,
        spike_isi: f64,
    },
    /// `'spike_train'`: `dict(times, gids)` (gids are drive-cell offsets
    /// 0..n_drive_cells). Missing keys are represented by empty vectors (same
    /// result: no events).
    SpikeTrain { times: Vec<f64>, gids: Vec<i64> },
}

/// `hnn_core.drives._drive_cell_event_times(drive_type, dynamics, tstop,
/// target_type, trial_idx, drive_cell_gid, event_seed, trial_seed_offset)`.
///
/// * `target_type`: `None` is hnn-core's `'any'`.
/// * `drive_cell_gid` is the drive cell's gid *offset* within its drive and
///   `trial_seed_offset` is `net._n_gids`, as `Network._instantiate_drives`
///   passes them; `event_seed` is `drive['event_seed']`.
/// * Seeds: `prng = RandomState(event_seed + trial_idx * trial_seed_offset +
///   drive_cell_gid)`, `prng2 = RandomState(event_seed + trial_idx *
///   trial_seed_offset)` (used only by bursty drives with `tstart_std > 0`).
/// * evoked / poisson / bursty results go through
///   [`filter_and_sort_event_times`] (`0 < t <= tstop`, sorted).
/// * spike_train: [`spike_train_event_times`] (no filter, no sort, as in
///   hnn-core 0.6.1).
/// * poisson with a per-type rate and a `target_type` that has no rate:
///   no events (hnn-core's legacy-mode branch).
///
/// Panics where hnn-core raises (invalid seeds, negative sigma, Poisson
/// rate `<= 0`, a number rate with a specific `target_type` or a dict rate
/// with `'any'`, mismatched spike-train `times`/`gids` lengths, ...).
#[allow(clippy::too_many_arguments)]
pub fn drive_cell_event_times(
    dynamics: &DriveEventDynamics,
    tstop: f64,
    target_type: Option<&str>,
    trial_idx: i64,
    drive_cell_gid: i64,
    event_seed: i64,
    trial_seed_offset: i64,
) -> Vec<f64> {
    // _get_prng is called (and the seeds validated) before anything else
    let (mut prng, mut prng2) =
        get_prng(event_seed + trial_idx * trial_seed_offset, drive_cell_gid);
    let event_times = match dynamics {
        DriveEventDynamics::Poisson {
            tstart,
            tstop: t_end,
            rate_constant,
        } => {
            let rate = match (target_type, rate_constant) {
                (None, PoissonRate::Constant(r)) => Some(*r),
                (Some(tt), PoissonRate::PerTargetType(m)) => m.get(tt).copied(),
                (None, PoissonRate::PerTargetType(_)) => panic!(
                    "hnn-core raises TypeError: a per-target-type rate_constant needs a \
                     target_type"
                ),
                (Some(_), PoissonRate::Constant(_)) => panic!(
                    "hnn-core raises TypeError: argument of type 'float' is not iterable \
                     (number rate_constant with a specific target_type)"
                ),
            };
            match rate {
                Some(lamtha) => create_extpois(*tstart, *t_end, lamtha, &mut prng),
                None => Vec::new(),
            }
        }
        DriveEventDynamics::Evoked {
            mu,
            sigma,
            numspikes,
        } => create_gauss(*mu, *sigma, *numspikes, &mut prng),
        DriveEventDynamics::Bursty {
            tstart,
            tstart_std,
            tstop: t_end,
            burst_rate,
            burst_std,
            numspikes,
            spike_isi,
        } => create_bursty_input(
            *tstart,
            *tstart_std,
            *t_end,
            *burst_rate,
            *burst_std,
            *numspikes,
            *spike_isi,
            &mut prng,
            &mut prng2,
        ),
        DriveEventDynamics::SpikeTrain { times, gids } => {
            return spike_train_event_times(times, gids, drive_cell_gid);
        }
    };
    filter_and_sort_event_times(event_times, tstop)
}

// ===========================================================================
// 4. HNN-core connection pruning (hnn_core/network.py, hnn-core 0.6.1)
// ===========================================================================

/// Which connections `hnn_core.network._connection_probability(conn,
/// probability, conn_seed)` keeps, for `n_connections` connections
/// flattened in `conn['gid_pairs']` order (source by source, targets in
/// list order). `kept[i]` is true iff flat connection `i` survives.
///
/// hnn-core:
/// ```text
/// rng = np.random.default_rng(conn_seed)
/// n_connections = np.round(len(all_connections) * probability).astype(int)
/// new_connections = rng.choice(range(len(all_connections)), n_connections, replace=False)
/// keep connection_idx iff connection_idx in new_connections
/// ```
/// (`np.round` rounds half to even). `conn_seed=None` (OS entropy) is not
/// reproducible and therefore not supported. Panics like hnn-core if
/// `probability` is not in (0, 1).
pub fn connection_probability_kept(
    n_connections: usize,
    probability: f64,
    conn_seed: u128,
) -> Vec<bool> {
    if probability <= 0.0 || probability >= 1.0 {
        panic!("hnn-core raises ValueError: probability must be in the range (0,1)");
    }
    let mut rng = default_rng(conn_seed);
    let n_keep = (n_connections as f64 * probability).round_ties_even() as usize;
    let chosen = rng.choice(n_connections as u64, n_keep, false);
    let mut kept = vec![false; n_connections];
    for c in chosen {
        kept[c as usize] = true;
    }
    kept
}

/// `hnn_core.network._connection_probability(conn, probability, conn_seed)`
/// applied to `conn['gid_pairs']` given as `(src_gid, target_gids)` in dict
/// order: returns the pruned pairs in the same order; sources left with no
/// target are removed (`conn['gid_pairs'].pop(src_gid)`).
pub fn connection_probability_prune<S: Copy, T: Copy>(
    gid_pairs: &[(S, Vec<T>)],
    probability: f64,
    conn_seed: u128,
) -> Vec<(S, Vec<T>)> {
    let n: usize = gid_pairs.iter().map(|(_, t)| t.len()).sum();
    let kept = connection_probability_kept(n, probability, conn_seed);
    let mut connection_idx = 0;
    let mut out = Vec::new();
    for (src, targets) in gid_pairs {
        let mut target_new = Vec::new();
        for &t in targets {
            if kept[connection_idx] {
                target_new.push(t);
            }
            connection_idx += 1;
        }
        if !target_new.is_empty() {
            out.push((*src, target_new));
        }
    }
    out
}

/// In-place form of [`connection_probability_prune`] (hnn-core modifies
/// `conn['gid_pairs']` in place).
pub fn connection_probability_apply<S: Copy, T: Copy>(
    gid_pairs: &mut Vec<(S, Vec<T>)>,
    probability: f64,
    conn_seed: u128,
) {
    *gid_pairs = connection_probability_prune(gid_pairs, probability, conn_seed);
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

    #[test]
    fn default_rng_0_first_value() {
        // np.random.default_rng(0).random()
        let mut g = default_rng(0);
        assert_eq!(g.random(), 0.6369616873214543);
    }

    #[test]
    fn arange_lengths() {
        assert_eq!(numpy_arange_f64(0.0, 1.0, 0.25), vec![0.0, 0.25, 0.5, 0.75]);
        assert!(numpy_arange_f64(5.0, 1.0, 1.0).is_empty());
        assert_eq!(numpy_arange_f64(1.0, 1.5, 1.0), vec![1.0]);
    }

    #[test]
    fn choice_is_a_permutation_subset() {
        let mut g = default_rng(42);
        let mut v = g.choice(50, 50, false);
        v.sort();
        assert_eq!(v, (0..50).collect::<Vec<i64>>());
    }

    #[test]
    fn prune_in_place_matches_prune() {
        let pairs: Vec<(usize, Vec<usize>)> = (0..6).map(|s| (s, vec![s, s + 10])).collect();
        let mut p2 = pairs.clone();
        connection_probability_apply(&mut p2, 0.5, 3);
        assert_eq!(p2, connection_probability_prune(&pairs, 0.5, 3));
        assert_eq!(p2.iter().map(|(_, t)| t.len()).sum::<usize>(), 6);
    }

    #[test]
    #[should_panic(expected = "Seed must be between 0 and 2**32 - 1")]
    fn negative_seed_panics() {
        get_prng(-1, 0);
    }
}
