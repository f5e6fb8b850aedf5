//! The live configuration: one value per table entry, plus what start-up
//! parsing recorded for the server (renamed commands, users, modules, ...).
//! Implements CONFIG GET (glob patterns, aliases, hidden directives) and the
//! validate-everything-then-apply CONFIG SET with a rollback handle for side
//! effects the server fails to apply.
//!
//! Invariant: `values[i]` belongs to `TABLE[i]` and has the variant its kind
//! calls for; all mutation goes through `value::assign`.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::error::ConfigSetError;
use crate::spec::{flag, DirectiveSpec};
use crate::table::{index_of, TABLE};
use crate::text::{resolve_dir, split_on_spaces};
use crate::value::{self, render, SetEnv, Value};

/// Directives found while parsing that the server itself must act on.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StartupDirectives {
    /// `rename-command <from> <to>` in file order (`to` empty = remove).
    pub rename_commands: Vec<(Vec<u8>, Vec<u8>)>,
    /// Arguments after `user` of each `user` line, in file order.
    pub users: Vec<Vec<Vec<u8>>>,
    /// `loadmodule <path> [args...]`: path followed by arguments.
    pub load_modules: Vec<Vec<Vec<u8>>>,
    /// Module configs (`name.with.dot value...`), later lines replacing
    /// earlier ones; Valkey aborts start-up when any remain without a module.
    pub module_configs: Vec<(Vec<u8>, Vec<u8>)>,
    /// `--sentinel` was on the command line (ferrokey has no sentinel mode).
    pub sentinel_mode: bool,
    /// Config was read from stdin (Valkey logs "Reading config from stdin").
    pub read_stdin: bool,
    /// Warnings Valkey logs while loading (e.g. databases forced to 1).
    pub warnings: Vec<String>,
    /// Primary names of the directives the file or command line assigned, in first-seen order,
    /// for defaults that depend on whether the operator chose a value (`io-threads`).
    pub assigned: Vec<&'static str>,
}

impl StartupDirectives {
    pub fn was_assigned(&self, name: &str) -> bool {
        self.assigned.contains(&name)
    }
}

/// Where a CONFIG SET comes from, for DENY_LOADING and protected directives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SetContext {
    /// The server is loading its dataset.
    pub loading: bool,
    /// The client is connected over loopback or a unix socket (for
    /// `enable-protected-configs local`).
    pub client_is_local: bool,
}

/// One directive changed by a successful CONFIG SET.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangedDirective {
    /// Primary name (what the server keys side effects on).
    pub name: &'static str,
    /// The name the client used (primary or alias), for error replies.
    pub set_as: &'static str,
}

/// The result of a validated CONFIG SET. Run side effects for `changed()`;
/// if one fails, pass this to `Config::rollback` and reply with
/// `ConfigSetError::apply_failed`.
#[derive(Debug, Clone, PartialEq)]
#[must_use = "side effects of changed directives must be applied or rolled back"]
pub struct ConfigChange {
    changed: Vec<ChangedDirective>,
    /// Values before the command, one per argument pair, in argument order.
    previous: Vec<(usize, Value)>,
}

impl ConfigChange {
    /// Directives whose value changed (Valkey's "needs apply"), in argument
    /// order, each once.
    pub fn changed(&self) -> &[ChangedDirective] {
        &self.changed
    }

    pub fn contains(&self, name: &str) -> bool {
        self.changed.iter().any(|c| c.name == name)
    }
}

/// The server's configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub(crate) values: Vec<Value>,
    pub(crate) config_file: Option<PathBuf>,
    pub(crate) startup: StartupDirectives,
}

/// Valkey's CONFIG_REPL_BACKLOG_MIN_SIZE, applied when the backlog is resized.
const REPL_BACKLOG_MIN_BYTES: i64 = 16 * 1024;

