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
//! `list-compress-depth` ("depth"): with depth d > 0, every node except the
//! d nearest each end is stored LZF-compressed when that pays (at least 48
//! bytes, saving more than 8), as Redis's `__quicklistCompress` keeps it.
//! Pushes and pops touch only the end nodes, which are always raw, plus the
//! node that crosses the depth boundary; an operation on an inner node
//! decompresses it and compresses it again afterwards.  Reads through `&self`
//! decompress into a per-node cache that the next mutation (or
//! [`Quicklist::release_decompressed`]) drops.  A quicklist keeps the fill
//! and depth it was created with, as Redis does; conversions use the limits
//! passed to each call.
//!
//! Invariants: no node is empty; `count` is the sum of node lengths; with
//! depth d > 0, the d nodes at each end are raw, and every other node is
//! compressed unless compressing it would not pay.  (Valkey is lazier: after
//! changing a raw inner node in place it leaves it raw until an iterator or
//! a boundary shift passes it, so it can hold a few compressible inner nodes
//! raw where ferrokey holds them compressed; otherwise the layouts agree, as
//! the recorded-trace test checks.)

mod edit;
mod node;

use std::collections::VecDeque;
use std::ops::Range;
use std::sync::{Mutex, PoisonError};

use crate::listpack::{self, Entry, Listpack};
use node::{Node, NodeIter};
pub use node::{NodePayload, NodeView, MIN_COMPRESS_BYTES, MIN_COMPRESS_IMPROVE};

/// Byte limits of negative fills -1..-5 (Redis `optimization_level`).
const NEGATIVE_FILL_SIZES: [usize; 5] = [4096, 8192, 16384, 32768, 65536];
/// Positive (count-based) fills still keep nodes within this many bytes.
const SIZE_SAFETY_LIMIT: usize = 8192;
/// Redis's over-estimate of one entry's overhead when checking for room.
const SIZE_ESTIMATE_OVERHEAD: usize = 8;

/// Largest compress depth; Redis keeps the depth in 16 bits and clamps to this.
pub const MAX_COMPRESS_DEPTH: usize = (1 << 16) - 1;

/// The list directives that shape a quicklist, passed to every call that may
/// convert a [`List`](crate::list::List).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListLimits {
    /// `list-max-listpack-size` (the node fill).
    pub max_listpack_size: i64,
    /// `list-compress-depth`: nodes at each end kept uncompressed; 0 turns
    /// compression off.  Negative acts as 0, above 65535 as 65535.
    pub compress_depth: i64,
}

impl Default for ListLimits {
    fn default() -> Self {
        ListLimits {
            max_listpack_size: -2,
            compress_depth: 0,
        }
    }
}

