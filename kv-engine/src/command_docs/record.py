"""Rewrites kv-engine/src/command_docs/<group>.rs from a live redis-server
7.0.15: the facts (arity, flags, key specs, tips, subcommands, since,
complexity, history, arguments) from its COMMAND INFO and COMMAND DOCS,
the prose (summaries, key spec notes) kept from the files as they are.

    python3 record.py PORT [--add NAME ...]

documents the commands and subcommands the files already hold, plus each
NAME (`hget`, `client|tracking`) once it is implemented. A new entry's
summary and notes are `TODO` until written by hand, in our own words
(server/tests/command_docs.rs refuses a TODO and Redis's own text).
Run `cargo fmt --all` afterwards.
"""
import sys, os, re, glob, collections, socket


class Map(list):
    """A RESP3 map, as its (key, value) pairs in order."""


class Client:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.f = self.s.makefile("rb")
    def call(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            if isinstance(a, str): a = a.encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.s.sendall(out)
        return self.read()
    def read(self):
        line = self.f.readline()[:-2]
        t, rest = line[:1], line[1:]
        if t == b"+": return rest.decode()
        if t == b"-": raise RuntimeError(rest.decode())
        if t == b":": return int(rest)
        if t == b"$":
            n = int(rest)
            if n < 0: return None
            d = self.f.read(n + 2)[:-2]
            return d.decode()
        if t == b"=":
            n = int(rest); return self.f.read(n + 2)[:-2].decode()[4:]
        if t == b"_": return None
        if t == b"#": return rest == b"t"
        if t == b",": return float(rest)
        if t in (b"*", b"~"):
            n = int(rest)
            if n < 0: return None
            return [self.read() for _ in range(n)]
        if t == b"%":
            n = int(rest)
            return Map([(self.read(), self.read()) for _ in range(n)])
        raise ValueError(line)


HERE = os.path.dirname(os.path.abspath(__file__))
port = int(sys.argv[1])
added = sys.argv[sys.argv.index('--add') + 1:] if '--add' in sys.argv else []

STRING = r'"((?:[^"\\]|\\.)*)"'
summaries, notes, documented = {}, {}, set(added)
for path in glob.glob(os.path.join(HERE, '*.rs')):
    if path.endswith('mod.rs'):
        continue
    text = open(path).read()
    starts = [(m.start(), m.group(1)) for m in re.finditer(r'\bname:\s*' + STRING, text)]
    for i, (at, name) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(text)
        block = text[at:end]
        if 'summary' not in block:
            continue
        documented.add(name)
        summaries[name] = re.search(r'summary:\s*' + STRING, block).group(1)
        for m in re.finditer(r'\.notes\(\s*' + STRING, block):
            notes[(name, block[:m.start()].count('ks('))] = m.group(1)

r = Client(port); r.call("HELLO", "3")
def s(x): return '"' + x.replace('\\', '\\\\').replace('"', '\\"') + '"'
def raw(x): return '"' + x + '"'
FLAG = {'write':'WRITE','readonly':'READONLY','denyoom':'DENYOOM','admin':'ADMIN','pubsub':'PUBSUB','noscript':'NOSCRIPT','blocking':'BLOCKING','loading':'LOADING','stale':'STALE','skip_monitor':'SKIP_MONITOR','skip_slowlog':'SKIP_SLOWLOG','asking':'ASKING','fast':'FAST','no_auth':'NO_AUTH','no_mandatory_keys':'NO_MANDATORY_KEYS','no_async_loading':'NO_ASYNC_LOADING','no_multi':'NO_MULTI','movablekeys':'MOVABLE_KEYS','allow_busy':'ALLOW_BUSY'}
TYPE = {'string':'String','integer':'Integer','double':'Double','key':'Key','pattern':'Pattern','unix-time':'UnixTime','pure-token':'PureToken','oneof':'Oneof','block':'Block'}
GROUP = {'sorted-set':'SortedSet'}
def group_ident(g): return GROUP.get(g, g.capitalize())
def flags(fs): return 'F::of(&[%s])' % ', '.join('F::' + FLAG[f] for f in fs) if fs else 'F(0)'
def cats(cs): return 'C::of(&[%s])' % ', '.join('C::' + c[1:].upper() for c in cs) if cs else 'C(0)'
def kflags(fs): return 'K::of(&[%s])' % ', '.join('K::' + f.upper() for f in fs)

def keyspec(name, i, d):
    d = dict(d)
    b = dict(d['begin_search']); f = dict(d['find_keys'])
    bs = dict(b['spec']); fs = dict(f['spec'])
    if b['type'] == 'index' and f['type'] == 'range':
        where = 'range(%d, %d, %d, %d)' % (bs['index'], fs['lastkey'], fs['keystep'], fs['limit'])
    elif b['type'] == 'index' and f['type'] == 'keynum':
        where = 'keynum(%d, %d, %d, %d)' % (bs['index'], fs['keynumidx'], fs['firstkey'], fs['keystep'])
    else:
        if b['type'] == 'index': begin = 'B::Index(%d)' % bs['index']
        elif b['type'] == 'keyword': begin = 'B::Keyword { keyword: %s, startfrom: %d }' % (s(bs['keyword']), bs['startfrom'])
        else: begin = 'B::Unknown'
        if f['type'] == 'range': find = 'FK::Range { lastkey: %d, keystep: %d, limit: %d }' % (fs['lastkey'], fs['keystep'], fs['limit'])
        elif f['type'] == 'keynum': find = 'FK::Keynum { keynumidx: %d, firstkey: %d, keystep: %d }' % (fs['keynumidx'], fs['firstkey'], fs['keystep'])
        else: find = 'FK::Unknown'
        where = '(%s, %s)' % (begin, find)
    out = 'ks(%s, %s)' % (kflags(d['flags']), where)
    if 'notes' in d:
        out += '.notes(%s)' % (raw(notes[(name, i + 1)]) if (name, i + 1) in notes else s('TODO'))
    return out

def args(lst, ind):
    out = []
    for a in lst:
        d = dict(a)
        for k in d:
            assert k in ('name','type','key_spec_index','token','since','deprecated_since','flags','arguments'), k
        e = 'arg(%s, %s)' % (s(d['name']), TYPE[d['type']])
        if 'key_spec_index' in d: e += '.ks(%d)' % d['key_spec_index']
        if 'token' in d: e += '.token(%s)' % s(d['token'])
        if 'since' in d: e += '.since(%s)' % s(d['since'])
        if 'deprecated_since' in d: e += '.deprecated_since(%s)' % s(d['deprecated_since'])
        for f in d.get('flags', []): e += '.' + f + '()'
        if 'arguments' in d:
            e += '.args(&[\n' + args(d['arguments'], ind + 1) + ind * '    ' + '])'
        out.append(ind * '    ' + e + ',\n')
    return ''.join(out)

def meta(name, info, docs, ind):
    d = dict(docs)
    for k in d:
        assert k in ('summary','since','group','complexity','doc_flags','deprecated_since','replaced_by','history','arguments','subcommands'), k
    p = ind * '    '
    o = p + 'name: %s,\n' % s(name)
    o += p + 'summary: %s,\n' % (raw(summaries[name]) if name in summaries else s('TODO'))
    o += p + 'since: %s,\n' % s(d['since'])
    o += p + 'group: Group::%s,\n' % group_ident(d['group'])
    if 'complexity' in d: o += p + 'complexity: Some(%s),\n' % s(d['complexity'])
    if 'doc_flags' in d:
        o += p + 'doc_flags: DocFlags(%s),\n' % ' | '.join('DocFlags::%s.0' % f.upper() for f in d['doc_flags'])
    if 'deprecated_since' in d: o += p + 'deprecated_since: Some(%s),\n' % s(d['deprecated_since'])
    if 'replaced_by' in d: o += p + 'replaced_by: Some(%s),\n' % s(d['replaced_by'])
    if 'history' in d and d['history']:
        o += p + 'history: &[\n' + ''.join(p + '    (%s, %s),\n' % (s(v), s(t)) for v, t in d['history']) + p + '],\n'
    if info[7]: o += p + 'tips: &[%s],\n' % ', '.join(s(t) for t in info[7])
    if info[8]:
        o += p + 'key_specs: &[\n' + ''.join(p + '    ' + keyspec(name, i, k) + ',\n' for i, k in enumerate(info[8])) + p + '],\n'
    if 'arguments' in d:
        o += p + 'arguments: &[\n' + args(d['arguments'], ind + 1) + p + '],\n'
    subs = [x for x in info[9] if x[0] in documented]
    if subs:
        sd = dict(d['subcommands'])
        o += p + 'subcommands: &[\n'
        for sub in sorted(subs, key=lambda x: x[0]):
            q = p + '    '
            o += q + 'Subcommand {\n'
            o += q + '    arity: %d,\n' % sub[1]
            o += q + '    flags: %s,\n' % flags(sub[2])
            o += q + '    categories: %s,\n' % cats(sub[6])
            o += q + '    meta: CommandMeta {\n' + meta(sub[0], sub, sd[sub[0]], ind + 3) + q + '        ..CommandMeta::NONE\n' + q + '    },\n'
            o += q + '},\n'
        o += p + '],\n'
    return o

by_group = collections.defaultdict(list)
for n in sorted(x for x in documented if '|' not in x):
    info = r.call("COMMAND", "INFO", n)[0]
    docs = dict(r.call("COMMAND", "DOCS", n))[n]
    by_group[dict(docs)['group']].append((n, info, docs))
for g, cmds in by_group.items():
    fname = g.replace('-', '_') + '.rs'
    body = 'pub const COMMANDS: &[CommandMeta] = &[\n'
    for n, info, docs in cmds:
        body += '    CommandMeta {\n' + meta(n, info, docs, 2) + '        ..CommandMeta::NONE\n    },\n'
    body += '];\n'
    uses = []
    if 'arg(' in body: uses.append('use super::ArgType::*;')
    if 'B::' in body: uses.append('use super::BeginSearch as B;')
    if 'FK::' in body: uses.append('use super::FindKeys as FK;')
    if 'K::' in body.replace('FK::', ''): uses.append('use super::KeyFlags as K;')
    uses.append('use super::*;')
    cf = [x for x, y in (('Categories as C', 'C::'), ('Flags as F', 'F::')) if y in body]
    if cf: uses.append('use crate::command::{%s};' % ', '.join(cf) if len(cf) > 1 else 'use crate::command::%s;' % cf[0])
    with open(os.path.join(HERE, fname), 'w') as f:
        f.write('//! COMMAND INFO and DOCS data for the %s commands (see `mod.rs`).\n\n' % g)
        f.write('\n'.join(uses) + '\n\n' + body)
    print(fname, len(cmds))
