//! Request parser tests. Expected outcomes were checked against valkey-server 8.1.8 over raw
//! sockets (send the bytes, read the reply, see whether the connection closes).

use super::*;
use crate::reply::Protocol;
use proptest::prelude::*;

type Commands = Vec<Vec<Vec<u8>>>;

/// Parses everything `buf` holds at once.
fn parse_all(parser: &mut RequestParser, buf: &[u8]) -> (Commands, Option<ProtocolError>) {
    let mut commands = Vec::new();
    loop {
        match parser.parse(buf) {
            Ok(Some(request)) => commands.push(request.to_vec()),
            Ok(None) => return (commands, None),
            Err(error) => return (commands, Some(error)),
        }
    }
}

fn parse_whole(input: &[u8]) -> (Commands, Option<ProtocolError>) {
    parse_all(&mut RequestParser::default(), input)
}

/// Feeds `input` in pieces ending at `cuts`, parsing after each and compacting if asked.
fn parse_chunked(input: &[u8], cuts: &[usize], compact: bool) -> (Commands, Option<ProtocolError>) {
    let mut parser = RequestParser::default();
    let mut buf = Vec::new();
    let mut commands = Vec::new();
    let mut fed = 0;
    let mut ends: Vec<usize> = cuts.iter().map(|&c| c.min(input.len())).collect();
    ends.sort_unstable();
    ends.push(input.len());
    for end in ends {
        if end < fed {
            continue;
        }
        buf.extend_from_slice(&input[fed..end]);
        fed = end;
        let (mut more, error) = parse_all(&mut parser, &buf);
        commands.append(&mut more);
        if error.is_some() {
            return (commands, error);
        }
        if compact {
            parser.compact(&mut buf);
        }
    }
    (commands, None)
}

fn args(list: &[&[u8]]) -> Vec<Vec<u8>> {
    list.iter().map(|a| a.to_vec()).collect()
}

fn encode_multibulk(command: &[Vec<u8>], out: &mut Vec<u8>) {
    out.extend_from_slice(format!("*{}\r\n", command.len()).as_bytes());
    for arg in command {
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
}

/// Encodes an inline line quoting every argument, so any bytes survive.
fn encode_inline(command: &[Vec<u8>], out: &mut Vec<u8>) {
    for (i, arg) in command.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        out.push(b'"');
        for &b in arg {
            if b.is_ascii_alphanumeric() {
                out.push(b);
            } else {
                out.extend_from_slice(format!("\\x{b:02x}").as_bytes());
            }
        }
        out.push(b'"');
    }
    out.extend_from_slice(b"\r\n");
}

#[test]
fn parses_multibulk_and_inline_pipelines() {
    let input =
        b"*2\r\n$4\r\nECHO\r\n$3\r\nfoo\r\nPING\r\n\r\n   \r\n\n*0\r\n*-1\r\n*-5\r\nSET k 'v w'\n";
    let (commands, error) = parse_whole(input);
    assert_eq!(error, None);
    assert_eq!(
        commands,
        vec![
            args(&[b"ECHO", b"foo"]),
            args(&[b"PING"]),
            args(&[b"SET", b"k", b"v w"])
        ]
    );
}

#[test]
fn blank_inline_line_keeps_inline_mode() {
    // Valkey 8.1 answers `*2` and `*-1` here as unknown inline commands.
    let (commands, error) = parse_whole(b" \r\n*2\r\n \r\r\n\t\n*-1\r\n\r\n*1\r\n$1\r\nx\r\n");
    assert_eq!(error, None);
    assert_eq!(
        commands,
        vec![args(&[b"*2"]), args(&[b"*-1"]), args(&[b"x"])]
    );
    // An empty line ends inline mode, as does a command.
    let (commands, _) = parse_whole(b" \n\n*1\r\n$1\r\ny\r\n");
    assert_eq!(commands, vec![args(&[b"y"])]);
}