impl ListLimits {
    /// The depth a new quicklist gets (`quicklistSetCompressDepth`'s clamping).
    pub fn compress_depth_nodes(&self) -> usize {
        usize::try_from(self.compress_depth.max(0))
            .unwrap_or(MAX_COMPRESS_DEPTH)
            .min(MAX_COMPRESS_DEPTH)
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

fn single_node(value: &[u8], fill: i64) -> Node {
    if is_large_element(value.len(), fill) {
        Node::Plain(value.to_vec())
    } else {
        let mut listpack = Listpack::new();
        listpack.push_back(value);
        Node::Packed(listpack)
    }
}

/// Whether a value of `len` bytes may join `node` (`_quicklistNodeAllowInsert`).
fn allows_insert(node: Option<&Node>, fill: i64, len: usize) -> bool {
    match node {
        Some(node) if !node.is_plain() && !is_large_element(len, fill) => !exceeds_limit(
            fill,
            node.size_bytes() + len + SIZE_ESTIMATE_OVERHEAD,
            node.len() + 1,
        ),
        _ => false,
    }
}

fn allows_merge(a: &Node, b: &Node, fill: i64) -> bool {
    !a.is_plain()
        && !b.is_plain()
        && !exceeds_limit(
            fill,
            a.size_bytes() + b.size_bytes() - listpack::EMPTY_BYTES,
            a.len() + b.len(),
        )
}

/// A deque of listpack nodes, the inner ones optionally compressed.
pub struct Quicklist {
    nodes: VecDeque<Node>,
    count: usize,
    fill: i64,
    compress_depth: usize,
    /// Positions of compressed nodes whose read cache a `&self` read filled.
    read_cached: Mutex<Vec<usize>>,
}

impl Clone for Quicklist {
    fn clone(&self) -> Self {
        Quicklist {
            nodes: self.nodes.clone(),
            count: self.count,
            fill: self.fill,
            compress_depth: self.compress_depth,
            read_cached: Mutex::new(Vec::new()),
        }
    }
}

/// Equal when the settings and the nodes' contents are, however each node is stored.
impl PartialEq for Quicklist {
    fn eq(&self, other: &Self) -> bool {
        self.count == other.count
            && self.fill == other.fill
            && self.compress_depth == other.compress_depth
            && self.nodes.len() == other.nodes.len()
            && self
                .nodes
                .iter()
                .zip(&other.nodes)
                .all(|(a, b)| a.same_content(b))
    }
}

impl Eq for Quicklist {}

impl std::fmt::Debug for Quicklist {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Quicklist")
            .field("count", &self.count)
            .field("fill", &self.fill)
            .field("compress_depth", &self.compress_depth)
            .field("nodes", &self.nodes)
            .finish()
    }
}

impl Quicklist {
    /// An empty quicklist without compression.
    pub fn new(fill: i64) -> Quicklist {
        Quicklist::with_limits(ListLimits {
            max_listpack_size: fill,
            compress_depth: 0,
        })
    }

    /// An empty quicklist with the fill and compress depth of `limits`.
    pub fn with_limits(limits: ListLimits) -> Quicklist {
        Quicklist {
            nodes: VecDeque::new(),
            count: 0,
            fill: limits.max_listpack_size,
            compress_depth: limits.compress_depth_nodes(),
            read_cached: Mutex::new(Vec::new()),
        }
    }

    /// A quicklist holding `listpack` as its only node (when non-empty).
    pub fn from_listpack(listpack: Listpack, limits: ListLimits) -> Quicklist {
        let mut quicklist = Quicklist::with_limits(limits);
        if !listpack.is_empty() {
            quicklist.count = listpack.len();
            quicklist.nodes.push_back(Node::Packed(listpack));
        }
        quicklist
    }

    pub fn fill(&self) -> i64 {
        self.fill
    }

    /// Nodes kept raw at each end; 0 when compression is off.
    pub fn compress_depth(&self) -> usize {
        self.compress_depth
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
            .map(|node| (node.len(), node.is_plain()))
            .collect()
    }

    /// Every node as stored, head first: what an RDB quicklist holds per node.
    pub fn node_views(&self) -> impl ExactSizeIterator<Item = NodeView<'_>> + '_ {
        self.nodes.iter().map(Node::view)
    }

    pub fn compressed_node_count(&self) -> usize {
        self.nodes
            .iter()
            .filter(|node| node.is_compressed())
            .count()
    }

    /// Uncompressed bytes across nodes (listpack bytes, or raw plain bytes):
    /// Redis's `ql_uncompressed_size`.
    pub fn total_bytes(&self) -> usize {
        self.nodes.iter().map(Node::size_bytes).sum()
    }

    /// Payload bytes as stored: compressed nodes count their LZF bytes.
    pub fn stored_bytes(&self) -> usize {
        self.nodes.iter().map(Node::stored_bytes).sum()
    }

