//! List values: a quicklist (a deque of listpack nodes, big elements in
//! "plain" nodes of their own) and [`List`], which keeps a small list as a
//! single [`Listpack`] and converts between the two the way Valkey 8.1's
//! `listTypeTryConversion` does, so `OBJECT ENCODING` reports the same name.
//!
//! Node sizing follows `list-max-listpack-size` ("fill"): -1..-5 cap a node
//! at 4/8/16/32/64 KiB of listpack bytes (values below -5 act as -5);
//! a positive value caps entries per node (0 acts as 1) while an 8 KiB safety
//! limit still applies.  An element larger than a node may hold is "large"
//! and gets a plain node.  Pushes, inserts, splits and merges follow Redis's
//! quicklist rules closely, because the number of nodes decides whether a
//! shrinking list converts back to a listpack.
//!
//! Not implemented: `list-compress-depth` (LZF compression of inner nodes);
//! nodes are never compressed.  A quicklist keeps the fill it was created
//! with, as Redis does; conversions use the limits passed to each call.
//!
//! Invariants: no node is empty; `count` is the sum of node lengths.

use std::collections::VecDeque;

use crate::listpack::{self, Entry, Listpack};

/// Byte limits of negative fills -1..-5 (Redis `optimization_level`).
const NEGATIVE_FILL_SIZES: [usize; 5] = [4096, 8192, 16384, 32768, 65536];
/// Positive (count-based) fills still keep nodes within this many bytes.
const SIZE_SAFETY_LIMIT: usize = 8192;
/// Redis's over-estimate of one entry's overhead when checking for room.
const SIZE_ESTIMATE_OVERHEAD: usize = 8;

/// `list-max-listpack-size`, passed to every call that may convert a [`List`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListLimits {
    pub max_listpack_size: i64,
}

impl Default for ListLimits {
    fn default() -> Self {
        ListLimits {
            max_listpack_size: -2,
        }
    }
}

/// (byte limit, entry limit) of a node; `usize::MAX` means unlimited.
pub(crate) fn node_limits(fill: i64) -> (usize, usize) {
    if fill >= 0 {
        (
            usize::MAX,
            usize::try_from(fill.max(1)).unwrap_or(usize::MAX),
        )
    } else {
        let level = usize::try_from(fill.unsigned_abs() - 1).unwrap_or(usize::MAX);
        let size = NEGATIVE_FILL_SIZES[level.min(NEGATIVE_FILL_SIZES.len() - 1)];
        (size, usize::MAX)
    }
}

pub(crate) fn exceeds_limit(fill: i64, bytes: usize, count: usize) -> bool {
    let (size_limit, count_limit) = node_limits(fill);
    if size_limit != usize::MAX {
        bytes > size_limit
    } else {
        bytes > SIZE_SAFETY_LIMIT || count > count_limit
    }
}

/// Whether an element of `len` bytes must live in a plain node.
fn is_large_element(len: usize, fill: i64) -> bool {
    if fill >= 0 {
        len > SIZE_SAFETY_LIMIT
    } else {
        len > node_limits(fill).0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Packed(Listpack),
    Plain(Vec<u8>),
}

impl Node {
    fn len(&self) -> usize {
        match self {
            Node::Packed(listpack) => listpack.len(),
            Node::Plain(_) => 1,
        }
    }

    /// Redis's `node->sz`.
    fn size_bytes(&self) -> usize {
        match self {
            Node::Packed(listpack) => listpack.total_bytes(),
            Node::Plain(bytes) => bytes.len(),
        }
    }

    fn single(value: &[u8], fill: i64) -> Node {
        if is_large_element(value.len(), fill) {
            Node::Plain(value.to_vec())
        } else {
            let mut listpack = Listpack::new();
            listpack.push_back(value);
            Node::Packed(listpack)
        }
    }

    /// Entries `from..` (forward) or `..=from` (reverse, nearest first).
    fn iter_at(&self, from: usize, reverse: bool) -> NodeIter<'_> {
        match self {
            Node::Packed(listpack) => {
                let (before, after) = listpack.iter_split(if reverse { from + 1 } else { from });
                NodeIter::Packed(if reverse { before } else { after })
            }
            Node::Plain(bytes) => NodeIter::Plain(Some(bytes)),
        }
    }

    fn iter_all(&self, reverse: bool) -> NodeIter<'_> {
        self.iter_at(if reverse { self.len() - 1 } else { 0 }, reverse)
    }
}