#[test]
fn request_accessors() {
    let mut parser = RequestParser::default();
    let buf = b"set \"a b\" c\r\n";
    let request = parser.parse(buf).unwrap().unwrap();
    assert_eq!(request.kind(), RequestKind::Inline);
    assert_eq!(request.len(), 3);
    assert!(!request.is_empty());
    assert_eq!(request.name(), b"set");
    assert_eq!(request.get(1), Some(&b"a b"[..]));
    assert_eq!(request.get(3), None);
    assert_eq!(request.iter().len(), 3);
    assert_eq!(request.args_len_sum(), 7);
    assert_eq!((&request).into_iter().last(), Some(&b"c"[..]));
}

#[test]
fn skipped_requests_and_edge_counts() {
    // `*-9223372036854775808` parses and, being <= 0, is skipped; one less overflows.
    let (commands, error) = parse_whole(b"*-9223372036854775808\r\nPING\r\n");
    assert_eq!((commands.len(), error), (1, None));
    let (_, error) = parse_whole(b"*-9223372036854775809\r\n");
    assert_eq!(error, Some(ProtocolError::InvalidMultibulkLength));
    // INT_MAX is accepted (and waited for), INT_MAX + 1 is not.
    assert_eq!(parse_whole(b"*2147483647\r\n"), (vec![], None));
    let (_, error) = parse_whole(b"*2147483648\r\n");
    assert_eq!(error, Some(ProtocolError::InvalidMultibulkLength));
    // An empty argument is an argument.
    let (commands, _) = parse_whole(b"*1\r\n$0\r\n\r\n");
    assert_eq!(commands, vec![args(&[b""])]);
    // Bulk payloads may hold any byte, NUL and CRLF included.
    let (commands, _) = parse_whole(b"*1\r\n$6\r\nPI\0\r\nG\r\n");
    assert_eq!(commands, vec![args(&[b"PI\0\r\nG"])]);
    // Anything not starting with `*` is inline, `$3` included.
    let (commands, _) = parse_whole(b"$3\r\nfoo\r\n");
    assert_eq!(commands, vec![args(&[b"$3"]), args(&[b"foo"])]);
}

