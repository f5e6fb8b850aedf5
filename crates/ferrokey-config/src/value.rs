//! Directive values: the in-memory representation (`Value`), defaults, and the
//! three operations every directive supports — set from arguments (with
//! Valkey's validation and error texts), render for CONFIG GET, and render
//! as config-file lines for CONFIG REWRITE. Standard kinds are handled here;
//! the hand-written directives live in `special.rs`.
//!
//! Invariant: a `Value` stored for a directive always has the variant that the
//! directive's `Kind` calls for (see `default_value`).

use crate::spec::{flag, DirectiveSpec, EnumCheck, Kind, NumStyle, Special, StrCheck};
use crate::special;
use crate::text::{c_strtoll, format_memory, memory_to_u64, push_repr};
use ferrokey_util::number::parse_i64_strict as string_to_i64;

/// One `save <seconds> <changes>` rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SaveParam {
    pub seconds: i64,
    pub changes: i32,
}

/// Output-buffer limits for one client class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientBufferLimit {
    pub hard_limit_bytes: u64,
    pub soft_limit_bytes: u64,
    pub soft_limit_seconds: i64,
}

/// Client classes of `client-output-buffer-limit`, in Valkey's index order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientClass {
    Normal = 0,
    Replica = 1,
    PubSub = 2,
}

/// A directive's current value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Bool(bool),
    /// `None` is Valkey's NULL string (unset).
    Str(Option<Vec<u8>>),
    Enum(i32),
    /// Valkey's `long long` view of the field (unsigned fields may wrap).
    Num(i64),
    Dir(Vec<u8>),
    Save(Vec<SaveParam>),
    ClientBuffers([ClientBufferLimit; 3]),
    OomScores([i32; 3]),
    Notify(u32),
    Bind(Vec<Vec<u8>>),
    ReplicaOf(Option<(Vec<u8>, i32)>),
    Percentiles(Vec<f64>),
}

/// Facts a set operation needs beyond the directive's own value.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SetEnv {
    /// `save` lines of a config file after the first one add rules instead of
    /// replacing them.
    pub append_save: bool,
    /// For validating `proc-title-template`: whether `{unixsocket}` expands
    /// to something and whether `{server-mode}` does.
    pub unixsocket_set: bool,
    pub cluster_enabled: bool,
}

/// The value every directive starts with. `cwd` seeds `dir`.
pub(crate) fn default_value(spec: &DirectiveSpec, cwd: &[u8]) -> Value {
    match spec.kind {
        Kind::Bool { default } => Value::Bool(default),
        Kind::Str { default, .. } => Value::Str(default.map(|d| d.as_bytes().to_vec())),
        Kind::Enum { default, .. } => Value::Enum(default),
        Kind::Num { default, .. } => Value::Num(default),
        Kind::Special(which) => special::default_value(which, cwd),
    }
}

/// Result of validating and computing a new value.
pub(crate) struct Assigned {
    pub value: Value,
    /// Valkey's "set returned 1": the server should run the directive's apply
    /// step. Unchanged standard values return false; most special directives
    /// always count as changed, like in Valkey.
    pub changed: bool,
}

/// Validates `args` for `spec` and computes the new value, with Valkey's
/// error text on failure.
pub(crate) fn assign(
    spec: &DirectiveSpec,
    current: &Value,
    args: &[Vec<u8>],
    env: &SetEnv,
) -> Result<Assigned, String> {
    let first: &[u8] = args.first().map_or(&[], Vec::as_slice);
    let volatile = spec.has(flag::VOLATILE);
    let standard = |value: Value| {
        let changed = volatile || &value != current;
        Ok(Assigned { value, changed })
    };
    match spec.kind {
        Kind::Bool { .. } => match parse_yes_no(first) {
            Some(yes) => standard(Value::Bool(yes)),
            None => Err("argument must be 'yes' or 'no'".to_string()),
        },
        Kind::Str {
            empty_is_null,
            binary,
            check,
            ..
        } => {
            let mut text = first.to_vec();
            if !binary {
                // C strings end at the first NUL.
                if let Some(nul) = text.iter().position(|&b| b == 0) {
                    text.truncate(nul);
                }
            }
            check_string(check, &text, env)?;
            standard(Value::Str(if empty_is_null && text.is_empty() {
                None
            } else {
                Some(text)
            }))
        }
        Kind::Enum { choices, check, .. } => {
            let value = parse_enum(choices, args, spec.is_multi_arg())?;
            if check == EnumCheck::ShutdownSignal && value & 1 != 0 && value & 2 != 0 {
                return Err(
                    "shutdown options SAVE and NOSAVE can't be used simultaneously".to_string(),
                );
            }
            standard(Value::Enum(value))
        }
        Kind::Num {
            min,
            max,
            unsigned,
            style,
            ..
        } => {
            let parsed = parse_number(style, first)?;
            check_bounds(parsed, min, max, unsigned, style)?;
            let changed = volatile || Value::Num(parsed) != *current;
            // Valkey's hz apply step caps the value instead of refusing it.
            let stored = if spec.name == "hz" {
                parsed.clamp(HZ_MIN, HZ_MAX)
            } else {
                parsed
            };
            Ok(Assigned {
                value: Value::Num(stored),
                changed,
            })
        }
        Kind::Special(which) => special::assign(which, current, args, env),
    }
}

