//! A vectorisable natural logarithm that returns exactly what glibc's `log`
//! returns on x86-64 CPUs with FMA. NEURON computes the calcium reversal
//! potential with the Nernst equation (`nrn_nernst` in eion.cpp) at every
//! step and every calcium node, calling glibc's `log`; a scalar libm call per
//! element cannot be inlined or vectorised, this can.
//!
//! The algorithm is glibc's since 2.28 (ARM optimized-routines):
//! sysdeps/ieee754/dbl-64/e_log.c with the constants of e_log_data.c.
//! For x = 2^k z with z in [0x1.6p-1, 0x1.6p0), z falls into one of 128
//! subintervals with centre c, and
//! `log(x) = k ln2 + log(c) + log1p(z/c - 1)`, `log1p` by a degree-6
//! polynomial; inputs within [1 - 2^-4, 1 + 0x1.09p-4] take a degree-12
//! polynomial in x - 1 instead. The x86-64 library is built a second time with
//! `-mfma -mavx2` (sysdeps/x86_64/fpu/multiarch/e_log-fma.c, selected at load
//! time by an IFUNC): there `__FP_FAST_FMA` makes `r = fma(z, invc, -1)`
//! (so the `tab2` chi/clo table is unused) and GCC contracts further
//! products and sums into fused multiply-adds. The contractions below are
//! transcribed from the machine code of `__ieee754_log_fma` in Debian 12's
//! libm.so.6 (glibc 2.36), and the constants are bit-identical to both
//! glibc 2.36's e_log_data.c and the `__log_data` of that running library.
//!
//! [`self_check`] compares against the system `log` at start-up; without
//! FMA, or if the system library differs, every call falls back to
//! `f64::ln` (which is the system `log`).

use std::sync::OnceLock;

// `__log_data` (glibc 2.36 e_log_data.c) as bit patterns.
/// ln 2 split so that k·LN2_HI is exact for |k| < 2^11.
const LN2_HI: f64 = f64::from_bits(0x3fe62e42fefa3800);
const LN2_LO: f64 = f64::from_bits(0x3d2ef35793c76730);
/// `poly`: log1p(r) - r ≈ A0 r² + A1 r³ + … + A4 r⁶ for |r| < 2^-8.
const A0: f64 = f64::from_bits(0xbfe0000000000001);
const A1: f64 = f64::from_bits(0x3fd555555551305b);
const A2: f64 = f64::from_bits(0xbfcfffffffeb4590);
const A3: f64 = f64::from_bits(0x3fc999b324f10111);
const A4: f64 = f64::from_bits(0xbfc55575e506c89f);
/// `poly1`: log(1 + r) ≈ r + B0 r² + … + B10 r¹² near x = 1 (B0 = -1/2).
const B0: f64 = f64::from_bits(0xbfe0000000000000);
const B1: f64 = f64::from_bits(0x3fd5555555555577);
const B2: f64 = f64::from_bits(0xbfcffffffffffdcb);
const B3: f64 = f64::from_bits(0x3fc999999995dd0c);
const B4: f64 = f64::from_bits(0xbfc55555556745a7);
const B5: f64 = f64::from_bits(0x3fc24924a344de30);
const B6: f64 = f64::from_bits(0xbfbfffffa4423d65);
const B7: f64 = f64::from_bits(0x3fbc7184282ad6ca);
const B8: f64 = f64::from_bits(0xbfb999eb43b068ff);
const B9: f64 = f64::from_bits(0x3fb78182f7afd085);
const B10: f64 = f64::from_bits(0xbfb5521375d145cd);
/// 2^27, splits x - 1 into a 26-bit head and a tail in the near-1 path.
const TWO_27: f64 = f64::from_bits(0x41a0000000000000);

/// Bits of 0x1.6p-1: the reduced argument z lies in [OFF, 2 OFF).
const OFF: u64 = 0x3fe6000000000000;
/// Bits of 1 - 2^-4 and 1 + 0x1.09p-4: the near-1 interval of e_log.c.
const NEAR1_LO: u64 = 0x3fee000000000000;
const NEAR1_HI: u64 = 0x3ff1090000000000;
const ONE_BITS: u64 = 0x3ff0000000000000;

