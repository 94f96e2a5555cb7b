//! A vectorisable `exp` that returns exactly what glibc's `exp` returns on
//! x86-64 CPUs with FMA (glibc 2.28+ `__exp_fma`, the algorithm of
//! sysdeps/ieee754/dbl-64/e_exp.c: x = k ln2/128 + r, a 128-entry table of
//! 2^(k/128) and a degree-5 polynomial, with the fused multiply-adds of
//! glibc's FMA build). NEURON's compiled mechanisms call glibc's `exp`, so
//! this keeps hnn-mpi bit-identical to NEURON while letting the compiler
//! inline and vectorise the exponentials of the state updates.
//!
//! The constants are glibc's `__exp_data` (glibc 2.36): the table
//! `tab[2k] = bits of T[k]`, `tab[2k+1] = bits of H[k] - (k << 45)` with
//! `2^(k/128) = H[k] (1 + T[k])`. [`self_check`] compares against the
//! system `exp` at start-up; without FMA, or if the system library differs,
//! every call falls back to the system `exp`.

use std::sync::OnceLock;

const INV_LN2_N: f64 = f64::from_bits(0x40671547652b82fe);
const NEG_LN2_HI_N: f64 = f64::from_bits(0xbf762e42fefa0000);
const NEG_LN2_LO_N: f64 = f64::from_bits(0xbd0cf79abc9e3b3a);
const C2: f64 = f64::from_bits(0x3fdffffffffffdbd);
const C3: f64 = f64::from_bits(0x3fc555555555543c);
const C4: f64 = f64::from_bits(0x3fa55555cf172b91);
const C5: f64 = f64::from_bits(0x3f81111167a4d017);
const SHIFT: f64 = f64::from_bits(0x4338000000000000);

