//! The client-compatibility suite: the documentation example run by real client libraries,
//! node-redis (npm `redis`) and redis-py, against a ferrokey server. The libraries are
//! installed by `test.sh` (tests/clients/node/node_modules, and redis-py for python3); a
//! missing library fails the test, with the command that installs it.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::ServerProcess;

fn clients_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/clients")
}

/// Runs one client program with the server's port, failing with its output when it fails.
fn run_client(program: &str, script: PathBuf, port: u16) {
    let output = Command::new(program)
        .arg(&script)
        .arg(port.to_string())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{script:?} failed:\n{text}");
    assert!(text.contains(": ok"), "{script:?} did not finish:\n{text}");
}

#[test]
fn node_redis_runs_the_documentation_example() {
    let dir = clients_dir().join("node");
    assert!(
        dir.join("node_modules/redis").is_dir(),
        "node-redis is not installed: run `npm ci --prefix tests/clients/node` (test.sh does)"
    );
    let server = ServerProcess::start_ferrokey(&[]).expect("server starts");
    run_client("node", dir.join("docs_example.mjs"), server.port());
}

#[test]
fn redis_py_runs_the_documentation_example() {
    let has_redis_py = Command::new("python3")
        .args(["-c", "import redis"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        has_redis_py,
        "redis-py is not installed: run `python3 -m pip install redis` (test.sh does)"
    );
    let server = ServerProcess::start_ferrokey(&[]).expect("server starts");
    run_client(
        "python3",
        clients_dir().join("python/docs_example.py"),
        server.port(),
    );
}
