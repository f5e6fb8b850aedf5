//! A chunked arena: values addressed by dense `u32` ids, stored in fixed-capacity chunks so the
//! arena grows by one chunk at a time instead of doubling (a doubling `Vec` holds up to half
//! its capacity unused, which for a large sorted set is tens of bytes per member).
//!
//! Owners pick `CHUNK` so a full chunk is at most 14 KiB, jemalloc's largest small size
//! class: larger ("large") allocations get an extra page for cache-oblivious placement, which
//! at 16 KiB wastes a fifth of the chunk.
//!
//! Invariants: every chunk but the last holds exactly `CHUNK` values, and no chunk's capacity
//! exceeds `CHUNK` (the first chunk starts small and grows to `CHUNK`, so a small set does not
//! pay for a whole chunk). An id is `chunk * CHUNK + offset`. Released ids are reused before
//! the arena grows; a released slot keeps whatever value its owner left in it (owners reset
//! heavy contents before releasing).

/// Capacity of the first chunk: enough for a set just past the listpack limits.
const FIRST_CHUNK_CAPACITY: usize = 16;

#[derive(Clone, Debug)]
pub(crate) struct Arena<T, const CHUNK: usize> {
    chunks: Vec<Vec<T>>,
    free_ids: Vec<u32>,
}

impl<T, const CHUNK: usize> Default for Arena<T, CHUNK> {
    fn default() -> Self {
        Arena {
            chunks: Vec::new(),
            free_ids: Vec::new(),
        }
    }
}

impl<T, const CHUNK: usize> Arena<T, CHUNK> {
    pub(crate) fn get(&self, id: u32) -> Option<&T> {
        let id = id as usize;
        self.chunks.get(id / CHUNK)?.get(id % CHUNK)
    }

    pub(crate) fn get_mut(&mut self, id: u32) -> Option<&mut T> {
        let id = id as usize;
        self.chunks.get_mut(id / CHUNK)?.get_mut(id % CHUNK)
    }

    /// Stores `value` under a reused or new id. `None` only when the `u32` id space is
    /// exhausted (`u32::MAX` is never handed out, so callers may use it as "no value").
    pub(crate) fn alloc(&mut self, value: T) -> Option<u32> {
        if let Some(&id) = self.free_ids.last() {
            if let Some(slot) = self.get_mut(id) {
                *slot = value;
                self.free_ids.pop();
                return Some(id);
            }
        }
        let full = self.chunks.last().is_none_or(|chunk| chunk.len() >= CHUNK);
        let next_id = if full {
            self.chunks.len() * CHUNK
        } else {
            (self.chunks.len() - 1) * CHUNK + self.chunks.last().map_or(0, Vec::len)
        };
        let id = u32::try_from(next_id).ok().filter(|&id| id != u32::MAX)?;
        if full {
            let capacity = if self.chunks.is_empty() {
                FIRST_CHUNK_CAPACITY.min(CHUNK)
            } else {
                CHUNK
            };
            self.chunks.push(Vec::with_capacity(capacity));
        }
        let chunk = self.chunks.last_mut()?;
        if chunk.len() == chunk.capacity() {
            let grown = (chunk.capacity() * 2).clamp(1, CHUNK);
            chunk.reserve_exact(grown - chunk.len());
        }
        chunk.push(value);
        Some(id)
    }

    /// Marks `id` reusable. The caller no longer refers to it.
    pub(crate) fn release(&mut self, id: u32) {
        self.free_ids.push(id);
    }

    /// Ids handed out and not released.
    pub(crate) fn live(&self) -> usize {
        self.slots() - self.free_ids.len()
    }

    /// Released ids waiting for reuse.
    pub(crate) fn released(&self) -> usize {
        self.free_ids.len()
    }

    fn slots(&self) -> usize {
        self.chunks.iter().map(Vec::len).sum()
    }

    /// The two distinct slots `a` and `b`, mutably.
    pub(crate) fn pair_mut(&mut self, a: u32, b: u32) -> Option<(&mut T, &mut T)> {
        let (a, b) = (a as usize, b as usize);
        let ((chunk_a, offset_a), (chunk_b, offset_b)) =
            ((a / CHUNK, a % CHUNK), (b / CHUNK, b % CHUNK));
        if chunk_a == chunk_b {
            let chunk = self.chunks.get_mut(chunk_a)?;
            if offset_a < offset_b {
                let (low, high) = chunk.split_at_mut(offset_b);
                Some((low.get_mut(offset_a)?, high.first_mut()?))
            } else if offset_b < offset_a {
                let (low, high) = chunk.split_at_mut(offset_a);
                Some((high.first_mut()?, low.get_mut(offset_b)?))
            } else {
                None
            }
        } else if chunk_a < chunk_b {
            let (low, high) = self.chunks.split_at_mut(chunk_b);
            Some((
                low.get_mut(chunk_a)?.get_mut(offset_a)?,
                high.first_mut()?.get_mut(offset_b)?,
            ))
        } else {
            let (low, high) = self.chunks.split_at_mut(chunk_a);
            Some((
                high.first_mut()?.get_mut(offset_a)?,
                low.get_mut(chunk_b)?.get_mut(offset_b)?,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Arena;

    #[test]
    fn ids_are_dense_reused_and_chunks_bounded() {
        let mut arena: Arena<u64, 8> = Arena::default();
        let ids: Vec<u32> = (0..20u64).filter_map(|v| arena.alloc(v)).collect();
        assert_eq!(ids, (0..20).collect::<Vec<u32>>());
        assert!(arena.chunks.iter().all(|chunk| chunk.capacity() <= 8));
        assert_eq!(arena.get(13), Some(&13));
        arena.release(5);
        arena.release(17);
        assert_eq!((arena.live(), arena.released()), (18, 2));
        assert_eq!(arena.alloc(100), Some(17));
        assert_eq!(arena.alloc(101), Some(5));
        assert_eq!(arena.alloc(102), Some(20));
        assert_eq!(arena.get(5), Some(&101));
        for (a, b) in [(1u32, 6u32), (6, 1), (2, 12), (12, 2)] {
            let (x, y) = arena
                .pair_mut(a, b)
                .map(|(x, y)| (*x, *y))
                .unwrap_or((0, 0));
            assert_eq!((x, y), (u64::from(a), u64::from(b)));
        }
        assert!(arena.pair_mut(3, 3).is_none());
        assert!(arena.get(21).is_none());
    }
}
