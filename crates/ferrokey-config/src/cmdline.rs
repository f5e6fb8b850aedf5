//! The `ferrokey-server [configfile] [--directive value ...] [-]` command line,
//! handled like valkey-server's `main()`: `-v`/`--version` and `-h`/`--help`
//! only as the first argument; a first argument not starting with `-` is the
//! config file (made absolute); `-` as the first or last argument reads
//! config from stdin; every `--name` starts a new config line and following
//! arguments become its quoted values, so the options form a config text
//! parsed after the file and stdin.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use crate::config::Config;
use crate::error::{StartupError, VERSION};
use crate::load::LoadHooks;
use crate::text::{absolute_path, push_repr, split_args};

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum CommandLine {
    /// Start the server with this configuration.
    Run(Box<Config>),
    /// Print `version_line(..)` to stdout and exit 0.
    Version,
    /// Print `usage_text()` to stderr and exit 1.
    Help,
}

/// The Redis version ferrokey reports for compatibility (`redis_version`).
pub const REDIS_COMPAT_VERSION: &str = "7.2.4";

/// The `--version` line, shaped like Valkey's
/// `Valkey server v=8.1.8 sha=00000000:1 malloc=libc bits=64 build=...`.
pub fn version_line(malloc: &str, build_id: &str) -> String {
    format!(
        "ferrokey server v={VERSION} redis_version={REDIS_COMPAT_VERSION} sha=00000000:0 \
         malloc={malloc} bits={} build={build_id}",
        usize::BITS
    )
}

/// The `--help` text (Valkey's usage, for ferrokey-server; the memory test
/// and sentinel modes are not offered). Ends with a newline.
pub fn usage_text() -> String {
    let program = "./ferrokey-server";
    format!(
        "Usage: {program} [/path/to/ferrokey.conf] [options] [-]\n\
         \x20      {program} - (read config from stdin)\n\
         \x20      {program} -v or --version\n\
         \x20      {program} -h or --help\n\
         \n\
         Examples:\n\
         \x20      {program} (run the server with default conf)\n\
         \x20      echo 'maxmemory 128mb' | {program} -\n\
         \x20      {program} /etc/ferrokey/6379.conf\n\
         \x20      {program} --port 7777\n\
         \x20      {program} --port 7777 --replicaof 127.0.0.1 8888\n\
         \x20      {program} /etc/myferrokey.conf --loglevel verbose -\n\
         \x20      {program} /etc/myferrokey.conf --loglevel verbose\n"
    )
}

/// The parts of a command line before any file is read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParsedArgs {
    /// Absolute config file path.
    pub config_file: Option<Vec<u8>>,
    /// `-` was given as the first or last argument.
    pub from_stdin: bool,
    /// The options as config text (`None` when there were no arguments at
    /// all, in which case Valkey loads nothing).
    pub options: Option<Vec<u8>>,
    /// `--sentinel` appeared anywhere.
    pub sentinel: bool,
}

fn starts_with_dashes(arg: &[u8]) -> bool {
    arg.starts_with(b"--")
}

/// Turns the arguments after the program name into Valkey's option text.
pub fn parse_args(args: &[Vec<u8>], cwd: &[u8]) -> ParsedArgs {
    let mut parsed = ParsedArgs {
        sentinel: args.iter().any(|a| a == b"--sentinel"),
        ..ParsedArgs::default()
    };
    let Some(first) = args.first() else {
        return parsed;
    };
    let mut options: Vec<u8> = Vec::new();
    let mut position = 0;
    if first.first() != Some(&b'-') {
        parsed.config_file = Some(absolute_path(first, cwd));
        position = 1;
    }
    let last = args.len() - 1;
    let mut handled_last_config_arg = true;
    while let Some(arg) = args.get(position) {
        let next_is_option = args
            .get(position + 1)
            .is_some_and(|next| starts_with_dashes(next));
        if arg.as_slice() == b"-" && (position == 0 || position == last) {
            parsed.from_stdin = true;
        } else if handled_last_config_arg && starts_with_dashes(arg) {
            if !options.is_empty() {
                options.push(b'\n');
            }
            options.extend_from_slice(arg.get(2..).unwrap_or_default());
            options.push(b' ');
            // "--port 6380" as one argument already carries its value.
            if split_args(arg).map_or(0, |tokens| tokens.len()) == 1 {
                handled_last_config_arg = false;
                let is_save = arg.eq_ignore_ascii_case(b"--save");
                let is_sentinel = arg.eq_ignore_ascii_case(b"--sentinel");
                if position != last && next_is_option && is_save {
                    // `--save --port 1` means `save ""` (pre-7.0 behaviour).
                    options.extend_from_slice(b"\"\"");
                    handled_last_config_arg = true;
                } else if position == last && is_save {
                    options.extend_from_slice(b"\"\"");
                } else if position != last && next_is_option && is_sentinel {
                    handled_last_config_arg = true;
                }
            } else {
                handled_last_config_arg = true;
            }
        } else {
            push_repr(&mut options, arg);
            options.push(b' ');
            handled_last_config_arg = true;
        }
        position += 1;
    }
    parsed.options = Some(options);
    parsed
}

/// Parses `argv` (program name first, e.g. `std::env::args_os()`) and loads
/// the configuration it names.
pub fn parse_command_line<I, S>(
    argv: I,
    hooks: &mut dyn LoadHooks,
) -> Result<CommandLine, StartupError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args: Vec<Vec<u8>> = argv
        .into_iter()
        .skip(1)
        .map(|a| a.as_ref().as_bytes().to_vec())
        .collect();
    match args.first().map(Vec::as_slice) {
        Some(b"-v" | b"--version") => return Ok(CommandLine::Version),
        Some(b"--help" | b"-h") => return Ok(CommandLine::Help),
        _ => {}
    }
    let cwd = hooks.current_dir();
    let parsed = parse_args(&args, &cwd);
    let mut config = Config::with_dir(&cwd);
    config.startup.sentinel_mode = parsed.sentinel;
    config.startup.read_stdin = parsed.from_stdin;
    config.config_file = parsed
        .config_file
        .as_ref()
        .map(|p| PathBuf::from(OsStr::from_bytes(p)));
    if parsed.options.is_some() {
        config.load_sources(
            parsed.config_file.as_deref(),
            parsed.from_stdin,
            parsed.options.as_deref(),
            hooks,
        )?;
    }
    Ok(CommandLine::Run(Box::new(config)))
}
