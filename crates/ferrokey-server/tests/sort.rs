//! Integration tests of SORT for what the differential corpus cannot show: how much a SORT
//! changes (`dirty`, seen as INFO's `rdb_changes_since_last_save`) and how many keyspace hits
//! and misses its lookups count, both checked against the numbers Valkey 8.1 gives for the same
//! steps; and sorts of a size no corpus line holds, including the partial sort that BY with
//! LIMIT uses, on inputs that are worst cases for a quicksort. Exact reply bytes are the
//! corpus's job (`tests/corpus/sort.txt`).

mod common;

use common::ServerProcess;

fn start() -> ServerProcess {
    ServerProcess::start_ferrokey(&["--enable-debug-command", "yes"]).expect("server starts")
}

/// One numeric INFO field.
fn info_number(con: &mut redis::Connection, section: &str, name: &str) -> i64 {
    let text: String = redis::cmd("INFO").arg(section).query(con).unwrap();
    text.split("\r\n")
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
        .unwrap_or_else(|| panic!("no {name} in INFO {section}"))
        .parse()
        .unwrap()
}

/// (changes since last save, keyspace hits, keyspace misses).
fn counters(con: &mut redis::Connection) -> (i64, i64, i64) {
    (
        info_number(con, "persistence", "rdb_changes_since_last_save"),
        info_number(con, "stats", "keyspace_hits"),
        info_number(con, "stats", "keyspace_misses"),
    )
}

#[test]
fn dirty_and_lookup_statistics_match_valkey() {
    let server = start();
    let mut con = server.redis_connection().unwrap();
    redis::cmd("RPUSH")
        .arg(&["l", "3", "1", "2"])
        .exec(&mut con)
        .unwrap();
    redis::cmd("MSET")
        .arg(&["w_1", "1", "w_2", "2"])
        .exec(&mut con)
        .unwrap();
    // (command, reply as text, dirty delta, hits delta, misses delta), as Valkey 8.1 reports.
    let steps: &[(&[&str], &str, i64, i64, i64)] = &[
        (&["SORT", "l", "STORE", "d"], "3", 3, 1, 0),
        (
            &["SORT", "l", "GET", "#", "GET", "x_*", "STORE", "d"],
            "6",
            6,
            1,
            3,
        ),
        (&["SORT", "missing", "STORE", "d"], "0", 1, 0, 1),
        (&["SORT", "missing", "STORE", "d"], "0", 0, 0, 1),
        (&["SORT", "l"], "1 2 3", 0, 1, 0),
        (&["SORT", "l", "BY", "w_*", "STORE", "d"], "3", 3, 3, 1),
        (&["SET", "w_3", "bad"], "OK", 1, 0, 0),
        (&["SORT", "l", "BY", "w_*", "STORE", "d"], "error", 0, 4, 0),
        (
            &["SORT", "l", "LIMIT", "0", "0", "STORE", "d"],
            "0",
            1,
            1,
            0,
        ),
        (&["SORT", "l", "STORE", "l"], "3", 3, 1, 0),
    ];
    for (args, expected, dirty, hits, misses) in steps {
        let before = counters(&mut con);
        let reply = redis::cmd(args[0])
            .arg(&args[1..])
            .query::<redis::Value>(&mut con);
        let shown = match reply {
            Err(_) => "error".to_string(),
            Ok(redis::Value::Int(n)) => n.to_string(),
            Ok(redis::Value::Okay) => "OK".to_string(),
            Ok(redis::Value::Array(items)) => items
                .iter()
                .map(|item| match item {
                    redis::Value::BulkString(bytes) => String::from_utf8_lossy(bytes).into_owned(),
                    other => format!("{other:?}"),
                })
                .collect::<Vec<_>>()
                .join(" "),
            Ok(other) => format!("{other:?}"),
        };
        let after = counters(&mut con);
        let delta = (after.0 - before.0, after.1 - before.1, after.2 - before.2);
        assert_eq!(shown, *expected, "{args:?}");
        assert_eq!(delta, (*dirty, *hits, *misses), "{args:?}");
    }
}

