//! Loading configuration text the way valkey-server does at start-up
//! (`loadServerConfig` / `loadServerConfigFromString`): the file (or glob),
//! then stdin, then the command-line options, concatenated into one text and
//! parsed line by line; `include` recurses with its own line numbers. The
//! first bad line stops everything with Valkey's fatal error text.
//!
//! Side effects Valkey performs while parsing (chdir for `dir`, opening the
//! log file, reading stdin, checking `rename-command`/`user`) go through
//! `LoadHooks`, so tests can run without touching the process.

use std::io::Read;
use std::os::unix::ffi::OsStrExt;

use crate::config::{lookup, Config};
use crate::error::StartupError;
use crate::spec::{flag, Special};
use crate::table::{index_of, DEPRECATED};
use crate::text::{split_args, strerror};
use crate::value::{self, is_special, Value, HZ_MAX, HZ_MIN};

/// Side effects of start-up parsing. The defaults act on the real process.
pub trait LoadHooks {
    /// Everything on standard input (for `-` on the command line).
    fn read_stdin(&mut self) -> std::io::Result<Vec<u8>> {
        let mut input = Vec::new();
        std::io::stdin().read_to_end(&mut input)?;
        Ok(input)
    }

    /// The current working directory (base for the config file's absolute
    /// path and the initial `dir`).
    fn current_dir(&self) -> Vec<u8> {
        std::env::current_dir()
            .map(|p| p.into_os_string().into_encoded_bytes())
            .unwrap_or_default()
    }

    /// `dir <path>`: chdir and return the new working directory, or the
    /// `strerror` text.
    fn change_dir(&mut self, path: &[u8]) -> Result<Vec<u8>, String> {
        std::env::set_current_dir(std::ffi::OsStr::from_bytes(path)).map_err(|e| strerror(&e))?;
        Ok(self.current_dir())
    }

    /// Reads a config file (or an include).
    fn read_file(&mut self, path: &[u8]) -> std::io::Result<Vec<u8>> {
        std::fs::read(std::ffi::OsStr::from_bytes(path))
    }

    /// Valkey opens a configured log file for appending before starting.
    fn check_log_file(&mut self, path: &[u8]) -> Result<(), String> {
        std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(std::ffi::OsStr::from_bytes(path))
            .map(drop)
            .map_err(|e| strerror(&e))
    }

    /// `rename-command <from> <to>`: `Err` with Valkey's message ("No such
    /// command in rename-command", "Target command name already exists")
    /// stops start-up at this line.
    fn rename_command(&mut self, from: &[u8], to: &[u8]) -> Result<(), String> {
        let _ = (from, to);
        Ok(())
    }

    /// `user <args...>` (the whole line, `user` included): `Err` with the full
    /// message, e.g. "Error in user declaration 'user': Syntax error".
    fn user(&mut self, line_args: &[Vec<u8>]) -> Result<(), String> {
        let _ = line_args;
        Ok(())
    }
}

/// Hooks acting on the real process (chdir, stdin, files).
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemHooks;

impl LoadHooks for SystemHooks {}

/// Why a line was refused: a message for this line, or an error from an
/// included file that is reported unchanged.
enum LineError {
    Message(String),
    Nested(StartupError),
}

impl From<&str> for LineError {
    fn from(message: &str) -> Self {
        LineError::Message(message.to_string())
    }
}

/// Nesting limit for `include` (Valkey has none and overflows its stack).
const MAX_INCLUDE_DEPTH: usize = 64;

/// Parser state that outlives one text (Valkey keeps these in globals).
pub(crate) struct Loader<'a> {
    pub config: &'a mut Config,
    pub hooks: &'a mut dyn LoadHooks,
    /// Valkey's `reading_config_file`; note an `include` clears it on return.
    reading: bool,
    /// Valkey's static `save_loaded`: the first `save` line replaces the defaults.
    save_loaded: bool,
    depth: usize,
}

/// Mirrors `fgets` + `sdscat`: bytes after a NUL are dropped up to the end of
/// that line (or of the 1024-byte read chunk).
fn c_text(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        for chunk in line.chunks(1024) {
            let end = chunk.iter().position(|&b| b == 0).unwrap_or(chunk.len());
            out.extend_from_slice(chunk.get(..end).unwrap_or_default());
        }
    }
    out
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn trim_line(line: &[u8]) -> &[u8] {
    let blank = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let start = line.iter().position(|b| !blank(b)).unwrap_or(line.len());
    let end = line
        .iter()
        .rposition(|b| !blank(b))
        .map_or(start, |p| p + 1);
    line.get(start..end).unwrap_or_default()
}

