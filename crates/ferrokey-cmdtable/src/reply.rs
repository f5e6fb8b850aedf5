//! The COMMAND command's replies, shaped exactly as Valkey 8.1 shapes them.
//!
//! Valkey mixes aggregate kinds on purpose here: flags, categories, tips and key specs are sets,
//! key-spec details and docs are maps, subcommands are an array in COMMAND INFO (an empty set
//! when there are none) and a map in COMMAND DOCS. `ReplyBuf` turns sets and maps into arrays
//! for RESP2, so one writer serves both protocols. Every header length is counted before the
//! elements are written; nothing here needs deferred headers.
//!
//! Deliberate differences from Valkey: key-spec `notes` are not carried (prose), and the
//! `summary` of COMMAND DOCS is ferrokey's own text.

use ferrokey_resp::ReplyBuf;
use ferrokey_util::glob::glob_match;

use crate::generated::COMMANDS;
use crate::keys::{get_keys, has_key_arguments, legacy_key_range, ArgList, KeyRef};
use crate::lookup::{lookup_argv, lookup_full_name, top_level_commands};
use crate::spec::*;

/// COMMAND HELP, line for line as Valkey prints it.
const HELP_LINES: &[&str] = &[
    "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "(no subcommand)",
    "    Return details about all commands.",
    "COUNT",
    "    Return the total number of commands in this server.",
    "LIST",
    "    Return a list of all commands in this server.",
    "INFO [<command-name> ...]",
    "    Return details about multiple commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "DOCS [<command-name> ...]",
    "    Return documentation details about multiple commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "GETKEYS <full-command>",
    "    Return the keys from a full command.",
    "GETKEYSANDFLAGS <full-command>",
    "    Return the keys and the access flags from a full command.",
    "HELP",
    "    Print this help.",
];

pub const ERR_INVALID_COMMAND: &str = "ERR Invalid command specified";
pub const ERR_NO_KEY_ARGUMENTS: &str = "ERR The command has no key arguments";
pub const ERR_INVALID_ARG_COUNT: &str = "ERR Invalid number of arguments specified for command";
pub const ERR_INVALID_ARGUMENTS: &str = "ERR Invalid arguments specified for command";
pub const ERR_SYNTAX: &str = "ERR syntax error";

/// The whole COMMAND command: `args` is its full argument vector (`COMMAND`, subcommand, ...).
/// Arity of the subcommands is checked here too, so a server may route all of COMMAND here.
pub fn reply_command<A: ArgList + ?Sized>(out: &mut ReplyBuf, args: &A) {
    let argc = args.arg_count();
    if argc < 2 {
        reply_command_all(out);
        return;
    }
    let Some(spec) = lookup_argv(args.arg(0), Some(args.arg(1))) else {
        out.error(&crate::lookup::unknown_subcommand_error(
            args.arg(0),
            args.arg(1),
        ));
        return;
    };
    if !spec.arity_ok(argc) {
        out.error(&format!(
            "ERR wrong number of arguments for '{}' command",
            spec.full_name
        ));
        return;
    }
    let rest = crate::keys::args_from(args, 2);
    match spec.name {
        "count" => reply_command_count(out),
        "list" => reply_command_list(out, &rest),
        "info" => reply_command_info(out, &rest),
        "docs" => reply_command_docs(out, &rest),
        "getkeys" => reply_command_getkeys(out, &rest),
        "getkeysandflags" => reply_command_getkeysandflags(out, &rest),
        _ => reply_command_help(out),
    }
}

pub fn reply_command_help(out: &mut ReplyBuf) {
    out.array(HELP_LINES.len());
    for line in HELP_LINES {
        out.simple(line);
    }
}

/// COMMAND COUNT: the number of top-level commands.
pub fn reply_command_count(out: &mut ReplyBuf) {
    out.int(top_level_commands().len() as i64);
}

/// COMMAND with no arguments: the info of every top-level command.
pub fn reply_command_all(out: &mut ReplyBuf) {
    let all = top_level_commands();
    out.array(all.len());
    for spec in all {
        write_info(out, spec);
    }
}

/// COMMAND INFO name...: one entry per name (`client|list` names a subcommand), a null for
/// unknown names; every top-level command when no name is given.
pub fn reply_command_info<A: ArgList + ?Sized>(out: &mut ReplyBuf, names: &A) {
    if names.arg_count() == 0 {
        reply_command_all(out);
        return;
    }
    out.array(names.arg_count());
    for i in 0..names.arg_count() {
        match lookup_full_name(names.arg(i)) {
            Some(spec) => write_info(out, spec),
            None => out.null(),
        }
    }
}

