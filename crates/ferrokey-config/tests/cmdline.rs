//! Command-line handling. The error lines below are what valkey-server 8.1.8
//! printed for the same arguments: options become config text after a
//! leading newline, so the first option is line 2.

mod common;

use common::{get, scratch_dir, TestHooks};
use ferrokey_config::{
    parse_command_line, usage_text, version_line, CommandLine, Config, StartupError, VERSION,
};

fn run(args: &[&str], hooks: &mut TestHooks) -> Result<Config, StartupError> {
    let argv = std::iter::once("ferrokey-server").chain(args.iter().copied());
    match parse_command_line(argv, hooks)? {
        CommandLine::Run(config) => Ok(*config),
        other => panic!("expected Run, got {other:?}"),
    }
}

fn error_for(args: &[&str]) -> String {
    run(args, &mut TestHooks::new())
        .expect_err("should fail")
        .to_string()
}

fn fatal(line: usize, text: &str, message: &str) -> String {
    format!(
        "\n*** FATAL CONFIG FILE ERROR (Version {VERSION}) ***\nReading the configuration file, at line {line}\n>>> '{text}'\n{message}"
    )
}

const BAD: &str = "Bad directive or wrong number of arguments";

#[test]
fn options_become_config_lines_like_valkey() {
    let cases: &[(&[&str], usize, &str, &str)] = &[
        (
            &["--port", "7000", "a", "b", "--foo"],
            2,
            "port \"7000\" \"a\" \"b\"",
            "wrong number of arguments",
        ),
        (&["--foo", "bar baz"], 2, "foo \"bar baz\"", BAD),
        (
            &["--port 1", "2", "--foo"],
            2,
            "port 1 \"2\"",
            "wrong number of arguments",
        ),
        (&["--save", "--foo", "1"], 3, "foo \"1\"", BAD),
        (
            &["--loglevel", "--foo"],
            2,
            "loglevel \"--foo\"",
            "argument(s) must be one of the following: debug, verbose, notice, warning, nothing",
        ),
        (
            &["--port", "1", "-", "--foo", "x"],
            2,
            "port \"1\" \"-\"",
            "wrong number of arguments",
        ),
        (&["--foo"], 2, "foo", BAD),
        (&["-x"], 2, "\"-x\"", BAD),
        (&["--port", "1", "--", "x"], 3, "\"x\"", BAD),
        (
            &["--bind", "a b", "--foo", "x\"y", "é"],
            3,
            "foo \"x\\\"y\" \"\\xc3\\xa9\"",
            BAD,
        ),
        (
            &["--Port", "5", "x y"],
            2,
            "Port \"5\" \"x y\"",
            "wrong number of arguments",
        ),
        (&["--port", "7000", "--version"], 3, "version", BAD),
    ];
    for (args, line, text, message) in cases {
        assert_eq!(
            error_for(args),
            fatal(*line, text, message),
            "args {args:?}"
        );
    }
}

#[test]
fn options_set_values() {
    let config = run(
        &[
            "--port",
            "7000",
            "--save",
            "",
            "--bind",
            "127.0.0.1",
            "::1",
            "--maxmemory",
            "1mb",
        ],
        &mut TestHooks::new(),
    )
    .unwrap();
    assert_eq!(config.port(), 7000);
    assert_eq!(get(&config, "save"), "");
    assert_eq!(get(&config, "bind"), "127.0.0.1 ::1");
    assert_eq!(config.maxmemory(), 1 << 20);
    // `--save` followed by another option, or last, means `save ""`.
    assert_eq!(
        get(
            &run(&["--save", "--port", "1"], &mut TestHooks::new()).unwrap(),
            "save"
        ),
        ""
    );
    assert_eq!(
        get(
            &run(&["--port", "1", "--save"], &mut TestHooks::new()).unwrap(),
            "save"
        ),
        ""
    );
    assert_eq!(
        get(
            &run(&["--save", "100 1 200 2"], &mut TestHooks::new()).unwrap(),
            "save"
        ),
        "100 1 200 2"
    );
}

