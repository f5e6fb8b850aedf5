//! Fuzzes the LZF decoder, which will read untrusted RDB and DUMP bytes: every input must
//! decode or be rejected without panicking, a decoded stream has exactly the claimed length,
//! and whatever the compressor makes of the same bytes decodes back to them.

#![no_main]

use ferrokey_ds::lzf::{compress, decompress};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first two bytes claim the decompressed length, as an RDB blob's header does.
    let [low, high, stream @ ..] = data else {
        return;
    };
    let claimed = usize::from(u16::from_le_bytes([*low, *high]));
    if let Ok(output) = decompress(stream, claimed) {
        assert_eq!(output.len(), claimed);
        let roomy = output.len() + output.len() / 32 + 4;
        if let Some(again) = compress(&output, roomy) {
            assert_eq!(decompress(&again, output.len()).as_deref(), Ok(&output[..]));
        }
    }
    if let Some(compressed) = compress(stream, claimed) {
        assert!(compressed.len() <= claimed);
        assert_eq!(decompress(&compressed, stream.len()).as_deref(), Ok(stream));
    }
});
