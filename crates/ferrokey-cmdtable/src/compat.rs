//! The text of docs/COMPATIBILITY.md: every Valkey command, grouped, with ferrokey's status.
//!
//! The server knows which commands have handlers, so it passes that in; this module owns the
//! layout. The output is deterministic (groups and commands sorted by name) so a test can
//! regenerate it and compare with the checked-in file. Containers (CLIENT, CONFIG, ...) are not
//! rows of their own: their subcommands are, named as users type them (`CLIENT LIST`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::lookup::top_level_commands;
use crate::spec::{CommandSpec, DOC_DEPRECATED};

/// Renders docs/COMPATIBILITY.md; `implemented` says whether ferrokey serves a command.
pub fn compatibility_markdown(implemented: impl Fn(&CommandSpec) -> bool) -> String {
    let mut groups: BTreeMap<&str, Vec<&CommandSpec>> = BTreeMap::new();
    for spec in top_level_commands() {
        if spec.is_container() {
            for sub in spec.subcommands.iter() {
                groups.entry(sub.docs.group).or_default().push(sub);
            }
        } else {
            groups.entry(spec.docs.group).or_default().push(spec);
        }
    }
    for specs in groups.values_mut() {
        specs.sort_by(|a, b| a.full_name.cmp(b.full_name));
    }
    let total: usize = groups.values().map(Vec::len).sum();
    let done: usize = groups.values().flatten().filter(|s| implemented(s)).count();

    let mut md = String::new();
    md.push_str("# Command compatibility\n\n");
    md.push_str(
        "Generated from ferrokey's command table (the Valkey command set; Sentinel-only \
         commands are left out, as Valkey's server leaves them out). Do not edit by hand: \
         the server's tests regenerate this file.\n\n",
    );
    md.push_str(
        "Containers such as CLIENT or CONFIG are listed through their subcommands, each \
         counted once.\n\n",
    );
    let _ = writeln!(md, "**ferrokey implements {done} of {total} commands.**\n");
    md.push_str("| Group | Implemented |\n| --- | --- |\n");
    for (group, specs) in &groups {
        let n = specs.iter().filter(|s| implemented(s)).count();
        let _ = writeln!(md, "| {group} | {n} / {} |", specs.len());
    }
    for (group, specs) in &groups {
        let n = specs.iter().filter(|s| implemented(s)).count();
        let _ = writeln!(md, "\n## {group} ({n} / {})\n", specs.len());
        md.push_str("| Command | Implemented | Notes |\n| --- | --- | --- |\n");
        for spec in specs {
            let name = spec.full_name.replace('|', " ").to_ascii_uppercase();
            let status = if implemented(spec) { "yes" } else { "no" };
            let notes = match spec.docs.deprecated_since {
                Some(version) if spec.docs.doc_flags & DOC_DEPRECATED != 0 => {
                    format!("deprecated since {version}")
                }
                _ => String::new(),
            };
            let _ = writeln!(md, "| `{name}` | {status} | {notes} |");
        }
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_every_non_container_once_with_counts() {
        let md = compatibility_markdown(|s| s.full_name == "get" || s.full_name == "client|list");
        assert!(md.contains("**ferrokey implements 2 of "));
        assert!(md.contains("| `GET` | yes |  |"));
        assert!(md.contains("| `CLIENT LIST` | yes |  |"));
        assert!(md.contains("| `SET` | no |  |"));
        assert!(md.contains("| `GEORADIUS` | no | deprecated since 6.2.0 |"));
        assert!(!md.contains("| `CLIENT` |"));
        assert!(md.contains("\n## sorted-set ("));
        let rows = md.lines().filter(|l| l.starts_with("| `")).count();
        let expected = top_level_commands()
            .iter()
            .map(|s| {
                if s.is_container() {
                    s.subcommands.len()
                } else {
                    1
                }
            })
            .sum::<usize>();
        assert_eq!(rows, expected);
        assert!(md.contains(&format!("implements 2 of {expected} commands")));
    }
}
