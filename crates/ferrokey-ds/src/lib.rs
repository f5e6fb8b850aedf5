//! ferrokey-ds: the data structures behind list, hash, set and sorted-set values, with the
//! compact encodings Redis reports (listpack, quicklist, intset) and the large ones (hashtable,
//! skiplist). Independent of the server: the server's command families build on these types.

pub mod hash;
pub mod hash_volatile;
pub mod intset;
pub mod keyed_table;
pub mod list;
pub mod listpack;
pub mod lzf;
pub mod quicklist;
mod table_scan;
pub mod zset;
pub mod zset_range;
