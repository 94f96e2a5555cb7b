//! `numpy.power(x, y)` for float64 arrays as numpy 1.22-1.26 computes it on
//! CPUs with AVX-512 (SkylakeX and later): Intel SVML's `__svml_pow8`, the
//! "LA" (low accuracy, < 4 ULP) variant that numpy vendored. It is not the
//! correctly rounded C `pow`: `numpy.power(10.0, -1.0)` gives
//! 0.09999999999999999 there (numpy issue #23289). hnn-core's "Batch
//! Simulation" example, the seed of this project, printed such values for
//! `np.logspace(-4, -1, 20)`; this module reproduces them bit for bit.
//!
//! The computation is SVML's, step by step in scalar form: log2|x| in three
//! parts from a 32-entry table of log2(1/rcp) (rcp = 1/mantissa rounded to
//! 5 fractional bits) and a degree-9 polynomial, times y in double-double
//! (two steps rounded toward zero), then 2^z from a 16-entry table of
//! 2^(j/16) and a degree-6 polynomial. The table and polynomial constants are
//! SVML's (BSD-3-Clause, Intel). The directed roundings are emulated exactly
//! from error-free transformations.
//!
//! Two simplifications, neither of which touches base 10: the reciprocal
//! estimate (`vrcp14pd`, 14 bits) is taken as the exact 1/m before the
//! rounding to 5 fractional bits, which differs only when 1/m lies within
//! 2^-13 of a rounding tie; and the inputs SVML sends to its scalar
//! "rare" path (x <= 0, x or y infinite or NaN, |y log2 x| > 1021.5) use
//! Rust's `powf` instead.

const LOG2_RCP_HI: [u64; 32] = [
    0x0000000000000000,
    0xbfa6bad3758e0000,
    0xbfb663f6fac90000,
    0xbfc08c588cda8000,
    0xbfc5c01a39fc0000,
    0xbfcacf5e2db50000,
    0xbfcfbc16b9028000,
    0xbfd24407ab0e0000,
    0xbfd49a784bcd0000,
    0xbfd6e221cd9d0000,
    0xbfd91bba891f0000,
    0xbfdb47ebf7388000,
    0xbfdd6753e0330000,
    0xbfdf7a8568cb0000,
    0xbfe0c10500d64000,
    0xbfe1bf311e95e000,
    0x3fda8ff971810000,
    0x3fd8a8980abfc000,
    0x3fd6cb0f6865c000,
    0x3fd4f6fbb2cec000,
    0x3fd32bfee3710000,
    0x3fd169c053640000,
    0x3fcf5fd8a9060000,
    0x3fcbfc67a8000000,
    0x3fc8a8980abf8000,
    0x3fc563dc29ff8000,
    0x3fc22dadc2ab0000,
    0x3fbe0b1ae8f30000,
    0x3fb7d60496d00000,
    0x3fb1bb32a6000000,
    0x3fa77394c9da0000,
    0x3f9743ee86200000,
];
const LOG2_RCP_LO: [u64; 32] = [
    0x0000000000000000,
    0xbd5fb0e626c0de13,
    0xbd33167ccc538261,
    0x3d2871a7610e40bd,
    0x3d54bc302ffa76fb,
    0x3d436c101ee13440,
    0x3d47f5dc57266758,
    0xbd3ce60916e52e91,
    0xbd5b8afe492bf6ff,
    0xbd49bcaf1aa4168a,
    0xbd5708b4b2b5056c,
    0xbd250520a377c7ec,
    0x3d55f101c141e670,
    0xbd3b3b3864c60011,
    0x3d45669df6a2b592,
    0x3d5fe43895d8ac46,
    0x3d44bc302ffa76fb,
    0xbd266cccab240e90,
    0x3d41d406db502403,
    0x3d3661e393a16b95,
    0xbd51979a5db68722,
    0xbd4d4f1b95e0ff45,
    0x3d5f1a4847f7b278,
    0xbd3667f21fa8423f,
    0x3d5e9933354dbf17,
    0x3d56590643906f2a,
    0x3d5a4b69691d7994,
    0xbd054cda62d3926e,
    0xbd512ce6312ebb82,
    0x3d552743318a8a57,
    0xbd54e55443478fe0,
    0xbd495539356f93dc,
];
const EXP2_TABLE: [u64; 16] = [
    0x3ff0000000000000,
    0x3ff0b5586cf9890f,
    0x3ff172b83c7d517b,
    0x3ff2387a6e756238,
    0x3ff306fe0a31b715,
    0x3ff3dea64c123422,
    0x3ff4bfdad5362a27,
    0x3ff5ab07dd485429,
    0x3ff6a09e667f3bcd,
    0x3ff7a11473eb0187,
    0x3ff8ace5422aa0db,
    0x3ff9c49182a3f090,
    0x3ffae89f995ad3ad,
    0x3ffc199bdd85529c,
    0x3ffd5818dcfba487,
    0x3ffea4afa2a490da,
];
const ONE: u64 = 0x3ff0000000000000;
const RCP_LIMIT: u64 = 0x3ff8000000000000;
const C1H: u64 = 0x3ff71547652b82fe;
const C2H: u64 = 0xbfe71547652b82fe;
const P9: u64 = 0x3fc48799f5374b96;
const P8: u64 = 0xbfc717e59a559f5d;
const P7: u64 = 0x3fca6175fca19d03;
const P6: u64 = 0xbfcec709bc8fb8df;
const P5: u64 = 0x3fd2776c50f03272;
const P4: u64 = 0xbfd71547652bc9ea;
const P3: u64 = 0x3fdec709dc3a03fc;
const P2L: u64 = 0x3c636b5ddffe5b67;
const C1L: u64 = 0x3c7777f3ee5e912f;
const SHIFTER: u64 = 0x42f8000000003ff0;
const REDUCED_MASK: u64 = 0xbfffffffffffffff;
const E5: u64 = 0x3f24a1d7f58c2d59;
const E4: u64 = 0x3f55d7472783d279;
const E3: u64 = 0x3f83b2ad1b14ebaa;
const E2: u64 = 0x3fac6b08d4ad8eb9;
const E1: u64 = 0x3fcebfbdff84554d;
const E0: u64 = 0x3fe62e42fefa398b;
const OVERFLOW_LIMIT: u64 = 0x408fec0000000000;
const EXP_MASK: u64 = 0x7ff0000000000000;