#[test]
fn version_and_help_only_as_first_argument() {
    let mut hooks = TestHooks::new();
    for flag in ["-v", "--version"] {
        assert_eq!(
            parse_command_line(["ferrokey-server", flag, "--port", "1"], &mut hooks).unwrap(),
            CommandLine::Version
        );
    }
    for flag in ["-h", "--help"] {
        assert_eq!(
            parse_command_line(["ferrokey-server", flag], &mut hooks).unwrap(),
            CommandLine::Help
        );
    }
    assert_eq!(
        version_line("jemalloc-5.3.0", "abc"),
        format!("ferrokey server v={VERSION} redis_version=7.2.4 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=abc")
    );
    assert!(usage_text()
        .starts_with("Usage: ./ferrokey-server [/path/to/ferrokey.conf] [options] [-]\n"));
}

#[test]
fn config_file_then_stdin_then_options() {
    let dir = scratch_dir("cmdline");
    let file = dir.join("main.conf");
    std::fs::write(&file, "port 1\nhz 11\n").unwrap();
    let mut hooks = TestHooks::new();
    hooks.stdin = b"port 2\nmaxclients 7\n".to_vec();
    let path = file.display().to_string();
    let config = run(&[&path, "--maxclients", "9", "-"], &mut hooks).unwrap();
    assert_eq!(
        (config.port(), config.hz(), config.maxclients()),
        (2, 11, 9)
    );
    assert_eq!(config.config_file(), Some(file.as_path()));

    // The config file path is made absolute against the working directory.
    let mut hooks = TestHooks::new();
    hooks.cwd = dir.display().to_string().into_bytes();
    let config = run(&["main.conf"], &mut hooks).unwrap();
    assert_eq!(config.config_file(), Some(file.as_path()));

    // Stdin follows the file directly: a file without a final newline runs
    // into the first stdin line.
    std::fs::write(&file, "port 1").unwrap();
    let mut hooks = TestHooks::new();
    hooks.stdin = b"hz 5\n".to_vec();
    let err = run(&[&path, "-"], &mut hooks).unwrap_err();
    assert_eq!(
        err,
        StartupError::at_line(1, "port 1hz 5", "wrong number of arguments")
    );

    // The options follow a newline after the file: line 3 here.
    std::fs::write(&file, "port 0\n").unwrap();
    assert_eq!(error_for(&[&path, "--foo"]), fatal(3, "foo", BAD));

    let missing = dir.join("nosuch.conf").display().to_string();
    assert_eq!(
        error_for(&[&missing]),
        format!("Fatal error, can't open config file '{missing}': No such file or directory")
    );
}

#[test]
fn no_arguments_means_defaults_and_no_config_file() {
    let config = run(&[], &mut TestHooks::new()).unwrap();
    assert_eq!(config.config_file(), None);
    assert_eq!(config.port(), 6379);
    let config = run(&["--port", "1", "--sentinel"], &mut TestHooks::new()).unwrap();
    assert!(config.startup().sentinel_mode);
}

#[test]
fn assigned_directives_are_recorded_by_primary_name() {
    let config = run(&[], &mut TestHooks::new()).unwrap();
    assert!(!config.startup().was_assigned("io-threads"));
    let dir = scratch_dir("assigned");
    let file = dir.join("a.conf");
    std::fs::write(&file, "io-threads 1\n").unwrap();
    let path = file.display().to_string();
    let config = run(&[&path], &mut TestHooks::new()).unwrap();
    // Given at its default value, it still counts as the operator's choice.
    assert!(config.startup().was_assigned("io-threads"));
    let config = run(
        &["--io-threads", "3", "--hash-max-ziplist-entries", "5"],
        &mut TestHooks::new(),
    )
    .unwrap();
    assert_eq!(config.io_threads(), 3);
    assert!(config.startup().was_assigned("io-threads"));
    assert!(config.startup().was_assigned("hash-max-listpack-entries"));
    assert!(!config.startup().was_assigned("port"));
}