/// `__log_data.tab`: `TAB[2i] = invc`, `TAB[2i + 1] = logc`, where c is
/// near the centre of the i-th subinterval of [0x1.6p-1, 0x1.6p0),
/// `invc` = 1/c and `logc` = log(c) (glibc 2.36 e_log_data.c).
#[rustfmt::skip]
static TAB: [u64; 256] = [
    0x3ff734f0c3e0de9f, 0xbfd7cc7f79e69000, 0x3ff713786a2ce91f, 0xbfd76feec20d0000,
    0x3ff6f26008fab5a0, 0xbfd713e31351e000, 0x3ff6d1a61f138c7d, 0xbfd6b85b38287800,
    0x3ff6b1490bc5b4d1, 0xbfd65d5590807800, 0x3ff69147332f0cba, 0xbfd602d076180000,
    0x3ff6719f18224223, 0xbfd5a8ca86909000, 0x3ff6524f99a51ed9, 0xbfd54f4356035000,
    0x3ff63356aa8f24c4, 0xbfd4f637c36b4000, 0x3ff614b36b9ddc14, 0xbfd49da7fda85000,
    0x3ff5f66452c65c4c, 0xbfd445923989a800, 0x3ff5d867b5912c4f, 0xbfd3edf439b0b800,
    0x3ff5babccb5b90de, 0xbfd396ce448f7000, 0x3ff59d61f2d91a78, 0xbfd3401e17bda000,
    0x3ff5805612465687, 0xbfd2e9e2ef468000, 0x3ff56397cee76bd3, 0xbfd2941b3830e000,
    0x3ff54725e2a77f93, 0xbfd23ec58cda8800, 0x3ff52aff42064583, 0xbfd1e9e129279000,
    0x3ff50f22dbb2bddf, 0xbfd1956d2b48f800, 0x3ff4f38f4734ded7, 0xbfd141679ab9f800,
    0x3ff4d843cfde2840, 0xbfd0edd094ef9800, 0x3ff4bd3ec078a3c8, 0xbfd09aa518db1000,
    0x3ff4a27fc3e0258a, 0xbfd047e65263b800, 0x3ff4880524d48434, 0xbfcfeb224586f000,
    0x3ff46dce1b192d0b, 0xbfcf474a7517b000, 0x3ff453d9d3391854, 0xbfcea4443d103000,
    0x3ff43a2744b4845a, 0xbfce020d44e9b000, 0x3ff420b54115f8fb, 0xbfcd60a22977f000,
    0x3ff40782da3ef4b1, 0xbfccc00104959000, 0x3ff3ee8f5d57fe8f, 0xbfcc202956891000,
    0x3ff3d5d9a00b4ce9, 0xbfcb81178d811000, 0x3ff3bd60c010c12b, 0xbfcae2c9ccd3d000,
    0x3ff3a5242b75dab8, 0xbfca45402e129000, 0x3ff38d22cd9fd002, 0xbfc9a877681df000,
    0x3ff3755bc5847a1c, 0xbfc90c6d69483000, 0x3ff35dce49ad36e2, 0xbfc87120a645c000,
    0x3ff34679984dd440, 0xbfc7d68fb4143000, 0x3ff32f5cceffcb24, 0xbfc73cb83c627000,
    0x3ff3187775a10d49, 0xbfc6a39a9b376000, 0x3ff301c8373e3990, 0xbfc60b3154b7a000,
    0x3ff2eb4ebb95f841, 0xbfc5737d76243000, 0x3ff2d50a0219a9d1, 0xbfc4dc7b8fc23000,
    0x3ff2bef9a8b7fd2a, 0xbfc4462c51d20000, 0x3ff2a91c7a0c1bab, 0xbfc3b08abc830000,
    0x3ff293726014b530, 0xbfc31b996b490000, 0x3ff27dfa5757a1f5, 0xbfc2875490a44000,
    0x3ff268b39b1d3bbf, 0xbfc1f3b9f879a000, 0x3ff2539d838ff5bd, 0xbfc160c8252ca000,
    0x3ff23eb7aac9083b, 0xbfc0ce7f57f72000, 0x3ff22a012ba940b6, 0xbfc03cdc49fea000,
    0x3ff2157996cc4132, 0xbfbf57bdbc4b8000, 0x3ff201201dd2fc9b, 0xbfbe370896404000,
    0x3ff1ecf4494d480b, 0xbfbd17983ef94000, 0x3ff1d8f5528f6569, 0xbfbbf9674ed8a000,
    0x3ff1c52311577e7c, 0xbfbadc79202f6000, 0x3ff1b17c74cb26e9, 0xbfb9c0c3e7288000,
    0x3ff19e010c2c1ab6, 0xbfb8a646b372c000, 0x3ff18ab07bb670bd, 0xbfb78d01b3ac0000,
    0x3ff1778a25efbcb6, 0xbfb674f145380000, 0x3ff1648d354c31da, 0xbfb55e0e6d878000,
    0x3ff151b990275fdd, 0xbfb4485cdea1e000, 0x3ff13f0ea432d24c, 0xbfb333d94d6aa000,
    0x3ff12c8b7210f9da, 0xbfb22079f8c56000, 0x3ff11a3028ecb531, 0xbfb10e4698622000,
    0x3ff107fbda8434af, 0xbfaffa6c6ad20000, 0x3ff0f5ee0f4e6bb3, 0xbfadda8d4a774000,
    0x3ff0e4065d2a9fce, 0xbfabbcece4850000, 0x3ff0d244632ca521, 0xbfa9a1894012c000,
    0x3ff0c0a77ce2981a, 0xbfa788583302c000, 0x3ff0af2f83c636d1, 0xbfa5715e67d68000,
    0x3ff09ddb98a01339, 0xbfa35c8a49658000, 0x3ff08cabaf52e7df, 0xbfa149e364154000,
    0x3ff07b9f2f4e28fb, 0xbf9e72c082eb8000, 0x3ff06ab58c358f19, 0xbf9a55f152528000,
    0x3ff059eea5ecf92c, 0xbf963d62cf818000, 0x3ff04949cdd12c90, 0xbf9228fb8caa0000,
    0x3ff038c6c6f0ada9, 0xbf8c317b20f90000, 0x3ff02865137932a9, 0xbf8419355daa0000,
    0x3ff0182427ea7348, 0xbf781203c2ec0000, 0x3ff008040614b195, 0xbf60040979240000,
    0x3fefe01ff726fa1a, 0x3f6feff384900000, 0x3fefa11cc261ea74, 0x3f87dc41353d0000,
    0x3fef6310b081992e, 0x3f93cea3c4c28000, 0x3fef25f63ceeadcd, 0x3f9b9fc114890000,
    0x3feee9c8039113e7, 0x3fa1b0d8ce110000, 0x3feeae8078cbb1ab, 0x3fa58a5bd001c000,
    0x3fee741aa29d0c9b, 0x3fa95c8340d88000, 0x3fee3a91830a99b5, 0x3fad276aef578000,
    0x3fee01e009609a56, 0x3fb07598e598c000, 0x3fedca01e577bb98, 0x3fb253f5e30d2000,
    0x3fed92f20b7c9103, 0x3fb42edd8b380000, 0x3fed5cac66fb5cce, 0x3fb606598757c000,
    0x3fed272caa5ede9d, 0x3fb7da76356a0000, 0x3fecf26e3e6b2ccd, 0x3fb9ab434e1c6000,
    0x3fecbe6da2a77902, 0x3fbb78c7bb0d6000, 0x3fec8b266d37086d, 0x3fbd431332e72000,
    0x3fec5894bd5d5804, 0x3fbf0a3171de6000, 0x3fec26b533bb9f8c, 0x3fc067152b914000,
    0x3febf583eeece73f, 0x3fc147858292b000, 0x3febc4fd75db96c1, 0x3fc2266ecdca3000,
    0x3feb951e0c864a28, 0x3fc303d7a6c55000, 0x3feb65e2c5ef3e2c, 0x3fc3dfc33c331000,
    0x3feb374867c9888b, 0x3fc4ba366b7a8000, 0x3feb094b211d304a, 0x3fc5933928d1f000,
    0x3feadbe885f2ef7e, 0x3fc66acd2418f000, 0x3feaaf1d31603da2, 0x3fc740f8ec669000,
    0x3fea82e63fd358a7, 0x3fc815c0f51af000, 0x3fea5740ef09738b, 0x3fc8e92954f68000,
    0x3fea2c2a90ab4b27, 0x3fc9bb3602f84000, 0x3fea01a01393f2d1, 0x3fca8bed1c2c0000,
    0x3fe9d79f24db3c1b, 0x3fcb5b515c01d000, 0x3fe9ae2505c7b190, 0x3fcc2967ccbcc000,
    0x3fe9852ef297ce2f, 0x3fccf635d5486000, 0x3fe95cbaeea44b75, 0x3fcdc1bd3446c000,
    0x3fe934c69de74838, 0x3fce8c01b8cfe000, 0x3fe90d4f2f6752e6, 0x3fcf5509c0179000,
    0x3fe8e6528effd79d, 0x3fd00e6c121fb800, 0x3fe8bfce9fcc007c, 0x3fd071b80e93d000,
    0x3fe899c0dabec30e, 0x3fd0d46b9e867000, 0x3fe87427aa2317fb, 0x3fd13687334bd000,
    0x3fe84f00acb39a08, 0x3fd1980d67234800, 0x3fe82a49e8653e55, 0x3fd1f8ffe0cc8000,
    0x3fe8060195f40260, 0x3fd2595fd7636800, 0x3fe7e22563e0a329, 0x3fd2b9300914a800,
    0x3fe7beb377dcb5ad, 0x3fd3187210436000, 0x3fe79baa679725c2, 0x3fd377266dec1800,
    0x3fe77907f2170657, 0x3fd3d54ffbaf3000, 0x3fe756cadbd6130c, 0x3fd432eee32fe000,
];