/// Lowercase name -> (table index, is the alias).
fn name_index() -> &'static HashMap<&'static str, (usize, bool)> {
    static INDEX: OnceLock<HashMap<&'static str, (usize, bool)>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut map = HashMap::new();
        for (i, spec) in TABLE.iter().enumerate() {
            map.insert(spec.name, (i, false));
            if let Some(alias) = spec.alias {
                map.insert(alias, (i, true));
            }
        }
        map
    })
}

/// Finds a directive by name or alias, case-insensitively. Returns the table
/// index, the spec, and the canonical spelling of the name that matched.
pub(crate) fn lookup(name: &[u8]) -> Option<(usize, &'static DirectiveSpec, &'static str)> {
    let lower = std::str::from_utf8(name).ok()?.to_ascii_lowercase();
    let &(index, is_alias) = name_index().get(lower.as_str())?;
    let spec = TABLE.get(index)?;
    let matched = if is_alias {
        spec.alias.unwrap_or(spec.name)
    } else {
        spec.name
    };
    Some((index, spec, matched))
}

/// The whole directive table, in Valkey's order.
pub fn directives() -> &'static [DirectiveSpec] {
    TABLE
}

/// The spec of a directive by name or alias (case-insensitive).
pub fn directive(name: &str) -> Option<&'static DirectiveSpec> {
    lookup(name.as_bytes()).map(|(_, spec, _)| spec)
}

impl Default for Config {
    fn default() -> Self {
        Config::new()
    }
}

impl Config {
    /// All defaults; `dir` is the process's current directory.
    pub fn new() -> Config {
        let cwd = std::env::current_dir()
            .map(|p| p.into_os_string().into_encoded_bytes())
            .unwrap_or_default();
        Config::with_dir(&cwd)
    }

    /// All defaults, with `dir` set to `dir` (no chdir happens).
    pub fn with_dir(dir: &[u8]) -> Config {
        Config {
            values: TABLE
                .iter()
                .map(|spec| value::default_value(spec, dir))
                .collect(),
            config_file: None,
            startup: StartupDirectives::default(),
        }
    }

    /// The absolute path of the config file given on the command line.
    pub fn config_file(&self) -> Option<&Path> {
        self.config_file.as_deref()
    }

    pub fn set_config_file(&mut self, path: Option<PathBuf>) {
        self.config_file = path;
    }

    pub fn startup(&self) -> &StartupDirectives {
        &self.startup
    }

    pub(crate) fn value(&self, index: usize) -> Option<&Value> {
        self.values.get(index)
    }

    /// CONFIG GET: `(name, value)` pairs for every directive matching any of
    /// the patterns. A pattern without `*`, `?` or `[` is an exact
    /// (case-insensitive) name, reported as typed, and may name a hidden
    /// directive or an alias; glob patterns match primary names and aliases
    /// (case-insensitive) but never hidden directives. Each name appears once.
    pub fn get_matching<P: AsRef<[u8]>>(&self, patterns: &[P]) -> Vec<(String, Vec<u8>)> {
        let mut seen: HashSet<String> = HashSet::new();
        let mut out = Vec::new();
        for pattern in patterns {
            let pattern = pattern.as_ref();
            if !pattern.iter().any(|b| matches!(b, b'*' | b'?' | b'[')) {
                let typed = String::from_utf8_lossy(pattern).into_owned();
                if seen.contains(&typed.to_ascii_lowercase()) {
                    continue;
                }
                if let Some((index, spec, _)) = lookup(pattern) {
                    if let Some(value) = self.values.get(index) {
                        seen.insert(typed.to_ascii_lowercase());
                        out.push((typed, render(spec, value)));
                    }
                }
                continue;
            }
            for (index, spec) in TABLE.iter().enumerate() {
                if spec.has(flag::HIDDEN) {
                    continue;
                }
                for name in std::iter::once(spec.name).chain(spec.alias) {
                    if seen.contains(name)
                        || !ferrokey_util::glob::glob_match(pattern, name.as_bytes(), true)
                    {
                        continue;
                    }
                    if let Some(value) = self.values.get(index) {
                        seen.insert(name.to_string());
                        out.push((name.to_string(), render(spec, value)));
                    }
                }
            }
        }
        out
    }

