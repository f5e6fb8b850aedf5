//! The tree's nodes: fixed-capacity arrays of elements (leaves) or of children with their
//! element counts and first elements (inner nodes), with the bounds-checked moves that
//! splitting, merging and rebalancing are made of. Lengths never exceed capacity; the moves
//! do nothing rather than panic if asked to leave the arrays.

use std::ops::Range;

use super::NIL;

pub(super) const LEAF_CAP: usize = 32;
pub(super) const LEAF_MIN: usize = LEAF_CAP / 2;
pub(super) const INNER_CAP: usize = 32;
pub(super) const INNER_MIN: usize = INNER_CAP / 2;

#[derive(Clone, Copy, Debug)]
pub(super) struct Leaf {
    pub(super) len: u32,
    pub(super) prev: u32,
    pub(super) next: u32,
    pub(super) scores: [f64; LEAF_CAP],
    pub(super) ids: [u32; LEAF_CAP],
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Inner {
    pub(super) len: u32,
    pub(super) children: [u32; INNER_CAP],
    pub(super) counts: [u32; INNER_CAP],
    pub(super) min_scores: [f64; INNER_CAP],
    pub(super) min_ids: [u32; INNER_CAP],
}

impl Leaf {
    pub(super) fn empty() -> Self {
        Leaf {
            len: 0,
            prev: NIL,
            next: NIL,
            scores: [0.0; LEAF_CAP],
            ids: [NIL; LEAF_CAP],
        }
    }

    pub(super) fn len(&self) -> usize {
        self.len as usize
    }

    /// Copies elements `range` of `other` into this leaf from `at` on.
    pub(super) fn copy_from(&mut self, at: usize, other: &Leaf, range: Range<usize>) {
        copy_range(&mut self.scores, at, &other.scores, range.clone());
        copy_range(&mut self.ids, at, &other.ids, range);
    }

    /// Moves elements `range` to start at `to`.
    pub(super) fn shift(&mut self, range: Range<usize>, to: usize) {
        shift_range(&mut self.scores, range.clone(), to);
        shift_range(&mut self.ids, range, to);
    }

    pub(super) fn first(&self) -> Option<(f64, u32)> {
        Some((*self.scores.first()?, *self.ids.first()?)).filter(|_| self.len > 0)
    }

    /// Opens a gap at `at` and stores the element there; the leaf must have room.
    pub(super) fn insert_at(&mut self, at: usize, score: f64, id: u32) {
        let len = self.len();
        if len >= LEAF_CAP || at > len {
            return;
        }
        self.shift(at..len, at + 1);
        if let (Some(s), Some(i)) = (self.scores.get_mut(at), self.ids.get_mut(at)) {
            (*s, *i) = (score, id);
        }
        self.len += 1;
    }

    pub(super) fn remove_at(&mut self, at: usize) {
        let len = self.len();
        if at >= len {
            return;
        }
        self.shift(at + 1..len, at);
        self.len -= 1;
    }
}

impl Inner {
    pub(super) fn empty() -> Self {
        Inner {
            len: 0,
            children: [NIL; INNER_CAP],
            counts: [0; INNER_CAP],
            min_scores: [0.0; INNER_CAP],
            min_ids: [NIL; INNER_CAP],
        }
    }

    pub(super) fn len(&self) -> usize {
        self.len as usize
    }

    /// Copies children `range` of `other` (with counts and minima) here from `at` on.
    pub(super) fn copy_from(&mut self, at: usize, other: &Inner, range: Range<usize>) {
        copy_range(&mut self.children, at, &other.children, range.clone());
        copy_range(&mut self.counts, at, &other.counts, range.clone());
        copy_range(&mut self.min_scores, at, &other.min_scores, range.clone());
        copy_range(&mut self.min_ids, at, &other.min_ids, range);
    }

    /// Moves children `range` (with counts and minima) to start at `to`.
    pub(super) fn shift(&mut self, range: Range<usize>, to: usize) {
        shift_range(&mut self.children, range.clone(), to);
        shift_range(&mut self.counts, range.clone(), to);
        shift_range(&mut self.min_scores, range.clone(), to);
        shift_range(&mut self.min_ids, range, to);
    }

    pub(super) fn total(&self) -> u32 {
        self.counts.iter().take(self.len()).sum()
    }

    /// Opens a gap at `at` for a child with its count and first element.
    pub(super) fn insert_at(&mut self, at: usize, child: u32, count: u32, min: (f64, u32)) {
        let len = self.len();
        if len >= INNER_CAP || at > len {
            return;
        }
        self.shift(at..len, at + 1);
        if let (Some(c), Some(n)) = (self.children.get_mut(at), self.counts.get_mut(at)) {
            (*c, *n) = (child, count);
        }
        self.set_min(at, min);
        self.len += 1;
    }

    pub(super) fn remove_at(&mut self, at: usize) {
        let len = self.len();
        if at >= len {
            return;
        }
        self.shift(at + 1..len, at);
        self.len -= 1;
    }

    pub(super) fn set_count(&mut self, at: usize, count: u32) {
        if let Some(slot) = self.counts.get_mut(at) {
            *slot = count;
        }
    }

    pub(super) fn min(&self, at: usize) -> Option<(f64, u32)> {
        Some((*self.min_scores.get(at)?, *self.min_ids.get(at)?))
    }

    pub(super) fn set_min(&mut self, at: usize, min: (f64, u32)) {
        if let (Some(score), Some(id)) = (self.min_scores.get_mut(at), self.min_ids.get_mut(at)) {
            (*score, *id) = min;
        }
    }
}

/// Copies `from[range]` into `to` at `at`. Node code keeps every range within capacity; one
/// that was not would copy nothing rather than panic.
fn copy_range<T: Copy>(to: &mut [T], at: usize, from: &[T], range: Range<usize>) {
    if let Some(source) = from.get(range) {
        if let Some(target) = to.get_mut(at..at + source.len()) {
            target.copy_from_slice(source);
        }
    }
}

/// `values.copy_within(range, to)`, doing nothing for out-of-bounds arguments.
fn shift_range<T: Copy>(values: &mut [T], range: Range<usize>, to: usize) {
    let fits = range.start <= range.end
        && range.end <= values.len()
        && to + (range.end - range.start) <= values.len();
    if fits {
        values.copy_within(range, to);
    }
}
