#!/usr/bin/env python3
"""Generates ferrokey's command table from Valkey's command JSON.

Usage:
    tools/gen_command_table.py [COMMANDS_JSON]
        Reads the JSON (default: ../shared/reference/valkey-8.0-commands.json relative to the
        repository root) and writes crates/ferrokey-cmdtable/src/generated.rs. The summaries come
        from crates/ferrokey-cmdtable/summaries.tsv (ferrokey's own text, never the JSON's).

    tools/gen_command_table.py overlay --port N
        Asks a running Valkey 8.1 for the commands in OVERLAY_COMMANDS (those 8.1 added or
        changed since the 8.0 JSON) and writes their facts, in the JSON's own schema, to
        crates/ferrokey-cmdtable/valkey-8.1-overlay.json. Generation replaces those commands
        (with all their subcommands) by the overlay's entries.

    tools/gen_command_table.py capture --port N
        Asks a running Valkey on 127.0.0.1:N for COMMAND INFO / COMMAND DOCS / COMMAND GETKEYS
        replies and writes them under crates/ferrokey-cmdtable/tests/fixtures/ for the tests.
        Prose the table does not carry (summaries, key-spec notes) is blanked or dropped there.

valkey-8.1-overlay.json (in the crate, written by the `overlay` mode) replaces the commands Valkey
8.1 added or changed, so the table describes 8.1. valkey-9.0-overlay.json (in the crate, written by
hand from Valkey 9.0's command JSON, as no 9.0 server is at hand) then adds the commands ferrokey
takes from later Valkey releases: the per-field hash expiry family (and HGETDEL, from 9.1). Each
overlay replaces the commands it names, with all their subcommands. The generated table is static data: commands
sorted by name get dense ids, top-level commands first, then each container's subcommands in the
order of their containers. A small open-addressing
hash table (multiplies over a name's lowercased first and last bytes, linear probing) finds top-level names without
allocating. Only facts are carried over from the JSON; commands that exist only in Sentinel mode
are left out, as Valkey's own server leaves them out.
"""

import json
import os
import socket
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CRATE = os.path.join(REPO, "crates", "ferrokey-cmdtable")
DEFAULT_JSON = os.path.join(REPO, "..", "shared", "reference", "valkey-8.0-commands.json")
OUT_RS = os.path.join(CRATE, "src", "generated.rs")
SUMMARIES = os.path.join(CRATE, "summaries.tsv")
FIXTURES = os.path.join(CRATE, "tests", "fixtures")

# Command flags, in the order Valkey prints them in COMMAND INFO; the position is the bit.
# Flags Valkey hides from COMMAND INFO come after the printed ones.
PRINTED_CMD_FLAGS = [
    "WRITE", "READONLY", "DENYOOM", "MODULE", "ADMIN", "PUBSUB", "NOSCRIPT", "BLOCKING",
    "LOADING", "STALE", "SKIP_MONITOR", "SKIP_SLOWLOG", "ASKING", "FAST", "NO_AUTH",
    "NO_MANDATORY_KEYS", "NO_ASYNC_LOADING", "NO_MULTI", "MOVABLE_KEYS", "ALLOW_BUSY",
]
HIDDEN_CMD_FLAGS = ["MAY_REPLICATE", "SENTINEL", "ONLY_SENTINEL", "PROTECTED",
                    "TOUCHES_ARBITRARY_KEYS"]
CMD_FLAGS = PRINTED_CMD_FLAGS + HIDDEN_CMD_FLAGS

# ACL categories in Valkey's order (ACL CAT and COMMAND INFO print them this way).
ACL_CATEGORIES = [
    "KEYSPACE", "READ", "WRITE", "SET", "SORTEDSET", "LIST", "HASH", "STRING", "BITMAP",
    "HYPERLOGLOG", "GEO", "STREAM", "PUBSUB", "ADMIN", "FAST", "SLOW", "BLOCKING", "DANGEROUS",
    "CONNECTION", "TRANSACTION", "SCRIPTING",
]

KEY_FLAGS = ["RO", "RW", "OW", "RM", "ACCESS", "UPDATE", "INSERT", "DELETE", "NOT_KEY",
             "INCOMPLETE", "VARIABLE_FLAGS"]
