//! Error types with Valkey's exact texts: start-up failures (printed to stderr,
//! exit status 1), CONFIG SET replies and CONFIG REWRITE replies.

/// The version printed in `*** FATAL CONFIG FILE ERROR (Version X) ***`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Why the server cannot start with the given configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StartupError {
    /// Valkey's fatal config block. `Display` reproduces what valkey-server
    /// writes to stderr (it starts with an empty line) minus the final
    /// newline, so print it with `eprintln!` and exit with status 1.
    #[error("{}", fatal_block(.line.as_ref(), .message))]
    Fatal {
        /// Line number (1-based, counted within the text being parsed) and the
        /// trimmed line, when the error belongs to a line.
        line: Option<(usize, String)>,
        message: String,
    },
    /// A config file (or include) could not be opened. Valkey logs this as a
    /// WARNING log line (`# Fatal error, ...`) and exits with status 1.
    #[error("Fatal error, can't open config file '{path}': {reason}")]
    CannotOpen { path: String, reason: String },
}

impl StartupError {
    /// A fatal error tied to a config line (for checks the server performs on
    /// directives it owns, such as `rename-command`).
    pub fn at_line(line_number: usize, line: &str, message: impl Into<String>) -> StartupError {
        StartupError::Fatal {
            line: Some((line_number, line.to_string())),
            message: message.into(),
        }
    }

    /// A fatal error not tied to a line (checks run after the whole text).
    pub fn general(message: impl Into<String>) -> StartupError {
        StartupError::Fatal {
            line: None,
            message: message.into(),
        }
    }
}

fn fatal_block(line: Option<&(usize, String)>, message: &str) -> String {
    let mut out = format!("\n*** FATAL CONFIG FILE ERROR (Version {VERSION}) ***\n");
    if let Some((number, text)) = line {
        out.push_str(&format!(
            "Reading the configuration file, at line {number}\n>>> '{text}'\n"
        ));
    }
    out.push_str(message);
    out
}

/// Valkey's error replies replace CR and LF with spaces.
fn one_line(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}

/// A refused CONFIG SET. `Display` is the full error reply text without the
/// leading `-` (it includes the `ERR`/`LOADING` code).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigSetError {
    /// Odd number of name/value arguments.
    #[error("ERR syntax error")]
    Syntax,
    /// A DENY_LOADING directive while the dataset is loading. (Valkey says
    /// "Redis" instead of "Valkey" when extended-redis-compatibility is on.)
    #[error("LOADING Valkey is loading the dataset in memory")]
    Loading,
    /// No directive of that name (the name as the client typed it).
    #[error("ERR Unknown option or number of arguments for CONFIG SET - '{}'", one_line(.0))]
    UnknownOption(String),
    /// Refused value, immutable/protected directive, duplicate, or a failed
    /// apply step; `argument` is the directive name (or the name as typed for
    /// immutable, protected and duplicate errors).
    #[error("{}", failed_text(.argument, .reason.as_deref()))]
    Failed {
        argument: String,
        reason: Option<String>,
    },
}

impl ConfigSetError {
    /// The error for a side effect the server could not apply (after it has
    /// called `Config::rollback`), e.g. `apply_failed("port", "Unable to
    /// listen on this port. Check server logs.")`. Use the `set_as` name of
    /// the first changed directive whose apply step failed.
    pub fn apply_failed(argument: &str, reason: &str) -> ConfigSetError {
        ConfigSetError::Failed {
            argument: argument.to_string(),
            reason: Some(reason.to_string()),
        }
    }
}

fn failed_text(argument: &str, reason: Option<&str>) -> String {
    match reason {
        Some(reason) => one_line(&format!(
            "ERR CONFIG SET failed (possibly related to argument '{argument}') - {reason}"
        )),
        None => one_line(&format!(
            "ERR CONFIG SET failed (possibly related to argument '{argument}')"
        )),
    }
}

/// A refused or failed CONFIG REWRITE (`Display` is the error reply text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RewriteError {
    #[error("ERR The server is running without a config file")]
    NoConfigFile,
    /// Reading or replacing the file failed; holds `strerror` text.
    #[error("ERR Rewriting config file: {0}")]
    Io(String),
}
