//! The quicklist operations that work inside the list rather than at its
//! ends (LINSERT, LSET, LTRIM/range deletion, LREM), with the node splits
//! and merges they need.  Each decompresses only the nodes it changes and
//! ends with `settle`, which compresses again whatever is an inner node.

use super::node::Node;
use super::{allows_insert, allows_merge, is_large_element, single_node, Quicklist};
use crate::listpack::Listpack;

impl Quicklist {
    /// Merges nodes[i+1] into nodes[i].
    fn merge_pair(&mut self, first: usize) {
        let Some(mut second) = self.nodes.remove(first + 1) else {
            return;
        };
        second.decompress();
        if let (Node::Packed(second), Some(target)) = (second, self.packed_mut(first)) {
            target.append(&second);
        }
    }

    fn can_merge(&self, first: usize) -> bool {
        match (self.nodes.get(first), self.nodes.get(first + 1)) {
            (Some(a), Some(b)) => allows_merge(a, b, self.fill),
            _ => false,
        }
    }

    /// `_quicklistMergeNodes`: try prev_prev+prev, next+next_next, then
    /// center with its neighbours.
    fn merge_around(&mut self, mut center: usize) {
        if center >= 2 && self.can_merge(center - 2) {
            self.merge_pair(center - 2);
            center -= 1;
        }
        if self.can_merge(center + 1) {
            self.merge_pair(center + 1);
        }
        let target = if center >= 1 && self.can_merge(center - 1) {
            self.merge_pair(center - 1);
            center - 1
        } else {
            center
        };
        if self.can_merge(target) {
            self.merge_pair(target);
        }
    }

    /// Splits the packed node at `position` around `offset`: with `after` the
    /// node keeps `..=offset` and the rest is returned; otherwise the node
    /// keeps `offset..` and the part before is returned.
    fn split_node(&mut self, position: usize, offset: usize, after: bool) -> Listpack {
        let Some(listpack) = self.packed_mut(position) else {
            return Listpack::new();
        };
        if after {
            listpack.split_off(offset + 1)
        } else {
            let rest = listpack.split_off(offset);
            std::mem::replace(listpack, rest)
        }
    }

    /// Inserts `value` before or after entry `index` (`_quicklistInsert`).
    /// Returns false when `index` is out of range.
    pub fn insert(&mut self, index: usize, value: &[u8], after: bool) -> bool {
        if index >= self.count {
            return false;
        }
        self.release_decompressed();
        let position = self.insert_unsettled(index, value, after);
        self.settle(position.saturating_sub(2)..position + 4, 2);
        true
    }

    /// `insert` without the compression fix-up; returns the position of the
    /// node that held entry `index`.  Every node the insert changed or
    /// created lies within two positions before it and three after.
    fn insert_unsettled(&mut self, index: usize, value: &[u8], after: bool) -> usize {
        let fill = self.fill;
        let (position, offset) = self.locate(index);
        let node = &self.nodes[position];
        let node_len = node.len();
        let is_plain = node.is_plain();
        let full = !allows_insert(Some(node), fill, value.len());
        let at_tail = after && offset == node_len - 1;
        let at_head = !after && offset == 0;
        let neighbour_free = if at_tail {
            allows_insert(self.nodes.get(position + 1), fill, value.len())
        } else if at_head && position > 0 {
            allows_insert(self.nodes.get(position - 1), fill, value.len())
        } else {
            false
        };
        let new_at = if after { position + 1 } else { position };
        self.count += 1;
        if is_large_element(value.len(), fill) {
            if is_plain || at_tail || at_head {
                self.nodes.insert(new_at, Node::Plain(value.to_vec()));
            } else {
                let split = self.split_node(position, offset, after);
                let plain = Node::Plain(value.to_vec());
                if after {
                    self.nodes.insert(position + 1, plain);
                    self.nodes.insert(position + 2, Node::Packed(split));
                } else {
                    self.nodes.insert(position, Node::Packed(split));
                    self.nodes.insert(position + 1, plain);
                }
            }
            return position;
        }
        if !full {
            if let Some(listpack) = self.packed_mut(position) {
                listpack.insert(if after { offset + 1 } else { offset }, value);
            }
        } else if (at_tail || at_head) && neighbour_free {
            let neighbour = if after { position + 1 } else { position - 1 };
            if let Some(listpack) = self.packed_mut(neighbour) {
                if after {
                    listpack.push_front(value);
                } else {
                    listpack.push_back(value);
                }
            }
        } else if at_tail || at_head {
            self.nodes.insert(new_at, single_node(value, fill));
        } else {
            let mut split = self.split_node(position, offset, after);
            if after {
                split.push_front(value);
            } else {
                split.push_back(value);
            }
            self.nodes.insert(new_at, Node::Packed(split));
            self.merge_around(if after { position } else { position + 1 });
        }
        position
    }

    /// Replaces entry `index` (negative counts from the tail), following
    /// `quicklistReplaceEntry`.  Returns false when out of range.
    pub fn replace(&mut self, index: i64, value: &[u8]) -> bool {
        let Some(resolved) = self.resolve_index(index) else {
            return false;
        };
        self.release_decompressed();
        let (position, offset) = self.locate(resolved);
        let replaced = self.replace_unsettled(resolved, position, offset, value);
        self.settle(position.saturating_sub(2)..position + 4, 2);
        replaced
    }

