//! COBYLA (`src/search/cobyla.rs`): minimisation within hnn-core's
//! settings, the rhoend stop, points inside the cube, the budget,
//! determinism and replay, failed evaluations, and that dropping a search
//! at any moment ends its thread (the test would hang otherwise).

use hnn_mpi::search::cobyla::Cobyla;
use hnn_mpi::search::{Search, StopReason};

fn run(s: &mut dyn Search, f: &dyn Fn(&[f64]) -> f64) -> (Vec<Vec<f64>>, Vec<f64>, StopReason) {
    let (mut xs, mut fs) = (Vec::new(), Vec::new());
    loop {
        let asked = s.ask();
        if asked.is_empty() {
            break;
        }
        assert_eq!(asked.len(), 1, "COBYLA asks one point at a time");
        let values: Vec<f64> = asked.iter().map(|x| f(x)).collect();
        s.tell(&values);
        xs.extend(asked);
        fs.extend(values);
        assert!(xs.len() < 100_000, "search does not end");
    }
    (xs, fs, s.stopped().expect("an empty ask means a stop"))
}

/// Unit-cube COBYLA with hnn-core's rhobeg 0.1 and rhoend 1e-4 (ranges of
/// width 1).
fn unit(n: usize, budget: usize) -> Cobyla {
    Cobyla::hnn_core(&vec![0.5; n], &vec![1.0; n], budget).unwrap()
}

fn quadratic(c: Vec<f64>) -> impl Fn(&[f64]) -> f64 {
    move |x: &[f64]| {
        x.iter()
            .zip(&c)
            .enumerate()
            .map(|(i, (a, b))| (1.0 + i as f64) * (a - b) * (a - b))
            .sum::<f64>()
            + 0.5 * (x[0] - c[0]) * (x[1] - c[1])
    }
}

#[test]
fn minimises_smooth_functions_and_stops_on_rhoend() {
    let one_d = |x: &[f64]| (x[0] - 0.8).powi(2);
    let mut s = unit(1, 200);
    let (_, _, stop) = run(&mut s, &one_d);
    assert_eq!(stop, StopReason::TrustRegion);
    assert!((s.best().unwrap().0[0] - 0.8).abs() < 2e-4);
    for (n, opt) in [(2, vec![0.3, 0.65]), (3, vec![0.3, 0.65, 0.45])] {
        let f = quadratic(opt.clone());
        let mut s = unit(n, 200);
        let (xs, _, stop) = run(&mut s, &f);
        assert_eq!(
            stop,
            StopReason::TrustRegion,
            "n = {n}: {} evaluations",
            xs.len()
        );
        assert!(xs.len() < 200, "n = {n}: {} evaluations", xs.len());
        let (best, fbest) = s.best().unwrap();
        let dist = best
            .iter()
            .zip(&opt)
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f64>()
            .sqrt();
        // rhoend = 1e-4: the optimum to about that step.
        assert!(
            dist < 1e-3,
            "n = {n}: best {best:?} f {fbest:e}, {dist:e} from the optimum"
        );
        assert_eq!(s.evaluations(), xs.len());
    }
}

#[test]
fn never_asks_outside_the_cube() {
    // The unconstrained minimum (1.4, -0.3) lies outside: COBYLA presses
    // against two bounds and its steps overshoot them.
    let f = |x: &[f64]| (x[0] - 1.4).powi(2) + (x[1] + 0.3).powi(2) + 0.3 * x[0] * x[1];
    let mut s = unit(2, 200);
    let (xs, _, _) = run(&mut s, &f);
    assert!(xs.iter().flatten().all(|v| (0.0..=1.0).contains(v)));
    let (best, _) = s.best().unwrap();
    assert!(
        (best[0] - 1.0).abs() < 1e-3 && best[1].abs() < 1e-3,
        "best {best:?}"
    );
    // Narrow ranges (width 0.05 in the parameter's units): hnn-core's
    // rhobeg 0.1 is twice the range, the first steps are cut at the bounds.
    let mut s = Cobyla::hnn_core(&[0.5, 0.5], &[0.05, 0.05], 200).unwrap();
    let (xs, _, _) = run(&mut s, &quadratic(vec![0.2, 0.9]));
    assert!(xs.iter().flatten().all(|v| (0.0..=1.0).contains(v)));
}

#[test]
fn budget_is_never_exceeded() {
    let f = quadratic(vec![0.3, 0.65, 0.45]);
    for budget in [1, 2, 5, 17] {
        let mut s = unit(3, budget);
        let (xs, _, stop) = run(&mut s, &f);
        assert_eq!(xs.len(), budget);
        assert_eq!(stop, StopReason::MaxEvaluations);
        assert!(s.ask().is_empty());
    }
    let mut s = unit(3, 0);
    assert!(s.ask().is_empty());
    assert_eq!(s.stopped(), Some(StopReason::MaxEvaluations));
}

#[test]
fn deterministic_and_replayable() {
    let f = quadratic(vec![0.2, 0.9]);
    let (a, fa, ra) = run(&mut unit(2, 200), &f);
    let (b, _, rb) = run(&mut unit(2, 200), &f);
    assert_eq!(ra, rb);
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(
            x.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            y.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
    }
    // Replay from the stored values only.
    let mut s = unit(2, 200);
    for (k, (x, v)) in a.iter().zip(&fa).enumerate() {
        assert_eq!(&s.ask(), &vec![x.clone()], "point {k}");
        s.tell(&[*v]);
    }
    assert!(s.ask().is_empty());
    // Asking twice before telling returns the same point.
    let mut s = unit(2, 200);
    assert_eq!(s.ask(), s.ask());
}