ARG_FLAGS = ["optional", "multiple", "multiple_token"]
DOC_FLAGS = ["DEPRECATED", "SYSCMD"]
ARG_KINDS = {
    "string": "String", "integer": "Integer", "double": "Double", "key": "Key",
    "pattern": "Pattern", "unix-time": "UnixTime", "pure-token": "PureToken",
    "oneof": "OneOf", "block": "Block",
}

# Valkey's special key-finding functions, as data: which fallback the command uses when its key
# specs cannot answer (see keys.rs).
GETKEYS_PROCS = {
    "bitfieldGetKeys": "GetKeysProc::Bitfield",
    "setGetKeys": "GetKeysProc::Set",
    "sortGetKeys": "GetKeysProc::Sort",
    "sortROGetKeys": "GetKeysProc::SortRo",
    "migrateGetKeys": "GetKeysProc::Migrate",
    "georadiusGetKeys": "GetKeysProc::Georadius",
    "xreadGetKeys": "GetKeysProc::Xread",
    "evalGetKeys": "GetKeysProc::NumKeys { numkeys_pos: 2, first_key_pos: 3, store_key_pos: 0 }",
    "functionGetKeys": "GetKeysProc::NumKeys { numkeys_pos: 2, first_key_pos: 3, store_key_pos: 0 }",
    "blmpopGetKeys": "GetKeysProc::NumKeys { numkeys_pos: 2, first_key_pos: 3, store_key_pos: 0 }",
    "lmpopGetKeys": "GetKeysProc::NumKeys { numkeys_pos: 1, first_key_pos: 2, store_key_pos: 0 }",
    "zmpopGetKeys": "GetKeysProc::NumKeys { numkeys_pos: 1, first_key_pos: 2, store_key_pos: 0 }",
    "sintercardGetKeys": "GetKeysProc::NumKeys { numkeys_pos: 1, first_key_pos: 2, store_key_pos: 0 }",
    "zunionInterDiffGetKeys":
        "GetKeysProc::NumKeys { numkeys_pos: 1, first_key_pos: 2, store_key_pos: 0 }",
    "zunionInterDiffStoreGetKeys":
        "GetKeysProc::NumKeys { numkeys_pos: 2, first_key_pos: 3, store_key_pos: 1 }",
}

LOOKUP_SLOTS = 512
OVERLAY = os.path.join(CRATE, "valkey-8.1-overlay.json")
# Applied after OVERLAY: commands of later Valkey releases, written by hand (never regenerated).
LATER_OVERLAY = os.path.join(CRATE, "valkey-9.0-overlay.json")

# Commands whose 8.1 facts differ from the 8.0 JSON (found by comparing COMMAND INFO / DOCS).
OVERLAY_COMMANDS = ["bgsave", "client", "commandlog", "hello", "memory", "set", "slowlog"]
# New 8.1 commands take the flags COMMAND INFO hides from an older command of the same kind.
HIDDEN_FLAGS_FROM = {"commandlog": "slowlog"}


NAME_HASH_HEAD_MULTIPLIER = 0x9E3779B97F4A7C15
NAME_HASH_TAIL_MULTIPLIER = 0xC2B2AE3D27D4EB4F
U64 = (1 << 64) - 1


def name_hash(name):
    """lookup.rs's NameWords::hash of a lowercase name: two words of its bytes (the first and
    last 8; below 8, the first and last 4 in the first word and 0; below 4, the bytes
    zero-padded and 0), each multiplied by its own constant, the first mixed with the length."""
    data = name.lower().encode()
    if len(data) >= 8:
        head = int.from_bytes(data[:8], "little")
        tail = int.from_bytes(data[-8:], "little")
    elif len(data) >= 4:
        head = int.from_bytes(data[:4], "little") | int.from_bytes(data[-4:], "little") << 32
        tail = 0
    else:
        head, tail = int.from_bytes(data, "little"), 0
    mixed = (((head ^ len(data)) * NAME_HASH_HEAD_MULTIPLIER) & U64) ^ (
        (tail * NAME_HASH_TAIL_MULTIPLIER) & U64)
    return mixed >> 32