#[inline]
fn f(bits: u64) -> f64 {
    f64::from_bits(bits)
}

fn next_toward_zero(v: f64) -> f64 {
    if v == 0.0 {
        v
    } else {
        f64::from_bits(v.to_bits() - 1)
    }
}

fn next_away_from_zero(v: f64) -> f64 {
    f64::from_bits(v.to_bits() + 1)
}

fn next_down(v: f64) -> f64 {
    if v > 0.0 {
        next_toward_zero(v)
    } else if v == 0.0 {
        -f64::from_bits(1)
    } else {
        next_away_from_zero(v)
    }
}

/// Knuth's TwoSum: a + b = s + e exactly.
#[inline]
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    let e = (a - (s - bb)) + (b - bb);
    (s, e)
}

/// Sign of the exact sum of a few doubles (Shewchuk's expansion sum: the
/// components are non-overlapping and the largest one decides).
fn exact_sum_sign(terms: &[f64]) -> f64 {
    let mut expansion: Vec<f64> = Vec::with_capacity(terms.len());
    for &t in terms {
        let mut q = t;
        let mut next = Vec::with_capacity(expansion.len() + 1);
        for &e in &expansion {
            let (s, err) = two_sum(q, e);
            if err != 0.0 {
                next.push(err);
            }
            q = s;
        }
        if q != 0.0 {
            next.push(q);
        }
        expansion = next;
    }
    // components in increasing magnitude: the last non-zero one dominates.
    expansion.last().map_or(0.0, |v| v.signum())
}

/// Round-toward-zero correction of a round-to-nearest result `r` whose exact
/// value exceeds it by `sign(exact - r)`.
fn to_zero(r: f64, residual_sign: f64) -> f64 {
    if residual_sign == 0.0 || r == 0.0 {
        r
    } else if r > 0.0 {
        if residual_sign > 0.0 {
            r
        } else {
            next_toward_zero(r)
        }
    } else if residual_sign < 0.0 {
        r
    } else {
        next_toward_zero(r)
    }
}

/// a * b rounded toward zero.
fn mul_rz(a: f64, b: f64) -> f64 {
    let p = a * b;
    let e = a.mul_add(b, -p); // exact
    to_zero(p, e.signum() * f64::from(e != 0.0))
}

/// a * b + c rounded toward zero.
fn fma_rz(a: f64, b: f64, c: f64) -> f64 {
    let r = a.mul_add(b, c);
    let ph = a * b;
    let pl = a.mul_add(b, -ph);
    to_zero(r, exact_sum_sign(&[ph, pl, c, -r]))
}

/// a + b rounded down (toward -inf).
fn add_rd(a: f64, b: f64) -> f64 {
    let (s, e) = two_sum(a, b);
    if e < 0.0 {
        next_down(s)
    } else {
        s
    }
}

/// `vgetexppd` and `vgetmantpd` (interval [1/2, 1)) of a positive finite x:
/// (floor(log2 x), m) with x = m * 2^(e + 1), m in [1/2, 1).
fn exp_mant(x: f64) -> (f64, f64) {
    let mut bits = x.to_bits();
    let mut e = ((bits >> 52) & 0x7ff) as i64;
    if e == 0 {
        // subnormal: normalise
        let shift = (bits & 0x000f_ffff_ffff_ffff).leading_zeros() as i64 - 11;
        bits = (bits & 0x000f_ffff_ffff_ffff) << shift;
        e = 1 - shift;
    }
    let m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | (0x3fe_u64 << 52));
    ((e - 1023) as f64, m)
}

