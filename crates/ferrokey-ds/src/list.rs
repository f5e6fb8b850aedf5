//! A list value: one listpack while it is small, a quicklist of listpacks beyond
//! `list-max-listpack-size`, converting both ways at Valkey 8.1's thresholds (see the
//! conversion methods). OBJECT ENCODING reports `listpack` or `quicklist`.

use crate::listpack::{Entry, Listpack};
use crate::quicklist::{exceeds_limit, node_limits, Iter, ListLimits, Quicklist};

/// Which end of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    Head,
    Tail,
}

/// A list value in either of its encodings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum List {
    Packed(Listpack),
    Quick(Quicklist),
}

impl Default for List {
    fn default() -> Self {
        List::new()
    }
}

impl List {
    pub fn new() -> List {
        List::Packed(Listpack::new())
    }

    /// The name `OBJECT ENCODING` reports.
    pub fn encoding_name(&self) -> &'static str {
        match self {
            List::Packed(_) => "listpack",
            List::Quick(_) => "quicklist",
        }
    }

    pub fn len(&self) -> usize {
        match self {
            List::Packed(listpack) => listpack.len(),
            List::Quick(quicklist) => quicklist.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Heap and inline bytes held, including spare capacity.
    pub fn allocated_bytes(&self) -> usize {
        match self {
            List::Packed(listpack) => std::mem::size_of::<List>() + listpack.allocated_bytes(),
            List::Quick(quicklist) => {
                std::mem::size_of::<List>() - std::mem::size_of::<Quicklist>()
                    + quicklist.allocated_bytes()
            }
        }
    }

    /// Drops the decompressed copies of compressed quicklist nodes that reads
    /// (`get`, `iter`, `iter_from`) made; every mutation also does this.
    /// Calling it after a read-only command gives that memory back at once.
    pub fn release_decompressed(&mut self) {
        if let List::Quick(quicklist) = self {
            quicklist.release_decompressed();
        }
    }

    /// Before adding `added_count` values of `added_bytes` raw bytes: becomes
    /// a quicklist if the listpack would outgrow one node (`listTypeTryConvertListpack`).
    pub fn convert_for_growth(
        &mut self,
        added_bytes: usize,
        added_count: usize,
        limits: ListLimits,
    ) {
        if let List::Packed(listpack) = self {
            let fill = limits.max_listpack_size;
            if exceeds_limit(
                fill,
                listpack.total_bytes() + added_bytes,
                listpack.len() + added_count,
            ) {
                let listpack = std::mem::take(listpack);
                *self = List::Quick(Quicklist::from_listpack(listpack, limits));
            }
        }
    }

    /// After removals: a one-node quicklist within half the limits becomes a
    /// listpack again (`listTypeTryConvertQuicklist`, shrinking).
    pub fn convert_for_shrink(&mut self, limits: ListLimits) {
        let List::Quick(quicklist) = self else {
            return;
        };
        let Some(listpack) = quicklist.single_packed() else {
            return;
        };
        let (size_limit, count_limit) = node_limits(limits.max_listpack_size);
        if listpack.total_bytes() > size_limit / 2 || quicklist.len() > count_limit / 2 {
            return;
        }
        let mut listpack = listpack.clone();
        listpack.shrink_to_fit();
        *self = List::Packed(listpack);
    }

    /// LPUSH/RPUSH: pushes each value in turn at `end`.
    pub fn push(&mut self, end: End, values: &[&[u8]], limits: ListLimits) {
        let added_bytes = values.iter().map(|value| value.len()).sum();
        self.convert_for_growth(added_bytes, values.len(), limits);
        for value in values {
            match (&mut *self, end) {
                (List::Packed(listpack), End::Head) => listpack.push_front(value),
                (List::Packed(listpack), End::Tail) => listpack.push_back(value),
                (List::Quick(quicklist), End::Head) => quicklist.push_front(value),
                (List::Quick(quicklist), End::Tail) => quicklist.push_back(value),
            }
        }
    }

    /// Pops up to `count` values from `end`.
    pub fn pop(&mut self, end: End, count: usize, limits: ListLimits) -> Vec<Vec<u8>> {
        let mut popped = Vec::with_capacity(count.min(self.len()));
        while popped.len() < count {
            let value = match (&mut *self, end) {
                (List::Packed(listpack), End::Head) => listpack.pop_front(),
                (List::Packed(listpack), End::Tail) => listpack.pop_back(),
                (List::Quick(quicklist), End::Head) => quicklist.pop_front(),
                (List::Quick(quicklist), End::Tail) => quicklist.pop_back(),
            };
            match value {
                Some(value) => popped.push(value),
                None => break,
            }
        }
        self.convert_for_shrink(limits);
        popped
    }

    /// LINDEX: negative indices count from the tail.
    pub fn get(&self, index: i64) -> Option<Entry<'_>> {
        match self {
            List::Packed(listpack) => listpack.get(index),
            List::Quick(quicklist) => quicklist.get(index),
        }
    }

    pub fn iter(&self) -> Iter<'_> {
        self.iter_from(0, false)
    }

    /// Entries from `index` towards the tail, or towards the head when
    /// `reverse` (LRANGE, LPOS with negative RANK).
    pub fn iter_from(&self, index: usize, reverse: bool) -> Iter<'_> {
        match self {
            List::Quick(quicklist) => quicklist.iter_from(index, reverse),
            List::Packed(listpack) if index < listpack.len() => {
                let (before, after) = listpack.iter_split(if reverse { index + 1 } else { index });
                Iter::over_listpack(if reverse { before } else { after }, reverse)
            }
            List::Packed(_) => Iter::empty(),
        }
    }

    /// Position of the first entry equal to `value`, from the head.
    pub fn position_of(&self, value: &[u8]) -> Option<usize> {
        self.iter().position(|entry| entry.eq_bytes(value))
    }

    /// Inserts `value` before or after entry `index`; false when out of range.
    pub fn insert(&mut self, index: usize, value: &[u8], after: bool, limits: ListLimits) -> bool {
        if index >= self.len() {
            return false;
        }
        self.convert_for_growth(value.len(), 1, limits);
        match self {
            List::Packed(listpack) => listpack.insert(if after { index + 1 } else { index }, value),
            List::Quick(quicklist) => quicklist.insert(index, value, after),
        }
    }

    /// LINSERT: inserts next to the first entry equal to `pivot`; false when
    /// there is no such entry.  Like Valkey, the growth conversion happens
    /// before the pivot is searched, so it applies even when none is found.
    pub fn insert_at_pivot(
        &mut self,
        pivot: &[u8],
        value: &[u8],
        after: bool,
        limits: ListLimits,
    ) -> bool {
        self.convert_for_growth(value.len(), 1, limits);
        match self.position_of(pivot) {
            Some(index) => match self {
                List::Packed(listpack) => {
                    listpack.insert(if after { index + 1 } else { index }, value)
                }
                List::Quick(quicklist) => quicklist.insert(index, value, after),
            },
            None => false,
        }
    }

    /// LSET: false when `index` is out of range.
    pub fn set(&mut self, index: i64, value: &[u8], limits: ListLimits) -> bool {
        if self.get(index).is_none() {
            return false;
        }
        self.convert_for_growth(value.len(), 1, limits);
        let replaced = match self {
            List::Packed(listpack) => listpack.replace(index, value),
            List::Quick(quicklist) => quicklist.replace(index, value),
        };
        self.convert_for_shrink(limits);
        replaced
    }

    /// LREM semantics for `count`; returns how many entries were removed.
    pub fn remove_matching(&mut self, value: &[u8], count: i64, limits: ListLimits) -> usize {
        let removed = match self {
            List::Packed(listpack) => {
                let limit = (count != 0)
                    .then(|| usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX));
                listpack.remove_matching(value, limit, count < 0)
            }
            List::Quick(quicklist) => quicklist.remove_matching(value, count),
        };
        // Valkey only re-checks the encoding when something was removed.
        if removed > 0 {
            self.convert_for_shrink(limits);
        }
        removed
    }

    /// LTRIM: keeps entries `start..=stop` (Redis index rules: negatives
    /// count from the tail, out-of-range bounds are clamped).
    pub fn trim(&mut self, start: i64, stop: i64, limits: ListLimits) {
        let len = i64::try_from(self.len()).unwrap_or(i64::MAX);
        let start = if start < 0 {
            (len + start).max(0)
        } else {
            start
        };
        let stop = if stop < 0 { len + stop } else { stop };
        let (remove_head, remove_tail) = if start > stop || start >= len {
            (len, 0)
        } else {
            let stop = stop.min(len - 1);
            (start, len - stop - 1)
        };
        let remove_head = usize::try_from(remove_head).unwrap_or(0);
        let remove_tail = usize::try_from(remove_tail).unwrap_or(0);
        match self {
            List::Packed(listpack) => {
                listpack.remove_range(0, remove_head);
                let kept = listpack.len() - remove_tail.min(listpack.len());
                listpack.remove_range(kept, remove_tail);
            }
            List::Quick(quicklist) => {
                quicklist.delete_range(0, remove_head);
                if remove_tail > 0 {
                    let from = -i64::try_from(remove_tail).unwrap_or(i64::MAX);
                    quicklist.delete_range(from, remove_tail);
                }
            }
        }
        self.convert_for_shrink(limits);
    }
}
