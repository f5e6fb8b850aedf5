//! Returning freed memory to the operating system.
//!
//! jemalloc keeps freed pages ("dirty") for a while to reuse them, which is right for small
//! churn but wrong after a hash table resize has freed a multi-megabyte bucket array, or after
//! a flush: RSS would keep counting memory the server no longer holds. After such large frees
//! the keyspace asks jemalloc to purge its dirty pages at once.

/// Frees at least this many bytes at once before a purge is worth its cost.
pub const PURGE_THRESHOLD_BYTES: usize = 1024 * 1024;

/// Purges the dirty pages of every jemalloc arena. Returns whether jemalloc accepted the call.
pub fn purge_dirty_pages() -> bool {
    // "arena.<i>.purge" with i = MALLCTL_ARENAS_ALL (4096) purges every arena.
    const NAME: &[u8] = b"arena.4096.purge\0";
    // SAFETY: `NAME` is a NUL-terminated static string that lives for the whole call.
    // "arena.<i>.purge" is a void control: it reads no old value and takes no new one, and
    // jemalloc's mallctl documents null `oldp`/`oldlenp`/`newp` with `newlen == 0` as the way to
    // invoke such a control. Nothing else is passed, so no memory is read or written by
    // jemalloc on our behalf. The allocator in use is jemalloc (the global allocator in
    // main.rs), so the symbol refers to the live allocator.
    let status = unsafe {
        tikv_jemalloc_sys::mallctl(
            NAME.as_ptr().cast(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        )
    };
    status == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purge_is_accepted_after_a_large_free() {
        let big = vec![1u8; 8 * PURGE_THRESHOLD_BYTES];
        drop(std::hint::black_box(big));
        assert!(purge_dirty_pages());
    }
}
