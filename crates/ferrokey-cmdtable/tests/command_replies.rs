//! COMMAND replies compared byte for byte with replies captured from Valkey 8.1
//! (`tools/gen_command_table.py capture`). Containers list their subcommands in Valkey's hash
//! order, which changes between server starts, so subcommands are sorted on both sides; docs
//! summaries (ferrokey's own text) are blanked on both sides.

mod common;

use common::*;
use ferrokey_cmdtable::*;

/// The table follows Valkey 8.1 (8.0's JSON plus valkey-8.1-overlay.json), plus commands of later
/// releases (`ADDED_AFTER_8_1`) that the captures cannot have. Commands whose replies still
/// differ are listed here and checked both ways: these differ, all others match.
const INFO_DIFFERS: &[&str] = &[];

const DOCS_DIFFERS: &[&str] = &[
    "set", // 8.1 documents IFEQ with an argument summary, prose the table does not carry
];

fn name_of_info(reply: &[u8]) -> String {
    // `*1 *10 $n name ...`
    match parse(reply, 0).0 {
        Value::Aggregate(_, Some(items)) => match items.first() {
            Some(Value::Aggregate(_, Some(entry))) => match entry.first() {
                Some(Value::Blob(_, Some(name))) => String::from_utf8(name.clone()).unwrap(),
                other => panic!("unexpected entry head {other:?}"),
            },
            other => panic!("unexpected reply {other:?}"),
        },
        other => panic!("unexpected reply {other:?}"),
    }
}

fn name_of_docs(reply: &[u8]) -> String {
    match parse(reply, 0).0 {
        Value::Aggregate(_, Some(items)) => match items.first() {
            Some(Value::Blob(_, Some(name))) => String::from_utf8(name.clone()).unwrap(),
            other => panic!("unexpected docs head {other:?}"),
        },
        other => panic!("unexpected reply {other:?}"),
    }
}

fn our_info(name: &str, resp3: bool) -> Vec<u8> {
    let mut out = reply_buf(resp3);
    reply_command_info(&mut out, &[name.as_bytes()]);
    comparable(out.as_bytes(), false, resp3)
}

fn our_docs(name: &str, resp3: bool) -> Vec<u8> {
    let mut out = reply_buf(resp3);
    reply_command_docs(&mut out, &[name.as_bytes()]);
    comparable(out.as_bytes(), true, resp3)
}

fn check_all(fixture: &[u8], resp3: bool, docs: bool, expected_diffs: &[&str]) -> usize {
    let mut differing = Vec::new();
    let mut compared = 0;
    for real in split_replies(fixture) {
        let name = if docs {
            name_of_docs(real)
        } else {
            name_of_info(real)
        };
        let real = &comparable(real, docs, resp3)[..];
        let ours = if docs {
            our_docs(&name, resp3)
        } else {
            our_info(&name, resp3)
        };
        compared += 1;
        if ours != real {
            if !expected_diffs.contains(&name.as_str()) {
                eprintln!("{name} {}", first_difference(real, &ours));
            }
            differing.push(name);
        }
    }
    let unexpected: Vec<_> = differing
        .iter()
        .filter(|n| !expected_diffs.contains(&n.as_str()))
        .collect();
    assert!(
        unexpected.is_empty(),
        "differ from Valkey 8.1: {unexpected:?}"
    );
    compared
}

#[test]
fn command_info_matches_valkey_for_every_command_resp3() {
    let compared = check_all(
        include_bytes!("fixtures/info_resp3.resp"),
        true,
        false,
        INFO_DIFFERS,
    );
    assert!(compared >= 240);
}

#[test]
fn command_info_matches_valkey_resp2() {
    check_all(
        include_bytes!("fixtures/info_resp2.resp"),
        false,
        false,
        INFO_DIFFERS,
    );
}

#[test]
fn command_docs_match_valkey_for_every_command_resp3() {
    let compared = check_all(
        include_bytes!("fixtures/docs_resp3.resp"),
        true,
        true,
        DOCS_DIFFERS,
    );
    assert!(compared >= 240);
}

#[test]
fn command_docs_match_valkey_resp2() {
    check_all(
        include_bytes!("fixtures/docs_resp2.resp"),
        false,
        true,
        DOCS_DIFFERS,
    );
}

#[test]
fn known_8_1_differences_really_differ() {
    for name in INFO_DIFFERS {
        let real = split_replies(include_bytes!("fixtures/info_resp3.resp"))
            .into_iter()
            .find(|r| name_of_info(r) == *name)
            .map(|r| comparable(r, false, true))
            .unwrap();
        assert!(
            our_info(name, true) != real,
            "{name} now matches; drop it from the list"
        );
    }
    for name in DOCS_DIFFERS {
        let real = split_replies(include_bytes!("fixtures/docs_resp3.resp"))
            .into_iter()
            .find(|r| name_of_docs(r) == *name)
            .map(|r| comparable(r, true, true))
            .unwrap();
        assert!(
            our_docs(name, true) != real,
            "{name} now matches; drop it from the list"
        );
    }
}

