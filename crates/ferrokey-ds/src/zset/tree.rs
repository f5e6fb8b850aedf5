//! An order-statistics B+tree over `(score, id)` elements: the ordered half of a `skiplist`
//! sorted set. It replaces Redis's skiplist (same O(log n) search, rank and rank lookup) with
//! nodes that hold many elements each, so a search touches a few contiguous nodes rather than
//! one scattered node per step, and an element costs 12 bytes in its leaf.
//!
//! The tree never sees members: it stores each element's score and its member's `u32` id, and
//! every search takes a monotone predicate `before(score, id)` (true for a prefix of the
//! order, false afterwards) through which the caller compares members.
//!
//! Invariants:
//! - all leaves are at depth `height`; leaves are linked in order (`prev`/`next`) and, except
//!   the root, hold at least `LEAF_MIN` elements after a removal has rebalanced them (splits
//!   of the first or last leaf may leave it smaller, so appends fill leaves completely);
//! - an inner node's `counts[i]` is the number of elements under `children[i]`, and for
//!   `i >= 1` its `min_scores[i]`/`min_ids[i]` are those of the first element under
//!   `children[i]` (index 0's are unspecified); non-root inner nodes keep at least
//!   `INNER_MIN` children after a removal has rebalanced them;
//! - an empty tree has `root == NIL`; a non-empty root leaf may hold any number of elements.
//!
//! Node ids come from arenas whose `u32` ids cannot run out before the member ids of the
//! owning set do (every leaf holds at least one element), so a failed node allocation is
//! unreachable and is handled by leaving the tree unchanged.

use super::arena::Arena;
use node::{Inner, Leaf, INNER_CAP, INNER_MIN, LEAF_CAP, LEAF_MIN};

mod node;

pub(crate) const NIL: u32 = u32::MAX;
/// Every inner node but the root has at least two children, so the height is below 32 for
/// any tree whose element count fits in a `u32`.
const MAX_HEIGHT: usize = 32;

/// The number of indices in `0..n` for which `holds` is true, `holds` being true for a prefix.
fn count_true(n: usize, holds: impl Fn(usize) -> bool) -> usize {
    let (mut low, mut high) = (0, n);
    while low < high {
        let mid = low + (high - low) / 2;
        if holds(mid) {
            low = mid + 1;
        } else {
            high = mid;
        }
    }
    low
}

/// The inner nodes a descent passed through, root first, with the child index taken in each.
struct Path {
    steps: [(u32, usize); MAX_HEIGHT],
    depth: usize,
}

impl Path {
    fn new() -> Self {
        Path {
            steps: [(NIL, 0); MAX_HEIGHT],
            depth: 0,
        }
    }

    fn push(&mut self, node: u32, child: usize) {
        if let Some(step) = self.steps.get_mut(self.depth) {
            *step = (node, child);
            self.depth += 1;
        }
    }

    fn get(&self, depth: usize) -> Option<(u32, usize)> {
        self.steps.get(..self.depth)?.get(depth).copied()
    }
}

/// A node split in two: the left part keeps its place, `right` goes after it in the parent.
struct Split {
    left_count: u32,
    right: u32,
    right_count: u32,
    right_min: (f64, u32),
}

/// A position in the tree: an element's leaf and its index there.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cursor {
    leaf: u32,
    index: usize,
}

#[derive(Clone, Debug)]
pub(crate) struct Tree {
    /// Chunks of at most 14 KiB (see [`super::arena`]).
    leaves: Arena<Leaf, 35>,
    inners: Arena<Inner, 22>,
    root: u32,
    /// Levels of inner nodes above the leaves.
    height: usize,
    len: usize,
}

impl Default for Tree {
    fn default() -> Self {
        Tree {
            leaves: Arena::default(),
            inners: Arena::default(),
            root: NIL,
            height: 0,
            len: 0,
        }
    }
}

