//! Fuzzes reply framing: `frame_len` and `parse_value` must agree on every input, never panic
//! (however deep the nesting), and a parsed value must encode to bytes that parse back to a
//! value with the same encoding.

#![no_main]

use ferrokey_resp::{frame_len, parse_value, FrameError};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let length = frame_len(data);
    match parse_value(data) {
        Ok(Some((value, used))) => {
            assert_eq!(length, Ok(Some(used)));
            let encoded = value.to_bytes();
            let (again, again_used) = parse_value(&encoded)
                .expect("re-encoded value parses")
                .expect("re-encoded value is complete");
            assert_eq!(again_used, encoded.len());
            assert_eq!(again.to_bytes(), encoded);
        }
        // parse_value stops at the depth limit before it sees the rest.
        Err(FrameError::TooDeep) => {}
        Ok(None) => assert_eq!(length, Ok(None)),
        Err(error) => assert_eq!(length, Err(error)),
    }
});
