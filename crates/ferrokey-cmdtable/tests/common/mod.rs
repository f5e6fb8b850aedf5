//! Test helpers: a typed RESP reader/writer for comparing replies with the captured fixtures,
//! and a reader for the fixtures' text formats.
#![allow(dead_code)]

use ferrokey_resp::{Protocol, ReplyBuf};

/// A RESP value that keeps its wire type, so re-encoding gives the original bytes back.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `+ - : _ , # (`: the type byte and the line.
    Line(u8, Vec<u8>),
    /// `$ = !`: the type byte and the payload (`None` for a null).
    Blob(u8, Option<Vec<u8>>),
    /// `* ~ % >`: the type byte and the elements (maps hold keys and values alternately).
    Aggregate(u8, Option<Vec<Value>>),
}

pub fn parse(buf: &[u8], pos: usize) -> (Value, usize) {
    let end = pos
        + buf[pos..]
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("CRLF");
    let kind = buf[pos];
    let body = &buf[pos + 1..end];
    let next = end + 2;
    match kind {
        b'$' | b'=' | b'!' => {
            let n: i64 = std::str::from_utf8(body).unwrap().parse().unwrap();
            if n < 0 {
                return (Value::Blob(kind, None), next);
            }
            let n = n as usize;
            (
                Value::Blob(kind, Some(buf[next..next + n].to_vec())),
                next + n + 2,
            )
        }
        b'*' | b'~' | b'%' | b'>' => {
            let n: i64 = std::str::from_utf8(body).unwrap().parse().unwrap();
            if n < 0 {
                return (Value::Aggregate(kind, None), next);
            }
            let count = if kind == b'%' {
                2 * n as usize
            } else {
                n as usize
            };
            let mut items = Vec::with_capacity(count);
            let mut p = next;
            for _ in 0..count {
                let (v, np) = parse(buf, p);
                items.push(v);
                p = np;
            }
            (Value::Aggregate(kind, Some(items)), p)
        }
        _ => (Value::Line(kind, body.to_vec()), next),
    }
}

/// Splits a buffer of concatenated replies into the raw bytes of each.
pub fn split_replies(buf: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < buf.len() {
        let (_, end) = parse(buf, pos);
        out.push(&buf[pos..end]);
        pos = end;
    }
    out
}

pub fn encode(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Line(kind, body) => {
            out.push(*kind);
            out.extend_from_slice(body);
            out.extend_from_slice(b"\r\n");
        }
        Value::Blob(kind, None) | Value::Aggregate(kind, None) => {
            out.push(*kind);
            out.extend_from_slice(b"-1\r\n");
        }
        Value::Blob(kind, Some(data)) => {
            out.push(*kind);
            out.extend_from_slice(format!("{}\r\n", data.len()).as_bytes());
            out.extend_from_slice(data);
            out.extend_from_slice(b"\r\n");
        }
        Value::Aggregate(kind, Some(items)) => {
            let n = if *kind == b'%' {
                items.len() / 2
            } else {
                items.len()
            };
            out.push(*kind);
            out.extend_from_slice(format!("{n}\r\n").as_bytes());
            for item in items {
                encode(item, out);
            }
        }
    }
}

/// Blanks every `summary` value, as the capture did (summaries are ferrokey's own text).
pub fn blank_summaries(v: &mut Value, resp3: bool) {
    let Value::Aggregate(kind, Some(items)) = v else {
        return;
    };
    let pairs = *kind == b'%' || (!resp3 && *kind == b'*' && items.len() % 2 == 0);
    if pairs {
        for pair in items.chunks_mut(2) {
            if let [Value::Blob(b'$', Some(k)), Value::Blob(b'$', Some(val))] = pair {
                if k == b"summary" {
                    val.clear();
                }
            }
        }
    }
    for item in items.iter_mut() {
        blank_summaries(item, resp3);
    }
}

pub fn normalized(bytes: &[u8], resp3: bool) -> Vec<u8> {
    let (mut v, _) = parse(bytes, 0);
    blank_summaries(&mut v, resp3);
    let mut out = Vec::new();
    encode(&v, &mut out);
    out
}