    fn replace_unsettled(
        &mut self,
        resolved: usize,
        position: usize,
        offset: usize,
        value: &[u8],
    ) -> bool {
        let fill = self.fill;
        let large = is_large_element(value.len(), fill);
        match self.raw_node_mut(position) {
            Some(Node::Plain(bytes)) if large => {
                *bytes = value.to_vec();
                return true;
            }
            Some(Node::Plain(_)) => {
                self.insert_unsettled(resolved, value, true);
                self.nodes.remove(position);
                self.count -= 1;
                return true;
            }
            // In place whenever the value is not large, even if the node
            // then outgrows its limit (as Redis 7.2+ does).
            Some(Node::Packed(listpack)) if !large => {
                return listpack.replace(i64::try_from(offset).unwrap_or(i64::MAX), value);
            }
            Some(Node::Packed(_)) => {}
            Some(Node::Compressed(_)) | None => return false,
        }
        // Large value in a packed node: it gets a plain node of its own
        // right after the replaced one, which is then dropped.
        let node_len = self.nodes[position].len();
        if offset != node_len - 1 {
            let split = self.split_node(position, offset, true);
            self.nodes.insert(position + 1, Node::Packed(split));
        }
        self.nodes.insert(position + 1, single_node(value, fill));
        if self.nodes[position].len() == 1 {
            self.nodes.remove(position);
        } else {
            if let Some(listpack) = self.packed_mut(position) {
                listpack.pop_back();
            }
            self.merge_around(position + 1);
        }
        true
    }

    /// Deletes up to `count` entries starting at `start` (negative counts
    /// from the tail), as `quicklistDelRange`.  Returns how many went.
    /// Whole nodes go without being decompressed.
    pub fn delete_range(&mut self, start: i64, count: usize) -> usize {
        let Some(start) = self.resolve_index(start) else {
            return 0;
        };
        self.release_decompressed();
        let count = count.min(self.count - start);
        let (first_position, mut offset) = self.locate(start);
        let mut position = first_position;
        let mut left = count;
        while left > 0 && position < self.nodes.len() {
            let node_len = self.nodes[position].len();
            let here = left.min(node_len - offset);
            if here == node_len {
                self.nodes.remove(position);
            } else {
                if let Some(listpack) = self.packed_mut(position) {
                    listpack.remove_range(offset, here);
                }
                position += 1;
            }
            left -= here;
            offset = 0;
        }
        self.count -= count;
        // Only the first and last nodes of the range can remain, changed.
        self.settle(first_position..first_position + 2, 0);
        count
    }

    /// LREM: removes entries equal to `value`; `count` > 0 removes at most
    /// that many from the head, < 0 from the tail, 0 all.
    pub fn remove_matching(&mut self, value: &[u8], count: i64) -> usize {
        self.release_decompressed();
        let from_tail = count < 0;
        let mut budget = usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX);
        let unlimited = count == 0;
        let mut removed = 0;
        let positions: Vec<usize> = if from_tail {
            (0..self.nodes.len()).rev().collect()
        } else {
            (0..self.nodes.len()).collect()
        };
        for position in positions {
            if !unlimited && budget == 0 {
                break;
            }
            let limit = if unlimited { None } else { Some(budget) };
            let here = self.remove_matching_in(position, value, limit, from_tail);
            budget = budget.saturating_sub(here);
            removed += here;
        }
        // Emptied nodes (including matched plain ones) go; no merging, as Redis.
        self.nodes.retain(|node| node.len() > 0);
        self.count -= removed;
        self.settle(0..0, 0);
        removed
    }

    /// LREM within one node.  A compressed node is searched in a raw copy,
    /// so it keeps its stored form when nothing in it matches; a node that
    /// changed is compressed again at once if it is an inner node.
    fn remove_matching_in(
        &mut self,
        position: usize,
        value: &[u8],
        limit: Option<usize>,
        from_tail: bool,
    ) -> usize {
        let inner = self.is_inner(position);
        let Some(node) = self.nodes.get_mut(position) else {
            return 0;
        };
        // A plain node can only match a value of its exact size.
        if node.is_plain() && node.size_bytes() != value.len() {
            return 0;
        }
        if node.is_compressed() {
            let mut raw = node.to_raw();
            let here = remove_matching_raw(&mut raw, value, limit, from_tail);
            if here > 0 {
                *node = raw;
            }
            if here > 0 && inner {
                node.compress();
            }
            here
        } else {
            let here = remove_matching_raw(node, value, limit, from_tail);
            if here > 0 && inner {
                node.compress();
            }
            here
        }
    }
}

/// LREM within a raw node; a matched plain node becomes an empty listpack,
/// which the caller then drops.
fn remove_matching_raw(
    node: &mut Node,
    value: &[u8],
    limit: Option<usize>,
    from_tail: bool,
) -> usize {
    match node {
        Node::Packed(listpack) => listpack.remove_matching(value, limit, from_tail),
        Node::Plain(bytes) if bytes.as_slice() == value => {
            *node = Node::Packed(Listpack::new());
            1
        }
        _ => 0,
    }
}