/// Whether a value of `len` bytes may join `node` (`_quicklistNodeAllowInsert`).
fn allows_insert(node: Option<&Node>, fill: i64, len: usize) -> bool {
    match node {
        Some(Node::Packed(listpack)) if !is_large_element(len, fill) => !exceeds_limit(
            fill,
            listpack.total_bytes() + len + SIZE_ESTIMATE_OVERHEAD,
            listpack.len() + 1,
        ),
        _ => false,
    }
}

fn allows_merge(a: &Node, b: &Node, fill: i64) -> bool {
    match (a, b) {
        (Node::Packed(a), Node::Packed(b)) => !exceeds_limit(
            fill,
            a.total_bytes() + b.total_bytes() - listpack::EMPTY_BYTES,
            a.len() + b.len(),
        ),
        _ => false,
    }
}

/// A deque of listpack nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quicklist {
    nodes: VecDeque<Node>,
    count: usize,
    fill: i64,
}

impl Quicklist {
    pub fn new(fill: i64) -> Quicklist {
        Quicklist {
            nodes: VecDeque::new(),
            count: 0,
            fill,
        }
    }

    /// A quicklist holding `listpack` as its only node (when non-empty).
    pub fn from_listpack(listpack: Listpack, fill: i64) -> Quicklist {
        let mut quicklist = Quicklist::new(fill);
        if !listpack.is_empty() {
            quicklist.count = listpack.len();
            quicklist.nodes.push_back(Node::Packed(listpack));
        }
        quicklist
    }

    pub fn fill(&self) -> i64 {
        self.fill
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Entries per node, head first, with a flag for plain nodes (for tests
    /// and `DEBUG`-style introspection).
    pub fn node_shapes(&self) -> Vec<(usize, bool)> {
        self.nodes
            .iter()
            .map(|node| (node.len(), matches!(node, Node::Plain(_))))
            .collect()
    }

    /// Serialized bytes across nodes (listpack bytes, or raw plain bytes).
    pub fn total_bytes(&self) -> usize {
        self.nodes.iter().map(Node::size_bytes).sum()
    }

    /// Heap and inline bytes held, including spare capacity (for MEMORY USAGE).
    pub fn allocated_bytes(&self) -> usize {
        let nodes: usize = self
            .nodes
            .iter()
            .map(|node| match node {
                Node::Packed(listpack) => listpack.allocated_bytes(),
                Node::Plain(bytes) => bytes.capacity(),
            })
            .sum();
        std::mem::size_of::<Quicklist>()
            + self.nodes.capacity() * std::mem::size_of::<Node>()
            + nodes
    }

    /// Drops the spare capacity of a node that has just been left behind by
    /// a push, since it will rarely grow again.
    fn seal(node: Option<&mut Node>) {
        if let Some(Node::Packed(listpack)) = node {
            listpack.shrink_to_fit();
        }
    }

    pub fn push_back(&mut self, value: &[u8]) {
        if is_large_element(value.len(), self.fill) {
            self.nodes.push_back(Node::Plain(value.to_vec()));
        } else if allows_insert(self.nodes.back(), self.fill, value.len()) {
            if let Some(Node::Packed(listpack)) = self.nodes.back_mut() {
                listpack.push_back(value);
            }
        } else {
            Self::seal(self.nodes.back_mut());
            self.nodes.push_back(Node::single(value, self.fill));
        }
        self.count += 1;
    }

    pub fn push_front(&mut self, value: &[u8]) {
        if is_large_element(value.len(), self.fill) {
            self.nodes.push_front(Node::Plain(value.to_vec()));
        } else if allows_insert(self.nodes.front(), self.fill, value.len()) {
            if let Some(Node::Packed(listpack)) = self.nodes.front_mut() {
                listpack.push_front(value);
            }
        } else {
            Self::seal(self.nodes.front_mut());
            self.nodes.push_front(Node::single(value, self.fill));
        }
        self.count += 1;
    }

    pub fn pop_front(&mut self) -> Option<Vec<u8>> {
        let value = match self.nodes.front_mut()? {
            Node::Packed(listpack) => listpack.pop_front(),
            Node::Plain(bytes) => Some(std::mem::take(bytes)),
        };
        self.count -= 1;
        if self
            .nodes
            .front()
            .is_some_and(|node| node.len() == 0 || matches!(node, Node::Plain(_)))
        {
            self.nodes.pop_front();
        }
        value
    }

    pub fn pop_back(&mut self) -> Option<Vec<u8>> {
        let value = match self.nodes.back_mut()? {
            Node::Packed(listpack) => listpack.pop_back(),
            Node::Plain(bytes) => Some(std::mem::take(bytes)),
        };
        self.count -= 1;
        if self
            .nodes
            .back()
            .is_some_and(|node| node.len() == 0 || matches!(node, Node::Plain(_)))
        {
            self.nodes.pop_back();
        }
        value
    }

    fn resolve_index(&self, index: i64) -> Option<usize> {
        let len = i64::try_from(self.count).ok()?;
        let resolved = if index < 0 { len + index } else { index };
        if (0..len).contains(&resolved) {
            usize::try_from(resolved).ok()
        } else {
            None
        }
    }

    /// (node position, offset within node) of entry `index` (< len),
    /// walking from the nearer end.
    fn locate(&self, index: usize) -> (usize, usize) {
        if index < self.count / 2 {
            let mut skipped = 0;
            for (position, node) in self.nodes.iter().enumerate() {
                if index < skipped + node.len() {
                    return (position, index - skipped);
                }
                skipped += node.len();
            }
        } else {
            let mut start = self.count;
            for (position, node) in self.nodes.iter().enumerate().rev() {
                start -= node.len();
                if index >= start {
                    return (position, index - start);
                }
            }
        }
        (self.nodes.len(), 0)
    }

    /// The entry at `index`; negative indices count from the tail.
    pub fn get(&self, index: i64) -> Option<Entry<'_>> {
        let (position, offset) = self.locate(self.resolve_index(index)?);
        match self.nodes.get(position)? {
            Node::Packed(listpack) => listpack.get(i64::try_from(offset).ok()?),
            Node::Plain(bytes) => Some(Entry::Str(bytes)),
        }
    }

    pub fn iter(&self) -> Iter<'_> {
        self.iter_from(0, false)
    }

