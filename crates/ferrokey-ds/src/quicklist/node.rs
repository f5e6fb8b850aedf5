//! One quicklist node: a listpack of entries ("packed"), one large element on its own
//! ("plain"), or either of those stored LZF-compressed.  A compressed node keeps what the
//! quicklist needs without decompressing it (entry count, uncompressed size, container kind),
//! so walking, fill checks and merge checks never touch its bytes.
//!
//! Reading a compressed node through a shared reference decompresses it into a cache inside the
//! node (entries handed out borrow from it); the quicklist records which nodes it cached and
//! drops those copies at its next mutation, which plays the part of Redis's recompress-after-use.
//!
//! Invariant: every compressed node's bytes were produced by [`Node::compress`] from a valid
//! node, so decompressing them cannot fail; nothing builds a compressed node from outside bytes.

use std::borrow::Cow;
use std::sync::OnceLock;

use crate::listpack::{self, Entry, Listpack};
use crate::lzf;

/// Nodes smaller than this are never compressed (Redis `MIN_COMPRESS_BYTES`).
pub const MIN_COMPRESS_BYTES: usize = 48;
/// A compressed form is kept only if it saves more than this many bytes
/// (Redis `MIN_COMPRESS_IMPROVE`).
pub const MIN_COMPRESS_IMPROVE: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Node {
    Packed(Listpack),
    Plain(Vec<u8>),
    Compressed(Box<Compressed>),
}

pub(super) struct Compressed {
    lzf: Box<[u8]>,
    /// The uncompressed size (Redis `node->sz`).
    raw_bytes: usize,
    entries: usize,
    plain: bool,
    /// The decompressed node, filled by a read through `&Node`.
    cache: OnceLock<Box<Node>>,
}

impl Clone for Compressed {
    fn clone(&self) -> Self {
        Compressed {
            lzf: self.lzf.clone(),
            raw_bytes: self.raw_bytes,
            entries: self.entries,
            plain: self.plain,
            cache: OnceLock::new(),
        }
    }
}

/// Compressed nodes compare by their stored form; the cache is not part of the value.
impl PartialEq for Compressed {
    fn eq(&self, other: &Self) -> bool {
        self.lzf == other.lzf
            && self.raw_bytes == other.raw_bytes
            && self.entries == other.entries
            && self.plain == other.plain
    }
}

impl Eq for Compressed {}

impl std::fmt::Debug for Compressed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compressed")
            .field("entries", &self.entries)
            .field("raw_bytes", &self.raw_bytes)
            .field("lzf_bytes", &self.lzf.len())
            .field("plain", &self.plain)
            .finish()
    }
}

impl Compressed {
    fn decompress(&self) -> Node {
        let bytes = lzf::decompress(&self.lzf, self.raw_bytes);
        debug_assert!(bytes.is_ok(), "a quicklist node failed to decompress");
        let bytes = bytes.unwrap_or_default();
        if self.plain {
            Node::Plain(bytes)
        } else {
            let listpack = Listpack::from_redis_bytes(&bytes, self.entries);
            debug_assert!(listpack.is_some(), "a decompressed node is not a listpack");
            Node::Packed(listpack.unwrap_or_default())
        }
    }
}

/// How a node is stored, for serialization and introspection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodePayload<'a> {
    /// The listpack bytes in Valkey's layout (packed node, converted for the view) or the
    /// element itself (plain node).
    Raw(Cow<'a, [u8]>),
    /// The LZF-compressed form of those bytes.
    Lzf(&'a [u8]),
}

/// One node as stored: what Redis writes per node in an RDB quicklist (container kind, then
/// either the raw bytes or the LZF blob with its uncompressed size).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeView<'a> {
    pub entries: usize,
    /// A single large element rather than a listpack.
    pub plain: bool,
    /// The uncompressed size (Redis `node->sz`).
    pub raw_bytes: usize,
    pub payload: NodePayload<'a>,
}

impl Node {
    pub(super) fn len(&self) -> usize {
        match self {
            Node::Packed(listpack) => listpack.len(),
            Node::Plain(_) => 1,
            Node::Compressed(compressed) => compressed.entries,
        }
    }

    /// Redis's `node->sz`: listpack bytes or element bytes, before compression.
    pub(super) fn size_bytes(&self) -> usize {
        match self {
            Node::Packed(listpack) => listpack.total_bytes(),
            Node::Plain(bytes) => bytes.len(),
            Node::Compressed(compressed) => compressed.raw_bytes,
        }
    }

    /// Payload bytes as stored: a compressed node counts its LZF bytes.
    pub(super) fn stored_bytes(&self) -> usize {
        match self {
            Node::Compressed(compressed) => compressed.lzf.len(),
            raw => raw.size_bytes(),
        }
    }

    pub(super) fn is_plain(&self) -> bool {
        match self {
            Node::Packed(_) => false,
            Node::Plain(_) => true,
            Node::Compressed(compressed) => compressed.plain,
        }
    }

    pub(super) fn is_compressed(&self) -> bool {
        matches!(self, Node::Compressed(_))
    }

    /// Heap bytes held, including a read cache.
    pub(super) fn allocated_bytes(&self) -> usize {
        match self {
            Node::Packed(listpack) => listpack.allocated_bytes(),
            Node::Plain(bytes) => bytes.capacity(),
            Node::Compressed(compressed) => {
                let cache = compressed.cache.get().map_or(0, |node| {
                    std::mem::size_of::<Node>() + node.allocated_bytes()
                });
                std::mem::size_of::<Compressed>() + compressed.lzf.len() + cache
            }
        }
    }

