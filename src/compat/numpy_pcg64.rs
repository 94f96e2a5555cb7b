//! numpy's `np.random.default_rng(seed)` (`Generator(PCG64(SeedSequence(seed)))`)
//! bit for bit: what `hnn_core.network._connection_probability` creates.
//!
//! Reference version: numpy 2.4.6 (`numpy/random/...` paths below are in the
//! numpy source tree at tag `v2.4.6`). `tests/numpy_random.rs` checks every
//! value against numpy output recorded by `scripts/reference/numpy_random.py`.
//!
//! Arguments numpy refuses with a `ValueError` panic here, with numpy's
//! message quoted; the one caller, hnn-core's connection pruning
//! (`network/pruning.rs`), cannot pass them: it draws `round(n * p)` of `n`
//! connections with `0 < p < 1`.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_rng_0_first_value() {
        // np.random.default_rng(0).random()
        let mut g = default_rng(0);
        assert_eq!(g.random(), 0.6369616873214543);
    }

    #[test]
    fn choice_is_a_permutation_subset() {
        let mut g = default_rng(42);
        let mut v = g.choice(50, 50, false);
        v.sort();
        assert_eq!(v, (0..50).collect::<Vec<i64>>());
    }
}
