//! Number formatting shared by the reply encoder and the server.

/// Formats a double as Valkey does in replies (shortest round-trip form), returning the text.
pub fn format_double(value: f64, tmp: &mut [u8; 32]) -> &[u8] {
    use std::io::Write;
    let mut cursor = std::io::Cursor::new(&mut tmp[..]);
    if value.is_nan() {
        return b"nan";
    } else if value.is_infinite() {
        return if value > 0.0 { b"inf" } else { b"-inf" };
    }
    let _ = write!(cursor, "{}", value);
    let n = cursor.position() as usize;
    &tmp[..n]
}