pub fn reply_buf(resp3: bool) -> ReplyBuf {
    ReplyBuf::new(if resp3 {
        Protocol::Resp3
    } else {
        Protocol::Resp2
    })
}

/// Splits a command line written with shell quoting (plain words and double-quoted strings).
pub fn split_words(line: &str) -> Vec<Vec<u8>> {
    let mut words = Vec::new();
    let mut current: Option<Vec<u8>> = None;
    let mut quote: Option<u8> = None;
    for b in line.bytes() {
        match (b, quote) {
            (b'"' | b'\'', None) => {
                quote = Some(b);
                current.get_or_insert_with(Vec::new);
            }
            (q, Some(open)) if q == open => quote = None,
            (b' ', None) => {
                if let Some(w) = current.take() {
                    words.push(w);
                }
            }
            _ => current.get_or_insert_with(Vec::new).push(b),
        }
    }
    if let Some(w) = current {
        words.push(w);
    }
    words
}

/// Reads "<protocol> <command line>" / "<escaped reply>" line pairs.
pub fn read_reply_pairs(text: &str) -> Vec<(bool, String, Vec<u8>)> {
    let lines: Vec<&str> = text.lines().collect();
    lines
        .chunks(2)
        .map(|pair| {
            let (proto, cmd) = pair[0].split_once(' ').unwrap();
            let reply = pair[1].replace("\\r\\n", "\r\n").into_bytes();
            (proto == "3", cmd.to_string(), reply)
        })
        .collect()
}

pub fn show(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace("\r\n", " ")
}

/// The neighbourhood of the first difference between two byte strings, for failure messages.
pub fn first_difference(real: &[u8], ours: &[u8]) -> String {
    let at = real
        .iter()
        .zip(ours)
        .position(|(a, b)| a != b)
        .unwrap_or(real.len().min(ours.len()));
    let from = at.saturating_sub(120);
    format!(
        "at byte {at}:\n real ...{}\n ours ...{}",
        show(&real[from..(at + 120).min(real.len())]),
        show(&ours[from..(at + 120).min(ours.len())])
    )
}

fn blob_text(v: &Value) -> &[u8] {
    match v {
        Value::Blob(_, Some(b)) => b,
        _ => b"",
    }
}

fn info_name(v: &Value) -> Vec<u8> {
    match v {
        Value::Aggregate(_, Some(items)) => {
            items.first().map(blob_text).unwrap_or_default().to_vec()
        }
        _ => Vec::new(),
    }
}

/// Sorts the subcommands of COMMAND INFO / COMMAND DOCS replies by name: Valkey lists them in
/// its hash table's order, which changes from one server start to the next.
pub fn sort_subcommands(v: &mut Value, docs: bool, resp3: bool) {
    let Value::Aggregate(kind, Some(items)) = v else {
        return;
    };
    if docs {
        let pairs = *kind == b'%' || (!resp3 && *kind == b'*' && items.len() % 2 == 0);
        if pairs {
            for i in (0..items.len()).step_by(2) {
                if blob_text(&items[i]) == b"subcommands" {
                    if let Some(Value::Aggregate(_, Some(subs))) = items.get_mut(i + 1) {
                        let mut entries: Vec<(Value, Value)> = subs
                            .chunks(2)
                            .map(|c| (c[0].clone(), c[1].clone()))
                            .collect();
                        entries.sort_by(|a, b| blob_text(&a.0).cmp(blob_text(&b.0)));
                        *subs = entries.into_iter().flat_map(|(k, v)| [k, v]).collect();
                    }
                }
            }
        }
    } else if items.len() == 10 && matches!(items[0], Value::Blob(..)) {
        if let Value::Aggregate(b'*', Some(subs)) = &mut items[9] {
            subs.sort_by_key(info_name);
        }
    }
    for item in items.iter_mut() {
        sort_subcommands(item, docs, resp3);
    }
}

/// A reply with summaries blanked and subcommands sorted, for comparison.
pub fn comparable(bytes: &[u8], docs: bool, resp3: bool) -> Vec<u8> {
    let (mut v, _) = parse(bytes, 0);
    blank_summaries(&mut v, resp3);
    sort_subcommands(&mut v, docs, resp3);
    let mut out = Vec::new();
    encode(&v, &mut out);
    out
}