pub(crate) const HZ_MIN: i64 = 1;
pub(crate) const HZ_MAX: i64 = 500;

/// Valkey's `yesnotoi`.
pub(crate) fn parse_yes_no(text: &[u8]) -> Option<bool> {
    if text.eq_ignore_ascii_case(b"yes") {
        Some(true)
    } else if text.eq_ignore_ascii_case(b"no") {
        Some(false)
    } else {
        None
    }
}

fn parse_enum(choices: &[(&str, i32)], args: &[Vec<u8>], bitflags: bool) -> Result<i32, String> {
    let error = || {
        let names: Vec<&str> = choices.iter().map(|(name, _)| *name).collect();
        let mut message = format!(
            "argument(s) must be one of the following: {}",
            names.join(", ")
        );
        // Valkey formats this into a 256-byte buffer.
        message.truncate(255);
        message
    };
    if args.is_empty() || (!bitflags && args.len() != 1) {
        return Err(error());
    }
    let mut value = 0;
    for arg in args {
        let mut matched = false;
        for (name, bits) in choices {
            if arg.eq_ignore_ascii_case(name.as_bytes()) {
                value |= bits;
                matched = true;
            }
        }
        if !matched {
            return Err(error());
        }
    }
    Ok(value)
}

/// Valkey's `configEnumGetName`: an exact match wins; bit-flag enums list
/// every matching name in table order; anything else is "unknown".
pub(crate) fn enum_name(choices: &[(&str, i32)], value: i32, bitflags: bool) -> String {
    let mut names: Vec<&str> = Vec::new();
    let mut unmatched = value;
    for (name, bits) in choices {
        if value == *bits {
            return (*name).to_string();
        }
        if bitflags && *bits != 0 && *bits == unmatched & bits {
            names.push(name);
            unmatched &= !bits;
        }
    }
    if names.is_empty() || unmatched != 0 {
        "unknown".to_string()
    } else {
        names.join(" ")
    }
}

fn parse_number(style: NumStyle, text: &[u8]) -> Result<i64, String> {
    if matches!(style, NumStyle::Memory | NumStyle::MemoryOrPercent) {
        if let Some(bytes) = memory_to_u64(text) {
            // Stored through a `long long`, wrapping like the C assignment.
            return Ok(bytes as i64);
        }
    }
    if style == NumStyle::MemoryOrPercent && text.len() > 1 && text.last() == Some(&b'%') {
        if let Some(percent) = text.get(..text.len() - 1).and_then(string_to_i64) {
            if percent >= 0 {
                return Ok(-percent);
            }
        }
    }
    if style == NumStyle::Octal {
        let parsed = c_strtoll(text, 8);
        if !parsed.overflow && parsed.fully_consumed {
            return Ok(parsed.value);
        }
    }
    if style == NumStyle::Integer {
        if let Some(value) = string_to_i64(text) {
            return Ok(value);
        }
    }
    Err(match style {
        NumStyle::MemoryOrPercent => "argument must be a memory or percent value",
        NumStyle::Memory => "argument must be a memory value",
        NumStyle::Octal => "argument couldn't be parsed as an octal number",
        NumStyle::Integer => "argument couldn't be parsed into an integer",
    }
    .to_string())
}

