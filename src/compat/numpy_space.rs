//! numpy's `linspace` and `logspace`, bit for bit (numpy 2.x
//! `numpy/_core/function_base.py`): `step = (stop - start) / (num - 1)`,
//! `y[i] = i * step + start` (when `step == 0`: `y[i] = i / (num - 1) *
//! (stop - start) + start`), the last element set to `stop`; `logspace` is
//! `numpy.power(10.0, y)` as numpy 1.2x computes it on AVX-512 CPUs (SVML's
//! pow, see [`super::svml_pow`]): the values of hnn-core's documented example.

/// `numpy.linspace(start, stop, num)` (endpoint=True), bit for bit.
pub fn numpy_linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    if num == 0 {
        return Vec::new();
    }
    let div = num - 1;
    let delta = stop - start;
    let mut y: Vec<f64> = (0..num).map(|i| i as f64).collect();
    if div > 0 {
        let step = delta / div as f64;
        if step == 0.0 {
            for v in &mut y {
                *v = *v / div as f64 * delta;
            }
        } else {
            for v in &mut y {
                *v *= step;
            }
        }
    } else {
        for v in &mut y {
            *v *= delta;
        }
    }
    for v in &mut y {
        *v += start;
    }
    if num > 1 {
        y[num - 1] = stop;
    }
    y
}

/// `numpy.logspace(start, stop, num)` (base 10), bit for bit as numpy 1.2x
/// computes it on AVX-512 CPUs, which produced hnn-core's documented batch
/// example: `numpy.power(10.0, numpy.linspace(start, stop, num))` with SVML's
/// vectorised pow ([`super::svml_pow`]). (numpy 2.x, or numpy without
/// AVX-512, may differ in the last bit at some points.)
pub fn numpy_logspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    numpy_linspace(start, stop, num)
        .into_iter()
        .map(|e| super::svml_pow::pow(10.0, e))
        .collect()
}
