//! Key extraction: which arguments of a command line are keys, and how the command uses them.
//!
//! The generic path walks the command's key specs as Valkey does: a begin-search step (a fixed
//! index, or a keyword searched forwards or backwards) then a find-keys step (a range or a
//! counted list). When a spec cannot answer (unknown, incomplete, bad count, out of bounds) the
//! whole result is dropped and the command's `GetKeysProc` answers instead, which reproduces
//! Valkey's special functions, quirks included (C `atoi` counts, flagless keys, store key last).
//! Positions index the full argument vector, the command name being argument 0. All arithmetic
//! is done in i64 over bounded values and every loop advances by at least one, so hostile input
//! (huge or negative counts, keywords at the end) can neither panic nor loop.

use crate::spec::*;

/// Read access to a command's arguments, wherever the server keeps them.
pub trait ArgList {
    fn arg_count(&self) -> usize;
    /// The i-th argument; callers only ask for `i < arg_count()`.
    fn arg(&self, i: usize) -> &[u8];
}

impl ArgList for [&[u8]] {
    fn arg_count(&self) -> usize {
        self.len()
    }
    fn arg(&self, i: usize) -> &[u8] {
        self.get(i).copied().unwrap_or_default()
    }
}

impl<const N: usize> ArgList for [&[u8]; N] {
    fn arg_count(&self) -> usize {
        N
    }
    fn arg(&self, i: usize) -> &[u8] {
        self.get(i).copied().unwrap_or_default()
    }
}

impl ArgList for Vec<&[u8]> {
    fn arg_count(&self) -> usize {
        self.len()
    }
    fn arg(&self, i: usize) -> &[u8] {
        self.get(i).copied().unwrap_or_default()
    }
}

impl ArgList for [Vec<u8>] {
    fn arg_count(&self) -> usize {
        self.len()
    }
    fn arg(&self, i: usize) -> &[u8] {
        self.get(i).map(Vec::as_slice).unwrap_or_default()
    }
}

impl ArgList for Vec<Vec<u8>> {
    fn arg_count(&self) -> usize {
        self.len()
    }
    fn arg(&self, i: usize) -> &[u8] {
        self.get(i).map(Vec::as_slice).unwrap_or_default()
    }
}

/// The arguments of `inner` from index `start` on (COMMAND GETKEYS looks at `argv[2..]`).
pub struct ArgsFrom<'a, A: ?Sized> {
    inner: &'a A,
    start: usize,
}

pub fn args_from<A: ArgList + ?Sized>(inner: &A, start: usize) -> ArgsFrom<'_, A> {
    ArgsFrom { inner, start }
}

impl<A: ArgList + ?Sized> ArgList for ArgsFrom<'_, A> {
    fn arg_count(&self) -> usize {
        self.inner.arg_count().saturating_sub(self.start)
    }
    fn arg(&self, i: usize) -> &[u8] {
        self.inner.arg(self.start.saturating_add(i))
    }
}

/// One key found in a command line: its argument index and the `KS_*` flags of its use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyRef {
    pub pos: usize,
    pub flags: u64,
}

/// A key spec could not locate its keys in these arguments (Valkey's "invalid spec").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpecFailed;

/// Whether the command takes keys at all (else COMMAND GETKEYS says it has none).
pub fn has_key_arguments(cmd: &CommandSpec) -> bool {
    cmd.getkeys != GetKeysProc::None || has_real_key_spec(cmd)
}

fn has_real_key_spec(cmd: &CommandSpec) -> bool {
    cmd.key_specs.iter().any(|s| s.flags & KS_NOT_KEY == 0)
}

/// The keys of a command line, as Valkey's `getKeysFromCommandWithSpecs`: key specs first when
/// they are complete and their flags fixed, the command's special finder otherwise. `out` is
/// cleared first; returns the number of keys.
pub fn get_keys<A: ArgList + ?Sized>(cmd: &CommandSpec, args: &A, out: &mut Vec<KeyRef>) -> usize {
    out.clear();
    let variable_flags = cmd
        .key_specs
        .iter()
        .any(|s| s.flags & KS_VARIABLE_FLAGS != 0);
    if has_real_key_spec(cmd) && !variable_flags {
        if keys_from_specs(cmd, args, false, out).is_ok() {
            return out.len();
        }
        out.clear();
    }
    run_getkeys_proc(cmd.getkeys, args, out);
    // The finders assume the arity was checked; never hand out a position past the end.
    let argc = args.arg_count();
    out.retain(|k| k.pos < argc);
    out.len()
}