impl Tree {
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Walks to the leaf where the first element failing `before` is or would be, recording
    /// the inner nodes passed in `path`. Returns the leaf, the index in it and the number of
    /// elements satisfying `before`.
    fn descend(&self, before: impl Fn(f64, u32) -> bool, path: &mut Path) -> (u32, usize, usize) {
        let (mut node, mut rank) = (self.root, 0usize);
        for _ in 0..self.height {
            let Some(inner) = self.inners.get(node) else {
                return (NIL, 0, rank);
            };
            let separators = inner.len().saturating_sub(1);
            let child = count_true(separators, |i| {
                let min = inner.min_scores.get(i + 1).zip(inner.min_ids.get(i + 1));
                min.is_some_and(|(&score, &id)| before(score, id))
            });
            rank += inner
                .counts
                .iter()
                .take(child)
                .map(|&c| c as usize)
                .sum::<usize>();
            path.push(node, child);
            node = inner.children.get(child).copied().unwrap_or(NIL);
        }
        let Some(leaf) = self.leaves.get(node) else {
            return (NIL, 0, rank);
        };
        let at = count_true(leaf.len(), |i| {
            let element = leaf.scores.get(i).zip(leaf.ids.get(i));
            element.is_some_and(|(&score, &id)| before(score, id))
        });
        (node, at, rank + at)
    }

    /// The number of leading elements satisfying the monotone predicate `before`.
    pub(crate) fn count_prefix(&self, before: impl Fn(f64, u32) -> bool) -> usize {
        self.descend(before, &mut Path::new()).2
    }

    /// The element at 0-based ascending `position`.
    pub(crate) fn cursor_at(&self, position: usize) -> Option<Cursor> {
        if position >= self.len {
            return None;
        }
        let (mut node, mut remaining) = (self.root, position);
        for _ in 0..self.height {
            let inner = self.inners.get(node)?;
            let mut chosen = None;
            for (&count, &child) in inner.counts.iter().zip(&inner.children).take(inner.len()) {
                if remaining < count as usize {
                    chosen = Some(child);
                    break;
                }
                remaining -= count as usize;
            }
            node = chosen?;
        }
        let leaf = self.leaves.get(node)?;
        (remaining < leaf.len()).then_some(Cursor {
            leaf: node,
            index: remaining,
        })
    }

    /// The `(score, id)` at `cursor`.
    pub(crate) fn get(&self, cursor: Cursor) -> Option<(f64, u32)> {
        let leaf = self.leaves.get(cursor.leaf)?;
        if cursor.index >= leaf.len() {
            return None;
        }
        Some((
            *leaf.scores.get(cursor.index)?,
            *leaf.ids.get(cursor.index)?,
        ))
    }

    pub(crate) fn next(&self, cursor: Cursor) -> Option<Cursor> {
        let leaf = self.leaves.get(cursor.leaf)?;
        if cursor.index + 1 < leaf.len() {
            return Some(Cursor {
                index: cursor.index + 1,
                ..cursor
            });
        }
        let next = self.leaves.get(leaf.next)?;
        (next.len > 0).then_some(Cursor {
            leaf: leaf.next,
            index: 0,
        })
    }

    pub(crate) fn prev(&self, cursor: Cursor) -> Option<Cursor> {
        if cursor.index > 0 {
            return Some(Cursor {
                index: cursor.index - 1,
                ..cursor
            });
        }
        let leaf = self.leaves.get(cursor.leaf)?;
        let prev = self.leaves.get(leaf.prev)?;
        prev.len.checked_sub(1).map(|last| Cursor {
            leaf: leaf.prev,
            index: last as usize,
        })
    }

    /// Inserts `(score, id)`, which must not be present; `before` is "strictly before it".
    pub(crate) fn insert(&mut self, score: f64, id: u32, before: impl Fn(f64, u32) -> bool) {
        if self.root == NIL {
            let Some(leaf) = self.leaves.alloc(Leaf::empty()) else {
                return;
            };
            (self.root, self.height) = (leaf, 0);
        }
        let mut path = Path::new();
        let (leaf, at, _) = self.descend(before, &mut path);
        let Ok(mut carry) = self.insert_in_leaf(leaf, at, score, id) else {
            return;
        };
        self.len += 1;
        for depth in (0..path.depth).rev() {
            let Some((node, child)) = path.get(depth) else {
                continue;
            };
            carry = match carry {
                None => {
                    if let Some(count) = self
                        .inners
                        .get_mut(node)
                        .and_then(|n| n.counts.get_mut(child))
                    {
                        *count += 1;
                    }
                    None
                }
                Some(split) => self.insert_child(node, child, split),
            };
        }
        if let Some(split) = carry {
            let mut root = Inner::empty();
            root.insert_at(0, self.root, split.left_count, (0.0, NIL));
            root.insert_at(1, split.right, split.right_count, split.right_min);
            if let Some(root) = self.inners.alloc(root) {
                (self.root, self.height) = (root, self.height + 1);
            }
        }
    }