def rs_str(s):
    out = ['"']
    for ch in s:
        if ch in '\\"':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ord(ch) < 0x20:
            out.append("\\u{%x}" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def rs_opt(s):
    return "None" if s is None else "Some(%s)" % rs_str(s)


def bits(names, table, prefix):
    parts = []
    for n in names:
        if n not in table:
            raise SystemExit("unknown flag %r" % n)
        parts.append(prefix + n)
    return " | ".join(parts) if parts else "0"


def is_index_range(spec):
    return "index" in spec["begin_search"] and "range" in spec["find_keys"]


def has_movable_keys(specs):
    """Valkey sets MOVABLE_KEYS exactly when its legacy (first, last, step) triple cannot
    describe every key: a non index+range spec, a non-unit step, a gap, or an INCOMPLETE spec."""
    if not specs:
        return False
    if len(specs) == 1 and is_index_range(specs[0]):
        return "INCOMPLETE" in specs[0]["flags"]
    movable = False
    found = False
    prev_last = 0
    last = 0
    for spec in specs:
        if not is_index_range(spec):
            movable = True
            continue
        pos = spec["begin_search"]["index"]["pos"]
        rng = spec["find_keys"]["range"]
        if rng["step"] != 1 or (prev_last and prev_last != pos - 1):
            movable = True
            continue
        if "INCOMPLETE" in spec["flags"]:
            movable = True
        found = True
        abs_last = rng["lastkey"] + pos if rng["lastkey"] >= 0 else rng["lastkey"]
        last = max(last & 0xFFFFFFFF, abs_last & 0xFFFFFFFF)
        if last >= 1 << 31:
            last -= 1 << 32
        prev_last = last
    return movable or not found


def implied_categories(cats, flags):
    """Valkey adds categories that follow from the command flags."""
    cats = set(cats)
    if "WRITE" in flags:
        cats.add("WRITE")
    if "READONLY" in flags and "SCRIPTING" not in cats:
        cats.add("READ")
    if "ADMIN" in flags:
        cats |= {"ADMIN", "DANGEROUS"}
    if "PUBSUB" in flags:
        cats.add("PUBSUB")
    if "FAST" in flags:
        cats.add("FAST")
    if "BLOCKING" in flags:
        cats.add("BLOCKING")
    if "FAST" not in cats:
        cats.add("SLOW")
    return [c for c in ACL_CATEGORIES if c in cats]


def key_spec_rs(spec):
    bs = spec["begin_search"]
    fk = spec["find_keys"]
    if "index" in bs:
        bs_rs = "BeginSearch::Index { pos: %d }" % bs["index"]["pos"]
    elif "keyword" in bs:
        bs_rs = "BeginSearch::Keyword { keyword: %s, start_from: %d }" % (
            rs_str(bs["keyword"]["keyword"]), bs["keyword"]["startfrom"])
    else:
        bs_rs = "BeginSearch::Unknown"
    if "range" in fk:
        r = fk["range"]
        fk_rs = "FindKeys::Range { last_key: %d, key_step: %d, limit: %d }" % (
            r["lastkey"], r["step"], r["limit"])
    elif "keynum" in fk:
        k = fk["keynum"]
        fk_rs = "FindKeys::KeyNum { keynum_idx: %d, first_key: %d, key_step: %d }" % (
            k["keynumidx"], k["firstkey"], k["step"])
    else:
        fk_rs = "FindKeys::Unknown"
    return "KeySpec { flags: %s, begin_search: %s, find_keys: %s }" % (
        bits(spec["flags"], KEY_FLAGS, "KS_"), bs_rs, fk_rs)


def truthy(v):
    return v is True or v == "true"


def args_rs(args, indent):
    if not args:
        return "&[]"
    pad = " " * indent
    items = []
    for a in args:
        kind = ARG_KINDS[a["type"]]
        flags = [f for f in ARG_FLAGS if truthy(a.get(f))]
        ksi = a.get("key_spec_index")
        # Valkey's build lowercases argument names and uppercases tokens; a token written as
        # `""` in the JSON stands for the empty string.
        token = a.get("token")
        if token is not None:
            token = "" if token == '""' else token.upper()
        items.append(
            "%sArgSpec { name: %s, kind: ArgKind::%s, key_spec_index: %s, token: %s, "
            "display: %s, flags: %s, since: %s, deprecated_since: %s, arguments: %s }" % (
                pad, rs_str(a["name"].lower()), kind, "None" if ksi is None else "Some(%d)" % ksi,
                rs_opt(token), rs_opt(a.get("display")),
                bits([f.upper() for f in flags], [f.upper() for f in ARG_FLAGS], "ARG_"),
                rs_opt(a.get("since")), rs_opt(a.get("deprecated_since")),
                args_rs(a.get("arguments"), indent + 4)))
    return "&[\n" + ",\n".join(items) + ",\n" + " " * (indent - 4) + "]"


def load_summaries():
    out = {}
    if not os.path.exists(SUMMARIES):
        return out
    with open(SUMMARIES, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            name, sep, text = line.partition("\t")
            if not sep:
                raise SystemExit("%s:%d: expected command<TAB>summary" % (SUMMARIES, n))
            out[name.strip().lower()] = text.strip()
    return out


def const_name(full):
    return full.upper().replace("|", "_").replace("-", "_")


def generate(json_path):
    with open(json_path, encoding="utf-8") as f:
        raw = json.load(f)
    reference = set(raw)
    later = set()
    for path in (OVERLAY, LATER_OVERLAY):
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as f:
            overlay = json.load(f)
        replaced = {k.split("|")[0] for k in overlay}
        raw = {k: v for k, v in raw.items() if k.split("|")[0] not in replaced}
        raw.update(overlay)
        if path == OVERLAY:
            reference |= set(overlay)
        else:
            later = {k.lower() for k in overlay if k not in reference}
    cmds = {}
    for key, v in raw.items():
        if "ONLY_SENTINEL" in v.get("command_flags", []):
            continue
        cmds[key.lower()] = v
    tops = sorted(k for k in cmds if "|" not in k)
    order = list(tops)
    sub_ranges = {}
    for t in tops:
        subs = sorted(k for k in cmds if k.startswith(t + "|"))
        sub_ranges[t] = (len(order), len(subs)) if subs else (0, 0)
        order.extend(subs)
    ids = {name: i for i, name in enumerate(order)}
    summaries = load_summaries()
    missing = [n for n in order if not summaries.get(n)]
    unknown = sorted(set(summaries) - set(order))
    if unknown:
        raise SystemExit("summaries.tsv names unknown commands: " + ", ".join(unknown))

    lines = []
    w = lines.append
    w("// @generated by tools/gen_command_table.py from Valkey 8.0's command JSON,")
    w("// valkey-8.1-overlay.json and valkey-9.0-overlay.json. Do not edit. Facts (names, arity,")
    w("// flags, key specs, arguments, history) come from those; summaries are ferrokey's own")
    w("// (summaries.tsv).")
    w("")
    w("use crate::spec::*;")
    w("")
    w("/// Number of commands and subcommands; ids are `0..COMMAND_COUNT`.")
    w("pub const COMMAND_COUNT: usize = %d;" % len(order))
    w("/// Top-level commands hold ids `0..TOP_LEVEL_COUNT`, sorted by name.")
    w("pub const TOP_LEVEL_COUNT: usize = %d;" % len(tops))
    w("/// Commands Valkey 8.1 does not have (from valkey-9.0-overlay.json), sorted: tests that")
    w("/// compare with replies captured from 8.1 leave them out.")
    w("pub const ADDED_AFTER_8_1: &[&str] = &[%s];" % ", ".join(rs_str(n) for n in sorted(later)))
    w("")
    w("/// Command ids by name, for binding handlers without a lookup.")
    w("pub mod ids {")
    seen_consts = set()
    for name in order:
        c = const_name(name)
        if c in seen_consts:
            raise SystemExit("id constant collision: " + c)
        seen_consts.add(c)
        w("    pub const %s: u16 = %d;" % (c, ids[name]))
    w("}")
    w("")
    w("pub static COMMANDS: &[CommandSpec] = &[")
    for name in order:
        v = cmds[name]
        flags = list(v.get("command_flags", []))
        specs = v.get("key_specs", [])
        if has_movable_keys(specs):
            flags.append("MOVABLE_KEYS")
        cats = implied_categories([c for c in v.get("acl_categories", [])], flags)
        parent = name.split("|")[0] if "|" in name else None
        first_sub, sub_count = sub_ranges.get(name, (0, 0))
        getkeys = GETKEYS_PROCS.get(v.get("get_keys_function"), "GetKeysProc::None")
        if v.get("get_keys_function") and v["get_keys_function"] not in GETKEYS_PROCS:
            raise SystemExit("unmapped getkeys function " + v["get_keys_function"])
        tips = [t.lower() for t in v.get("command_tips", [])]
        history = v.get("history", [])
        w("    CommandSpec {")
        w("        id: %d," % ids[name])
        w("        name: %s," % rs_str(name.split("|")[-1]))
        w("        full_name: %s," % rs_str(name))
        w("        parent: %s," % ("None" if parent is None else "Some(%d)" % ids[parent]))
        w("        subcommands: Subcommands { first: %d, count: %d }," % (first_sub, sub_count))
        w("        arity: %d," % v["arity"])
        w("        flags: %s," % bits(flags, CMD_FLAGS, "CMD_"))
        w("        acl_categories: %s," % bits(cats, ACL_CATEGORIES, "ACL_"))
        if specs:
            w("        key_specs: &[")
            for s in specs:
                w("            %s," % key_spec_rs(s))
            w("        ],")
        else:
            w("        key_specs: &[],")
        w("        getkeys: %s," % getkeys)
        w("        tips: &[%s]," % ", ".join(rs_str(t) for t in tips))
        w("        docs: CommandDocs {")
        w("            summary: %s," % rs_str(summaries.get(name, "")))
        w("            since: %s," % rs_str(v["since"]))
        w("            group: %s," % rs_str(v["group"].replace("_", "-")))
        w("            complexity: %s," % rs_opt(v.get("complexity")))
        w("            doc_flags: %s," % bits(v.get("doc_flags", []), DOC_FLAGS, "DOC_"))
        w("            deprecated_since: %s," % rs_opt(v.get("deprecated_since")))
        w("            replaced_by: %s," % rs_opt(v.get("replaced_by")))
        w("            history: &[%s]," % ", ".join(
            "(%s, %s)" % (rs_str(a), rs_str(b)) for a, b in history))
        w("            arguments: %s," % args_rs(v.get("arguments"), 16))
        w("        },")
        w("    },")
    w("];")
    w("")
    slots = [None] * LOOKUP_SLOTS
    for name in tops:
        i = name_hash(name) % LOOKUP_SLOTS
        while slots[i] is not None:
            i = (i + 1) % LOOKUP_SLOTS
        slots[i] = ids[name]
    w("/// Open-addressing table of top-level ids (`u16::MAX` = empty), probed linearly from")
    w("/// `name_hash(name) % LOOKUP_SLOTS` (lookup.rs: `NameWords::hash`).")
    w("pub(crate) const LOOKUP_SLOTS: usize = %d;" % LOOKUP_SLOTS)
    w("pub(crate) static LOOKUP: [u16; LOOKUP_SLOTS] = [")
    row = []
    for s in slots:
        row.append("u16::MAX" if s is None else str(s))
        if len(row) == 12:
            w("    " + ", ".join(row) + ",")
            row = []
    if row:
        w("    " + ", ".join(row) + ",")
    w("];")
    with open(OUT_RS, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote %s: %d commands (%d top-level)" % (OUT_RS, len(order), len(tops)))
    if missing:
        print("%d commands have no summary in summaries.tsv" % len(missing))


# ---------------------------------------------------------------------------------------------
# Fixture capture from a real server.

class Resp:
    """A typed RESP value: kind is the type byte, value a str/int/list/None."""

    def __init__(self, kind, value):
        self.kind = kind
        self.value = value


def resp_parse(buf, pos):
    end = buf.index(b"\r\n", pos)
    kind = buf[pos:pos + 1]
    body = buf[pos + 1:end]
    nxt = end + 2
    if kind in (b"+", b"-", b":", b"_", b",", b"#", b"("):
        return Resp(kind, body), nxt
    if kind in (b"$", b"=", b"!"):
        n = int(body)
        if n < 0:
            return Resp(kind, None), nxt
        return Resp(kind, buf[nxt:nxt + n]), nxt + n + 2
    if kind in (b"*", b"~", b"%", b">"):
        n = int(body)
        if n < 0:
            return Resp(kind, None), nxt
        if kind == b"%":
            n *= 2
        items = []
        for _ in range(n):
            item, nxt = resp_parse(buf, nxt)
            items.append(item)
        return Resp(kind, items), nxt
    raise ValueError("unexpected RESP type %r" % kind)


def resp_encode(v):
    if v.kind in (b"$", b"=", b"!"):
        if v.value is None:
            return v.kind + b"-1\r\n"
        return v.kind + b"%d\r\n" % len(v.value) + v.value + b"\r\n"
    if v.kind in (b"*", b"~", b"%", b">"):
        if v.value is None:
            return v.kind + b"-1\r\n"
        n = len(v.value) // 2 if v.kind == b"%" else len(v.value)
        return v.kind + b"%d\r\n" % n + b"".join(resp_encode(i) for i in v.value)
    return v.kind + v.value + b"\r\n"


def strip_prose(v, resp3):
    """Blanks `summary` values and drops `notes` pairs: text ferrokey writes itself or omits."""
    if v.kind not in (b"*", b"%") or v.value is None:
        if v.kind == b"~" and v.value:
            for i in v.value:
                strip_prose(i, resp3)
        return v
    items = v.value
    is_pairs = v.kind == b"%" or (not resp3 and len(items) % 2 == 0)
    if is_pairs:
        out = []
        i = 0
        while i + 1 < len(items):
            k, val = items[i], items[i + 1]
            if k.kind == b"$" and k.value == b"notes" and val.kind == b"$":
                i += 2
                continue
            if k.kind == b"$" and k.value == b"summary" and val.kind == b"$":
                val = Resp(b"$", b"")
            out.extend([strip_prose(k, resp3), strip_prose(val, resp3)])
            i += 2
        v.value = out
    else:
        for i in items:
            strip_prose(i, resp3)
    return v


class Conn:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.buf = b""

    def call(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.sock.sendall(out)
        while True:
            try:
                value, end = resp_parse(self.buf, 0)
            except (ValueError, IndexError):
                value = None
            if value is not None:
                raw, self.buf = self.buf[:end], self.buf[end:]
                return raw
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise EOFError
            self.buf += chunk


def resp_text(v):
    return v.value.decode() if v.value is not None else None


def resp_pairs(v):
    items = v.value or []
    return {resp_text(items[i]): items[i + 1] for i in range(0, len(items), 2)}


def overlay_key_spec(v):
    m = resp_pairs(v)
    bs = resp_pairs(m["begin_search"])
    fk = resp_pairs(m["find_keys"])
    bs_spec = resp_pairs(bs["spec"])
    fk_spec = resp_pairs(fk["spec"])
    bs_type = resp_text(bs["type"])
    fk_type = resp_text(fk["type"])
    if bs_type == "index":
        begin = {"index": {"pos": int(bs_spec["index"].value)}}
    elif bs_type == "keyword":
        begin = {"keyword": {"keyword": resp_text(bs_spec["keyword"]),
                             "startfrom": int(bs_spec["startfrom"].value)}}
    else:
        begin = {"unknown": None}
    if fk_type == "range":
        find = {"range": {"lastkey": int(fk_spec["lastkey"].value),
                          "step": int(fk_spec["keystep"].value),
                          "limit": int(fk_spec["limit"].value)}}
    elif fk_type == "keynum":
        find = {"keynum": {"keynumidx": int(fk_spec["keynumidx"].value),
                           "firstkey": int(fk_spec["firstkey"].value),
                           "step": int(fk_spec["keystep"].value)}}
    else:
        find = {"unknown": None}
    flags = [resp_text(f).upper() for f in m["flags"].value]
    return {"begin_search": begin, "find_keys": find, "flags": flags}


def overlay_args(v):
    out = []
    for item in v.value:
        m = resp_pairs(item)
        arg = {"name": resp_text(m["name"]), "type": resp_text(m["type"])}
        if "display_text" in m and resp_text(m["display_text"]) != arg["name"]:
            arg["display"] = resp_text(m["display_text"])
        if "key_spec_index" in m:
            arg["key_spec_index"] = int(m["key_spec_index"].value)
        if "token" in m:
            arg["token"] = resp_text(m["token"]) or '""'
        for field in ("since", "deprecated_since"):
            if field in m:
                arg[field] = resp_text(m[field])
        for f in m.get("flags", Resp(b"~", [])).value:
            arg[resp_text(f)] = True
        if "arguments" in m:
            arg["arguments"] = overlay_args(m["arguments"])
        out.append(arg)
    return out


def overlay_entry(info, docs, old):
    """One command's facts in the JSON schema, from its COMMAND INFO entry and DOCS map."""
    items = info.value
    full = resp_text(items[0])
    flags = []
    for f in items[2].value:
        name = resp_text(f).upper()
        if name == "MOVABLEKEYS":
            continue
        flags.append("SKIP_SLOWLOG" if name == "SKIP_COMMANDLOG" else name)
    flags += [f for f in (old or {}).get("command_flags", []) if f in HIDDEN_CMD_FLAGS]
    entry = {
        "arity": int(items[1].value),
        "command_flags": flags,
        "acl_categories": [resp_text(c)[1:].upper() for c in items[6].value],
        "command_tips": [resp_text(t).upper() for t in items[7].value],
        "key_specs": [overlay_key_spec(k) for k in items[8].value],
    }
    if "|" in full:
        entry["container"] = full.split("|")[0].upper()
    d = resp_pairs(docs)
    entry["since"] = resp_text(d["since"])
    entry["group"] = resp_text(d["group"]).replace("-", "_")
    for field in ("complexity", "deprecated_since", "replaced_by"):
        if field in d:
            entry[field] = resp_text(d[field])
    if "doc_flags" in d:
        entry["doc_flags"] = [resp_text(f).upper() for f in d["doc_flags"].value]
    if "history" in d:
        entry["history"] = [[resp_text(h.value[0]), resp_text(h.value[1])]
                            for h in d["history"].value]
    if "arguments" in d:
        entry["arguments"] = overlay_args(d["arguments"])
    if old and old.get("get_keys_function"):
        entry["get_keys_function"] = old["get_keys_function"]
    for key in [k for k, v in entry.items() if v == []]:
        del entry[key]
    return full, entry


def derive_overlay(port, json_path):
    with open(json_path, encoding="utf-8") as f:
        old = {k.lower(): v for k, v in json.load(f).items()}
    conn = Conn(port)
    conn.call("HELLO", "3")
    overlay = {}
    for name in OVERLAY_COMMANDS:
        info = resp_parse(conn.call("COMMAND", "INFO", name), 0)[0].value[0]
        docs_map = resp_parse(conn.call("COMMAND", "DOCS", name), 0)[0].value[1]
        entries = [(info, docs_map)]
        subs_docs = resp_pairs(resp_pairs(docs_map).get("subcommands", Resp(b"%", [])))
        for sub in info.value[9].value or []:
            entries.append((sub, subs_docs[resp_text(sub.value[0])]))
        for inf, doc in entries:
            full = resp_text(inf.value[0])
            base = old.get(full)
            if base is None:
                parts = full.split("|")
                like = HIDDEN_FLAGS_FROM.get(parts[0])
                base = old.get("|".join([like] + parts[1:])) if like else None
            key, entry = overlay_entry(inf, doc, base)
            overlay[key.upper()] = entry
    with open(OVERLAY, "w", encoding="utf-8") as f:
        json.dump(dict(sorted(overlay.items())), f, indent=1, sort_keys=True)
        f.write("\n")
    print("wrote %s: %d commands" % (OVERLAY, len(overlay)))


def write_fixture(name, data):
    os.makedirs(FIXTURES, exist_ok=True)
    with open(os.path.join(FIXTURES, name), "wb") as f:
        f.write(data)


# Commands whose replies are also kept in RESP2 (RESP3 is kept for all of them).
RESP2_SELECTION = [
    "get", "set", "mset", "del", "zunionstore", "xread", "eval", "migrate", "sort", "georadius",
    "object", "client", "config", "blmpop", "bitfield", "spublish", "keys", "ping", "hset",
    "xadd", "lpos", "zadd",
]


def capture(port):
    import shlex
    c2 = Conn(port)
    c3 = Conn(port)
    c3.call("HELLO", "3")
    names = [e.value[0].value.decode() for e in resp_parse(c2.call("COMMAND"), 0)[0].value]
    names.sort()
    for proto, conn in (("resp3", c3), ("resp2", c2)):
        chosen = names if proto == "resp3" else RESP2_SELECTION
        info = b"".join(conn.call("COMMAND", "INFO", n) for n in chosen)
        docs = b""
        for n in chosen:
            v, _ = resp_parse(conn.call("COMMAND", "DOCS", n), 0)
            docs += resp_encode(strip_prose(v, proto == "resp3"))
        info_clean = b""
        pos = 0
        while pos < len(info):
            v, pos = resp_parse(info, pos)
            info_clean += resp_encode(strip_prose(v, proto == "resp3"))
        write_fixture("info_%s.resp" % proto, info_clean)
        write_fixture("docs_%s.resp" % proto, docs)
    # COMMAND GETKEYSANDFLAGS for the command lines in getkeys_cases.txt.
    cases_path = os.path.join(FIXTURES, "getkeys_cases.txt")
    out = b""
    with open(cases_path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            args = shlex.split(line)
            for proto, conn in (("2", c2), ("3", c3)):
                for sub in ("GETKEYS", "GETKEYSANDFLAGS"):
                    reply = conn.call("COMMAND", sub, *args)
                    out += b"%s %s %s\n" % (proto.encode(), sub.encode(), line.encode())
                    out += reply.replace(b"\r\n", b"\\r\\n") + b"\n"
    write_fixture("getkeys_replies.txt", out)
    # Miscellaneous replies compared verbatim.
    misc = [
        ("COMMAND", "HELP"), ("COMMAND", "COUNT"), ("COMMAND", "INFO", "nosuch", "get|x"),
        ("COMMAND", "INFO", "client|list", "CONFIG|get", "client|nosuch", "get|x", "client list"),
        ("COMMAND", "DOCS", "nosuch", "get", "client|kill"), ("COMMAND", "DOCS", "nosuch"),
        ("COMMAND", "GETKEYS"), ("COMMAND", "LIST", "FILTERBY"), ("COMMAND", "LIST", "FOO"),
        ("COMMAND", "LIST", "FILTERBY", "FOO", "x"), ("COMMAND", "LIST", "FILTERBY", "ACLCAT"),
        ("COMMAND", "LIST", "FILTERBY", "MODULE", "m"),
        ("COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuch"),
        ("COMMAND", "LIST", "FILTERBY", "PATTERN", "x", "y"),
        ("COMMAND", "NOSUCH"), ("COMMAND", "COUNT", "x"),
    ]
    out = b""
    for args in misc:
        for proto, conn in (("2", c2), ("3", c3)):
            out += b"%s %s\n" % (proto.encode(), shlex.join(args).encode())
            out += conn.call(*args).replace(b"\r\n", b"\\r\\n") + b"\n"
    write_fixture("misc_replies.txt", out)
    # COMMAND LIST variants are compared as sets of names (Valkey's order is its dict's).
    lists = b""
    for args in (("COMMAND", "LIST"), ("COMMAND", "LIST", "FILTERBY", "ACLCAT", "hash"),
                 ("COMMAND", "LIST", "FILTERBY", "ACLCAT", "SLOW"),
                 ("COMMAND", "LIST", "FILTERBY", "PATTERN", "cl*"),
                 ("COMMAND", "LIST", "FILTERBY", "PATTERN", "*|*"),
                 ("COMMAND", "LIST", "FILTERBY", "PATTERN", "X[A-C]*")):
        v, _ = resp_parse(c2.call(*args), 0)
        names_l = sorted(i.value.decode() for i in v.value)
        lists += b"%s\n%s\n" % (shlex.join(args).encode(), " ".join(names_l).encode())
    write_fixture("list_replies.txt", lists)
    print("fixtures written to " + FIXTURES)


def main(argv):
    if len(argv) >= 1 and argv[0] == "capture":
        if len(argv) != 3 or argv[1] != "--port":
            raise SystemExit("usage: gen_command_table.py capture --port N")
        capture(int(argv[2]))
        return
    if len(argv) >= 1 and argv[0] == "overlay":
        if len(argv) not in (3, 4) or argv[1] != "--port":
            raise SystemExit("usage: gen_command_table.py overlay --port N [COMMANDS_JSON]")
        derive_overlay(int(argv[2]), argv[3] if len(argv) == 4 else DEFAULT_JSON)
        return
    generate(argv[0] if argv else DEFAULT_JSON)


if __name__ == "__main__":
    main(sys.argv[1:])