#[test]
fn getkeys_match_valkey() {
    let text = include_str!("fixtures/getkeys_replies.txt");
    let mut checked = 0;
    let mut failures = Vec::new();
    for (resp3, line, real) in read_reply_pairs(text) {
        let (sub, cmdline) = line.split_once(' ').unwrap();
        let words = split_words(cmdline);
        let args: Vec<&[u8]> = words.iter().map(Vec::as_slice).collect();
        let mut out = reply_buf(resp3);
        if sub == "GETKEYS" {
            reply_command_getkeys(&mut out, args.as_slice());
        } else {
            reply_command_getkeysandflags(&mut out, args.as_slice());
        }
        checked += 1;
        if out.as_bytes() != real.as_slice() {
            failures.push(format!(
                "{} {line}\n real {}\n ours {}",
                if resp3 { 3 } else { 2 },
                show(&real),
                show(out.as_bytes())
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked > 400);
}

#[test]
fn misc_command_replies_match_valkey() {
    let text = include_str!("fixtures/misc_replies.txt");
    let mut failures = Vec::new();
    for (resp3, line, real) in read_reply_pairs(text) {
        if MISC_DIFFERS.contains(&line.as_str()) {
            continue;
        }
        let words = split_words(&line);
        let args: Vec<&[u8]> = words.iter().map(Vec::as_slice).collect();
        let mut out = reply_buf(resp3);
        reply_command(&mut out, args.as_slice());
        let ours = normalized_all(out.as_bytes(), resp3);
        let mut real = normalized_all(&real, resp3);
        if line == "COMMAND COUNT" {
            real = count_with_later_commands(&real);
        }
        if ours != real {
            failures.push(format!("{line} {}", first_difference(&real, &ours)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Misc replies expected to differ (none).
const MISC_DIFFERS: &[&str] = &[];

/// Valkey 8.1's `COMMAND COUNT` reply plus the commands the table has from later releases.
fn count_with_later_commands(real: &[u8]) -> Vec<u8> {
    let text = std::str::from_utf8(real).unwrap();
    let n: usize = text.trim_start_matches(':').trim_end().parse().unwrap();
    format!(":{}\r\n", n + ADDED_AFTER_8_1.len()).into_bytes()
}

fn normalized_all(bytes: &[u8], resp3: bool) -> Vec<u8> {
    if bytes.first() == Some(&b'-') {
        return bytes.to_vec();
    }
    comparable(bytes, true, resp3)
}

#[test]
fn command_list_matches_valkey_as_sets() {
    let text = include_str!("fixtures/list_replies.txt");
    let lines: Vec<&str> = text.lines().collect();
    for pair in lines.chunks(2) {
        let words = split_words(pair[0]);
        let args: Vec<&[u8]> = words.iter().map(Vec::as_slice).collect();
        let filter = parse_list_filter(&args[2..]).unwrap();
        // 8.1 lists no command of a later release.
        let mut ours: Vec<&str> = list_command_names(filter)
            .into_iter()
            .filter(|name| !ADDED_AFTER_8_1.contains(name))
            .collect();
        ours.sort_unstable();
        let real: Vec<&str> = pair[1].split(' ').filter(|s| !s.is_empty()).collect();
        assert_eq!(ours, real, "{}", pair[0]);
    }
}

#[test]
fn command_count_and_all() {
    let mut out = reply_buf(false);
    reply_command(&mut out, &[b"COMMAND".as_slice(), b"count"]);
    assert_eq!(out.as_bytes(), format!(":{TOP_LEVEL_COUNT}\r\n").as_bytes());
    let mut all = reply_buf(true);
    reply_command(&mut all, &[b"command".as_slice()]);
    let mut info = reply_buf(true);
    reply_command_info(&mut info, &[] as &[&[u8]]);
    assert_eq!(all.as_bytes(), info.as_bytes());
    let entries = match parse(all.as_bytes(), 0).0 {
        Value::Aggregate(b'*', Some(items)) => items.len(),
        other => panic!("{other:?}"),
    };
    assert_eq!(entries, TOP_LEVEL_COUNT);
    let mut docs = reply_buf(true);
    reply_command_docs(&mut docs, &[] as &[&[u8]]);
    assert!(docs
        .as_bytes()
        .starts_with(format!("%{TOP_LEVEL_COUNT}\r\n").as_bytes()));
}

#[test]
fn command_subcommand_arity_is_checked() {
    let mut out = reply_buf(false);
    reply_command(&mut out, &[b"command".as_slice(), b"getkeys"]);
    assert_eq!(
        out.as_bytes(),
        b"-ERR wrong number of arguments for 'command|getkeys' command\r\n"
    );
}
