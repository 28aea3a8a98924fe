#!/usr/bin/env python3
"""Records what a real redis-server replies to a command script.

Usage: record.py PORT NAME.cmds...   (writes NAME.txt next to each script)

A script has one command per line: words split on spaces, "double quoted"
words may hold spaces and the escapes \\" \\\\ \\r \\n \\xNN; `#` starts a
comment line. `!resp3` / `!resp2` switch the protocol; `!redis CMD` runs
CMD on redis only, unrecorded (to align its config with the engine's). A command prefixed
with `~` has its (flat) reply compared as a multiset, for replies whose
order Redis leaves unspecified (hashtable sets and hashes); `~2` compares
pairs (HGETALL). The output pairs each command with its escaped raw reply;
the Rust tests (collections_support) replay it against the engine.
"""
import socket
import sys


def words(line):
    out, i, n = [], 0, len(line)
    while i < n:
        if line[i] == " ":
            i += 1
            continue
        if line[i] == '"':
            i += 1
            buf = bytearray()
            while line[i] != '"':
                c = line[i]
                if c == "\\":
                    e = line[i + 1]
                    if e == "x":
                        buf.append(int(line[i + 2:i + 4], 16))
                        i += 4
                        continue
                    buf += {"r": b"\r", "n": b"\n"}.get(e, e.encode())
                    i += 2
                    continue
                buf += c.encode()
                i += 1
            out.append(bytes(buf))
            i += 1
        else:
            j = line.find(" ", i)
            j = n if j < 0 else j
            out.append(line[i:j].encode())
            i = j
    return out


def escape(data):
    out = []
    for b in data:
        if b == 13:
            out.append("\\r")
        elif b == 10:
            out.append("\\n")
        elif b == 92:
            out.append("\\\\")
        elif 32 <= b < 127:
            out.append(chr(b))
        else:
            out.append("\\x%02x" % b)
    return "".join(out)


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.buf = b""

    def send(self, argv):
        msg = b"*%d\r\n" % len(argv)
        for a in argv:
            msg += b"$%d\r\n%s\r\n" % (len(a), a)
        self.s.sendall(msg)
        return self.reply()

    def line(self):
        while b"\r\n" not in self.buf:
            self.buf += self.s.recv(65536)
        i = self.buf.index(b"\r\n")
        line, self.buf = self.buf[: i + 2], self.buf[i + 2:]
        return line

    def take(self, n):
        while len(self.buf) < n:
            self.buf += self.s.recv(65536)
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def reply(self):
        line = self.line()
        kind = line[:1]
        if kind in b"$=!":
            n = int(line[1:-2])
            return line if n < 0 else line + self.take(n + 2)
        if kind in b"*~>%|":
            n = int(line[1:-2])
            if kind in b"%|":
                n *= 2
            out = line
            for _ in range(max(n, 0)):
                out += self.reply()
            return out
        return line


def main():
    port = int(sys.argv[1])
    for path in sys.argv[2:]:
        conn = Conn(port)
        conn.send([b"FLUSHALL"])
        out = []
        for raw in open(path):
            line = raw.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            if line.startswith("!redis "):
                conn.send(words(line[len("!redis "):]))
                continue
            if line in ("!resp3", "!resp2"):
                conn.send([b"HELLO", line[-1].encode()])
                out.append(line)
                continue
            cmd = line
            for prefix in ("~2 ", "~ "):
                if cmd.startswith(prefix):
                    cmd = cmd[len(prefix):]
            reply = conn.send(words(cmd))
            out.append("> " + line)
            out.append(escape(reply))
        with open(path[: -len(".cmds")] + ".txt", "w") as f:
            f.write("# Recorded from redis-server 7.0.15 by record.py; do not edit.\n")
            f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