fn check_bounds(
    value: i64,
    min: i64,
    max: i64,
    unsigned: bool,
    style: NumStyle,
) -> Result<(), String> {
    if unsigned {
        let (value, min, max) = (value as u64, min as u64, max as u64);
        if value > max || value < min {
            return Err(if style == NumStyle::Octal {
                format!("argument must be between {min:o} and {max:o} inclusive")
            } else {
                format!("argument must be between {min} and {max} inclusive")
            });
        }
    } else if style == NumStyle::MemoryOrPercent && value < 0 {
        if value < min {
            return Err(format!(
                "percentage argument must be less or equal to {}",
                min.unsigned_abs()
            ));
        }
    } else if value > max || value < min {
        return Err(format!(
            "argument must be between {min} and {max} inclusive"
        ));
    }
    Ok(())
}

fn check_string(check: StrCheck, text: &[u8], env: &SetEnv) -> Result<(), String> {
    match check {
        StrCheck::None => Ok(()),
        StrCheck::NotEmpty(name) if text.is_empty() => Err(format!("{name} can't be empty")),
        StrCheck::NotEmpty(_) => Ok(()),
        StrCheck::BaseName { name, .. } if text.is_empty() => Err(format!("{name} can't be empty")),
        StrCheck::BaseName { name, noun } if text.iter().any(|&b| b == b'/' || b == b'\\') => {
            Err(format!("{name} can't be a path, just a {noun}"))
        }
        StrCheck::BaseName { .. } => Ok(()),
        StrCheck::Ipv4 => check_ip::<std::net::Ipv4Addr>(text, "Invalid IPv4 address"),
        StrCheck::Ipv6 => check_ip::<std::net::Ipv6Addr>(text, "Invalid IPv6 address"),
        StrCheck::Hostname => {
            if text.len() >= 256 {
                Err("Hostnames must be less than 256 characters".to_string())
            } else if text
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
            {
                Ok(())
            } else {
                Err(
                    "Hostnames may only contain alphanumeric characters, hyphens or dots"
                        .to_string(),
                )
            }
        }
        StrCheck::HumanNodename => {
            if text.iter().any(|b| b"!#$%&()*+:;<>?@[]^{|}~".contains(b)) {
                Err("Announced human node name contained invalid character".to_string())
            } else {
                Ok(())
            }
        }
        StrCheck::ProcTitleTemplate => {
            if proc_title_template_is_valid(text, env) {
                Ok(())
            } else {
                Err("template format is invalid or contains unknown variables".to_string())
            }
        }
    }
}

fn check_ip<T: std::str::FromStr>(text: &[u8], message: &str) -> Result<(), String> {
    if text.is_empty()
        || std::str::from_utf8(text)
            .ok()
            .and_then(|s| s.parse::<T>().ok())
            .is_some()
    {
        Ok(())
    } else {
        Err(message.to_string())
    }
}

/// Valkey's `validateProcTitleTemplate`: `{name}` variables must be known, and
/// the expansion (with an empty title) must not be blank.
fn proc_title_template_is_valid(template: &[u8], env: &SetEnv) -> bool {
    let mut expanded_nonblank = false;
    let mut rest = template;
    while !rest.is_empty() {
        let Some(open) = rest.iter().position(|&b| b == b'{') else {
            expanded_nonblank |= rest.iter().any(|&b| b != b' ');
            break;
        };
        expanded_nonblank |= rest
            .get(..open)
            .is_some_and(|lit| lit.iter().any(|&b| b != b' '));
        let after = rest.get(open + 1..).unwrap_or_default();
        match after.first() {
            None => return false,
            Some(b'{') => {
                expanded_nonblank = true;
                rest = after.get(1..).unwrap_or_default();
                continue;
            }
            Some(_) => {}
        }
        let Some(close) = after.iter().position(|&b| b == b'}') else {
            return false;
        };
        let nonblank = match after.get(..close).unwrap_or_default() {
            b"title" => false,
            b"listen-addr" | b"port" | b"tls-port" | b"config-file" => true,
            b"server-mode" => env.cluster_enabled,
            b"unixsocket" => env.unixsocket_set,
            _ => return false,
        };
        expanded_nonblank |= nonblank;
        rest = after.get(close + 1..).unwrap_or_default();
    }
    expanded_nonblank
}

/// CONFIG GET rendering.
pub(crate) fn render(spec: &DirectiveSpec, value: &Value) -> Vec<u8> {
    match (&spec.kind, value) {
        (_, Value::Bool(yes)) => {
            if *yes {
                b"yes".to_vec()
            } else {
                b"no".to_vec()
            }
        }
        (_, Value::Str(text)) => text.clone().unwrap_or_default(),
        (Kind::Enum { choices, .. }, Value::Enum(v)) => {
            enum_name(choices, *v, spec.is_multi_arg()).into_bytes()
        }
        (Kind::Num { style, .. }, Value::Num(v)) => render_number(*style, *v).into_bytes(),
        _ => special::render(value),
    }
}

