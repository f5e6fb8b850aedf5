//! Fuzzes the request parser: no input may panic it, and feeding the bytes in chunks (with or
//! without compacting the buffer between reads) must give the same commands and the same error
//! as feeding them at once. The first input byte picks the options and seeds the chunk sizes.

#![no_main]

use ferrokey_resp::{ParserConfig, ProtocolError, RequestParser};
use libfuzzer_sys::fuzz_target;

type Outcome = (Vec<Vec<Vec<u8>>>, Option<ProtocolError>);

fn drain(
    parser: &mut RequestParser,
    buf: &[u8],
    out: &mut Vec<Vec<Vec<u8>>>,
) -> Option<ProtocolError> {
    loop {
        match parser.parse(buf) {
            Ok(Some(request)) => {
                assert!(!request.is_empty());
                out.push(request.to_vec());
            }
            Ok(None) => return None,
            Err(error) => return Some(error),
        }
        assert!(parser.consumed() <= buf.len());
    }
}

fn whole(config: &ParserConfig, input: &[u8]) -> Outcome {
    let mut parser = RequestParser::new(config.clone());
    let mut commands = Vec::new();
    let error = drain(&mut parser, input, &mut commands);
    (commands, error)
}

fn chunked(config: &ParserConfig, input: &[u8], mut seed: u8, compact: bool) -> Outcome {
    let mut parser = RequestParser::new(config.clone());
    let mut buf = Vec::new();
    let mut commands = Vec::new();
    let mut fed = 0;
    while fed < input.len() {
        // A cheap LCG turns the seed into chunk sizes from 1 to 16 bytes.
        seed = seed.wrapping_mul(77).wrapping_add(13);
        let end = (fed + 1 + usize::from(seed % 16)).min(input.len());
        buf.extend_from_slice(&input[fed..end]);
        fed = end;
        if let Some(error) = drain(&mut parser, &buf, &mut commands) {
            return (commands, Some(error));
        }
        if compact {
            parser.compact(&mut buf);
        }
    }
    (commands, None)
}

fuzz_target!(|data: &[u8]| {
    let Some((&options, input)) = data.split_first() else {
        return;
    };
    let config = ParserConfig {
        authenticated: options & 1 == 0,
        // Small limits reach the size errors with small inputs.
        inline_max_size: if options & 2 == 0 { 64 * 1024 } else { 64 },
        max_bulk_len: if options & 4 == 0 {
            512 * 1024 * 1024
        } else {
            100
        },
        ..ParserConfig::default()
    };
    let expected = whole(&config, input);
    assert_eq!(chunked(&config, input, options, options & 8 != 0), expected);
});