    /// Stores an element at `at` in `leaf_id`, splitting a full leaf. `Err` when a needed
    /// node could not be allocated (nothing changed).
    fn insert_in_leaf(
        &mut self,
        leaf_id: u32,
        at: usize,
        score: f64,
        id: u32,
    ) -> Result<Option<Split>, ()> {
        let leaf = self.leaves.get_mut(leaf_id).ok_or(())?;
        if leaf.len() < LEAF_CAP {
            leaf.insert_at(at, score, id);
            return Ok(None);
        }
        // Appending to the last leaf or prepending to the first keeps the full leaf whole, so
        // ascending or descending loads fill leaves completely.
        let mid = if leaf.next == NIL && at == LEAF_CAP {
            LEAF_CAP
        } else if leaf.prev == NIL && at == 0 {
            0
        } else {
            LEAF_CAP / 2
        };
        let mut right = Leaf::empty();
        right.len = (LEAF_CAP - mid) as u32;
        right.copy_from(0, leaf, mid..LEAF_CAP);
        (right.prev, right.next) = (leaf_id, leaf.next);
        let old_next = leaf.next;
        let right_id = self.leaves.alloc(right).ok_or(())?;
        let (leaf, right) = self.leaves.pair_mut(leaf_id, right_id).ok_or(())?;
        leaf.len = mid as u32;
        leaf.next = right_id;
        if at < mid || (at == mid && mid < LEAF_CAP) {
            leaf.insert_at(at, score, id);
        } else {
            right.insert_at(at - mid, score, id);
        }
        let split = Split {
            left_count: leaf.len,
            right: right_id,
            right_count: right.len,
            right_min: right.first().unwrap_or((score, id)),
        };
        if let Some(next) = self.leaves.get_mut(old_next) {
            next.prev = right_id;
        }
        Ok(Some(split))
    }

    /// Records that `children[child]` of `node` split; splits `node` in turn when full.
    fn insert_child(&mut self, node: u32, child: usize, split: Split) -> Option<Split> {
        let inner = self.inners.get_mut(node)?;
        if let Some(count) = inner.counts.get_mut(child) {
            *count = split.left_count;
        }
        if inner.len() < INNER_CAP {
            inner.insert_at(child + 1, split.right, split.right_count, split.right_min);
            return None;
        }
        let mid = INNER_CAP / 2;
        let mut right = Inner::empty();
        let moved = INNER_CAP - mid;
        right.len = moved as u32;
        right.copy_from(0, inner, mid..INNER_CAP);
        inner.len = mid as u32;
        if child < mid {
            inner.insert_at(child + 1, split.right, split.right_count, split.right_min);
        } else {
            right.insert_at(
                child + 1 - mid,
                split.right,
                split.right_count,
                split.right_min,
            );
        }
        let left_count = inner.total();
        let right_min = right.min(0)?;
        let right_count = right.total();
        let right = self.inners.alloc(right)?;
        Some(Split {
            left_count,
            right,
            right_count,
            right_min,
        })
    }

    /// Finds `(score, id)`: its leaf, its index there and the path to the leaf. `before` is
    /// "strictly before it".
    fn locate(
        &self,
        score: f64,
        id: u32,
        before: impl Fn(f64, u32) -> bool,
    ) -> Option<(u32, usize, Path)> {
        let mut path = Path::new();
        // Usually the element is found by its score alone, among the equal scores of one leaf,
        // which spares reading members to compare them.
        let (leaf_id, start, _) = self.descend(|s, _| s < score, &mut path);
        let leaf = self.leaves.get(leaf_id)?;
        let run = leaf
            .scores
            .iter()
            .zip(&leaf.ids)
            .take(leaf.len())
            .skip(start);
        let mut run = run.take_while(|(&s, _)| s == score);
        if let Some(offset) = run.position(|(_, &i)| i == id) {
            return Some((leaf_id, start + offset, path));
        }
        // Descending with "at or before it" (ids are unique) reaches the leaf holding the
        // element even when it is some subtree's minimum, as the last one counted.
        path = Path::new();
        let (leaf_id, counted, _) = self.descend(|s, i| i == id || before(s, i), &mut path);
        let at = counted.checked_sub(1)?;
        let leaf = self.leaves.get(leaf_id)?;
        (leaf.ids.get(at) == Some(&id)).then_some((leaf_id, at, path))
    }

    /// Removes `(score, id)`; `before` is "strictly before it". Returns whether it was there.
    pub(crate) fn remove(
        &mut self,
        score: f64,
        id: u32,
        before: impl Fn(f64, u32) -> bool,
    ) -> bool {
        match self.locate(score, id, before) {
            Some((leaf_id, at, path)) => self.remove_found(leaf_id, at, &path),
            None => false,
        }
    }