fn render_number(style: NumStyle, value: i64) -> String {
    match style {
        NumStyle::MemoryOrPercent if value < 0 => format!("{}%", value.unsigned_abs()),
        NumStyle::Memory | NumStyle::MemoryOrPercent => (value as u64).to_string(),
        NumStyle::Octal => format!("{value:o}"),
        NumStyle::Integer => value.to_string(),
    }
}

/// What CONFIG REWRITE does for one directive.
#[derive(Debug, PartialEq)]
pub(crate) enum Rewrite {
    /// Leave any existing lines of this directive alone.
    Untouched,
    /// Remove existing lines and write nothing.
    Remove,
    /// Use these lines (the flag forces a line to be appended when the file
    /// has no line left to reuse), then remove leftover old lines.
    Lines(Vec<(Vec<u8>, bool)>),
}

/// CONFIG REWRITE rendering of one directive under its primary name.
pub(crate) fn rewrite(spec: &DirectiveSpec, value: &Value) -> Rewrite {
    let name = spec.name;
    let line = |rest: &[u8]| {
        let mut out = name.as_bytes().to_vec();
        out.push(b' ');
        out.extend_from_slice(rest);
        out
    };
    match (&spec.kind, value) {
        (Kind::Bool { default }, Value::Bool(yes)) => Rewrite::Lines(vec![(
            line(if *yes { b"yes" } else { b"no" }),
            yes != default,
        )]),
        (Kind::Str { default, .. }, Value::Str(text)) => match text {
            None => Rewrite::Remove,
            Some(text) => {
                let mut quoted = Vec::new();
                push_repr(&mut quoted, text);
                let is_default = default.is_some_and(|d| d.as_bytes() == text.as_slice());
                Rewrite::Lines(vec![(line(&quoted), !is_default)])
            }
        },
        (
            Kind::Enum {
                choices, default, ..
            },
            Value::Enum(v),
        ) => {
            let names = enum_name(choices, *v, spec.is_multi_arg());
            Rewrite::Lines(vec![(line(names.as_bytes()), v != default)])
        }
        (Kind::Num { default, style, .. }, Value::Num(v)) => {
            let (text, force) = match style {
                NumStyle::MemoryOrPercent if *v < 0 => {
                    let percent = v.unsigned_abs();
                    (
                        format!("{percent}%"),
                        !i64::try_from(percent).is_ok_and(|p| p == *default),
                    )
                }
                NumStyle::Memory | NumStyle::MemoryOrPercent => (format_memory(*v), v != default),
                NumStyle::Octal => (format!("{v:o}"), v != default),
                NumStyle::Integer => (v.to_string(), v != default),
            };
            Rewrite::Lines(vec![(line(text.as_bytes()), force)])
        }
        (Kind::Special(which), _) => special::rewrite(*which, name, value),
        _ => Rewrite::Untouched,
    }
}

/// Whether the special directive is `which` (helper for callers that
/// post-process `dir`).
pub(crate) fn is_special(spec: &DirectiveSpec, which: Special) -> bool {
    spec.kind == Kind::Special(which)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::SHUTDOWN_SIGNAL;

    #[test]
    fn enum_names_follow_table_order() {
        assert_eq!(enum_name(SHUTDOWN_SIGNAL, 0, true), "default");
        assert_eq!(
            enum_name(SHUTDOWN_SIGNAL, 2 | 4 | 8, true),
            "nosave now force"
        );
        assert_eq!(enum_name(SHUTDOWN_SIGNAL, 16, true), "unknown");
    }

    #[test]
    fn proc_title_templates() {
        let env = SetEnv::default();
        let valid = |t: &str| proc_title_template_is_valid(t.as_bytes(), &env);
        // Outcomes observed with CONFIG SET proc-title-template on valkey 8.1.8.
        for ok in [
            "{port}",
            "x{title}",
            "{{",
            "}",
            "a}}b",
            "{config-file}",
            "{tls-port}",
            "{listen-addr}",
        ] {
            assert!(valid(ok), "{ok}");
        }
        for bad in [
            "{title}",
            "{server-mode}",
            "{foo}",
            "{title",
            "{unixsocket}",
            " {title} ",
            "",
        ] {
            assert!(!valid(bad), "{bad}");
        }
    }
}