/// COMMAND DOCS name...: a map from full name to docs, unknown names skipped; every top-level
/// command when no name is given.
pub fn reply_command_docs<A: ArgList + ?Sized>(out: &mut ReplyBuf, names: &A) {
    if names.arg_count() == 0 {
        let all = top_level_commands();
        out.map(all.len());
        for spec in all {
            out.bulk(spec.full_name.as_bytes());
            write_docs(out, spec);
        }
        return;
    }
    let found: Vec<&CommandSpec> = (0..names.arg_count())
        .filter_map(|i| lookup_full_name(names.arg(i)))
        .collect();
    out.map(found.len());
    for spec in found {
        out.bulk(spec.full_name.as_bytes());
        write_docs(out, spec);
    }
}

/// A COMMAND LIST filter.
#[derive(Debug, Clone, Copy)]
pub enum ListFilter<'a> {
    All,
    /// FILTERBY MODULE: ferrokey has no modules, so nothing matches.
    Module(&'a [u8]),
    /// FILTERBY ACLCAT: the category's bit, `None` for an unknown category (matches nothing).
    AclCategory(Option<u64>),
    /// FILTERBY PATTERN: a glob over full names, case-insensitive.
    Pattern(&'a [u8]),
}

impl ListFilter<'_> {
    fn matches(&self, spec: &CommandSpec) -> bool {
        match *self {
            ListFilter::All => true,
            ListFilter::Module(_) => false,
            ListFilter::AclCategory(bit) => bit.is_some_and(|b| spec.in_category(b)),
            ListFilter::Pattern(pattern) => glob_match(pattern, spec.full_name.as_bytes(), true),
        }
    }
}

/// Parses the arguments after COMMAND LIST: none, or `FILTERBY MODULE|ACLCAT|PATTERN value`.
pub fn parse_list_filter<A: ArgList + ?Sized>(args: &A) -> Result<ListFilter<'_>, &'static str> {
    match args.arg_count() {
        0 => Ok(ListFilter::All),
        3 if args.arg(0).eq_ignore_ascii_case(b"filterby") => {
            let (kind, value) = (args.arg(1), args.arg(2));
            if kind.eq_ignore_ascii_case(b"module") {
                Ok(ListFilter::Module(value))
            } else if kind.eq_ignore_ascii_case(b"aclcat") {
                Ok(ListFilter::AclCategory(acl_category_by_name(value)))
            } else if kind.eq_ignore_ascii_case(b"pattern") {
                Ok(ListFilter::Pattern(value))
            } else {
                Err(ERR_SYNTAX)
            }
        }
        _ => Err(ERR_SYNTAX),
    }
}

/// The full names COMMAND LIST reports for a filter: containers, then their subcommands.
pub fn list_command_names(filter: ListFilter<'_>) -> Vec<&'static str> {
    let mut names = Vec::new();
    for spec in top_level_commands() {
        if filter.matches(spec) {
            names.push(spec.full_name);
        }
        names.extend(
            spec.subcommands
                .iter()
                .filter(|s| filter.matches(s))
                .map(|s| s.full_name),
        );
    }
    names
}

/// COMMAND LIST [FILTERBY ...]; `args` are the arguments after LIST.
pub fn reply_command_list<A: ArgList + ?Sized>(out: &mut ReplyBuf, args: &A) {
    match parse_list_filter(args) {
        Ok(filter) => {
            let names = list_command_names(filter);
            out.array(names.len());
            for name in names {
                out.bulk(name.as_bytes());
            }
        }
        Err(text) => out.error(text),
    }
}

/// COMMAND GETKEYS; `cmdline` is the command line to inspect (the arguments after GETKEYS).
pub fn reply_command_getkeys<A: ArgList + ?Sized>(out: &mut ReplyBuf, cmdline: &A) {
    reply_getkeys(out, cmdline, false);
}

/// COMMAND GETKEYSANDFLAGS; `cmdline` is the command line to inspect.
pub fn reply_command_getkeysandflags<A: ArgList + ?Sized>(out: &mut ReplyBuf, cmdline: &A) {
    reply_getkeys(out, cmdline, true);
}

/// The keys of a command line as COMMAND GETKEYS computes them, or its error text.
pub fn command_getkeys<A: ArgList + ?Sized>(cmdline: &A) -> Result<Vec<KeyRef>, &'static str> {
    let argc = cmdline.arg_count();
    let sub = (argc >= 2).then(|| cmdline.arg(1));
    let Some(spec) = (argc >= 1)
        .then(|| lookup_argv(cmdline.arg(0), sub))
        .flatten()
    else {
        return Err(ERR_INVALID_COMMAND);
    };
    if !has_key_arguments(spec) {
        return Err(ERR_NO_KEY_ARGUMENTS);
    }
    if !spec.arity_ok(argc) {
        return Err(ERR_INVALID_ARG_COUNT);
    }
    let mut keys = Vec::new();
    if get_keys(spec, cmdline, &mut keys) == 0 && !spec.has_flag(CMD_NO_MANDATORY_KEYS) {
        return Err(ERR_INVALID_ARGUMENTS);
    }
    Ok(keys)
}

