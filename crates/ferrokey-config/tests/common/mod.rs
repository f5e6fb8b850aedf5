//! Shared test support: hooks that never touch the process (no chdir, fake
//! stdin) and unique scratch directories under the system temp dir.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use ferrokey_config::{absolute_path, Config, LoadHooks};

/// Hooks with an in-memory stdin and a simulated working directory.
pub struct TestHooks {
    pub stdin: Vec<u8>,
    pub cwd: Vec<u8>,
    pub log_file_error: Option<String>,
    pub renames: Vec<(Vec<u8>, Vec<u8>)>,
}

impl TestHooks {
    pub fn new() -> TestHooks {
        TestHooks {
            stdin: Vec::new(),
            cwd: b"/work/dir".to_vec(),
            log_file_error: None,
            renames: Vec::new(),
        }
    }
}

impl LoadHooks for TestHooks {
    fn read_stdin(&mut self) -> std::io::Result<Vec<u8>> {
        Ok(self.stdin.clone())
    }

    fn current_dir(&self) -> Vec<u8> {
        self.cwd.clone()
    }

    fn change_dir(&mut self, path: &[u8]) -> Result<Vec<u8>, String> {
        if path.starts_with(b"/nonexistent") {
            return Err("No such file or directory".to_string());
        }
        self.cwd = absolute_path(path, &self.cwd);
        Ok(self.cwd.clone())
    }

    fn check_log_file(&mut self, _path: &[u8]) -> Result<(), String> {
        match &self.log_file_error {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }

    fn rename_command(&mut self, from: &[u8], to: &[u8]) -> Result<(), String> {
        if from.eq_ignore_ascii_case(b"nosuch") {
            return Err("No such command in rename-command".to_string());
        }
        self.renames.push((from.to_vec(), to.to_vec()));
        Ok(())
    }
}

/// A fresh empty directory for one test.
pub fn scratch_dir(tag: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir =
        std::env::temp_dir().join(format!("ferrokey-config-{tag}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// Loads `text` into a default config with `TestHooks`.
pub fn load(text: &str) -> Result<Config, ferrokey_config::StartupError> {
    let mut config = Config::with_dir(b"/work/dir");
    config.load_text(text.as_bytes(), &mut TestHooks::new())?;
    Ok(config)
}

/// CONFIG GET of one exact name, as text.
pub fn get(config: &Config, name: &str) -> String {
    config
        .get_raw(name)
        .unwrap_or_else(|| panic!("no directive {name}"))
}