/// The table path of e_log.c for positive normal x outside the near-1
/// interval, without any range test so loops over it vectorise; callers
/// redo other arguments ([`in_main_range`]).
#[inline(always)]
fn log_core(x: f64) -> f64 {
    let ix = x.to_bits();
    let tmp = ix.wrapping_sub(OFF);
    let i = ((tmp >> 45) % 128) as usize;
    // Arithmetic shift: k = exponent of x relative to z's binade.
    let k = (tmp as i64) >> 52;
    let iz = ix.wrapping_sub(tmp & (0xfff << 52));
    let invc = f64::from_bits(TAB[2 * i]);
    let logc = f64::from_bits(TAB[2 * i + 1]);
    let z = f64::from_bits(iz);
    let kd = k as f64;
    // Every mul_add below is an FMA instruction of __ieee754_log_fma.
    let w = kd.mul_add(LN2_HI, logc);
    let r = z.mul_add(invc, -1.0);
    let hi = w + r;
    let lo = kd.mul_add(LN2_LO, w - hi + r);
    let r2 = r * r;
    let p = r2.mul_add(r.mul_add(A4, A3), r.mul_add(A2, A1));
    let y = (r * r2).mul_add(p, r2.mul_add(A0, lo));
    y + hi
}

/// The near-1 path of e_log.c, for x in (1 - 2^-4, 1 + 0x1.09p-4), x ≠ 1.
#[inline(always)]
fn log_near1(x: f64) -> f64 {
    let r = x - 1.0;
    let r2 = r * r;
    let r3 = r * r2;
    let p1 = r2.mul_add(B3, r.mul_add(B2, B1));
    let p2 = r2.mul_add(B6, r.mul_add(B5, B4));
    let p3 = r3.mul_add(B10, r2.mul_add(B9, r.mul_add(B8, B7)));
    let q = p3.mul_add(r3, p2).mul_add(r3, p1);
    // rhi = r + w - w with w = r 2^27, both steps contracted by GCC.
    let rhi = (-TWO_27).mul_add(r, r.mul_add(TWO_27, r));
    let rlo = r - rhi;
    let rhi2 = rhi * rhi;
    let hi = rhi2.mul_add(B0, r);
    let lo = rhi2.mul_add(B0, r - hi);
    let lo = (B0 * rlo).mul_add(rhi + r, lo);
    q.mul_add(r3, lo) + hi
}