fn reply_getkeys<A: ArgList + ?Sized>(out: &mut ReplyBuf, cmdline: &A, with_flags: bool) {
    match command_getkeys(cmdline) {
        Err(text) => out.error(text),
        Ok(keys) => {
            out.array(keys.len());
            for key in keys {
                if with_flags {
                    out.array(2);
                    out.bulk(cmdline.arg(key.pos));
                    write_flag_names(out, key.flags, KEY_FLAG_NAMES, true);
                } else {
                    out.bulk(cmdline.arg(key.pos));
                }
            }
        }
    }
}

/// Writes the names of the set bits as status strings, in table order, as a set (an array in
/// RESP2) or, when `as_set` is false, always as an array.
fn write_flag_names<T>(out: &mut ReplyBuf, bits: T, names: &[(T, &str)], as_set: bool)
where
    T: Copy + std::ops::BitAnd<Output = T> + PartialEq + Default,
{
    let count = names
        .iter()
        .filter(|(bit, _)| bits & *bit != T::default())
        .count();
    if as_set {
        out.set(count);
    } else {
        out.array(count);
    }
    for (bit, name) in names {
        if bits & *bit != T::default() {
            out.simple(name);
        }
    }
}

/// One COMMAND INFO entry.
pub fn write_info(out: &mut ReplyBuf, spec: &CommandSpec) {
    out.array(10);
    out.bulk(spec.full_name.as_bytes());
    out.int(i64::from(spec.arity));
    write_flag_names(out, spec.flags, CMD_FLAG_NAMES, true);
    let (first, last, step) = legacy_key_range(spec);
    out.int(first);
    out.int(last);
    out.int(step);
    let categories = ACL_CATEGORY_NAMES
        .iter()
        .filter(|(bit, _)| spec.in_category(*bit));
    out.set(categories.clone().count());
    for (_, name) in categories {
        out.simple(&format!("@{name}"));
    }
    out.set(spec.tips.len());
    for tip in spec.tips {
        out.bulk(tip.as_bytes());
    }
    out.set(spec.key_specs.len());
    for key_spec in spec.key_specs {
        write_key_spec(out, key_spec);
    }
    if spec.subcommands.is_empty() {
        out.set(0);
    } else {
        out.array(spec.subcommands.len());
        for sub in spec.subcommands.iter() {
            write_info(out, sub);
        }
    }
}

fn write_key_spec(out: &mut ReplyBuf, key_spec: &KeySpec) {
    out.map(3);
    out.bulk(b"flags");
    write_flag_names(out, key_spec.flags, KEY_FLAG_NAMES, true);
    out.bulk(b"begin_search");
    out.map(2);
    out.bulk(b"type");
    match key_spec.begin_search {
        BeginSearch::Index { pos } => {
            out.bulk(b"index");
            out.bulk(b"spec");
            out.map(1);
            out.bulk(b"index");
            out.int(i64::from(pos));
        }
        BeginSearch::Keyword {
            keyword,
            start_from,
        } => {
            out.bulk(b"keyword");
            out.bulk(b"spec");
            out.map(2);
            out.bulk(b"keyword");
            out.bulk(keyword.as_bytes());
            out.bulk(b"startfrom");
            out.int(i64::from(start_from));
        }
        BeginSearch::Unknown => {
            out.bulk(b"unknown");
            out.bulk(b"spec");
            out.map(0);
        }
    }
    out.bulk(b"find_keys");
    out.map(2);
    out.bulk(b"type");
    match key_spec.find_keys {
        FindKeys::Range {
            last_key,
            key_step,
            limit,
        } => {
            out.bulk(b"range");
            out.bulk(b"spec");
            out.map(3);
            out.bulk(b"lastkey");
            out.int(i64::from(last_key));
            out.bulk(b"keystep");
            out.int(i64::from(key_step));
            out.bulk(b"limit");
            out.int(i64::from(limit));
        }
        FindKeys::KeyNum {
            keynum_idx,
            first_key,
            key_step,
        } => {
            out.bulk(b"keynum");
            out.bulk(b"spec");
            out.map(3);
            out.bulk(b"keynumidx");
            out.int(i64::from(keynum_idx));
            out.bulk(b"firstkey");
            out.int(i64::from(first_key));
            out.bulk(b"keystep");
            out.int(i64::from(key_step));
        }
        FindKeys::Unknown => {
            out.bulk(b"unknown");
            out.bulk(b"spec");
            out.map(0);
        }
    }
}