/// Key positions for locking and slot checks. Returns false when the table cannot promise the
/// list is complete (SORT's BY/GET patterns, which name keys only known at run time), in which
/// case the caller should lock more broadly; the positions found are still pushed.
pub fn key_positions<A, E>(cmd: &CommandSpec, args: &A, out: &mut E) -> bool
where
    A: ArgList + ?Sized,
    E: Extend<usize>,
{
    thread_local! {
        // Reused across calls so the per-command locking path does not allocate.
        static SCRATCH: std::cell::RefCell<Vec<KeyRef>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
        Ok(mut keys) => {
            get_keys(cmd, args, &mut keys);
            out.extend(keys.iter().map(|k| k.pos));
        }
        Err(_) => {
            let mut keys = Vec::new();
            get_keys(cmd, args, &mut keys);
            out.extend(keys.iter().map(|k| k.pos));
        }
    });
    !matches!(cmd.getkeys, GetKeysProc::Sort | GetKeysProc::SortRo)
}

/// Valkey's `getKeysUsingKeySpecs` with default search flags (or with NOT_KEY specs included).
/// Appends to `out`; on failure `out` holds a partial result the caller should discard.
pub fn keys_from_specs<A: ArgList + ?Sized>(
    cmd: &CommandSpec,
    args: &A,
    include_not_keys: bool,
    out: &mut Vec<KeyRef>,
) -> Result<(), SpecFailed> {
    let argc = args.arg_count() as i64;
    for spec in cmd.key_specs {
        if spec.flags & KS_NOT_KEY != 0 && !include_not_keys {
            continue;
        }
        let first = match spec.begin_search {
            BeginSearch::Index { pos } => i64::from(pos),
            BeginSearch::Keyword {
                keyword,
                start_from,
            } => match find_keyword(args, keyword, start_from) {
                Some(i) => i + 1,
                None => continue,
            },
            BeginSearch::Unknown => return Err(SpecFailed),
        };
        // Valkey leaves incomplete specs to the special finder once they match.
        if spec.flags & KS_INCOMPLETE != 0 {
            return Err(SpecFailed);
        }
        let (first, last, step) = match spec.find_keys {
            FindKeys::Range {
                last_key,
                key_step,
                limit,
            } => {
                let last_key = i64::from(last_key);
                let last = if last_key >= 0 {
                    first + last_key
                } else if limit == 0 {
                    argc + last_key
                } else {
                    // Only Valkey's `lastkey -1` form has a limit: keep 1/limit of the rest.
                    first + ((argc - first) / i64::from(limit) + last_key)
                };
                (first, last, i64::from(key_step))
            }
            FindKeys::KeyNum {
                keynum_idx,
                first_key,
                key_step,
            } => {
                let count_pos = first + i64::from(keynum_idx);
                if count_pos < 0 || count_pos >= argc {
                    return Err(SpecFailed);
                }
                let count = ferrokey_util::number::parse_i64_strict(args.arg(count_pos as usize))
                    .filter(|&n| n >= 0)
                    .ok_or(SpecFailed)?;
                // Valkey narrows the count to a C int before use; 2^32+1 counts as 1.
                let count = i64::from(count as i32);
                let first = first + i64::from(first_key);
                (first, first + count - 1, i64::from(key_step))
            }
            FindKeys::Unknown => return Err(SpecFailed),
        };
        if last >= argc || last < first || first >= argc || first < 0 {
            return Err(SpecFailed);
        }
        let step = step.max(1);
        let mut i = first;
        while i <= last {
            out.push(KeyRef {
                pos: i as usize,
                flags: spec.flags,
            });
            i += step;
        }
    }
    Ok(())
}

/// The index of `keyword` (ASCII case-insensitive) searching from `start_from` towards the end,
/// or for negative values from `argc + start_from` towards the start. As in Valkey, the search
/// stops short of its far end (the last argument, or argument 1).
fn find_keyword<A: ArgList + ?Sized>(args: &A, keyword: &str, start_from: i32) -> Option<i64> {
    let argc = args.arg_count() as i64;
    let matches = |i: i64| {
        args.arg(i as usize)
            .eq_ignore_ascii_case(keyword.as_bytes())
    };
    if start_from > 0 {
        (i64::from(start_from)..argc - 1).find(|&i| i >= 1 && matches(i))
    } else {
        let start = argc + i64::from(start_from);
        if start >= argc {
            return None;
        }
        (2..=start).rev().find(|&i| matches(i))
    }
}