/// `numpy.power(x, y)` as SVML's AVX-512 `__svml_pow8` (LA) computes it.
pub fn pow(x: f64, y: f64) -> f64 {
    if !(x > 0.0 && x.is_finite() && y.is_finite()) {
        return x.powf(y);
    }
    // log2|x| = expon + Th + Tl + log2(1 + r)
    let (e, m) = exp_mant(x);
    let rcp = (m.recip() * 32.0).round_ties_even() / 32.0;
    let r = rcp.mul_add(m, -f(ONE));
    let idx = ((rcp.to_bits() >> 47) & 31) as usize;
    let expon = if rcp < f(RCP_LIMIT) { e + f(ONE) } else { e };
    let th = f(LOG2_RCP_HI[idx]);
    let tl = f(LOG2_RCP_LO[idx]);
    let r2 = r * r;
    let p89 = f(P9).mul_add(r, f(P8));
    let p67 = f(P7).mul_add(r, f(P6));
    let et = th + expon;
    let p69 = r2.mul_add(p89, p67);
    let p45 = f(P5).mul_add(r, f(P4));
    let p49 = r2.mul_add(p69, p45);
    let r2l = r.mul_add(r, -r2);
    let a = f(C2H).mul_add(r2l, tl);
    let p23 = f(P3).mul_add(r, f(P2L));
    let h1 = f(C1H).mul_add(r, et);
    let p29 = r2.mul_add(p49, p23);
    let rc1h = h1 - et;
    let a2 = p29.mul_add(r2, a);
    let rc1l = r.mul_add(f(C1H), -rc1h);
    let h2 = f(C2H).mul_add(r2, h1);
    let b = f(C1L).mul_add(r, rc1l);
    let high = h2 + a2;
    let rc2h = h2 - h1;
    // y * log2|x| = yh + zl
    let yh = mul_rz(high, y);
    let rc2l = f(C2H).mul_add(r2, -rc2h);
    let d = high - h2;
    let yhl = y.mul_add(high, -yh); // exact: rounding mode irrelevant
    let tll = a2 - d;
    let b2 = b + rc2l;
    let low = tll + b2;
    if yh.is_nan() || yh.abs() > f(OVERFLOW_LIMIT) {
        return x.powf(y); // SVML's rare path
    }
    let sh = add_rd(yh, f(SHIFTER));
    let zr = yh - (yh * 16.0).floor() / 16.0; // vreducepd, 4 bits, round down
    let zl = fma_rz(y, low, yhl);
    let z = f((zr + zl).to_bits() & REDUCED_MASK);
    // 2^yh = 2^N * 2^(j/16) * 2^z
    let the = f(EXP2_TABLE[(sh.to_bits() & 15) as usize]);
    let z2 = z * z;
    let rt = z * the;
    let q56 = f(E5).mul_add(z, f(E4));
    let q34 = f(E3).mul_add(z, f(E2));
    let q12 = f(E1).mul_add(z, f(E0));
    let scale = f((sh.to_bits() << 48) & EXP_MASK);
    let poly = z2.mul_add(z2.mul_add(q56, q34), q12);
    rt.mul_add(poly, the) * scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_23289_values() {
        // numpy >= 1.24 (< 2) on AVX-512: np.power(10, -1.0) == 0.09999999999999999
        assert_eq!(pow(10.0, -1.0), 0.09999999999999999);
        assert_eq!(pow(10.0, -4.0), 9.999999999999999e-05);
    }

    #[test]
    fn directed_rounding_helpers() {
        assert_eq!(add_rd(1.0, 1e-30), 1.0);
        assert_eq!(add_rd(1.0, -1e-30), next_down(1.0));
        // exact product 1 - 2^-54: RN gives 1.0, RZ 1 - 2^-53
        assert_eq!(mul_rz(1.0 / 3.0, 3.0), next_toward_zero(1.0));
        assert_eq!(fma_rz(1.0, 1.0, 1e-30), 1.0);
        assert_eq!(fma_rz(1.0, 1.0, -1e-30), next_toward_zero(1.0));
        assert_eq!(fma_rz(-1.0, 1.0, 1e-30), next_toward_zero(-1.0));
    }

    #[test]
    fn exp_mant_of_normals_and_subnormals() {
        assert_eq!(exp_mant(10.0), (3.0, 0.625));
        assert_eq!(exp_mant(1.0), (0.0, 0.5));
        assert_eq!(exp_mant(f64::from_bits(1)), (-1074.0, 0.5));
    }
}