#[test]
fn each_error_has_valkeys_text() {
    use ProtocolError::*;
    let cases: &[(&[u8], ProtocolError, &str)] = &[
        (
            b"*x\r\n",
            InvalidMultibulkLength,
            "Protocol error: invalid multibulk length",
        ),
        (
            b"*\r\n",
            InvalidMultibulkLength,
            "Protocol error: invalid multibulk length",
        ),
        (
            b"*+1\r\n",
            InvalidMultibulkLength,
            "Protocol error: invalid multibulk length",
        ),
        (
            b"*01\r\n",
            InvalidMultibulkLength,
            "Protocol error: invalid multibulk length",
        ),
        (
            b"*-0\r\n",
            InvalidMultibulkLength,
            "Protocol error: invalid multibulk length",
        ),
        (
            b"* 1\r\n",
            InvalidMultibulkLength,
            "Protocol error: invalid multibulk length",
        ),
        (
            b"*1 \r\n",
            InvalidMultibulkLength,
            "Protocol error: invalid multibulk length",
        ),
        (
            b"*1\0\r\n",
            InvalidMultibulkLength,
            "Protocol error: invalid multibulk length",
        ),
        (
            b"*1\n$4\r\nPING\r\n",
            InvalidMultibulkLength,
            "Protocol error: invalid multibulk length",
        ),
        (
            b"*1\rX",
            InvalidCrlf,
            "Protocol error: invalid CRLF in request",
        ),
        (
            b"*x\rX",
            InvalidCrlf,
            "Protocol error: invalid CRLF in request",
        ),
        (
            b"*1\r\n$x\rX",
            InvalidCrlf,
            "Protocol error: invalid CRLF in request",
        ),
        (
            b"*1\r\n$4\r\nPINGXY",
            InvalidCrlf,
            "Protocol error: invalid CRLF in request",
        ),
        (
            b"*1\r\n$4\r\nPING\rY",
            InvalidCrlf,
            "Protocol error: invalid CRLF in request",
        ),
        (
            b"*1\r\n$4\r\nPING\nY",
            InvalidCrlf,
            "Protocol error: invalid CRLF in request",
        ),
        (
            b"*1\r\nx4\r\n",
            ExpectedDollar(b'x'),
            "Protocol error: expected '$', got 'x'",
        ),
        (
            b"*1\r\nx\rX",
            ExpectedDollar(b'x'),
            "Protocol error: expected '$', got 'x'",
        ),
        (
            b"*1\r\n%\r\n",
            ExpectedDollar(b'%'),
            "Protocol error: expected '$', got '%'",
        ),
        (
            b"*1\r\n\r\r\n",
            ExpectedDollar(b'\r'),
            "Protocol error: expected '$', got '\r'",
        ),
        (
            b"*1\r\n$x\r\n",
            InvalidBulkLength,
            "Protocol error: invalid bulk length",
        ),
        (
            b"*1\r\n$-1\r\n",
            InvalidBulkLength,
            "Protocol error: invalid bulk length",
        ),
        (
            b"*1\r\n$+4\r\n",
            InvalidBulkLength,
            "Protocol error: invalid bulk length",
        ),
        (
            b"*1\r\n$04\r\n",
            InvalidBulkLength,
            "Protocol error: invalid bulk length",
        ),
        (
            b"*1\r\n$-0\r\n",
            InvalidBulkLength,
            "Protocol error: invalid bulk length",
        ),
        (
            b"*1\r\n$\r\n",
            InvalidBulkLength,
            "Protocol error: invalid bulk length",
        ),
        (
            b"*1\r\n$ 4\r\n",
            InvalidBulkLength,
            "Protocol error: invalid bulk length",
        ),
        (
            b"*1\r\n$4\0\r\n",
            InvalidBulkLength,
            "Protocol error: invalid bulk length",
        ),
        (
            b"*1\r\n$4\nPING\r\n",
            InvalidBulkLength,
            "Protocol error: invalid bulk length",
        ),
        (
            b"*1\r\n$536870913\r\n",
            InvalidBulkLength,
            "Protocol error: invalid bulk length",
        ),
        (
            b"*1\r\n$9223372036854775807\r\n",
            InvalidBulkLength,
            "Protocol error: invalid bulk length",
        ),
        (
            b"ECHO \"abc\"def\r\n",
            UnbalancedQuotes,
            "Protocol error: unbalanced quotes in request",
        ),
        (
            b"ECHO 'abc\r\n",
            UnbalancedQuotes,
            "Protocol error: unbalanced quotes in request",
        ),
    ];
    for &(input, error, text) in cases {
        assert_eq!(parse_whole(input), (vec![], Some(error)), "{input:?}");
        assert_eq!(error.to_string(), text);
    }
    assert_eq!(
        TooBigInlineRequest.to_string(),
        "Protocol error: too big inline request"
    );
    assert_eq!(
        TooBigMultibulkCount.to_string(),
        "Protocol error: too big mbulk count string"
    );
    assert_eq!(
        TooBigBulkCount.to_string(),
        "Protocol error: too big bulk count string"
    );
    assert_eq!(
        UnauthenticatedMultibulkLength.to_string(),
        "Protocol error: unauthenticated multibulk length"
    );
    assert_eq!(
        UnauthenticatedBulkLength.to_string(),
        "Protocol error: unauthenticated bulk length"
    );
}

#[test]
fn error_replies_are_exact_bytes() {
    // Valkey sends the offending byte raw (NUL and 0xff included) but CR/LF as a space.
    let cases: &[(u8, &[u8])] = &[
        (0, b"-ERR Protocol error: expected '$', got '\0'\r\n"),
        (0xff, b"-ERR Protocol error: expected '$', got '\xff'\r\n"),
        (b'\n', b"-ERR Protocol error: expected '$', got ' '\r\n"),
        (b'\r', b"-ERR Protocol error: expected '$', got ' '\r\n"),
    ];
    for &(byte, expected) in cases {
        let mut reply = ReplyBuf::new(Protocol::Resp2);
        ProtocolError::ExpectedDollar(byte).write_reply(&mut reply);
        assert_eq!(reply.as_bytes(), expected);
    }
    let mut reply = ReplyBuf::new(Protocol::Resp3);
    ProtocolError::InvalidBulkLength.write_reply(&mut reply);
    assert_eq!(
        reply.as_bytes(),
        b"-ERR Protocol error: invalid bulk length\r\n"
    );
}

