//! The `skiplist` encoding: members stored once, in an arena addressed by `u32` ids, shared by
//! a member → id hash index (for ZSCORE and membership) and an order-statistics tree over
//! `(score, id)` (for ranks and ranges).
//!
//! Per member this costs a 32-byte arena slot (the score, and the member itself when it is at
//! most 22 bytes, else a pointer to it), about 12 bytes / fill factor in a tree leaf and
//! 5 bytes / load factor in the hash index, where Redis spends a skiplist node, a member
//! allocation and a dict entry and bucket.
//!
//! ZSCAN walks the index's home buckets as SSCAN walks a set's table (see `table_scan`), so the
//! index stores each id at `table_scan::table_hash` of its member's hash.
//!
//! Invariants: an id is in the index exactly when it is in the tree, with the tree holding
//! the arena slot's score; no two live slots hold equal members. Released slots hold an empty
//! member. When released slots outnumber live ones two to one the whole value is rebuilt, so
//! a set that shrank gives its memory back (amortised O(log n) per removal).

use hashbrown::HashTable;

use super::arena::Arena;
use super::tree::{Cursor, Tree};
use crate::table_scan::{self, table_hash};

/// Members per arena chunk: 14 KiB chunks of 32-byte slots (see [`super::arena`]).
const MEMBER_CHUNK: usize = 448;

/// Members up to this many bytes live in their arena slot; longer ones get an allocation.
const INLINE_MEMBER_MAX: usize = 22;

/// A member's bytes. Keeping short members inline saves their allocation (16 bytes for a
/// typical member) and the cache miss of following a pointer on every comparison.
#[derive(Clone, Debug)]
enum MemberBytes {
    Inline {
        len: u8,
        bytes: [u8; INLINE_MEMBER_MAX],
    },
    Heap(Box<[u8]>),
}

impl Default for MemberBytes {
    fn default() -> Self {
        MemberBytes::Inline {
            len: 0,
            bytes: [0; INLINE_MEMBER_MAX],
        }
    }
}

impl MemberBytes {
    fn new(member: &[u8]) -> Self {
        let mut bytes = [0; INLINE_MEMBER_MAX];
        match (bytes.get_mut(..member.len()), u8::try_from(member.len())) {
            (Some(prefix), Ok(len)) => {
                prefix.copy_from_slice(member);
                MemberBytes::Inline { len, bytes }
            }
            _ => MemberBytes::Heap(member.into()),
        }
    }