/// A weight key prefix and the weight it gives an element.
type WeightShape = (&'static str, fn(u64) -> u64);

/// A cheap deterministic shuffle of `0..n` (a multiplicative permutation).
fn scrambled(n: u64) -> Vec<u64> {
    (0..n).map(|i| (i * 7_919) % n).collect()
}

#[test]
fn large_sorts_by_weights_with_limits() {
    let server = start();
    let mut con = server.redis_connection().unwrap();
    let n: u64 = 20_000;
    let elements = scrambled(n);
    for chunk in elements.chunks(1000) {
        redis::cmd("RPUSH")
            .arg("big")
            .arg(chunk)
            .exec(&mut con)
            .unwrap();
    }
    // Weights: ascending with the element, descending, all equal, and few distinct values.
    let shapes: [WeightShape; 4] = [
        ("asc", |e| e),
        ("desc", |e| 1_000_000 - e),
        ("flat", |_| 7),
        ("few", |e| e % 3),
    ];
    for (name, weight) in shapes {
        for chunk in elements.chunks(1000) {
            let mut cmd = redis::cmd("MSET");
            for &e in chunk {
                cmd.arg(format!("{name}_{e}")).arg(weight(e));
            }
            cmd.exec(&mut con).unwrap();
        }
        // Numeric weights tie-break on the element bytes, so the expected order is total.
        let mut expected: Vec<String> = elements.iter().map(u64::to_string).collect();
        expected.sort_by(|a, b| {
            let (wa, wb) = (weight(a.parse().unwrap()), weight(b.parse().unwrap()));
            wa.cmp(&wb).then_with(|| a.as_bytes().cmp(b.as_bytes()))
        });
        for (offset, count) in [(0usize, 10usize), (9_990, 25), (19_995, 10), (0, 20_000)] {
            let got: Vec<String> = redis::cmd("SORT")
                .arg("big")
                .arg("BY")
                .arg(format!("{name}_*"))
                .arg("LIMIT")
                .arg(offset)
                .arg(count)
                .query(&mut con)
                .unwrap();
            let end = (offset + count).min(expected.len());
            assert_eq!(got, expected[offset..end], "{name} LIMIT {offset} {count}");
            let got_desc: Vec<String> = redis::cmd("SORT")
                .arg("big")
                .arg("BY")
                .arg(format!("{name}_*"))
                .arg("DESC")
                .arg("LIMIT")
                .arg(offset)
                .arg(count)
                .query(&mut con)
                .unwrap();
            let reversed: Vec<String> = expected.iter().rev().cloned().collect();
            assert_eq!(
                got_desc,
                reversed[offset..end],
                "{name} DESC LIMIT {offset} {count}"
            );
        }
    }
    // ALPHA with equal weights and a window exercises the partial sort's tie handling at size.
    let window: Vec<String> = redis::cmd("SORT")
        .arg("big")
        .arg("BY")
        .arg("flat_*")
        .arg("ALPHA")
        .arg("LIMIT")
        .arg(100)
        .arg(50)
        .query(&mut con)
        .unwrap();
    assert_eq!(window.len(), 50);
    let stored: i64 = redis::cmd("SORT")
        .arg("big")
        .arg("STORE")
        .arg("sorted")
        .query(&mut con)
        .unwrap();
    assert_eq!(stored, i64::try_from(n).unwrap());
    let head: Vec<u64> = redis::cmd("LRANGE")
        .arg("sorted")
        .arg(0)
        .arg(2)
        .query(&mut con)
        .unwrap();
    assert_eq!(head, vec![0, 1, 2]);
    let encoding: String = redis::cmd("OBJECT")
        .arg("ENCODING")
        .arg("sorted")
        .query(&mut con)
        .unwrap();
    assert_eq!(encoding, "quicklist");
}