#[inline(always)]
fn is_near1(x: f64) -> bool {
    x.to_bits().wrapping_sub(NEAR1_LO) < NEAR1_HI - NEAR1_LO
}

/// True for positive normal finite x outside the near-1 interval: the
/// arguments [`log_core`] computes exactly as glibc does.
#[inline(always)]
fn in_main_range(x: f64) -> bool {
    let ix = x.to_bits();
    // Top 16 bits (sign and exponent) in [0x0010, 0x7ff0): e_log.c's test.
    let normal = (ix >> 48).wrapping_sub(0x0010) < 0x7ff0 - 0x0010;
    normal & !is_near1(x)
}

/// glibc's `log` with its branches; tiny (subnormal), zero, negative,
/// infinite and NaN arguments go to the system `log`.
#[inline(always)]
fn log_main(x: f64) -> f64 {
    if is_near1(x) {
        if x.to_bits() == ONE_BITS {
            0.0
        } else {
            log_near1(x)
        }
    } else if in_main_range(x) {
        log_core(x)
    } else {
        x.ln()
    }
}

/// `x[i] = ln(x[i])` in place, bit-identical to the system `log`,
/// vectorised.
pub fn ln_in_place(x: &mut [f64]) {
    if !fast_path_ok() {
        for v in x.iter_mut() {
            *v = v.ln();
        }
        return;
    }
    if x.iter().fold(true, |ok, &v| ok & in_main_range(v)) {
        for v in x.iter_mut() {
            *v = log_core(*v);
        }
    } else {
        for v in x.iter_mut() {
            *v = log_main(*v);
        }
    }
}