#[rustfmt::skip]
static TAB: [u64; 256] = [
    0x0000000000000000, 0x3ff0000000000000, 0x3c9b3b4f1a88bf6e, 0x3feff63da9fb3335,
    0xbc7160139cd8dc5d, 0x3fefec9a3e778061, 0xbc905e7a108766d1, 0x3fefe315e86e7f85,
    0x3c8cd2523567f613, 0x3fefd9b0d3158574, 0xbc8bce8023f98efa, 0x3fefd06b29ddf6de,
    0x3c60f74e61e6c861, 0x3fefc74518759bc8, 0x3c90a3e45b33d399, 0x3fefbe3ecac6f383,
    0x3c979aa65d837b6d, 0x3fefb5586cf9890f, 0x3c8eb51a92fdeffc, 0x3fefac922b7247f7,
    0x3c3ebe3d702f9cd1, 0x3fefa3ec32d3d1a2, 0xbc6a033489906e0b, 0x3fef9b66affed31b,
    0xbc9556522a2fbd0e, 0x3fef9301d0125b51, 0xbc5080ef8c4eea55, 0x3fef8abdc06c31cc,
    0xbc91c923b9d5f416, 0x3fef829aaea92de0, 0x3c80d3e3e95c55af, 0x3fef7a98c8a58e51,
    0xbc801b15eaa59348, 0x3fef72b83c7d517b, 0xbc8f1ff055de323d, 0x3fef6af9388c8dea,
    0x3c8b898c3f1353bf, 0x3fef635beb6fcb75, 0xbc96d99c7611eb26, 0x3fef5be084045cd4,
    0x3c9aecf73e3a2f60, 0x3fef54873168b9aa, 0xbc8fe782cb86389d, 0x3fef4d5022fcd91d,
    0x3c8a6f4144a6c38d, 0x3fef463b88628cd6, 0x3c807a05b0e4047d, 0x3fef3f49917ddc96,
    0x3c968efde3a8a894, 0x3fef387a6e756238, 0x3c875e18f274487d, 0x3fef31ce4fb2a63f,
    0x3c80472b981fe7f2, 0x3fef2b4565e27cdd, 0xbc96b87b3f71085e, 0x3fef24dfe1f56381,
    0x3c82f7e16d09ab31, 0x3fef1e9df51fdee1, 0xbc3d219b1a6fbffa, 0x3fef187fd0dad990,
    0x3c8b3782720c0ab4, 0x3fef1285a6e4030b, 0x3c6e149289cecb8f, 0x3fef0cafa93e2f56,
    0x3c834d754db0abb6, 0x3fef06fe0a31b715, 0x3c864201e2ac744c, 0x3fef0170fc4cd831,
    0x3c8fdd395dd3f84a, 0x3feefc08b26416ff, 0xbc86a3803b8e5b04, 0x3feef6c55f929ff1,
    0xbc924aedcc4b5068, 0x3feef1a7373aa9cb, 0xbc9907f81b512d8e, 0x3feeecae6d05d866,
    0xbc71d1e83e9436d2, 0x3feee7db34e59ff7, 0xbc991919b3ce1b15, 0x3feee32dc313a8e5,
    0x3c859f48a72a4c6d, 0x3feedea64c123422, 0xbc9312607a28698a, 0x3feeda4504ac801c,
    0xbc58a78f4817895b, 0x3feed60a21f72e2a, 0xbc7c2c9b67499a1b, 0x3feed1f5d950a897,
    0x3c4363ed60c2ac11, 0x3feece086061892d, 0x3c9666093b0664ef, 0x3feeca41ed1d0057,
    0x3c6ecce1daa10379, 0x3feec6a2b5c13cd0, 0x3c93ff8e3f0f1230, 0x3feec32af0d7d3de,
    0x3c7690cebb7aafb0, 0x3feebfdad5362a27, 0x3c931dbdeb54e077, 0x3feebcb299fddd0d,
    0xbc8f94340071a38e, 0x3feeb9b2769d2ca7, 0xbc87deccdc93a349, 0x3feeb6daa2cf6642,
    0xbc78dec6bd0f385f, 0x3feeb42b569d4f82, 0xbc861246ec7b5cf6, 0x3feeb1a4ca5d920f,
    0x3c93350518fdd78e, 0x3feeaf4736b527da, 0x3c7b98b72f8a9b05, 0x3feead12d497c7fd,
    0x3c9063e1e21c5409, 0x3feeab07dd485429, 0x3c34c7855019c6ea, 0x3feea9268a5946b7,
    0x3c9432e62b64c035, 0x3feea76f15ad2148, 0xbc8ce44a6199769f, 0x3feea5e1b976dc09,
    0xbc8c33c53bef4da8, 0x3feea47eb03a5585, 0xbc845378892be9ae, 0x3feea34634ccc320,
    0xbc93cedd78565858, 0x3feea23882552225, 0x3c5710aa807e1964, 0x3feea155d44ca973,
    0xbc93b3efbf5e2228, 0x3feea09e667f3bcd, 0xbc6a12ad8734b982, 0x3feea012750bdabf,
    0xbc6367efb86da9ee, 0x3fee9fb23c651a2f, 0xbc80dc3d54e08851, 0x3fee9f7df9519484,
    0xbc781f647e5a3ecf, 0x3fee9f75e8ec5f74, 0xbc86ee4ac08b7db0, 0x3fee9f9a48a58174,
    0xbc8619321e55e68a, 0x3fee9feb564267c9, 0x3c909ccb5e09d4d3, 0x3feea0694fde5d3f,
    0xbc7b32dcb94da51d, 0x3feea11473eb0187, 0x3c94ecfd5467c06b, 0x3feea1ed0130c132,
    0x3c65ebe1abd66c55, 0x3feea2f336cf4e62, 0xbc88a1c52fb3cf42, 0x3feea427543e1a12,
    0xbc9369b6f13b3734, 0x3feea589994cce13, 0xbc805e843a19ff1e, 0x3feea71a4623c7ad,
    0xbc94d450d872576e, 0x3feea8d99b4492ed, 0x3c90ad675b0e8a00, 0x3feeaac7d98a6699,
    0x3c8db72fc1f0eab4, 0x3feeace5422aa0db, 0xbc65b6609cc5e7ff, 0x3feeaf3216b5448c,
    0x3c7bf68359f35f44, 0x3feeb1ae99157736, 0xbc93091fa71e3d83, 0x3feeb45b0b91ffc6,
    0xbc5da9b88b6c1e29, 0x3feeb737b0cdc5e5, 0xbc6c23f97c90b959, 0x3feeba44cbc8520f,
    0xbc92434322f4f9aa, 0x3feebd829fde4e50, 0xbc85ca6cd7668e4b, 0x3feec0f170ca07ba,
    0x3c71affc2b91ce27, 0x3feec49182a3f090, 0x3c6dd235e10a73bb, 0x3feec86319e32323,
    0xbc87c50422622263, 0x3feecc667b5de565, 0x3c8b1c86e3e231d5, 0x3feed09bec4a2d33,
    0xbc91bbd1d3bcbb15, 0x3feed503b23e255d, 0x3c90cc319cee31d2, 0x3feed99e1330b358,
    0x3c8469846e735ab3, 0x3feede6b5579fdbf, 0xbc82dfcd978e9db4, 0x3feee36bbfd3f37a,
    0x3c8c1a7792cb3387, 0x3feee89f995ad3ad, 0xbc907b8f4ad1d9fa, 0x3feeee07298db666,
    0xbc55c3d956dcaeba, 0x3feef3a2b84f15fb, 0xbc90a40e3da6f640, 0x3feef9728de5593a,
    0xbc68d6f438ad9334, 0x3feeff76f2fb5e47, 0xbc91eee26b588a35, 0x3fef05b030a1064a,
    0x3c74ffd70a5fddcd, 0x3fef0c1e904bc1d2, 0xbc91bdfbfa9298ac, 0x3fef12c25bd71e09,
    0x3c736eae30af0cb3, 0x3fef199bdd85529c, 0x3c8ee3325c9ffd94, 0x3fef20ab5fffd07a,
    0x3c84e08fd10959ac, 0x3fef27f12e57d14b, 0x3c63cdaf384e1a67, 0x3fef2f6d9406e7b5,
    0x3c676b2c6c921968, 0x3fef3720dcef9069, 0xbc808a1883ccb5d2, 0x3fef3f0b555dc3fa,
    0xbc8fad5d3ffffa6f, 0x3fef472d4a07897c, 0xbc900dae3875a949, 0x3fef4f87080d89f2,
    0x3c74a385a63d07a7, 0x3fef5818dcfba487, 0xbc82919e2040220f, 0x3fef60e316c98398,
    0x3c8e5a50d5c192ac, 0x3fef69e603db3285, 0x3c843a59ac016b4b, 0x3fef7321f301b460,
    0xbc82d52107b43e1f, 0x3fef7c97337b9b5f, 0xbc892ab93b470dc9, 0x3fef864614f5a129,
    0x3c74b604603a88d3, 0x3fef902ee78b3ff6, 0x3c83c5ec519d7271, 0x3fef9a51fbc74c83,
    0xbc8ff7128fd391f0, 0x3fefa4afa2a490da, 0xbc8dae98e223747d, 0x3fefaf482d8e67f1,
    0x3c8ec3bc41aa2008, 0x3fefba1bee615a27, 0x3c842b94c3a9eb32, 0x3fefc52b376bba97,
    0x3c8a64a931d185ee, 0x3fefd0765b6e4540, 0xbc8e37bae43be3ed, 0x3fefdbfdad9cbe14,
    0x3c77893b4d91cd9d, 0x3fefe7c1819e90d8, 0x3c5305c14160cc89, 0x3feff3c22b8f71f1,
];