#[test]
fn commands_before_an_error_come_out_and_the_error_sticks() {
    let mut parser = RequestParser::default();
    let buf = b"PING\r\n*1\r\n$4\r\nPING\r\n*1\r\nfoo\r\nPING\r\n";
    let (commands, error) = parse_all(&mut parser, buf);
    assert_eq!(commands.len(), 2);
    assert_eq!(error, Some(ProtocolError::ExpectedDollar(b'f')));
    assert_eq!(
        parser.parse(buf).map(|r| r.is_some()),
        Err(ProtocolError::ExpectedDollar(b'f'))
    );
    assert_eq!(parser.error(), Some(ProtocolError::ExpectedDollar(b'f')));
    parser.reset();
    assert_eq!(parser.error(), None);
}

#[test]
fn incomplete_requests_wait() {
    for input in [
        &b"*1\r\n$4\r\nPING"[..],
        b"*1\r\n$4\r\nPING\r",
        b"*1\r",
        b"*1\r\n$4\r",
        b"*1\r\nx",
        b"*11\r\n",
        b"PING",
        b"PING\r",
        b"PI\0NG\r\n",
        b"PING\0 x\r\nPING\r\n",
    ] {
        assert_eq!(parse_whole(input), (vec![], None), "{input:?}");
    }
}

#[test]
fn line_limits_are_64k() {
    let mut echo = b"ECHO ".to_vec();
    echo.extend_from_slice(&[b'a'; 65530]);
    echo.extend_from_slice(b"\r\n");
    let (commands, error) = parse_whole(&echo);
    assert_eq!((commands[0][1].len(), error), (65530, None));
    let long = vec![b'a'; 65536];
    assert_eq!(parse_whole(&long), (vec![], None));
    let longer = vec![b'a'; 65537];
    assert_eq!(
        parse_whole(&longer),
        (vec![], Some(ProtocolError::TooBigInlineRequest))
    );
    // A NUL hides the line end: only the size limit ends the request.
    let mut stuck = b"PING\0".to_vec();
    stuck.extend_from_slice(&[b'a'; 65531]);
    stuck.extend_from_slice(b"\n");
    assert_eq!(parse_whole(&stuck[..65536]), (vec![], None));
    assert_eq!(
        parse_whole(&stuck),
        (vec![], Some(ProtocolError::TooBigInlineRequest))
    );
    let mut count = b"*".to_vec();
    count.extend_from_slice(&[b'1'; 65535]);
    assert_eq!(parse_whole(&count), (vec![], None));
    count.push(b'1');
    assert_eq!(
        parse_whole(&count),
        (vec![], Some(ProtocolError::TooBigMultibulkCount))
    );
    let mut bulk = b"*1\r\n$".to_vec();
    bulk.extend_from_slice(&[b'1'; 65535]);
    assert_eq!(parse_whole(&bulk), (vec![], None));
    bulk.push(b'1');
    assert_eq!(
        parse_whole(&bulk),
        (vec![], Some(ProtocolError::TooBigBulkCount))
    );
}