    /// CONFIG SET with `args` = name, value, name, value, ... Either every
    /// value is valid and stored, or nothing changes. The returned change
    /// lists directives whose apply step the server must run (Valkey's apply
    /// functions: rebinding for `port`/`bind`, fd limits for `maxclients`,
    /// chdir to the new absolute `dir`, ...). Errors are reported for the
    /// first offending pair, like Valkey.
    pub fn set<A: AsRef<[u8]>>(
        &mut self,
        args: &[A],
        context: &SetContext,
    ) -> Result<ConfigChange, ConfigSetError> {
        if !args.len().is_multiple_of(2) {
            return Err(ConfigSetError::Syntax);
        }
        let pairs: Vec<(&[u8], &[u8])> = args
            .chunks_exact(2)
            .filter_map(|pair| match pair {
                [name, value] => Some((name.as_ref(), value.as_ref())),
                _ => None,
            })
            .collect();
        let mut targets: Vec<(usize, &'static DirectiveSpec, &'static str)> =
            Vec::with_capacity(pairs.len());
        for (name, _) in &pairs {
            let Some(found) = lookup(name) else {
                return Err(ConfigSetError::UnknownOption(
                    String::from_utf8_lossy(name).into_owned(),
                ));
            };
            let (index, spec, matched) = found;
            let typed = || String::from_utf8_lossy(name).into_owned();
            if spec.has(flag::IMMUTABLE) {
                return Err(failed(typed(), "can't set immutable config"));
            }
            if spec.has(flag::PROTECTED) && !self.protected_configs_allowed(context) {
                return Err(failed(typed(), "can't set protected config"));
            }
            if context.loading && spec.has(flag::DENY_LOADING) {
                return Err(ConfigSetError::Loading);
            }
            // Valkey compares its per-name entries: an alias and its primary
            // are distinct, so setting both is not a duplicate.
            if targets.iter().any(|&(i, _, m)| i == index && m == matched) {
                return Err(failed(typed(), "duplicate parameter"));
            }
            targets.push(found);
        }

        let previous: Vec<(usize, Value)> = targets
            .iter()
            .filter_map(|&(index, ..)| Some((index, self.values.get(index)?.clone())))
            .collect();
        let mut changed: Vec<ChangedDirective> = Vec::new();
        for (&(index, spec, matched), (_, raw)) in targets.iter().zip(&pairs) {
            let args = if spec.is_multi_arg() {
                split_on_spaces(raw)
            } else {
                vec![raw.to_vec()]
            };
            let env = self.set_env(false);
            let Some(current) = self.values.get(index) else {
                continue;
            };
            match value::assign(spec, current, &args, &env) {
                Ok(assigned) => {
                    let new_value = self.applied_value(spec, assigned.value);
                    if let Some(slot) = self.values.get_mut(index) {
                        *slot = new_value;
                    }
                    if assigned.changed && !changed.iter().any(|c| c.name == spec.name) {
                        changed.push(ChangedDirective {
                            name: spec.name,
                            set_as: matched,
                        });
                    }
                }
                Err(reason) => {
                    self.restore(&previous);
                    return Err(failed(matched.to_string(), &reason));
                }
            }
        }
        Ok(ConfigChange { changed, previous })
    }

    /// Restores every value a CONFIG SET touched (use when a side effect of
    /// the change failed).
    pub fn rollback(&mut self, change: ConfigChange) {
        self.restore(&change.previous);
    }

    fn restore(&mut self, previous: &[(usize, Value)]) {
        for (index, value) in previous {
            if let Some(slot) = self.values.get_mut(*index) {
                *slot = value.clone();
            }
        }
    }

    fn protected_configs_allowed(&self, context: &SetContext) -> bool {
        match self.get_enum_value(index_of("enable-protected-configs")) {
            Some(1) => true,
            Some(2) => context.client_is_local,
            _ => false,
        }
    }