/// C's `atoi` as glibc computes it (`(int) strtol(s, NULL, 10)`): leading whitespace, a sign,
/// then digits up to the first non-digit; saturates at the long range, then truncates to int.
pub fn c_atoi(text: &[u8]) -> i32 {
    let mut rest = text;
    while let Some((&c, tail)) = rest.split_first() {
        if matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
            rest = tail;
        } else {
            break;
        }
    }
    let negative = match rest.split_first() {
        Some((b'-', tail)) => {
            rest = tail;
            true
        }
        Some((b'+', tail)) => {
            rest = tail;
            false
        }
        _ => false,
    };
    let mut value: i64 = 0;
    for &c in rest.iter().take_while(|c| c.is_ascii_digit()) {
        let digit = i64::from(c - b'0');
        value = if negative {
            value.saturating_mul(10).saturating_sub(digit)
        } else {
            value.saturating_mul(10).saturating_add(digit)
        };
    }
    value as i32
}

fn arg_is<A: ArgList + ?Sized>(args: &A, i: usize, word: &str) -> bool {
    i < args.arg_count() && args.arg(i).eq_ignore_ascii_case(word.as_bytes())
}

/// Valkey's special key finders, reproduced from their observable behaviour.
fn run_getkeys_proc<A: ArgList + ?Sized>(proc_: GetKeysProc, args: &A, out: &mut Vec<KeyRef>) {
    let argc = args.arg_count();
    match proc_ {
        GetKeysProc::None => {}
        GetKeysProc::NumKeys {
            numkeys_pos,
            first_key_pos,
            store_key_pos,
        } => {
            let (count_pos, first) = (numkeys_pos as usize, first_key_pos as usize);
            if count_pos >= argc {
                return;
            }
            let count = c_atoi(args.arg(count_pos));
            if count < 1 || count as usize > argc.saturating_sub(first) {
                return;
            }
            out.extend((first..first + count as usize).map(|pos| KeyRef { pos, flags: 0 }));
            if store_key_pos != 0 {
                out.push(KeyRef {
                    pos: store_key_pos as usize,
                    flags: 0,
                });
            }
        }
        GetKeysProc::Sort => {
            out.push(KeyRef {
                pos: 1,
                flags: KS_RO | KS_ACCESS,
            });
            let mut store = None;
            let mut i = 2;
            while i < argc {
                if arg_is(args, i, "limit") {
                    i += 2;
                } else if arg_is(args, i, "get") || arg_is(args, i, "by") {
                    i += 1;
                } else if arg_is(args, i, "store") && i + 1 < argc {
                    // The last STORE wins, as in SORT itself.
                    store = Some(i + 1);
                }
                i += 1;
            }
            if let Some(pos) = store {
                out.push(KeyRef {
                    pos,
                    flags: KS_OW | KS_UPDATE,
                });
            }
        }
        GetKeysProc::SortRo => out.push(KeyRef {
            pos: 1,
            flags: KS_RO | KS_ACCESS,
        }),
        GetKeysProc::Migrate => migrate_keys(args, out),
        GetKeysProc::Georadius => {
            out.push(KeyRef { pos: 1, flags: 0 });
            let mut store = None;
            let mut i = 5;
            while i < argc {
                if (arg_is(args, i, "store") || arg_is(args, i, "storedist")) && i + 1 < argc {
                    store = Some(i + 1);
                    i += 1;
                }
                i += 1;
            }
            if let Some(pos) = store {
                out.push(KeyRef { pos, flags: 0 });
            }
        }
        GetKeysProc::Xread => xread_keys(args, out),
        GetKeysProc::Set => {
            let has_get = (3..argc).any(|i| arg_is(args, i, "get"));
            let flags = if has_get {
                KS_RW | KS_ACCESS | KS_UPDATE
            } else {
                KS_OW | KS_UPDATE
            };
            out.push(KeyRef { pos: 1, flags });
        }
        GetKeysProc::Bitfield => {
            let mut readonly = true;
            let mut i = 2;
            while i < argc {
                let remaining = argc - i - 1;
                if arg_is(args, i, "get") && remaining >= 2 {
                    i += 2;
                } else if arg_is(args, i, "overflow") && remaining >= 1 {
                    i += 1;
                } else {
                    // SET/INCRBY, or a syntax error: assume a write, as Valkey does.
                    readonly = false;
                    break;
                }
                i += 1;
            }
            let flags = if readonly {
                KS_RO | KS_ACCESS
            } else {
                KS_RW | KS_ACCESS | KS_UPDATE
            };
            out.push(KeyRef { pos: 1, flags });
        }
    }
}

/// MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw | AUTH2 user pw] [KEYS k...]
fn migrate_keys<A: ArgList + ?Sized>(args: &A, out: &mut Vec<KeyRef>) {
    let argc = args.arg_count();
    let flags = KS_RW | KS_ACCESS | KS_DELETE;
    let mut first = 3;
    let mut count = 1;
    let mut i = 6;
    while i < argc {
        if arg_is(args, i, "keys") {
            if !args.arg(3).is_empty() {
                return; // KEYS with a non-empty key argument is a syntax error.
            }
            first = i + 1;
            count = argc - first;
            break;
        }
        if arg_is(args, i, "auth") {
            i += 1;
        } else if arg_is(args, i, "auth2") {
            i += 2;
        }
        i += 1;
    }
    if first >= argc && count > 0 {
        return;
    }
    out.extend((first..first + count).map(|pos| KeyRef { pos, flags }));
}

/// XREAD/XREADGROUP: parse the options up to STREAMS; the keys are the first half of the rest.
fn xread_keys<A: ArgList + ?Sized>(args: &A, out: &mut Vec<KeyRef>) {
    let argc = args.arg_count();
    let mut streams_pos = None;
    let mut i = 1;
    while i < argc {
        if arg_is(args, i, "block") || arg_is(args, i, "count") {
            i += 1;
        } else if arg_is(args, i, "group") {
            i += 2;
        } else if arg_is(args, i, "noack") {
        } else if arg_is(args, i, "streams") {
            streams_pos = Some(i);
            break;
        } else {
            break;
        }
        i += 1;
    }
    let Some(streams_pos) = streams_pos else {
        return;
    };
    let rest = argc - streams_pos - 1;
    if rest == 0 || rest % 2 != 0 {
        return;
    }
    let first = streams_pos + 1;
    out.extend((first..first + rest / 2).map(|pos| KeyRef { pos, flags: 0 }));
}

/// The legacy (first, last, step) triple of COMMAND INFO, derived from the key specs as Valkey
/// does: only leading index+range specs with step 1 that continue one another count; `last` is
/// absolute when non-negative, counted from the end when negative. `(0, 0, 0)` when none count.
pub fn legacy_key_range(cmd: &CommandSpec) -> (i64, i64, i64) {
    let as_index_range = |spec: &KeySpec| match (spec.begin_search, spec.find_keys) {
        (
            BeginSearch::Index { pos },
            FindKeys::Range {
                last_key, key_step, ..
            },
        ) => Some((i64::from(pos), i64::from(last_key), i64::from(key_step))),
        _ => None,
    };
    if let [only] = cmd.key_specs {
        return match as_index_range(only) {
            Some((pos, last_key, step)) => (
                pos,
                if last_key >= 0 {
                    pos + last_key
                } else {
                    last_key
                },
                step,
            ),
            None => (0, 0, 0),
        };
    }
    let mut first: Option<i64> = None;
    // Valkey keeps `last` as a C int compared as unsigned, so a negative (from-the-end) last
    // key beats every absolute one.
    let mut last: i64 = 0;
    let mut prev_last: i64 = 0;
    for spec in cmd.key_specs {
        let Some((pos, last_key, step)) = as_index_range(spec) else {
            continue;
        };
        if step != 1 || (prev_last != 0 && prev_last != pos - 1) {
            continue;
        }
        first = Some(first.map_or(pos, |f| f.min(pos)));
        let abs_last = if last_key >= 0 {
            last_key + pos
        } else {
            last_key
        };
        last = if (abs_last as u32) > (last as u32) {
            abs_last
        } else {
            last
        };
        prev_last = last;
    }
    match first {
        Some(first) => (first, last, 1),
        None => (0, 0, 0),
    }
}
