#!/usr/bin/env python3
"""Writes a seeded random script of keyspace commands (keys, expiry, dbs,
transactions) for ../coll_data/record.py to record against redis-server.

Usage: generate.py SEED N > ../coll_data/keyspace_random.cmds
       ../coll_data/record.py PORT ../coll_data/keyspace_random.cmds

Only replies that do not depend on the clock or on hash order are
recorded as they are: TTLs are set in whole thousands of seconds (TTL reads
the same on both sides), absolute times are in the past or are read back
with EXPIRETIME and dropped at once, and KEYS/SCAN replies compare as
multisets (`~`). OBJECT REFCOUNT is left out: a COPY of a shared small
integer has refcount 1 in Redis, which the engine does not track.
"""
import random
import sys

KEYS = ["a", "b", "c", "d"]


def command(rng):
    k, k2 = rng.choice(KEYS), rng.choice(KEYS)
    choices = [
        lambda: f"SET {k} {rng.randint(0, 20000)}",
        lambda: f"SET {k} v{rng.randint(0, 9)}",
        lambda: f"RPUSH {k} x",
        lambda: f"GET {k}",
        lambda: f"DEL {k} {k2}",
        lambda: f"UNLINK {k}",
        lambda: f"EXISTS {k} {k2} {k}",
        lambda: f"TOUCH {k} {k2}",
        lambda: f"TYPE {k}",
        lambda: f"RENAME {k} {k2}",
        lambda: f"RENAMENX {k} {k2}",
        lambda: f"MOVE {k} {rng.randint(0, 2)}",
        lambda: f"COPY {k} {k2}" + rng.choice(["", " REPLACE", f" DB {rng.randint(0, 2)}", f" DB {rng.randint(0, 2)} REPLACE"]),
        lambda: f"{rng.choice(['EXPIRE', 'PEXPIRE'])} {k} {rng.choice([-1, 0, 1000, 2000, 3000])}{'000' if rng.random() < 0.3 else ''}" + rng.choice(["", " NX", " XX", " GT", " LT"]),
        lambda: f"EXPIREAT {k} 100" + rng.choice(["", " GT", " LT", " NX"]),
        # An absolute future time is read back absolutely, then dropped, so
        # no TTL (which would depend on the recording's clock) sees it.
        lambda: f"PEXPIREAT {k} {rng.choice([33177117420999, 33177117420000])}"
        + f"\nEXPIRETIME {k}\nPEXPIRETIME {k}\nPERSIST {k}",
        lambda: f"PERSIST {k}",
        lambda: f"TTL {k}",
        lambda: f"OBJECT ENCODING {k}",
        lambda: "DBSIZE",
        lambda: f"SELECT {rng.randint(0, 2)}",
        lambda: f"SWAPDB {rng.randint(0, 2)} {rng.randint(0, 2)}",
        lambda: "~ KEYS *",
        lambda: f"~ KEYS {rng.choice(['[ab]', '?', '*c*', '[^a]'])}",
        lambda: "~ SCAN 0 COUNT 100",
        lambda: f"~ SCAN 0 MATCH {rng.choice(['a', '[cd]'])} TYPE {rng.choice(['string', 'list'])} COUNT 100",
        lambda: "FLUSHDB" if rng.random() < 0.3 else "DBSIZE",
    ]
    return rng.choice(choices)()


def transaction(rng):
    queued = [command(rng) for _ in range(rng.randint(0, 4))]
    # Multiset replies and multi-line groups stay outside transactions.
    lines = ["MULTI"] + [c for c in queued if not c.startswith("~") and "\n" not in c]
    lines.append(rng.choice(["EXEC", "EXEC", "DISCARD"]))
    return lines


def main():
    seed, n = int(sys.argv[1]), int(sys.argv[2])
    rng = random.Random(seed)
    print(f"# generate.py {seed} {n}")
    for _ in range(n):
        if rng.random() < 0.05:
            print("\n".join(transaction(rng)))
        else:
            print(command(rng))


if __name__ == "__main__":
    main()