impl<'a> Loader<'a> {
    pub(crate) fn new(config: &'a mut Config, hooks: &'a mut dyn LoadHooks) -> Loader<'a> {
        Loader {
            config,
            hooks,
            reading: false,
            save_loaded: false,
            depth: 0,
        }
    }

    /// `loadServerConfig(filename, from_stdin, options)`.
    pub(crate) fn load_server_config(
        &mut self,
        file: Option<&[u8]>,
        from_stdin: bool,
        options: Option<&[u8]>,
    ) -> Result<(), StartupError> {
        let mut text = Vec::new();
        if let Some(file) = file {
            for path in expand_config_path(file) {
                let content =
                    self.hooks
                        .read_file(&path)
                        .map_err(|e| StartupError::CannotOpen {
                            path: lossy(&path),
                            reason: strerror(&e),
                        })?;
                text.extend_from_slice(&c_text(&content));
            }
        }
        if from_stdin {
            // Valkey ignores read errors here: whatever arrived is used.
            let input = self.hooks.read_stdin().unwrap_or_default();
            text.extend_from_slice(&c_text(&input));
        }
        if let Some(options) = options {
            text.push(b'\n');
            text.extend_from_slice(&c_text(options));
        }
        self.load_text(&text)
    }

    /// `loadServerConfigFromString`.
    pub(crate) fn load_text(&mut self, text: &[u8]) -> Result<(), StartupError> {
        self.reading = true;
        let lines: Vec<&[u8]> = if text.is_empty() {
            Vec::new()
        } else {
            text.split(|&b| b == b'\n').collect()
        };
        for (i, raw) in lines.iter().enumerate() {
            let line = trim_line(raw);
            if line.is_empty() || line.first() == Some(&b'#') {
                continue;
            }
            self.load_line(line).map_err(|error| match error {
                LineError::Message(message) => StartupError::at_line(i + 1, &lossy(line), message),
                LineError::Nested(inner) => inner,
            })?;
        }
        self.finish_text()?;
        self.reading = false;
        Ok(())
    }

    /// One non-blank, non-comment line.
    fn load_line(&mut self, line: &[u8]) -> Result<(), LineError> {
        let argv = split_args(line)
            .ok_or_else(|| LineError::from("Unbalanced quotes in configuration line"))?;
        let Some((name, rest)) = argv.split_first() else {
            return Ok(());
        };
        let name = name.to_ascii_lowercase();
        if let Some((index, spec, _)) = lookup(&name) {
            let multi = spec.has(flag::MULTI_ARG);
            if !multi && argv.len() != 2 {
                return Err("wrong number of arguments".into());
            }
            let args = match rest {
                // `--save "100 1 200 2"`: one argument is split again; an
                // unbalanced one gives no arguments at all.
                [single] if multi && !single.is_empty() => split_args(single).unwrap_or_default(),
                _ => rest.to_vec(),
            };
            return self.assign(index, &args).map_err(LineError::Message);
        }
        let argc = argv.len();
        if argc == 2 && DEPRECATED.iter().any(|d| d.as_bytes() == name.as_slice()) {
            return Ok(());
        }
        match (name.as_slice(), rest) {
            (b"include", [path]) => self.include(path),
            (b"rename-command", [from, to]) => {
                self.hooks
                    .rename_command(from, to)
                    .map_err(LineError::Message)?;
                self.config
                    .startup
                    .rename_commands
                    .push((from.clone(), to.clone()));
                Ok(())
            }
            (b"user", [_, ..]) => {
                self.hooks.user(&argv).map_err(LineError::Message)?;
                self.config.startup.users.push(rest.to_vec());
                Ok(())
            }
            (b"loadmodule", [_, ..]) => {
                self.config.startup.load_modules.push(rest.to_vec());
                Ok(())
            }
            (b"sentinel", []) => Ok(()),
            (b"sentinel", _) => Err("sentinel directive while not in sentinel mode".into()),
            (_, _) if name.contains(&b'.') => {
                let [first, more @ ..] = rest else {
                    return Err("Module config specified without value".into());
                };
                let mut joined = first.clone();
                for arg in more {
                    joined.push(b' ');
                    joined.extend_from_slice(arg);
                }
                let module_configs = &mut self.config.startup.module_configs;
                match module_configs.iter_mut().find(|(n, _)| *n == name) {
                    Some(entry) => entry.1 = joined,
                    None => module_configs.push((name, joined)),
                }
                Ok(())
            }
            _ => Err("Bad directive or wrong number of arguments".into()),
        }
    }

    fn assign(&mut self, index: usize, args: &[Vec<u8>]) -> Result<(), String> {
        let Some(spec) = crate::table::TABLE.get(index) else {
            return Ok(());
        };
        let append_save = is_special(spec, Special::Save) && self.reading && self.save_loaded;
        let env = self.config.set_env(append_save);
        let Some(current) = self.config.value(index) else {
            return Ok(());
        };
        let assigned = value::assign(spec, current, args, &env)?;
        let stored = match assigned.value {
            Value::Dir(path) => Value::Dir(self.hooks.change_dir(&path)?),
            other => other,
        };
        if is_special(spec, Special::Save) && self.reading {
            self.save_loaded = true;
        }
        if let Some(slot) = self.config.values.get_mut(index) {
            *slot = stored;
        }
        if !self.config.startup.was_assigned(spec.name) {
            self.config.startup.assigned.push(spec.name);
        }
        Ok(())
    }

    fn include(&mut self, path: &[u8]) -> Result<(), LineError> {
        if self.depth >= MAX_INCLUDE_DEPTH {
            return Err("Too many nested include directives".into());
        }
        self.depth += 1;
        let result = self.load_server_config(Some(path), false, None);
        self.depth -= 1;
        // Errors inside the include keep the included text's line number.
        result.map_err(LineError::Nested)
    }

    /// Checks Valkey runs after every parsed text (includes too).
    fn finish_text(&mut self) -> Result<(), StartupError> {
        if let Some(Value::Str(Some(logfile))) = self
            .config
            .value(index_of("logfile"))
            .cloned()
            .filter(|v| !matches!(v, Value::Str(Some(s)) if s.is_empty()))
        {
            self.hooks
                .check_log_file(&logfile)
                .map_err(|e| StartupError::general(format!("Can't open the log file: {e}")))?;
        }
        let cluster = matches!(
            self.config.value(index_of("cluster-enabled")),
            Some(Value::Bool(true))
        );
        if cluster
            && matches!(
                self.config.value(index_of("replicaof")),
                Some(Value::ReplicaOf(Some(_)))
            )
        {
            return Err(StartupError::general(
                "replicaof directive not allowed in cluster mode",
            ));
        }
        if let (true, Some(Value::Num(databases))) =
            (cluster, self.config.value(index_of("databases")).cloned())
        {
            if databases > 1 {
                self.config.startup.warnings.push(format!(
                    "WARNING: Changing databases number from {databases} to 1 since we are in cluster mode"
                ));
                if let Some(slot) = self.config.values.get_mut(index_of("databases")) {
                    *slot = Value::Num(1);
                }
            }
        }
        if let Some(Value::Num(hz)) = self.config.values.get_mut(index_of("hz")) {
            *hz = (*hz).clamp(HZ_MIN, HZ_MAX);
        }
        if let Some(Value::Num(period_ms)) = self.config.value(index_of("watchdog-period")).cloned()
        {
            let applied = self.config.watchdog_period_applied(period_ms);
            if let Some(slot) = self.config.values.get_mut(index_of("watchdog-period")) {
                *slot = Value::Num(applied);
            }
        }
        Ok(())
    }
}

