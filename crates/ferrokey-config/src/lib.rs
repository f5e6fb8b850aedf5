//! ferrokey-config: ferrokey's configuration, compatible with Valkey 8.1.
//!
//! One table (`table.rs`) defines every directive once — name, alias, flags,
//! value kind, bounds and default — and everything else reads it:
//! - start-up parsing of the command line, config files, includes and stdin
//!   with Valkey's fatal error texts (`cmdline`, `load`);
//! - CONFIG GET / CONFIG SET (atomic, with a rollback handle for side effects
//!   the server fails to apply) and CONFIG REWRITE (`config`, `rewrite`);
//! - typed accessors for values the server reads often (`accessors`).
//!
//! CONFIG RESETSTAT and the side effects of changed directives (rebinding a
//! port, resizing limits, chdir for `dir`, ...) belong to the server.

mod accessors;
mod cmdline;
mod config;
mod error;
mod load;
pub mod notify;
mod rewrite;
mod spec;
mod special;
mod table;
mod text;
mod value;

pub use accessors::{AppendFsync, LogLevel, MaxmemoryClients, MaxmemoryPolicy, ProtectedAction};
pub use cmdline::{
    parse_args, parse_command_line, usage_text, version_line, CommandLine, ParsedArgs,
    REDIS_COMPAT_VERSION,
};
pub use config::{
    directive, directives, ChangedDirective, Config, ConfigChange, SetContext, StartupDirectives,
};
pub use error::{ConfigSetError, RewriteError, StartupError, VERSION};
pub use load::{LoadHooks, SystemHooks};
pub use rewrite::RewriteExtras;
pub use spec::{flag, DirectiveSpec, EnumCheck, Kind, NumStyle, Special, StrCheck};
pub use text::{absolute_path, memory_to_u64, repr, split_args, strerror};
pub use value::{ClientBufferLimit, ClientClass, SaveParam};