    /// Entries from `index` towards the tail, or towards the head when
    /// `reverse` (entry `index` first either way).
    pub fn iter_from(&self, index: usize, reverse: bool) -> Iter<'_> {
        if index >= self.count {
            return Iter::empty();
        }
        let (position, offset) = self.locate(index);
        Iter {
            inner: self.nodes[position].iter_at(offset, reverse),
            nodes: &self.nodes,
            next_node: if reverse { position } else { position + 1 },
            reverse,
        }
    }

    /// Merges nodes[i+1] into nodes[i].
    fn merge_pair(&mut self, first: usize) {
        if let Some(Node::Packed(second)) = self.nodes.remove(first + 1) {
            if let Some(Node::Packed(target)) = self.nodes.get_mut(first) {
                target.append(&second);
            }
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
        let Some(Node::Packed(listpack)) = self.nodes.get_mut(position) else {
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
        let fill = self.fill;
        let (position, offset) = self.locate(index);
        let node = &self.nodes[position];
        let node_len = node.len();
        let is_plain = matches!(node, Node::Plain(_));
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
            return true;
        }
        if !full {
            if let Some(Node::Packed(listpack)) = self.nodes.get_mut(position) {
                listpack.insert(if after { offset + 1 } else { offset }, value);
            }
        } else if (at_tail || at_head) && neighbour_free {
            match self
                .nodes
                .get_mut(if after { position + 1 } else { position - 1 })
            {
                Some(Node::Packed(listpack)) if after => listpack.push_front(value),
                Some(Node::Packed(listpack)) => listpack.push_back(value),
                _ => {}
            }
        } else if at_tail || at_head {
            self.nodes.insert(new_at, Node::single(value, fill));
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
        true
    }

    /// Replaces entry `index` (negative counts from the tail), following
    /// `quicklistReplaceEntry`.  Returns false when out of range.
    pub fn replace(&mut self, index: i64, value: &[u8]) -> bool {
        let Some(resolved) = self.resolve_index(index) else {
            return false;
        };
        let fill = self.fill;
        let large = is_large_element(value.len(), fill);
        let (position, offset) = self.locate(resolved);
        match &mut self.nodes[position] {
            Node::Plain(bytes) if large => {
                *bytes = value.to_vec();
                return true;
            }
            Node::Plain(_) => {
                self.insert(resolved, value, true);
                self.nodes.remove(position);
                self.count -= 1;
                return true;
            }
            // In place whenever the value is not large, even if the node
            // then outgrows its limit (as Redis 7.2+ does).
            Node::Packed(listpack) if !large => {
                return listpack.replace(i64::try_from(offset).unwrap_or(i64::MAX), value);
            }
            Node::Packed(_) => {}
        }
        // Large value in a packed node: it gets a plain node of its own
        // right after the replaced one, which is then dropped.
        let node_len = self.nodes[position].len();
        if offset != node_len - 1 {
            let split = self.split_node(position, offset, true);
            self.nodes.insert(position + 1, Node::Packed(split));
        }
        self.nodes.insert(position + 1, Node::single(value, fill));
        if self.nodes[position].len() == 1 {
            self.nodes.remove(position);
        } else {
            if let Some(Node::Packed(listpack)) = self.nodes.get_mut(position) {
                listpack.pop_back();
            }
            self.merge_around(position + 1);
        }
        true
    }

    /// Deletes up to `count` entries starting at `start` (negative counts
    /// from the tail), as `quicklistDelRange`.  Returns how many went.
    pub fn delete_range(&mut self, start: i64, count: usize) -> usize {
        let Some(start) = self.resolve_index(start) else {
            return 0;
        };
        let count = count.min(self.count - start);
        let (mut position, mut offset) = self.locate(start);
        let mut left = count;
        while left > 0 && position < self.nodes.len() {
            let node_len = self.nodes[position].len();
            let here = left.min(node_len - offset);
            if here == node_len {
                self.nodes.remove(position);
            } else {
                if let Some(Node::Packed(listpack)) = self.nodes.get_mut(position) {
                    listpack.remove_range(offset, here);
                }
                position += 1;
            }
            left -= here;
            offset = 0;
        }
        self.count -= count;
        count
    }

    /// LREM: removes entries equal to `value`; `count` > 0 removes at most
    /// that many from the head, < 0 from the tail, 0 all.
    pub fn remove_matching(&mut self, value: &[u8], count: i64) -> usize {
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
            let here = match &mut self.nodes[position] {
                Node::Packed(listpack) => listpack.remove_matching(value, limit, from_tail),
                Node::Plain(bytes) => {
                    if bytes.as_slice() == value {
                        bytes.clear();
                        1
                    } else {
                        0
                    }
                }
            };
            budget = budget.saturating_sub(here);
            removed += here;
        }
        // Emptied nodes (including matched plain ones) go; no merging, as Redis.
        self.nodes.retain(|node| {
            !matches!(node, Node::Plain(bytes) if bytes.is_empty()) && node.len() > 0
        });
        self.count -= removed;
        removed
    }

    /// The only node's listpack, when the quicklist is one packed node.
    pub(crate) fn single_packed(&self) -> Option<&Listpack> {
        match (self.nodes.len(), self.nodes.front()) {
            (1, Some(Node::Packed(listpack))) => Some(listpack),
            _ => None,
        }
    }
}