/// The files a config path names: the path itself, or for a pattern with
/// `*`, `?` or `[` the sorted matches (possibly none, which is not an error).
fn expand_config_path(path: &[u8]) -> Vec<Vec<u8>> {
    if !path.iter().any(|b| matches!(b, b'*' | b'?' | b'[')) {
        return vec![path.to_vec()];
    }
    let absolute = path.first() == Some(&b'/');
    let mut candidates: Vec<Vec<u8>> = vec![if absolute { b"/".to_vec() } else { Vec::new() }];
    let components: Vec<&[u8]> = path
        .split(|&b| b == b'/')
        .filter(|c| !c.is_empty())
        .collect();
    for (position, component) in components.iter().enumerate() {
        let last = position + 1 == components.len();
        let mut next = Vec::new();
        for base in &candidates {
            let join = |name: &[u8]| {
                let mut joined = base.clone();
                if !joined.is_empty() && joined.last() != Some(&b'/') {
                    joined.push(b'/');
                }
                joined.extend_from_slice(name);
                joined
            };
            if !component.iter().any(|b| matches!(b, b'*' | b'?' | b'[')) {
                let joined = join(component);
                if !last || std::path::Path::new(std::ffi::OsStr::from_bytes(&joined)).exists() {
                    next.push(joined);
                }
                continue;
            }
            let dir = if base.is_empty() {
                b".".to_vec()
            } else {
                base.clone()
            };
            let Ok(entries) = std::fs::read_dir(std::ffi::OsStr::from_bytes(&dir)) else {
                continue;
            };
            let mut names: Vec<Vec<u8>> = entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().as_bytes().to_vec())
                .filter(|name| name.first() != Some(&b'.') || component.first() == Some(&b'.'))
                .filter(|name| ferrokey_util::glob::glob_match(component, name, false))
                .collect();
            names.sort();
            next.extend(names.iter().map(|n| join(n)));
        }
        candidates = next;
    }
    candidates.sort();
    candidates
}

impl Config {
    /// Parses config text (as if it were a whole config file) into this
    /// configuration, with Valkey's start-up error on the first bad line.
    pub fn load_text(
        &mut self,
        text: &[u8],
        hooks: &mut dyn LoadHooks,
    ) -> Result<(), StartupError> {
        Loader::new(self, hooks).load_text(text)
    }

    /// Loads like valkey-server's start-up: the config file (absolute path or
    /// glob) if any, then stdin if asked, then the command-line `options`
    /// text (each appended after a newline).
    pub fn load_sources(
        &mut self,
        file: Option<&[u8]>,
        from_stdin: bool,
        options: Option<&[u8]>,
        hooks: &mut dyn LoadHooks,
    ) -> Result<(), StartupError> {
        Loader::new(self, hooks).load_server_config(file, from_stdin, options)
    }
}