/// `out[i] = post(ln(pre(x[i])), x[i])` with the system `log`'s bits,
/// in one vectorised pass (no intermediate array, no separate range
/// test) whenever every argument is in [`log_core`]'s range; otherwise a
/// second pass with the branches. `pre` and `post` must be pure.
#[inline(always)]
pub fn ln_map(
    x: &[f64],
    out: &mut [f64],
    pre: impl Fn(f64) -> f64,
    post: impl Fn(f64, f64) -> f64,
) {
    let out = &mut out[..x.len()];
    if !fast_path_ok() {
        for (o, &v) in out.iter_mut().zip(x) {
            *o = post(pre(v).ln(), v);
        }
        return;
    }
    let mut ok = true;
    for (o, &v) in out.iter_mut().zip(x) {
        let arg = pre(v);
        ok &= in_main_range(arg);
        *o = post(log_core(arg), v);
    }
    if !ok {
        for (o, &v) in out.iter_mut().zip(x) {
            *o = post(log_main(pre(v)), v);
        }
    }
}

fn fast_path_ok() -> bool {
    static OK: OnceLock<bool> = OnceLock::new();
    *OK.get_or_init(self_check)
}

/// True when the fast path (`log_main`) reproduces the system `log` bit
/// for bit on a sweep of arguments: bit patterns across the whole positive normal range (every
/// table entry in many binades), the near-1 interval, and the `cao/cai`
/// ratios of the Nernst equation (2 mM over 1e-6..10 mM) densely.
pub fn self_check() -> bool {
    if !cfg!(target_feature = "fma") {
        return false;
    }
    let same = |x: f64| log_main(x).to_bits() == x.ln().to_bits();
    // 2^16 bit patterns through [2^-1022, 2^1024); the odd stride varies
    // the table index and the low mantissa bits from one sample to the next.
    let (lo, hi) = (0x0010_0000_0000_0000u64, 0x7ff0_0000_0000_0000u64);
    let stride = ((hi - lo) >> 16) | 1;
    let mut b = lo;
    while b < hi {
        if !same(f64::from_bits(b)) {
            return false;
        }
        b += stride;
    }
    // Near 1: 2^14 points over the special interval and just outside it.
    let mut x = 0.93;
    while x < 1.07 {
        if !same(x) {
            return false;
        }
        x += 0.14 / 16384.0;
    }
    // Nernst ratios 2 / cai, cai = 1e-6 .. 10 mM, 2^17 geometric steps.
    let step = (1e7f64).powf(1.0 / 131072.0);
    let mut cai = 1e-6;
    while cai < 10.0 {
        if !same(2.0 / cai) {
            return false;
        }
        cai *= step;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks `x` through the in-place API and the scalar paths against
    /// `f64::ln` (glibc's `log`), bit for bit; returns the number of
    /// arguments.
    fn check_all(x: &[f64]) -> usize {
        let mut in_place = x.to_vec();
        ln_in_place(&mut in_place);
        for (&v, &b) in x.iter().zip(&in_place) {
            let want = v.ln().to_bits();
            assert_eq!(b.to_bits(), want, "ln_in_place({v:e} = {:#x})", v.to_bits());
            // The fast paths themselves, whatever the start-up check says.
            if cfg!(target_feature = "fma") {
                assert_eq!(log_main(v).to_bits(), want, "log_main({v:e})");
                if in_main_range(v) {
                    assert_eq!(log_core(v).to_bits(), want, "log_core({v:e})");
                }
            }
        }
        x.len()
    }

    /// xorshift64*: reproducible pseudo-random bit patterns.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
    }

    #[test]
    fn self_check_passes_where_fma_is_available() {
        if cfg!(target_feature = "fma") {
            assert!(self_check(), "fast log differs from the system log");
        }
    }

    #[test]
    fn random_positive_normal_bit_patterns() {
        let (lo, hi) = (0x0010_0000_0000_0000u64, 0x7ff0_0000_0000_0000u64);
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut n = 0;
        let mut x = vec![0.0; 1 << 16];
        while n < 10_000_000 {
            for v in x.iter_mut() {
                *v = f64::from_bits(lo + rng.next() % (hi - lo));
            }
            n += check_all(&x);
        }
    }

    #[test]
    fn dense_near_one() {
        // Every double within 2^20 ulps of 1 (the exact-1 case included).
        let one = 1f64.to_bits();
        let x: Vec<f64> = (one - (1 << 20)..one + (1 << 20))
            .map(f64::from_bits)
            .collect();
        check_all(&x);
        // The whole near-1 interval of e_log.c and 1/8 of its width either
        // side, in 2^22 evenly spaced bit patterns (odd stride).
        let (a, b) = (NEAR1_LO, NEAR1_HI);
        let w = (b - a) / 8;
        let stride = ((b - a + 2 * w) >> 22) | 1;
        let x: Vec<f64> = (a - w..b + w)
            .step_by(stride as usize)
            .map(f64::from_bits)
            .collect();
        check_all(&x);
        // Each interval edge, 2^16 patterns either side.
        for e in [a, b] {
            let x: Vec<f64> = (e - (1 << 16)..e + (1 << 16)).map(f64::from_bits).collect();
            check_all(&x);
        }
    }

    #[test]
    fn nernst_ratios() {
        // cao / cai with cao = 2 mM, cai = 1e-6 .. 10 mM, 2^22 geometric
        // steps, each ratio with its two neighbouring doubles.
        let n = 1 << 22;
        let step = (1e7f64).powf(1.0 / n as f64);
        let mut cai = 1e-6f64;
        let mut x = Vec::with_capacity(3 * n);
        while cai < 10.0 {
            let r = 2.0 / cai;
            x.extend([
                r,
                f64::from_bits(r.to_bits() - 1),
                f64::from_bits(r.to_bits() + 1),
            ]);
            cai *= step;
        }
        check_all(&x);
    }

    #[test]
    fn special_and_out_of_range_values() {
        let mut x = vec![
            0.0,
            -0.0,
            -1.0,
            -1e-300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            -f64::NAN,
            f64::MIN_POSITIVE,
            f64::MIN_POSITIVE / 3.0,
            f64::from_bits(1),
            f64::from_bits(0x000f_ffff_ffff_ffff),
            f64::MAX,
            1.0,
            0.5,
            2.0,
            std::f64::consts::E,
            1e-300,
            1e300,
        ];
        // Subnormals through the whole range.
        x.extend((0..4096u64).map(|i| f64::from_bits(1 + i * 0x0000_00ff_ffff_ffff)));
        check_all(&x);
        // Slices that are all in range but for one value at either end.
        for bad in [0.0, f64::NAN, 1.0, 1.01, -3.0, 1e-310] {
            let mut y: Vec<f64> = (1..40).map(|i| 1.7 * i as f64).collect();
            y[0] = bad;
            check_all(&y);
            y.reverse();
            check_all(&y);
        }
    }
}