    /// Heap and inline bytes held, including spare capacity and any read
    /// caches (for MEMORY USAGE).
    pub fn allocated_bytes(&self) -> usize {
        let nodes: usize = self.nodes.iter().map(Node::allocated_bytes).sum();
        let cached = self
            .read_cached
            .lock()
            .map_or(0, |positions| positions.capacity());
        std::mem::size_of::<Quicklist>()
            + self.nodes.capacity() * std::mem::size_of::<Node>()
            + cached * std::mem::size_of::<usize>()
            + nodes
    }

    /// Drops the decompressed copies that reads through `&self` made of
    /// compressed nodes.  Every mutation does this first; a caller that only
    /// read a list may call it to give the memory back at once.
    pub fn release_decompressed(&mut self) {
        let positions = self
            .read_cached
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        if positions.is_empty() {
            return;
        }
        for position in std::mem::take(positions) {
            if let Some(node) = self.nodes.get_mut(position) {
                node.drop_cache();
            }
        }
    }

    /// Node `position` in raw form for reading (see [`Node::raw_view`]).
    fn raw_node(&self, position: usize) -> Option<&Node> {
        let (node, newly_cached) = self.nodes.get(position)?.raw_view();
        if newly_cached {
            self.read_cached
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(position);
        }
        Some(node)
    }

    /// Node `position` decompressed for modification; the caller's `settle`
    /// compresses it again if it is an inner node.
    fn raw_node_mut(&mut self, position: usize) -> Option<&mut Node> {
        let node = self.nodes.get_mut(position)?;
        node.decompress();
        Some(node)
    }

    fn packed_mut(&mut self, position: usize) -> Option<&mut Listpack> {
        match self.raw_node_mut(position)? {
            Node::Packed(listpack) => Some(listpack),
            _ => None,
        }
    }

    fn is_inner(&self, position: usize) -> bool {
        let depth = self.compress_depth;
        depth > 0 && position >= depth && position + depth < self.nodes.len()
    }

    /// Restores the compression layout after a change (`__quicklistCompress`):
    /// the `depth` nodes at each end become raw; inner nodes among `touched`
    /// (positions after the change) are compressed, and so are those that the
    /// change may have pushed across the depth boundary, which is up to
    /// `shifted` nodes past it when that many nodes were inserted.
    fn settle(&mut self, touched: Range<usize>, shifted: usize) {
        let depth = self.compress_depth;
        if depth == 0 {
            return;
        }
        let len = self.nodes.len();
        for position in (0..depth.min(len)).chain(len.saturating_sub(depth)..len) {
            self.nodes[position].decompress();
        }
        if len <= 2 * depth {
            return;
        }
        let head_side = depth..depth + shifted;
        let tail_side = (len - depth).saturating_sub(shifted)..len - depth;
        for position in touched.chain(head_side).chain(tail_side) {
            if self.is_inner(position) {
                self.nodes[position].compress();
            }
        }
    }

    /// Drops the spare capacity of a node that has just been left behind by
    /// a push, since it will rarely grow again.
    fn seal(node: Option<&mut Node>) {
        if let Some(Node::Packed(listpack)) = node {
            listpack.shrink_to_fit();
        }
    }

    pub fn push_back(&mut self, value: &[u8]) {
        self.release_decompressed();
        let new_node = if is_large_element(value.len(), self.fill) {
            Some(Node::Plain(value.to_vec()))
        } else if allows_insert(self.nodes.back(), self.fill, value.len()) {
            let last = self.nodes.len() - 1;
            if let Some(listpack) = self.packed_mut(last) {
                listpack.push_back(value);
            }
            None
        } else {
            Self::seal(self.nodes.back_mut());
            Some(single_node(value, self.fill))
        };
        self.count += 1;
        if let Some(node) = new_node {
            self.nodes.push_back(node);
            self.settle(0..0, 1);
        }
    }