    pub(crate) fn set_env(&self, append_save: bool) -> SetEnv {
        SetEnv {
            append_save,
            unixsocket_set: matches!(
                self.value(index_of("unixsocket")),
                Some(Value::Str(Some(_)))
            ),
            cluster_enabled: matches!(
                self.value(index_of("cluster-enabled")),
                Some(Value::Bool(true))
            ),
        }
    }

    /// The value as Valkey holds it after its apply step: `dir` becomes the
    /// absolute directory `getcwd` would report after the chdir, and a few
    /// numbers are raised to their working minimum.
    fn applied_value(&self, spec: &DirectiveSpec, value: Value) -> Value {
        match (spec.name, value) {
            ("dir", Value::Dir(path)) => {
                let base = match self.value(index_of("dir")) {
                    Some(Value::Dir(current)) => current.clone(),
                    _ => Vec::new(),
                };
                Value::Dir(resolve_dir(&path, &base))
            }
            ("repl-backlog-size", Value::Num(bytes)) => {
                Value::Num(bytes.max(REPL_BACKLOG_MIN_BYTES))
            }
            ("watchdog-period", Value::Num(period_ms)) => {
                Value::Num(self.watchdog_period_applied(period_ms))
            }
            (_, other) => other,
        }
    }

    /// Valkey raises a non-zero watchdog period to two server ticks.
    pub(crate) fn watchdog_period_applied(&self, period_ms: i64) -> i64 {
        let hz = match self.value(index_of("hz")) {
            Some(Value::Num(hz)) => (*hz).max(1),
            _ => 10,
        };
        let min_period_ms = 1000 / hz * 2;
        if period_ms != 0 && period_ms < min_period_ms {
            min_period_ms
        } else {
            period_ms
        }
    }

    fn get_enum_value(&self, index: usize) -> Option<i32> {
        match self.value(index)? {
            Value::Enum(v) => Some(*v),
            _ => None,
        }
    }

    /// The CONFIG GET text of a directive (by name or alias), lossily as UTF-8.
    pub fn get_raw(&self, name: &str) -> Option<String> {
        self.get_bytes(name.as_bytes())
            .map(|v| String::from_utf8_lossy(&v).into_owned())
    }

    /// The CONFIG GET bytes of a directive (by name or alias).
    pub fn get_bytes(&self, name: &[u8]) -> Option<Vec<u8>> {
        let (index, spec, _) = lookup(name)?;
        Some(render(spec, self.values.get(index)?))
    }

    /// A numeric directive's value (Valkey's `long long` view; `maxmemory`
    /// above `i64::MAX` wraps), an enum's numeric value, or a bool as 0/1.
    pub fn get_i64(&self, name: &str) -> Option<i64> {
        let (index, ..) = lookup(name.as_bytes())?;
        match self.values.get(index)? {
            Value::Num(v) => Some(*v),
            Value::Enum(v) => Some(i64::from(*v)),
            Value::Bool(b) => Some(i64::from(*b)),
            _ => None,
        }
    }

    /// A bool directive's value.
    pub fn get_bool(&self, name: &str) -> Option<bool> {
        let (index, ..) = lookup(name.as_bytes())?;
        match self.values.get(index)? {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// An enum directive's current name (e.g. "noeviction"); bit-flag enums
    /// give their space-separated names.
    pub fn get_enum(&self, name: &str) -> Option<String> {
        let (index, spec, _) = lookup(name.as_bytes())?;
        match (spec.kind, self.values.get(index)?) {
            (crate::spec::Kind::Enum { choices, .. }, Value::Enum(v)) => {
                Some(value::enum_name(choices, *v, spec.is_multi_arg()))
            }
            _ => None,
        }
    }
}

fn failed(argument: String, reason: &str) -> ConfigSetError {
    ConfigSetError::Failed {
        argument,
        reason: Some(reason.to_string()),
    }
}