/// glibc's main path for 2^-54 <= |x| < 512; other inputs go to the system
/// `exp` (tiny, huge, infinite and NaN arguments).
#[inline(always)]
fn exp_main(x: f64) -> f64 {
    if in_main_range(x) {
        exp_core(x)
    } else {
        x.exp()
    }
}

/// glibc's main path without the range test, so loops over it vectorise;
/// callers redo out-of-range arguments with the system `exp`.
#[inline(always)]
pub(crate) fn exp_core(x: f64) -> f64 {
    let kd = x.mul_add(INV_LN2_N, SHIFT);
    let ki = kd.to_bits();
    let kd = kd - SHIFT;
    let r = kd.mul_add(NEG_LN2_LO_N, kd.mul_add(NEG_LN2_HI_N, x));
    let idx = (2 * (ki % 128)) as usize;
    let top = ki << 45;
    let tail = f64::from_bits(TAB[idx & 0xfe]);
    let sbits = TAB[(idx & 0xfe) + 1].wrapping_add(top);
    let r2 = r * r;
    let p23 = r.mul_add(C3, C2);
    let p45 = r.mul_add(C5, C4);
    let tmp = (r2 * r2).mul_add(p45, p23.mul_add(r2, r + tail));
    let scale = f64::from_bits(sbits);
    scale.mul_add(tmp, scale)
}