    pub(super) fn view(&self) -> NodeView<'_> {
        let payload = match self {
            Node::Packed(_) | Node::Plain(_) => NodePayload::Raw(self.raw_bytes()),
            Node::Compressed(compressed) => NodePayload::Lzf(&compressed.lzf),
        };
        NodeView {
            entries: self.len(),
            plain: self.is_plain(),
            raw_bytes: self.size_bytes(),
            payload,
        }
    }

    /// Whether compressing this raw node would be kept (`__quicklistCompressNode`'s tests);
    /// the compressed bytes when it would.
    fn compressed_form(&self) -> Option<Vec<u8>> {
        if self.is_compressed() || self.size_bytes() < MIN_COMPRESS_BYTES {
            return None;
        }
        let raw = self.raw_bytes();
        lzf::compress(&raw, raw.len()).filter(|lzf| lzf.len() + MIN_COMPRESS_IMPROVE < raw.len())
    }

    /// A raw node's bytes as Valkey holds them: Valkey's listpack layout, or the plain element.
    /// (A compressed node has none: empty.)
    fn raw_bytes(&self) -> Cow<'_, [u8]> {
        match self {
            Node::Packed(listpack) => Cow::Owned(listpack.to_redis_bytes()),
            Node::Plain(bytes) => Cow::Borrowed(bytes),
            Node::Compressed(_) => Cow::Borrowed(&[]),
        }
    }

    /// Compresses a raw node when that pays; leaves it raw otherwise.
    pub(super) fn compress(&mut self) {
        if let Some(lzf) = self.compressed_form() {
            *self = Node::Compressed(Box::new(Compressed {
                lzf: lzf.into_boxed_slice(),
                raw_bytes: self.size_bytes(),
                entries: self.len(),
                plain: self.is_plain(),
                cache: OnceLock::new(),
            }));
        }
    }

    /// Makes a compressed node raw, reusing a read cache when there is one.
    pub(super) fn decompress(&mut self) {
        if let Node::Compressed(compressed) = self {
            let raw = match compressed.cache.take() {
                Some(cached) => *cached,
                None => compressed.decompress(),
            };
            *self = raw;
        }
    }

    /// The node in raw form for reading: itself, or its decompressed copy (made now if
    /// needed, in which case the flag is true so the owner can drop the copy later).
    pub(super) fn raw_view(&self) -> (&Node, bool) {
        match self {
            Node::Compressed(compressed) => {
                let mut filled = false;
                let cached = compressed.cache.get_or_init(|| {
                    filled = true;
                    Box::new(compressed.decompress())
                });
                (cached, filled)
            }
            raw => (raw, false),
        }
    }

    /// A raw copy of the node (decompressed if need be).
    pub(super) fn to_raw(&self) -> Node {
        match self {
            Node::Compressed(compressed) => match compressed.cache.get() {
                Some(cached) => (**cached).clone(),
                None => compressed.decompress(),
            },
            raw => raw.clone(),
        }
    }

    pub(super) fn drop_cache(&mut self) {
        if let Node::Compressed(compressed) = self {
            compressed.cache.take();
        }
    }

    /// Whether two nodes hold the same entries, however each is stored.
    pub(super) fn same_content(&self, other: &Node) -> bool {
        match (self, other) {
            (Node::Compressed(a), Node::Compressed(b)) => a == b,
            (Node::Compressed(a), raw) | (raw, Node::Compressed(a)) => a.decompress() == *raw,
            (a, b) => a == b,
        }
    }

    /// Entries `from..` (forward) or `..=from` (reverse, nearest first) of a raw node.
    pub(super) fn iter_at(&self, from: usize, reverse: bool) -> NodeIter<'_> {
        match self {
            Node::Packed(listpack) => {
                let (before, after) = listpack.iter_split(if reverse { from + 1 } else { from });
                NodeIter::Packed(if reverse { before } else { after })
            }
            Node::Plain(bytes) => NodeIter::Plain(Some(bytes)),
            Node::Compressed(_) => NodeIter::Plain(None),
        }
    }

    pub(super) fn iter_all(&self, reverse: bool) -> NodeIter<'_> {
        self.iter_at(if reverse { self.len() - 1 } else { 0 }, reverse)
    }

    /// The entry at `offset` of a raw node.
    pub(super) fn get(&self, offset: usize) -> Option<Entry<'_>> {
        match self {
            Node::Packed(listpack) => listpack.get(i64::try_from(offset).ok()?),
            Node::Plain(bytes) => Some(Entry::Str(bytes)),
            Node::Compressed(_) => None,
        }
    }
}

pub(super) enum NodeIter<'a> {
    Packed(listpack::Iter<'a>),
    Plain(Option<&'a [u8]>),
}

impl<'a> NodeIter<'a> {
    pub(super) fn step(&mut self, reverse: bool) -> Option<Entry<'a>> {
        match self {
            NodeIter::Packed(iter) if reverse => iter.next_back(),
            NodeIter::Packed(iter) => iter.next(),
            NodeIter::Plain(bytes) => bytes.take().map(Entry::Str),
        }
    }
}