#[test]
fn failed_evaluations_keep_the_search_finite() {
    // +inf next to the start; NaN in a corner.
    let f = |x: &[f64]| {
        if x[0] > 0.55 {
            f64::INFINITY
        } else if x[1] > 0.95 {
            f64::NAN
        } else {
            (x[0] - 0.2).powi(2) + (x[1] - 0.4).powi(2)
        }
    };
    let mut s = unit(2, 300);
    let (xs, fs, _) = run(&mut s, &f);
    assert!(fs.iter().any(|v| v.is_infinite()));
    assert!(xs
        .iter()
        .flatten()
        .all(|v| v.is_finite() && (0.0..=1.0).contains(v)));
    let (best, fbest) = s.best().unwrap();
    assert!(fbest < 1e-6, "best {best:?} f {fbest:e}");
    // Every evaluation failing: the search still ends.
    let (_, _, stop) = run(&mut unit(3, 500), &|_: &[f64]| f64::INFINITY);
    assert!(matches!(
        stop,
        StopReason::TrustRegion | StopReason::MaxEvaluations | StopReason::Degenerate
    ));
}

#[test]
fn dropping_a_search_at_any_moment_ends_its_thread() {
    // Never asked.
    drop(unit(2, 200));
    // Asked, not told: the thread waits for a value.
    let mut s = unit(2, 200);
    assert_eq!(s.ask().len(), 1);
    drop(s);
    // Told, not asked again: the thread is computing or sending.
    let mut s = unit(3, 200);
    let x = s.ask();
    s.tell(&[x[0][0]]);
    drop(s);
    // Many at once, mid-run.
    let searches: Vec<Cobyla> = (0..50)
        .map(|k| {
            let mut s = unit(2, 200);
            for _ in 0..k % 7 {
                let x = s.ask();
                s.tell(&[x[0][0] + x[0][1]]);
            }
            s
        })
        .collect();
    drop(searches);
    // Stopped: nothing left to end.
    let mut s = unit(2, 3);
    run(&mut s, &|x: &[f64]| x[0]);
    drop(s);
}

#[test]
fn refuses_impossible_settings() {
    assert!(Cobyla::hnn_core(&[], &[], 10).is_err());
    assert!(Cobyla::hnn_core(&[0.5], &[0.0], 10).is_err());
    assert!(Cobyla::hnn_core(&[0.5], &[1.0, 1.0], 10).is_err());
    assert!(Cobyla::new(&[0.5], &[0.1], &[f64::NAN], 10).is_err());
    assert!(Cobyla::new(&[-0.1], &[0.1], &[1e-4], 10).is_err());
}

/// `search::new` builds what `[fit] solver` names.
#[test]
fn factory_follows_the_solver() {
    use hnn_mpi::config::fit::{Fit, FitObjective, FitParam, Solver};
    use hnn_mpi::search::SearchError;
    let fit = |solver| Fit {
        solver,
        objective: FitObjective::MaximizePsd,
        target: None,
        scale_factor: None,
        smooth_window_ms: None,
        tstart_ms: 0.0,
        tstop_ms: None,
        f_bands: vec![(15.0, 25.0)],
        relative_bandpower: vec![1.0],
        max_evaluations: 40,
        popsize: 8,
        sigma0: 0.25,
        tolfun: 0.01,
        seed: 123,
        params: vec![
            FitParam {
                name: "a".into(),
                low: 20.0,
                high: 60.0,
                log: false,
            },
            FitParam {
                name: "b".into(),
                low: 1e-4,
                high: 1e-2,
                log: true,
            },
        ],
    };
    let mut cma = hnn_mpi::search::new(&fit(Solver::Cma)).unwrap();
    let first = cma.ask();
    assert_eq!((first.len(), first[0].len()), (8, 2));
    let mut cobyla = hnn_mpi::search::new(&fit(Solver::Cobyla)).unwrap();
    // hnn-core's first point is the middle of every range.
    assert_eq!(cobyla.ask(), vec![vec![0.5, 0.5]]);
    cobyla.tell(&[1.0]);
    // rhobeg = 0.1 in the searched units: a = 20..60 (width 40) steps
    // 0.1 / 40 of the cube, b (log10 width 2) 0.1 / 2.
    let second = cobyla.ask();
    assert!(
        (second[0][0] - (0.5 + 0.1 / 40.0)).abs() < 1e-15,
        "{second:?}"
    );
    assert_eq!(second[0][1], 0.5);
    cobyla.tell(&[1.0]);
    let third = cobyla.ask();
    assert_eq!(third[0][0], 0.5);
    assert!((third[0][1] - (0.5 + 0.1 / 2.0)).abs() < 1e-15, "{third:?}");
    // bayesian: one point per ask, the middle first.
    let mut bayes = hnn_mpi::search::new(&fit(Solver::Bayesian)).unwrap();
    assert_eq!(bayes.ask(), vec![vec![0.5, 0.5]]);
    bayes.tell(&[1.0]);
    assert_eq!(bayes.ask().len(), 1);
    let mut bad = fit(Solver::Bayesian);
    bad.max_evaluations = 0;
    assert!(matches!(
        hnn_mpi::search::new(&bad),
        Err(SearchError::Invalid(_))
    ));
}