    /// Moves element `id` from `old_score` to `new_score`; `before_old` and `before_new` are
    /// "strictly before it" with either score. Like Redis's `zslUpdateScore`, an element that
    /// stays between its neighbours (a small ZINCRBY, say) only has its score rewritten.
    pub(crate) fn update(
        &mut self,
        old_score: f64,
        id: u32,
        new_score: f64,
        before_old: impl Fn(f64, u32) -> bool,
        before_new: impl Fn(f64, u32) -> bool,
    ) {
        let Some((leaf_id, at, path)) = self.locate(old_score, id, before_old) else {
            return;
        };
        if let Some(leaf) = self.leaves.get_mut(leaf_id) {
            // Not at either end of the leaf: its first element is some inner node's key, and
            // the neighbour past the last is in another leaf.
            let neighbours = at
                .checked_sub(1)
                .filter(|_| at + 1 < leaf.len())
                .and_then(|prev| {
                    let prev = (*leaf.scores.get(prev)?, *leaf.ids.get(prev)?);
                    let next = (*leaf.scores.get(at + 1)?, *leaf.ids.get(at + 1)?);
                    Some((prev, next))
                });
            if let Some(((prev_score, prev_id), (next_score, next_id))) = neighbours {
                if before_new(prev_score, prev_id) && !before_new(next_score, next_id) {
                    if let Some(score) = leaf.scores.get_mut(at) {
                        *score = new_score;
                    }
                    return;
                }
            }
        }
        self.remove_found(leaf_id, at, &path);
        self.insert(new_score, id, before_new);
    }

    /// Removes the element at `at` in `leaf_id`, reached through `path`.
    fn remove_found(&mut self, leaf_id: u32, at: usize, path: &Path) -> bool {
        let Some(leaf) = self.leaves.get_mut(leaf_id) else {
            return false;
        };
        leaf.remove_at(at);
        // The new first element of the subtrees that started with the removed one: the leaf's
        // next, or if that was its last, the following leaf's first.
        let after = leaf.next;
        let new_first = leaf
            .first()
            .or_else(|| self.leaves.get(after).and_then(Leaf::first));
        self.len -= 1;
        let mut min_fixed = at != 0;
        for depth in (0..path.depth).rev() {
            let Some((node, child)) = path.get(depth) else {
                continue;
            };
            let Some(inner) = self.inners.get_mut(node) else {
                continue;
            };
            if let Some(count) = inner.counts.get_mut(child) {
                *count -= 1;
            }
            // The leaf's first element changed: the lowest ancestor holding it as a child's
            // minimum must follow.
            if !min_fixed && child > 0 {
                if let Some(first) = new_first {
                    inner.set_min(child, first);
                }
                min_fixed = true;
            }
        }
        self.rebalance(path);
        true
    }

    /// After a removal: merges or refills the underfull nodes along `path`, bottom-up, and
    /// drops a root left with a single child.
    fn rebalance(&mut self, path: &Path) {
        for depth in (0..path.depth).rev() {
            let Some((parent, child)) = path.get(depth) else {
                break;
            };
            let children_are_leaves = depth + 1 == self.height;
            let merged = if children_are_leaves {
                self.rebalance_leaf(parent, child)
            } else {
                self.rebalance_inner(parent, child)
            };
            if !merged {
                break;
            }
            let parent_len = self.inners.get(parent).map_or(0, Inner::len);
            if depth > 0 && parent_len >= INNER_MIN {
                break;
            }
        }
        while self.height > 0 {
            let Some(root) = self.inners.get(self.root) else {
                break;
            };
            if root.len() != 1 {
                break;
            }
            let Some(&only_child) = root.children.first() else {
                break;
            };
            self.inners.release(self.root);
            (self.root, self.height) = (only_child, self.height - 1);
        }
        if self.height == 0 && self.len == 0 && self.root != NIL {
            self.leaves.release(self.root);
            self.root = NIL;
        }
    }

    /// The pair of adjacent children of `parent` to rebalance `children[child]` with: its left
    /// neighbour when it has one.
    fn sibling_pair(&self, parent: u32, child: usize) -> Option<(usize, u32, u32)> {
        let inner = self.inners.get(parent)?;
        if inner.len() < 2 {
            return None;
        }
        let left_at = child.saturating_sub(1).min(inner.len() - 2);
        Some((
            left_at,
            *inner.children.get(left_at)?,
            *inner.children.get(left_at + 1)?,
        ))
    }