#[test]
fn unauthenticated_limits() {
    let config = ParserConfig {
        authenticated: false,
        ..ParserConfig::default()
    };
    let run = |input: &[u8]| parse_all(&mut RequestParser::new(config.clone()), input).1;
    assert_eq!(run(b"*10\r\n"), None);
    assert_eq!(
        run(b"*11\r\n"),
        Some(ProtocolError::UnauthenticatedMultibulkLength)
    );
    assert_eq!(run(b"*11\rX"), Some(ProtocolError::InvalidCrlf));
    assert_eq!(run(b"*x\r\n"), Some(ProtocolError::InvalidMultibulkLength));
    assert_eq!(run(b"*1\r\n$16384\r\n"), None);
    assert_eq!(
        run(b"*1\r\n$16385\r\n"),
        Some(ProtocolError::UnauthenticatedBulkLength)
    );
    assert_eq!(
        run(b"*1\r\n$536870913\r\n"),
        Some(ProtocolError::InvalidBulkLength)
    );
    assert_eq!(
        run(b"*1\r\n$-1\r\n"),
        Some(ProtocolError::InvalidBulkLength)
    );
    let mut parser = RequestParser::new(config);
    assert!(parser.query_buffer_over_limit(1024 * 1024 + 1));
    parser.set_authenticated(true);
    assert!(!parser.query_buffer_over_limit(1024 * 1024 + 1));
    assert!(parser.query_buffer_over_limit(DEFAULT_QUERY_BUFFER_LIMIT + 1));
    assert_eq!(parser.parse(b"*11\r\n").map(|r| r.is_some()), Ok(false));
}

#[test]
fn configured_bulk_limit_applies() {
    let mut parser = RequestParser::default();
    parser.config_mut().max_bulk_len = 3;
    assert_eq!(parse_all(&mut parser, b"*1\r\n$3\r\nabc\r\n").0.len(), 1);
    assert_eq!(
        parse_all(&mut parser, b"*1\r\n$3\r\nabc\r\n*1\r\n$4\r\n").1,
        Some(ProtocolError::InvalidBulkLength)
    );
}

#[test]
fn consumed_discard_and_compact() {
    let mut parser = RequestParser::default();
    let mut buf = b"PING\r\n*2\r\n$4\r\nECHO\r\n$5\r\nhel".to_vec();
    assert_eq!(
        parser.parse(&buf).unwrap().map(|r| r.to_vec()),
        Some(args(&[b"PING"]))
    );
    assert_eq!(parser.consumed(), 6);
    assert!(parser.parse(&buf).unwrap().is_none());
    assert!(parser.is_mid_request());
    assert_eq!(parser.consumed(), 6);
    assert_eq!(parser.bulk_bytes_missing(buf.len()), Some(4));
    parser.compact(&mut buf);
    assert_eq!(buf, b"*2\r\n$4\r\nECHO\r\n$5\r\nhel");
    buf.extend_from_slice(b"lo\r\nPI");
    assert_eq!(
        parser.parse(&buf).unwrap().map(|r| r.to_vec()),
        Some(args(&[b"ECHO", b"hello"]))
    );
    assert_eq!(parser.bulk_bytes_missing(buf.len()), None);
    parser.compact(&mut buf);
    assert_eq!(buf, b"PI");
    buf.extend_from_slice(b"NG\n");
    assert_eq!(
        parser.parse(&buf).unwrap().map(|r| r.to_vec()),
        Some(args(&[b"PING"]))
    );
    parser.compact(&mut buf);
    assert!(buf.is_empty());
    // A caller-side bug (discarding too much) is clamped, not a panic.
    parser.discard(100);
    assert_eq!(parser.consumed(), 0);
}

#[test]
fn line_searches_resume_where_they_stopped() {
    let mut parser = RequestParser::default();
    let mut buf = b"ECHO ".to_vec();
    for _ in 0..1000 {
        buf.extend_from_slice(b"abcdefgh");
        assert!(parser.parse(&buf).unwrap().is_none());
        assert_eq!(parser.scan_from, buf.len());
    }
    buf.extend_from_slice(b"\r\n*3\r\n$3\r\nSET");
    assert!(parser.parse(&buf).unwrap().is_some());
    assert!(parser.parse(&buf).unwrap().is_none());
    assert_eq!(parser.args.len(), 0);
    assert_eq!(parser.bulk_bytes_missing(buf.len()), Some(2));
}

#[test]
fn huge_claimed_count_does_not_preallocate() {
    let mut parser = RequestParser::default();
    assert!(parser
        .parse(b"*2147483647\r\n$1\r\na\r\n")
        .unwrap()
        .is_none());
    assert!(parser.args.capacity() <= MAX_PREALLOCATED_ARGS);
    assert_eq!(parser.args.len(), 1);
}