/// [`exp_core`] of four arguments with AVX2 and FMA, the same operations
/// lane by lane (so the same bits), and which lanes are in the main range
/// ([`in_main_range`], all bits set). The table is read per lane, `tail`
/// and `scale` of an entry with one 16-byte load, four entries transposed
/// into two vectors: cheaper than two gathers on the CPUs measured
/// (docs/engine.md, "Exact-mode speed").
#[cfg(all(
    target_arch = "x86_64",
    target_feature = "avx2",
    target_feature = "fma"
))]
#[inline(always)]
pub(crate) unsafe fn exp_core_avx2(
    x: std::arch::x86_64::__m256d,
) -> (std::arch::x86_64::__m256d, std::arch::x86_64::__m256i) {
    use std::arch::x86_64::*;
    let kd = _mm256_fmadd_pd(x, _mm256_set1_pd(INV_LN2_N), _mm256_set1_pd(SHIFT));
    let ki = _mm256_castpd_si256(kd);
    let kd = _mm256_sub_pd(kd, _mm256_set1_pd(SHIFT));
    let r = _mm256_fmadd_pd(
        kd,
        _mm256_set1_pd(NEG_LN2_LO_N),
        _mm256_fmadd_pd(kd, _mm256_set1_pd(NEG_LN2_HI_N), x),
    );
    let k = _mm256_and_si256(ki, _mm256_set1_epi64x(127));
    let mut idx = [0u64; 4];
    _mm256_storeu_si256(idx.as_mut_ptr() as *mut __m256i, k);
    let tab = TAB.as_ptr() as *const f64;
    // [tail, sbits without top] of lanes 0 | 2 and 1 | 3.
    let a = _mm256_loadu2_m128d(tab.add(2 * idx[2] as usize), tab.add(2 * idx[0] as usize));
    let b = _mm256_loadu2_m128d(tab.add(2 * idx[3] as usize), tab.add(2 * idx[1] as usize));
    let tail = _mm256_unpacklo_pd(a, b);
    let sbits = _mm256_add_epi64(
        _mm256_castpd_si256(_mm256_unpackhi_pd(a, b)),
        _mm256_slli_epi64::<45>(ki),
    );
    let r2 = _mm256_mul_pd(r, r);
    let p23 = _mm256_fmadd_pd(r, _mm256_set1_pd(C3), _mm256_set1_pd(C2));
    let p45 = _mm256_fmadd_pd(r, _mm256_set1_pd(C5), _mm256_set1_pd(C4));
    let tmp = _mm256_fmadd_pd(
        _mm256_mul_pd(r2, r2),
        p45,
        _mm256_fmadd_pd(p23, r2, _mm256_add_pd(r, tail)),
    );
    let scale = _mm256_castsi256_pd(sbits);
    let e = _mm256_fmadd_pd(scale, tmp, scale);
    // in_main_range: the biased exponent in 0x3c9..=0x407.
    let top = _mm256_and_si256(
        _mm256_srli_epi64::<52>(_mm256_castpd_si256(x)),
        _mm256_set1_epi64x(0x7ff),
    );
    let out = _mm256_or_si256(
        _mm256_cmpgt_epi64(_mm256_set1_epi64x(0x3c9), top),
        _mm256_cmpgt_epi64(top, _mm256_set1_epi64x(0x407)),
    );
    (e, _mm256_xor_si256(out, _mm256_set1_epi64x(-1)))
}

#[inline(always)]
pub(crate) fn in_main_range(x: f64) -> bool {
    ((x.to_bits() >> 52) & 0x7ff).wrapping_sub(0x3c9) <= 0x3e
}

/// `x[i] = hoc_Exp(x[i])` in place: 0 below -700 (NEURON's `hoc_Exp`),
/// else bit-identical to the system `exp`, vectorised.
pub fn hoc_exp_in_place(x: &mut [f64]) {
    // `fold`, not the short-circuiting `all`, so the range test vectorises.
    if fast_path_ok() && x.iter().fold(true, |ok, &v| ok & in_main_range(v)) {
        for v in x.iter_mut() {
            *v = exp_core(*v);
        }
    } else {
        for v in x.iter_mut() {
            *v = if *v < -700.0 { 0.0 } else { exp(*v) };
        }
    }
}

