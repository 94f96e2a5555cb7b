//! numpy's `np.arange` for float64 arguments, bit for bit (hnn-core's
//! bursty drives lay their burst times with it). Arguments numpy refuses
//! panic, with numpy's message quoted (see `network/event_times.rs`,
//! `create_bursty_input`, for what reaches them).

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arange_lengths() {
        assert_eq!(numpy_arange_f64(0.0, 1.0, 0.25), vec![0.0, 0.25, 0.5, 0.75]);
        assert!(numpy_arange_f64(5.0, 1.0, 1.0).is_empty());
        assert_eq!(numpy_arange_f64(1.0, 1.5, 1.0), vec![1.0]);
    }
}
