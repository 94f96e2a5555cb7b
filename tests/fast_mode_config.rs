//! `[simulation] numerics` and `--numerics` (docs/configuration.md §3,
//! docs/cli.md): the default, both modes, the errors (key, line, closest
//! mode), and the command line overriding the file.

use hnn_mpi::config::{Config, Numerics};

mod common;
use common::{hnn_mpi, temp_dir};

fn parse(text: &str) -> Result<Config, hnn_mpi::config::ConfigError> {
    Config::parse(text, "configs/x.toml")
}

#[test]
fn default_is_exact_and_both_modes_parse() {
    assert_eq!(parse("").unwrap().numerics, Numerics::Exact);
    assert_eq!(
        parse("[simulation]\ntstop = 10.0\n").unwrap().numerics,
        Numerics::Exact
    );
    for (name, mode) in [("exact", Numerics::Exact), ("fast", Numerics::Fast)] {
        let c = parse(&format!("[simulation]\nnumerics = \"{name}\"\n")).unwrap();
        assert_eq!(c.numerics, mode);
        assert_eq!(mode.as_str(), name);
        let r = c.resolve(&c.sweep_points().unwrap()[0]).unwrap();
        assert_eq!(r.numerics, mode);
    }
}

#[test]
fn unknown_mode_names_key_line_and_closest_mode() {
    let e = parse("[simulation]\ntstop = 10.0\nnumerics = \"fats\"\n").unwrap_err();
    assert_eq!(e.key, "simulation.numerics");
    assert_eq!(e.line, Some(3));
    assert_eq!(
        e.to_string(),
        "configs/x.toml:3: simulation.numerics: unknown numerics \"fats\"; did you mean `fast`? (modes: exact, fast)"
    );
    let e = parse("[simulation]\nnumerics = 2\n").unwrap_err();
    assert_eq!((e.key.as_str(), e.line), ("simulation.numerics", Some(2)));
    assert!(e.message.contains("string"), "{e}");
    let e = parse("numerics = \"fast\"\n").unwrap_err();
    assert!(e.message.contains("belongs in [simulation]"), "{e}");
    let e = parse("[simulation]\nnumerics = \"$w\"\n[sweep.params]\nw = { values = [1] }\n")
        .unwrap_err();
    assert_eq!(e.key, "simulation.numerics");
}

/// The network built from a fast config carries the mode to the engine.
#[test]
fn the_network_carries_the_mode() {
    use hnn_mpi::engine::mechanisms::Catalogue;
    use hnn_mpi::network::from_config::build_network;
    let c = parse("[simulation]\nnumerics = \"fast\"\n[network]\nmesh_shape = [1, 1]\n").unwrap();
    let r = c.resolve(&c.sweep_points().unwrap()[0]).unwrap();
    assert_eq!(
        build_network(&r, &c, &Catalogue).unwrap().numerics,
        Numerics::Fast
    );
}

#[test]
fn command_line_overrides_the_file_and_is_checked() {
    let dir = temp_dir("numerics-cli");
    let cfg = dir.join("fast.toml");
    std::fs::write(
        &cfg,
        "[simulation]\ntstop = 5.0\nnumerics = \"fast\"\n[network]\nmesh_shape = [1, 1]\n",
    )
    .unwrap();
    let attr = |path: &std::path::Path| -> String {
        let f = hdf5::File::open(path).unwrap();
        let v: hdf5::types::VarLenUnicode = f.attr("numerics").unwrap().read_scalar().unwrap();
        v.as_str().to_string()
    };
    let out = dir.join("a.h5");
    let run = |extra: &[&str]| {
        let mut args = vec![
            cfg.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--force",
            "-q",
        ];
        args.extend_from_slice(extra);
        hnn_mpi(&args)
    };
    assert_eq!(run(&[]).status.code(), Some(0));
    assert_eq!(attr(&out), "fast");
    assert_eq!(run(&["--numerics", "exact"]).status.code(), Some(0));
    assert_eq!(attr(&out), "exact");
    let bad = run(&["--numerics", "fats"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--numerics"));
    std::fs::remove_dir_all(&dir).ok();
}