pub(crate) fn fast_path_ok() -> bool {
    static OK: OnceLock<bool> = OnceLock::new();
    *OK.get_or_init(self_check)
}

/// True when [`exp`] reproduces the system `exp` bit for bit on a sweep of
/// arguments covering the range the mechanisms use.
pub fn self_check() -> bool {
    if !cfg!(target_feature = "fma") {
        return false;
    }
    let mut x = -745.0f64;
    while x < 720.0 {
        for y in [x, x * 0.999_999_7, -x * 1.000_000_3] {
            if exp_main(y).to_bits() != y.exp().to_bits() {
                return false;
            }
        }
        x += 0.013_7;
    }
    true
}

/// `exp(x)`, bit-identical to the system's.
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    if fast_path_ok() {
        exp_main(x)
    } else {
        x.exp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_place_hoc_exp_matches_scalar() {
        for x in [
            vec![-0.5, -0.001, -3.0, -10.0],
            vec![-0.5, -800.0, 1e-300, f64::NAN, 710.0],
        ] {
            let mut y = x.clone();
            hoc_exp_in_place(&mut y);
            for (a, b) in x.iter().zip(&y) {
                let want = if *a < -700.0 { 0.0 } else { a.exp() };
                assert!(
                    want.to_bits() == b.to_bits() || (want.is_nan() && b.is_nan()),
                    "x = {a}"
                );
            }
        }
    }

    #[test]
    fn in_place_matches_scalar_over_the_whole_range() {
        let x: Vec<f64> = (0..1000)
            .map(|i| -800.0 + 1.6 * i as f64 + 1e-3)
            .chain([0.0, 1e-300, f64::NAN])
            .collect();
        let mut out = x.clone();
        hoc_exp_in_place(&mut out);
        for (a, b) in x.iter().zip(&out) {
            let want = if *a < -700.0 { 0.0 } else { a.exp() };
            assert!(
                want.to_bits() == b.to_bits() || (want.is_nan() && b.is_nan()),
                "x = {a}"
            );
        }
    }

    /// The four-lane exp gives exp_core's bits and in_main_range's verdict
    /// on every lane.
    #[cfg(all(
        target_arch = "x86_64",
        target_feature = "avx2",
        target_feature = "fma"
    ))]
    #[test]
    fn avx2_core_equals_scalar_core() {
        use std::arch::x86_64::*;
        let mut x: Vec<f64> = (0..400_000)
            .map(|i| -745.0 + 0.003_7 * i as f64)
            .chain((0..2000).map(|i| -1e-3 * 0.99f64.powi(i)))
            .collect();
        x.extend([
            0.0,
            -0.0,
            1e-300,
            5e-324,
            600.0,
            -800.0,
            f64::NAN,
            f64::INFINITY,
        ]);
        while !x.len().is_multiple_of(4) {
            x.push(-1.0);
        }
        for c in x.chunks(4) {
            let (e, ok) = unsafe { exp_core_avx2(_mm256_loadu_pd(c.as_ptr())) };
            let (mut ev, mut okv) = ([0.0f64; 4], [0i64; 4]);
            unsafe {
                _mm256_storeu_pd(ev.as_mut_ptr(), e);
                _mm256_storeu_si256(okv.as_mut_ptr() as *mut __m256i, ok);
            }
            for l in 0..4 {
                assert_eq!(okv[l] == -1, in_main_range(c[l]), "x = {}", c[l]);
                if in_main_range(c[l]) {
                    assert_eq!(ev[l].to_bits(), exp_core(c[l]).to_bits(), "x = {}", c[l]);
                }
            }
        }
    }

    #[test]
    fn matches_system_exp_where_fma_is_available() {
        if cfg!(target_feature = "fma") {
            assert!(self_check(), "fast exp differs from the system exp");
        }
        for x in [
            -700.0, -50.5, -1.0, -1e-3, 0.0, 1e-20, 0.5, 3.0, 88.7, 709.0,
        ] {
            assert_eq!(exp(x).to_bits(), x.exp().to_bits(), "x = {x}");
        }
    }
}