/// One COMMAND DOCS value (the map after the command's name).
pub fn write_docs(out: &mut ReplyBuf, spec: &CommandSpec) {
    let docs = &spec.docs;
    let pairs = 3
        + usize::from(docs.complexity.is_some())
        + usize::from(docs.doc_flags != 0)
        + usize::from(docs.deprecated_since.is_some())
        + usize::from(docs.replaced_by.is_some())
        + usize::from(!docs.history.is_empty())
        + usize::from(!docs.arguments.is_empty())
        + usize::from(!spec.subcommands.is_empty());
    out.map(pairs);
    out.bulk(b"summary");
    out.bulk(docs.summary.as_bytes());
    out.bulk(b"since");
    out.bulk(docs.since.as_bytes());
    out.bulk(b"group");
    out.bulk(docs.group.as_bytes());
    if let Some(complexity) = docs.complexity {
        out.bulk(b"complexity");
        out.bulk(complexity.as_bytes());
    }
    if docs.doc_flags != 0 {
        out.bulk(b"doc_flags");
        write_flag_names(out, docs.doc_flags, DOC_FLAG_NAMES, true);
    }
    if let Some(version) = docs.deprecated_since {
        out.bulk(b"deprecated_since");
        out.bulk(version.as_bytes());
    }
    if let Some(replacement) = docs.replaced_by {
        out.bulk(b"replaced_by");
        out.bulk(replacement.as_bytes());
    }
    if !docs.history.is_empty() {
        out.bulk(b"history");
        out.set(docs.history.len());
        for (version, change) in docs.history {
            out.array(2);
            out.bulk(version.as_bytes());
            out.bulk(change.as_bytes());
        }
    }
    if !docs.arguments.is_empty() {
        out.bulk(b"arguments");
        write_args(out, docs.arguments);
    }
    if !spec.subcommands.is_empty() {
        out.bulk(b"subcommands");
        out.map(spec.subcommands.len());
        for sub in spec.subcommands.iter() {
            out.bulk(sub.full_name.as_bytes());
            write_docs(out, sub);
        }
    }
}

fn write_args(out: &mut ReplyBuf, args: &[ArgSpec]) {
    out.array(args.len());
    for arg in args {
        let pairs = 3
            + usize::from(arg.key_spec_index.is_some())
            + usize::from(arg.token.is_some())
            + usize::from(arg.since.is_some())
            + usize::from(arg.deprecated_since.is_some())
            + usize::from(arg.flags != 0);
        out.map(pairs);
        out.bulk(b"name");
        out.bulk(arg.name.as_bytes());
        out.bulk(b"type");
        out.bulk(arg.kind.as_str().as_bytes());
        if !arg.kind.is_group() {
            out.bulk(b"display_text");
            out.bulk(arg.display.unwrap_or(arg.name).as_bytes());
        }
        if let Some(index) = arg.key_spec_index {
            out.bulk(b"key_spec_index");
            out.int(i64::from(index));
        }
        if let Some(token) = arg.token {
            out.bulk(b"token");
            out.bulk(token.as_bytes());
        }
        if let Some(since) = arg.since {
            out.bulk(b"since");
            out.bulk(since.as_bytes());
        }
        if let Some(version) = arg.deprecated_since {
            out.bulk(b"deprecated_since");
            out.bulk(version.as_bytes());
        }
        if arg.flags != 0 {
            out.bulk(b"flags");
            write_flag_names(out, arg.flags, ARG_FLAG_NAMES, true);
        }
        if arg.kind.is_group() {
            out.bulk(b"arguments");
            write_args(out, arg.arguments);
        }
    }
}

/// Every command and subcommand, in id order (for statistics listings and the like).
pub fn all_commands() -> &'static [CommandSpec] {
    COMMANDS
}