    pub fn push_front(&mut self, value: &[u8]) {
        self.release_decompressed();
        let new_node = if is_large_element(value.len(), self.fill) {
            Some(Node::Plain(value.to_vec()))
        } else if allows_insert(self.nodes.front(), self.fill, value.len()) {
            if let Some(listpack) = self.packed_mut(0) {
                listpack.push_front(value);
            }
            None
        } else {
            Self::seal(self.nodes.front_mut());
            Some(single_node(value, self.fill))
        };
        self.count += 1;
        if let Some(node) = new_node {
            self.nodes.push_front(node);
            self.settle(0..0, 1);
        }
    }

    pub fn pop_front(&mut self) -> Option<Vec<u8>> {
        self.release_decompressed();
        let value = match self.raw_node_mut(0)? {
            Node::Packed(listpack) => listpack.pop_front(),
            Node::Plain(bytes) => Some(std::mem::take(bytes)),
            Node::Compressed(_) => None,
        };
        self.count -= 1;
        let front = self.nodes.front();
        if front.is_some_and(|node| node.len() == 0 || node.is_plain()) {
            self.nodes.pop_front();
            self.settle(0..0, 0);
        }
        value
    }

    pub fn pop_back(&mut self) -> Option<Vec<u8>> {
        self.release_decompressed();
        let last = self.nodes.len().checked_sub(1)?;
        let value = match self.raw_node_mut(last)? {
            Node::Packed(listpack) => listpack.pop_back(),
            Node::Plain(bytes) => Some(std::mem::take(bytes)),
            Node::Compressed(_) => None,
        };
        self.count -= 1;
        let back = self.nodes.back();
        if back.is_some_and(|node| node.len() == 0 || node.is_plain()) {
            self.nodes.pop_back();
            self.settle(0..0, 0);
        }
        value
    }

    fn resolve_index(&self, index: i64) -> Option<usize> {
        crate::listpack::resolve_index(self.count, index)
    }

    /// (node position, offset within node) of entry `index` (< len),
    /// walking from the nearer end; node sizes are known without
    /// decompressing anything.
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
        self.raw_node(position)?.get(offset)
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
        let Some(node) = self.raw_node(position) else {
            return Iter::empty();
        };
        Iter {
            inner: node.iter_at(offset, reverse),
            quicklist: Some(self),
            next_node: if reverse { position } else { position + 1 },
            reverse,
        }
    }

    /// The only node's listpack, when the quicklist is one packed node.
    pub(crate) fn single_packed(&self) -> Option<&Listpack> {
        match (self.nodes.len(), self.nodes.front()) {
            (1, Some(Node::Packed(listpack))) => Some(listpack),
            _ => None,
        }
    }
}

/// Iterator over a list's entries in one direction.
pub struct Iter<'a> {
    inner: NodeIter<'a>,
    quicklist: Option<&'a Quicklist>,
    /// Forward: the next node to enter; reverse: one past it.
    next_node: usize,
    reverse: bool,
}

impl<'a> Iter<'a> {
    /// Iterates the entries of a lone listpack (a list in the listpack encoding).
    pub(crate) fn over_listpack(entries: crate::listpack::Iter<'a>, reverse: bool) -> Iter<'a> {
        Iter {
            inner: NodeIter::Packed(entries),
            quicklist: None,
            next_node: 0,
            reverse,
        }
    }

    pub(crate) fn empty() -> Iter<'a> {
        Iter {
            inner: NodeIter::Plain(None),
            quicklist: None,
            next_node: 0,
            reverse: false,
        }
    }
}

impl<'a> Iterator for Iter<'a> {
    type Item = Entry<'a>;

    fn next(&mut self) -> Option<Entry<'a>> {
        loop {
            if let Some(entry) = self.inner.step(self.reverse) {
                return Some(entry);
            }
            let quicklist = self.quicklist?;
            let node = if self.reverse {
                self.next_node = self.next_node.checked_sub(1)?;
                quicklist.raw_node(self.next_node)?
            } else {
                let node = quicklist.raw_node(self.next_node)?;
                self.next_node += 1;
                node
            };
            self.inner = node.iter_all(self.reverse);
        }
    }
}