#[test]
fn strict_integers() {
    assert_eq!(parse_strict_i64(b"0"), Some(0));
    assert_eq!(parse_strict_i64(b"-1"), Some(-1));
    assert_eq!(parse_strict_i64(b"9223372036854775807"), Some(i64::MAX));
    assert_eq!(parse_strict_i64(b"-9223372036854775808"), Some(i64::MIN));
    for bad in [
        &b""[..],
        b"-",
        b"-0",
        b"00",
        b"01",
        b"+1",
        b" 1",
        b"1 ",
        b"9223372036854775808",
    ] {
        assert_eq!(parse_strict_i64(bad), None, "{bad:?}");
    }
}

fn arg_strategy() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..40),
        proptest::collection::vec(
            prop_oneof![Just(b'\r'), Just(b'\n'), Just(b'"'), Just(0u8)],
            0..4
        ),
    ]
}

fn command_strategy() -> impl Strategy<Value = Vec<Vec<u8>>> {
    proptest::collection::vec(arg_strategy(), 1..8)
}

/// Byte soup built from protocol fragments, so that the parser gets deep into its states.
fn soup_strategy() -> impl Strategy<Value = Vec<u8>> {
    let fragment = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..6),
        command_strategy().prop_map(|c| {
            let mut out = Vec::new();
            encode_multibulk(&c, &mut out);
            out
        }),
        Just(b"*2\r\n".to_vec()),
        Just(b"*-1\r\n".to_vec()),
        Just(b"$3\r\n".to_vec()),
        Just(b"$0\r\n\r\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\n".to_vec()),
        Just(b" \"a\\x4".to_vec()),
        Just(b"'b\\' ".to_vec()),
        Just(b"\0".to_vec()),
        Just(b"PING ".to_vec()),
        // Headers at the edges of the one-pass form (leading zeros, signs, 19 digits).
        Just(b"$".to_vec()),
        Just(b"*".to_vec()),
        Just(b"$03\r\n".to_vec()),
        Just(b"*01\r\n".to_vec()),
        Just(b"$+1\r\n".to_vec()),
        Just(b"$1000000000000000000\r\n".to_vec()),
        Just(b"*1\r\n$1\r\nx\r\n".to_vec()),
        (0u32..40).prop_map(|n| n.to_string().into_bytes()),
    ];
    proptest::collection::vec(fragment, 0..24).prop_map(|parts| parts.concat())
}

proptest! {
    #[test]
    fn multibulk_round_trip(commands in proptest::collection::vec(command_strategy(), 1..6),
                            cuts in proptest::collection::vec(0usize..2000, 0..12)) {
        let mut wire = Vec::new();
        for command in &commands {
            encode_multibulk(command, &mut wire);
        }
        prop_assert_eq!(parse_whole(&wire), (commands.clone(), None));
        prop_assert_eq!(parse_chunked(&wire, &cuts, true), (commands, None));
    }

    #[test]
    fn inline_round_trip(commands in proptest::collection::vec(command_strategy(), 1..6),
                         cuts in proptest::collection::vec(0usize..2000, 0..12)) {
        let mut wire = Vec::new();
        for command in &commands {
            encode_inline(command, &mut wire);
        }
        prop_assert_eq!(parse_whole(&wire), (commands.clone(), None));
        prop_assert_eq!(parse_chunked(&wire, &cuts, false), (commands, None));
    }

    #[test]
    fn arbitrary_bytes_never_panic(input in proptest::collection::vec(any::<u8>(), 0..300)) {
        let whole = parse_whole(&input);
        let bytewise: Vec<usize> = (0..input.len()).collect();
        prop_assert_eq!(parse_chunked(&input, &bytewise, true), whole);
    }

    #[test]
    fn split_points_do_not_matter(input in soup_strategy(),
                                  cuts in proptest::collection::vec(0usize..600, 0..16),
                                  compact in any::<bool>()) {
        let whole = parse_whole(&input);
        prop_assert_eq!(parse_chunked(&input, &cuts, compact), whole);
    }
}
