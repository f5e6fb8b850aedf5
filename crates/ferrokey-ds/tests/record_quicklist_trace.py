"""Records a trace of random list commands on a real Valkey server with list
compression on, for ferrokey-ds's trace replay tests (quicklist_compress.rs;
data/valkey-8.1-compressed-list-trace.txt came from `... 8 80 3`).  After
each command it writes OBJECT ENCODING, LLEN and the quicklist's node layout
from `DEBUG QUICKLIST key 0` (which the server prints on its stdout, so the
server must run with stdout unbuffered into LOG).

Usage: record_quicklist_trace.py PORT LOG OUT TRIALS OPS [SEED]
  with the server started as
  stdbuf -o0 valkey-server --port PORT --enable-debug-command yes ... > LOG

Trace format: `limit FILL DEPTH` starts a fresh key; every other line is
`op args | encoding len | nodes`, nodes being `-` or space-separated
`C:E:size:count` with C = P(acked)/L(plain) and E = R(aw)/Z (LZF).
Value tokens: `#Xn` is byte X n times, `~S:n` is n pseudo-random bytes and
`*S:n` n pseudo-random letters a-d, both from the 64-bit LCG
s = s * 6364136223846793005 + 1442695040888963407 seeded with S (a byte is
the top 8 bits of s, a letter is b'a' + the top 2 bits); other tokens are
literal.
"""
import random
import re
import sys

import redis

MASK = (1 << 64) - 1


def lcg_bytes(seed, n, letters):
    state, out = seed, bytearray()
    for _ in range(n):
        state = (state * 6364136223846793005 + 1442695040888963407) & MASK
        out.append(ord("a") + (state >> 62) if letters else state >> 56)
    return bytes(out)


def expand(token):
    if token.startswith("#"):
        return token[1:2].encode() * int(token[2:])
    if token[0] in "~*":
        seed, n = token[1:].split(":")
        return lcg_bytes(int(seed), int(n), token[0] == "*")
    return token.encode()


NODE = re.compile(r"\{container : (PACKED|PLAIN), encoding: (RAW|LZF), size: (\d+), count: (\d+)")


def main():
    port, log_path, out_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    trials, ops_per_trial = int(sys.argv[4]), int(sys.argv[5])
    rng = random.Random(int(sys.argv[6]) if len(sys.argv) > 6 else 1)
    r = redis.Redis(port=port)
    log = open(log_path, "rb")
    log.seek(0, 2)

    def value():
        kind = rng.randrange(10)
        if kind < 3:
            return rng.choice(["a", "b", "c", "1", "22", "-5", "x"])
        if kind < 5:
            return "#" + rng.choice("PQR") + str(rng.randrange(1, 300))
        if kind < 7:
            return "*%d:%d" % (rng.randrange(1000), rng.randrange(1, 300))
        if kind < 9:
            return "~%d:%d" % (rng.randrange(1000), rng.randrange(1, 120))
        return "#B" + str(rng.choice([4090, 5000, 9000]))

    def layout():
        log.read()
        r.execute_command("DEBUG", "QUICKLIST", "l", "0")
        text = log.read().decode("latin-1")
        nodes = NODE.findall(text)
        return " ".join(
            "%s:%s:%s:%s" % ("P" if c == "PACKED" else "L", "R" if e == "RAW" else "Z", s, n)
            for c, e, s, n in nodes
        )

    with open(out_path, "w") as out:
        for _ in range(trials):
            fill = rng.choice([1, 2, 3, 4, 8, -1])
            depth = rng.choice([1, 1, 2, 3])
            r.config_set("list-max-listpack-size", fill)
            r.config_set("list-compress-depth", depth)
            r.delete("l")
            out.write("limit %d %d\n" % (fill, depth))
            for _ in range(ops_per_trial):
                n = r.llen("l")
                op = rng.choices(
                    ["push", "pop", "insert", "set", "rem", "trim", "index", "range"],
                    [10, 3, 3, 3, 1, 1, 2, 1],
                )[0]
                if op == "push":
                    args = [rng.choice("HT")] + [value() for _ in range(rng.randrange(1, 6))]
                    cmd = ["LPUSH" if args[0] == "H" else "RPUSH", "l"] + [expand(v) for v in args[1:]]
                elif op == "pop":
                    args = [rng.choice("HT"), str(rng.randrange(1, 4))]
                    cmd = ["LPOP" if args[0] == "H" else "RPOP", "l", args[1]]
                elif op == "insert":
                    pivot = r.lindex("l", rng.randrange(n)) if n else b"nope"
                    if pivot is None or not re.fullmatch(rb"[a-z0-9-]+", pivot):
                        pivot = b"a"
                    args = [rng.choice("BA"), pivot.decode(), value()]
                    cmd = ["LINSERT", "l", "BEFORE" if args[0] == "B" else "AFTER", pivot, expand(args[2])]
                elif op == "set":
                    args = [str(rng.randrange(-n - 2, n + 2)), value()]
                    cmd = ["LSET", "l", args[0], expand(args[1])]
                elif op == "rem":
                    args = [str(rng.randrange(-3, 4)), rng.choice(["a", "b", "c", "1", "x"])]
                    cmd = ["LREM", "l", args[0], args[1]]
                elif op == "trim":
                    args = [str(rng.randrange(-n - 2, 6)), str(rng.randrange(-6, n + 2))]
                    cmd = ["LTRIM", "l", args[0], args[1]]
                elif op == "index":
                    args = [str(rng.randrange(-n - 1, n + 1))]
                    cmd = ["LINDEX", "l", args[0]]
                else:
                    args = [str(rng.randrange(-n - 1, n + 1)), str(rng.randrange(-n - 1, n + 1))]
                    cmd = ["LRANGE", "l", args[0], args[1]]
                try:
                    r.execute_command(*cmd)
                except redis.ResponseError:
                    pass
                encoding = r.object("encoding", "l")
                encoding = encoding.decode() if encoding else "none"
                nodes = layout() if encoding == "quicklist" else "-"
                out.write("%s %s | %s %d | %s\n" % (op, " ".join(args), encoding, r.llen("l"), nodes or "-"))


main()