    fn as_slice(&self) -> &[u8] {
        match self {
            MemberBytes::Inline { len, bytes } => {
                bytes.get(..usize::from(*len)).unwrap_or_default()
            }
            MemberBytes::Heap(bytes) => bytes,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Member {
    bytes: MemberBytes,
    score: f64,
}

impl Member {
    fn bytes(&self) -> &[u8] {
        self.bytes.as_slice()
    }
}

type Members = Arena<Member, MEMBER_CHUNK>;

/// A member handed to an ordering predicate, fetched only if the predicate needs it (most
/// comparisons are decided by the score alone).
pub(crate) enum LazyMember<'a> {
    Ready(&'a [u8]),
    Stored(&'a Members, u32),
}

impl<'a> LazyMember<'a> {
    pub(crate) fn get(&self) -> &'a [u8] {
        match self {
            LazyMember::Ready(member) => member,
            LazyMember::Stored(members, id) => members.get(*id).map_or(&[], Member::bytes),
        }
    }
}

/// "Strictly before `(score, member)`" in sorted-set order, as a tree predicate.
fn before_entry<'a>(
    members: &'a Members,
    score: f64,
    member: &'a [u8],
) -> impl Fn(f64, u32) -> bool + 'a {
    move |s, id| s < score || (s == score && members.get(id).is_some_and(|m| m.bytes() < member))
}

/// The `skiplist` form of a sorted set.
#[derive(Clone, Debug)]
pub struct LargeZSet {
    members: Members,
    index: HashTable<u32>,
    hasher: ahash::RandomState,
    tree: Tree,
}

impl LargeZSet {
    pub(crate) fn new() -> Self {
        LargeZSet {
            members: Arena::default(),
            index: HashTable::new(),
            hasher: ahash::RandomState::new(),
            tree: Tree::default(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.tree.len()
    }

    /// The index hash of `member`.
    fn hash_of(&self, member: &[u8]) -> u64 {
        table_hash(self.hasher.hash_one(member))
    }

    fn find(&self, member: &[u8]) -> Option<u32> {
        let hash = self.hash_of(member);
        let members = &self.members;
        let same = |id: &u32| members.get(*id).is_some_and(|m| m.bytes() == member);
        self.index.find(hash, same).copied()
    }

    pub(crate) fn score(&self, member: &[u8]) -> Option<f64> {
        let id = self.find(member)?;
        self.members.get(id).map(|m| m.score)
    }

    /// Sets `member`'s score, adding it if absent; returns the previous score.
    pub(crate) fn set(&mut self, member: &[u8], score: f64) -> Option<f64> {
        let Some(id) = self.find(member) else {
            self.insert_new(member, score);
            return None;
        };
        let LargeZSet { members, tree, .. } = self;
        let old_score = members.get(id)?.score;
        if old_score.to_bits() != score.to_bits() {
            let before_old = before_entry(members, old_score, member);
            tree.update(
                old_score,
                id,
                score,
                before_old,
                before_entry(members, score, member),
            );
            if let Some(slot) = members.get_mut(id) {
                slot.score = score;
            }
        }
        Some(old_score)
    }

    /// Adds a member known to be absent. Does nothing once the `u32` ids are exhausted (more
    /// than four billion members, far beyond any memory this could run in).
    pub(crate) fn insert_new(&mut self, member: &[u8], score: f64) {
        self.insert_bytes(MemberBytes::new(member), score);
    }

    fn insert_bytes(&mut self, bytes: MemberBytes, score: f64) {
        let hash = self.hash_of(bytes.as_slice());
        let LargeZSet {
            members,
            index,
            hasher,
            tree,
        } = self;
        let Some(id) = members.alloc(Member { bytes, score }) else {
            return;
        };
        let rehash =
            |id: &u32| table_hash(hasher.hash_one(members.get(*id).map_or(&[][..], Member::bytes)));
        index.insert_unique(hash, id, rehash);
        let member = members.get(id).map_or(&[][..], Member::bytes);
        tree.insert(score, id, before_entry(members, score, member));
    }

    /// Removes `member`; returns its score if it was present.
    pub(crate) fn remove(&mut self, member: &[u8]) -> Option<f64> {
        let hash = self.hash_of(member);
        let LargeZSet {
            members,
            index,
            tree,
            ..
        } = self;
        let same = |id: &u32| members.get(*id).is_some_and(|m| m.bytes() == member);
        let (id, _) = index.find_entry(hash, same).ok()?.remove();
        let score = members.get(id)?.score;
        tree.remove(score, id, before_entry(members, score, member));
        if let Some(slot) = members.get_mut(id) {
            *slot = Member::default();
        }
        members.release(id);
        self.compact_if_sparse();
        Some(score)
    }

    fn compact_if_sparse(&mut self) {
        let released = self.members.released();
        if released <= 64 || released <= 2 * self.members.live() {
            return;
        }
        let mut rebuilt = LargeZSet {
            index: HashTable::with_capacity(self.len()),
            hasher: self.hasher.clone(),
            ..LargeZSet::new()
        };
        let mut cursor = self.tree.cursor_at(0);
        while let Some(at) = cursor {
            let id = self.tree.get(at).map(|(_, id)| id);
            if let Some(slot) = id.and_then(|id| self.members.get_mut(id)) {
                let member = std::mem::take(slot);
                rebuilt.insert_bytes(member.bytes, member.score);
            }
            cursor = self.tree.next(at);
        }
        *self = rebuilt;
    }

    /// The number of leading elements satisfying a monotone predicate.
    pub(crate) fn count_prefix(&self, before: impl Fn(f64, LazyMember<'_>) -> bool) -> usize {
        let members = &self.members;
        self.tree
            .count_prefix(|score, id| before(score, LazyMember::Stored(members, id)))
    }

    pub(crate) fn cursor_at(&self, position: usize) -> Option<Cursor> {
        self.tree.cursor_at(position)
    }

    /// The element at `cursor`.
    pub(crate) fn entry(&self, cursor: Cursor) -> Option<(&[u8], f64)> {
        let (score, id) = self.tree.get(cursor)?;
        Some((self.members.get(id)?.bytes(), score))
    }

    /// The cursor after `cursor`, or before it when `reverse`.
    pub(crate) fn advance(&self, cursor: Cursor, reverse: bool) -> Option<Cursor> {
        if reverse {
            self.tree.prev(cursor)
        } else {
            self.tree.next(cursor)
        }
    }

    /// One ZSCAN step over the member index (see `table_scan::scan` and `KeyedTable::scan`,
    /// whose guarantees it shares): passes `visit` at least `count` members with their scores
    /// unless the walk ends first or looks at `count * 10` homes, and returns the next cursor,
    /// 0 at the end.
    pub(crate) fn scan<'a>(
        &'a self,
        cursor: u64,
        count: usize,
        mut visit: impl FnMut(&'a [u8], f64),
    ) -> u64 {
        let members = &self.members;
        let member_of = |id: &u32| members.get(*id).map_or(&[][..], Member::bytes);
        let hash_of = |id: &u32| self.hash_of(member_of(id));
        table_scan::scan(&self.index, cursor, count, hash_of, |id| {
            if let Some(member) = members.get(*id) {
                visit(member.bytes(), member.score);
            }
        })
    }

    /// Whether no member is longer than `max_len` bytes.
    pub(crate) fn members_fit(&self, max_len: usize) -> bool {
        let members = &self.members;
        self.index
            .iter()
            .all(|&id| members.get(id).is_some_and(|m| m.bytes().len() <= max_len))
    }
}