    /// Merges or evens out the leaf `children[child]` of `parent` with a sibling if it holds
    /// fewer than `LEAF_MIN` elements. Returns whether `parent` lost a child.
    fn rebalance_leaf(&mut self, parent: u32, child: usize) -> bool {
        let underfull = self
            .inners
            .get(parent)
            .and_then(|p| p.children.get(child))
            .and_then(|&leaf| self.leaves.get(leaf))
            .is_some_and(|leaf| leaf.len() < LEAF_MIN);
        if !underfull {
            return false;
        }
        let Some((left_at, left_id, right_id)) = self.sibling_pair(parent, child) else {
            return false;
        };
        let Some((left, right)) = self.leaves.pair_mut(left_id, right_id) else {
            return false;
        };
        let (left_len, right_len) = (left.len(), right.len());
        let total = left_len + right_len;
        if total <= LEAF_CAP {
            left.copy_from(left_len, right, 0..right_len);
            left.len = total as u32;
            left.next = right.next;
            let after = right.next;
            right.len = 0;
            if let Some(after) = self.leaves.get_mut(after) {
                after.prev = left_id;
            }
            self.leaves.release(right_id);
            if let Some(inner) = self.inners.get_mut(parent) {
                inner.set_count(left_at, total as u32);
                inner.remove_at(left_at + 1);
            }
            return true;
        }
        let new_left_len = total / 2;
        if left_len > new_left_len {
            let moved = left_len - new_left_len;
            right.shift(0..right_len, moved);
            right.copy_from(0, left, new_left_len..left_len);
        } else {
            let moved = new_left_len - left_len;
            left.copy_from(left_len, right, 0..moved);
            right.shift(moved..right_len, 0);
        }
        left.len = new_left_len as u32;
        right.len = (total - new_left_len) as u32;
        let right_min = right.first();
        if let (Some(inner), Some(min)) = (self.inners.get_mut(parent), right_min) {
            inner.set_count(left_at, new_left_len as u32);
            inner.set_count(left_at + 1, (total - new_left_len) as u32);
            inner.set_min(left_at + 1, min);
        }
        false
    }

    /// As [`Tree::rebalance_leaf`], for an inner child with fewer than `INNER_MIN` children.
    fn rebalance_inner(&mut self, parent: u32, child: usize) -> bool {
        let underfull = self
            .inners
            .get(parent)
            .and_then(|p| p.children.get(child))
            .and_then(|&node| self.inners.get(node))
            .is_some_and(|node| node.len() < INNER_MIN);
        if !underfull {
            return false;
        }
        let Some((left_at, left_id, right_id)) = self.sibling_pair(parent, child) else {
            return false;
        };
        let Some(parent_node) = self.inners.get(parent) else {
            return false;
        };
        let Some(right_min) = parent_node.min(left_at + 1) else {
            return false;
        };
        let Some((left, right)) = self.inners.pair_mut(left_id, right_id) else {
            return false;
        };
        // The right node's first child's minimum is only known to the parent.
        right.set_min(0, right_min);
        let (left_len, right_len) = (left.len(), right.len());
        let total = left_len + right_len;
        if total <= INNER_CAP {
            left.copy_from(left_len, right, 0..right_len);
            left.len = total as u32;
            let count = left.total();
            right.len = 0;
            self.inners.release(right_id);
            if let Some(inner) = self.inners.get_mut(parent) {
                inner.set_count(left_at, count);
                inner.remove_at(left_at + 1);
            }
            return true;
        }
        let new_left_len = total / 2;
        if left_len > new_left_len {
            let moved = left_len - new_left_len;
            right.shift(0..right_len, moved);
            right.copy_from(0, left, new_left_len..left_len);
        } else {
            let moved = new_left_len - left_len;
            left.copy_from(left_len, right, 0..moved);
            right.shift(moved..right_len, 0);
        }
        left.len = new_left_len as u32;
        right.len = (total - new_left_len) as u32;
        let (left_count, right_count) = (left.total(), right.total());
        let Some(new_right_min) = right.min(0) else {
            return false;
        };
        if let Some(inner) = self.inners.get_mut(parent) {
            inner.set_count(left_at, left_count);
            inner.set_count(left_at + 1, right_count);
            inner.set_min(left_at + 1, new_right_min);
        }
        false
    }
}

#[cfg(test)]
mod tests;