enum NodeIter<'a> {
    Packed(listpack::Iter<'a>),
    Plain(Option<&'a [u8]>),
}

/// Iterator over a list's entries in one direction.
pub struct Iter<'a> {
    inner: NodeIter<'a>,
    nodes: &'a VecDeque<Node>,
    /// Forward: the next node to enter; reverse: one past it.
    next_node: usize,
    reverse: bool,
}

static NO_NODES: VecDeque<Node> = VecDeque::new();

impl<'a> Iter<'a> {
    /// Iterates the entries of a lone listpack (a list in the listpack encoding).
    pub(crate) fn over_listpack(entries: crate::listpack::Iter<'a>, reverse: bool) -> Iter<'a> {
        Iter {
            inner: NodeIter::Packed(entries),
            nodes: &NO_NODES,
            next_node: 0,
            reverse,
        }
    }

    pub(crate) fn empty() -> Iter<'a> {
        Iter {
            inner: NodeIter::Plain(None),
            nodes: &NO_NODES,
            next_node: 0,
            reverse: false,
        }
    }
}

impl<'a> Iterator for Iter<'a> {
    type Item = Entry<'a>;

    fn next(&mut self) -> Option<Entry<'a>> {
        loop {
            let step = match &mut self.inner {
                NodeIter::Packed(iter) if self.reverse => iter.next_back(),
                NodeIter::Packed(iter) => iter.next(),
                NodeIter::Plain(bytes) => bytes.take().map(Entry::Str),
            };
            if step.is_some() {
                return step;
            }
            let node = if self.reverse {
                self.next_node = self.next_node.checked_sub(1)?;
                self.nodes.get(self.next_node)?
            } else {
                let node = self.nodes.get(self.next_node)?;
                self.next_node += 1;
                node
            };
            self.inner = node.iter_all(self.reverse);
        }
    }
}
