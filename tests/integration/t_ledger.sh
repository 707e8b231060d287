#!/bin/bash
# The Merkle logs of two real nodes, checked from the outside.
#
# Two nodes hold a short conversation by bundle files (six messages each
# way, receipts carried back after every hop), so that both logs hold
# messages and receipts and both checkpoints carry the other's
# cosignature.  Then:
#
#   1. `log verify` passes on both; `log checkpoint` verifies with a signed
#      note verifier written here in Python from docs/ledger.md (key id,
#      Ed25519 over the text, cosignatures), and its root is the RFC 9162
#      hash of the entries `log entry` prints.  A tlog-proof from
#      `log proof I` passes `proof verify` (exit 0), and fails (exit 3) with
#      a wrong key, a flipped entry byte or another index's proof; the same
#      proof also verifies with an independent RFC 9162 inclusion check.
#   2. Tampering with the store (a leaf byte, a checkpoint byte, a deleted
#      leaf, two swapped leaves) is caught by `log verify`: exit 3, and the
#      message names the index.
#   3. An audit bundle (version 2, docs/audit.md) verifies with no node
#      directory at all, and with a verifier written here in Python from
#      docs/audit.md; its cases agree with `case show --json` on both
#      nodes; every single-bit change (200 random offsets, every byte of
#      one entry's line and of one checkpoint note) is refused with a
#      message, and a change inside an entry names that entry; a dropped
#      entry is named by its section, a dropped section or changed period
#      by the exporter's signature.  A version 1 bundle still verifies, and
#      its changes are refused.
#   4. A node restored from a backup that signs another message forks its
#      log: the peer refuses, raises an alert, and keeps evidence whose two
#      notes both verify with the origin's key, same size, other roots.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

python3 -c 'import cryptography.hazmat.primitives.asymmetric.ed25519' ||
	fail "python3 with the cryptography package is required"

A=cert-cn.example
B=cert-us.example

# --- An independent verifier, from docs/ledger.md only ------------------
cat >"$TMP/tlog.py" <<'EOF'
"""Signed notes, checkpoints, cosignatures and RFC 9162 proofs, written
from docs/ledger.md with nothing of parley's code."""
import base64, hashlib, json, sys
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def b64d(s):
    raw = base64.b64decode(s, validate=True)
    if base64.b64encode(raw).decode() != s:
        raise ValueError("non-canonical base64: " + s)
    return raw


def vkey(text):
    name, hexid, b = text.split("+", 2)
    raw = b64d(b)
    typ, pk = raw[0], raw[1:]
    if len(pk) != 32 or typ not in (1, 4):
        raise ValueError("not an Ed25519 vkey")
    kid = hashlib.sha256(name.encode() + b"\n" + bytes([typ]) + pk).digest()[:4]
    if kid.hex() != hexid:
        raise ValueError("key id %s is not SHA-256(name||LF||type||key)[:4] = %s"
                         % (hexid, kid.hex()))
    return {"name": name, "id": kid, "type": typ,
            "pk": Ed25519PublicKey.from_public_bytes(pk)}


def split_note(note):
    """(text bytes, [(name, keyid, sig)]): the text ends at the last LF LF."""
    i = note.rindex("\n\n")
    text = note[: i + 1].encode()
    sigs = []
    for line in note[i + 2 :].split("\n")[:-1]:
        if not line.startswith("\u2014 "):
            raise ValueError("not a signature line: %r" % line)
        name, b = line[2:].split(" ")
        raw = b64d(b)
        sigs.append((name, raw[:4], raw[4:]))
    if not note.endswith("\n") or not sigs:
        raise ValueError("a note ends in LF and has a signature")
    return text, sigs


def verify_note(note, log_key, witness_keys=()):
    """Verifies the log's signature (required) and every cosignature by a
    given witness key; returns (checkpoint dict, [cosignature times])."""
    text, sigs = split_note(note)
    signed = 0
    times = []
    for name, kid, sig in sigs:
        if name == log_key["name"] and kid == log_key["id"]:
            log_key["pk"].verify(sig, text)  # raises InvalidSignature
            signed += 1
        for w in witness_keys:
            if name == w["name"] and kid == w["id"]:
                if len(sig) != 72:
                    raise ValueError("a cosignature is 8 + 64 bytes")
                t = int.from_bytes(sig[:8], "big")
                w["pk"].verify(sig[8:], b"cosignature/v1\ntime %d\n" % t + text)
                times.append(t)
    if signed != 1:
        raise ValueError("no signature line by " + log_key["name"])
    lines = text.decode().split("\n")
    origin, size, root = lines[0], int(lines[1]), b64d(lines[2])
    if str(size) != lines[1] or len(root) != 32 or origin != log_key["name"]:
        raise ValueError("not a checkpoint of " + log_key["name"])
    return {"origin": origin, "size": size, "root": root.hex()}, times


def lh(data):
    return hashlib.sha256(b"\x00" + data).digest()


def nh(l, r):
    return hashlib.sha256(b"\x01" + l + r).digest()


def mth(leaves):
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return nh(mth(leaves[:k]), mth(leaves[k:]))


def verify_inclusion(leaf, index, size, path, root):
    """RFC 9162 section 2.1.3.2, step by step."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = nh(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = nh(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(n1, n2, r1, r2, path):
    """RFC 9162 section 2.1.4.2, step by step."""
    if n1 == 0 or n1 > n2:
        return False
    if n1 == n2:
        return not path and r1 == r2
    path = list(path)
    if n1 & (n1 - 1) == 0:
        path.insert(0, r1)
    if not path:
        return False
    fn, sn = n1 - 1, n2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = nh(c, fr)
            sr = nh(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = nh(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == r1 and sr == r2


def cover(a, b, n):
    """docs/audit.md section 3: the subtrees covering [a, b) of the tree
    of n leaves, as (start, end)."""
    q = b
    if b == n and a < n:
        q = n
        for j in range(63, -1, -1):
            if n >> j & 1:
                start = n & ~((2 << j) - 1)
                if start >= a:
                    q = start
                    break
    out, p = [], a
    while p < q:
        size = 1
        while (p == 0 or p % (size * 2) == 0) and p + size * 2 <= q:
            size *= 2
        out.append((p, p + size))
        p += size
    if b == n and q < n:
        out.append((q, n))
    return out


class Stack:
    """docs/audit.md section 3: a root rebuilt from subtrees left to right."""

    def __init__(self):
        self.s, self.edge = [], None

    def add(self, span, h):
        size = span[1] - span[0]
        if size & (size - 1):
            self.edge = h
            return
        self.s.append((size, h))
        while len(self.s) > 1 and self.s[-1][0] == self.s[-2][0]:
            (k, r), (_, l) = self.s.pop(), self.s.pop()
            self.s.append((2 * k, nh(l, r)))

    def root(self):
        r = self.edge if self.edge is not None else self.s.pop()[1]
        while self.s:
            r = nh(self.s.pop()[1], r)
        return r


def audit(path):
    """A version 2 audit bundle checked from docs/audit.md alone."""
    data = open(path, "rb").read()
    if not data.endswith(b"\n"):
        raise ValueError("the last line has no LF")
    lines = data.split(b"\n")[:-1]
    canon = lambda o: json.dumps(o, separators=(",", ":"), sort_keys=True,
                                 ensure_ascii=False).encode()
    recs = []
    for i, l in enumerate(lines):
        o = json.loads(l)
        if canon(o) != l:
            raise ValueError("line %d is not canonical" % (i + 1))
        recs.append(o)
    head = recs[0]["audit"]
    if head["v"] != 2:
        raise ValueError("not version 2")
    cards = {}
    for env in head["cards"]:
        c = env["card"]
        key = Ed25519PublicKey.from_public_bytes(b64d(c["keys"]["sign"]))
        key.verify(b64d(env["sig"]), b"parley-card-v1\n" + canon(c))
        cards[c["name"]] = c
    owner, cps, stack, sec, prev = None, {}, None, 0, -1
    n_entries = n_sections = n_cps = 0
    for i, r in enumerate(recs[1:-1], 2):
        (kind, val), = [(k, r[k]) for k in sorted(r) if k not in ("gap", "index")]
        if kind == "log":
            owner = val
            other = [n for n in cards if n != owner][0]
            cps = {}
        elif kind == "checkpoint":
            cp, _ = verify_note(val, vkey(cards[owner]["log_key"]),
                                [vkey(cards[other]["witness_key"])])
            if cps.get(cp["size"], cp["root"]) != cp["root"]:
                raise ValueError("a fork in %s's log" % owner)
            cps[cp["size"]] = cp["root"]
            n_cps += 1
        elif kind == "consistency":
            if not verify_consistency(val["size1"], val["size2"],
                                      bytes.fromhex(cps[val["size1"]]),
                                      bytes.fromhex(cps[val["size2"]]),
                                      [b64d(h) for h in val["path"]]):
                raise ValueError("consistency %r" % val)
        elif kind == "section":
            stack, sec, prev = Stack(), val["size"], -1
        elif kind == "entry":
            idx = r["index"]
            spans = cover(prev + 1, idx, sec)
            if not prev < idx < sec or len(spans) != len(r["gap"]):
                raise ValueError("line %d: entry %d out of place" % (i, idx))
            for sp, h in zip(spans, r["gap"]):
                stack.add(sp, b64d(h))
            stack.add((idx, idx + 1), lh(canon(val)))
            typ = "msg" if "msg" in val else "receipt"
            obj = val[typ]
            key = Ed25519PublicKey.from_public_bytes(
                b64d(cards[owner]["keys"]["sign"]))
            key.verify(b64d(val["sig"]),
                       b"parley-" + typ.encode() + b"-v1\n" + canon(obj))
            if obj["from"] != owner or obj["to"] != other or \
                    (typ == "receipt" and obj["index"] != idx):
                raise ValueError("line %d: entry %d misplaced" % (i, idx))
            prev = idx
            n_entries += 1
        elif kind == "section_end":
            for sp, h in zip(cover(prev + 1, sec, sec), val["gap"], strict=True):
                stack.add(sp, b64d(h))
            if stack.root().hex() != cps[sec]:
                raise ValueError("line %d: the section does not lead to "
                                 "the root of %d" % (i, sec))
            n_sections += 1
        else:
            raise ValueError("line %d: unknown record %s" % (i, kind))
    t = recs[-1]
    if sorted(t) != ["audit", "sig"] or t["audit"]["v"] != 2:
        raise ValueError("the last line is not the exporter's signature")
    by = Ed25519PublicKey.from_public_bytes(
        b64d(cards[head["by"]]["keys"]["sign"]))
    by.verify(b64d(t["sig"]), b"parley-audit-v1\n" + canon(t["audit"]))
    if t["audit"]["lines"] != len(lines) - 1 or t["audit"]["sha256"] != \
            hashlib.sha256(b"\n".join(lines[:-1]) + b"\n").hexdigest():
        raise ValueError("the exporter signed other lines")
    return {"entries": n_entries, "sections": n_sections,
            "checkpoints": n_cps}


def tlog_proof(text):
    """(index, [hashes], note) of a c2sp.org/tlog-proof@v1."""
    head, note = text.split("\n\n", 1)
    lines = head.split("\n")
    if lines[0] != "c2sp.org/tlog-proof@v1" or not lines[1].startswith("index "):
        raise ValueError("not a tlog-proof")
    return int(lines[1][6:]), [b64d(h) for h in lines[2:]], note


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "checkpoint":  # NOTEFILE LOGVKEY [WITNESSVKEY...]
        cp, times = verify_note(open(args[0], encoding="utf-8").read(),
                                vkey(args[1]), [vkey(w) for w in args[2:]])
        cp["cosigned"] = times
        print(json.dumps(cp, sort_keys=True))
    elif cmd == "root":  # ENTRYFILE...: MTH of the files' bytes
        print(mth([lh(open(f, "rb").read()) for f in args]).hex())
    elif cmd == "proof":  # PROOFFILE ENTRYFILE LOGVKEY
        index, path, note = tlog_proof(open(args[0], encoding="utf-8").read())
        cp, _ = verify_note(note, vkey(args[2]))
        leaf = lh(open(args[1], "rb").read())
        ok = verify_inclusion(leaf, index, cp["size"], path, bytes.fromhex(cp["root"]))
        print(json.dumps({"index": index, "size": cp["size"], "included": ok}))
        sys.exit(0 if ok else 1)
    elif cmd == "audit":  # BUNDLE
        print(json.dumps(audit(args[0]), sort_keys=True))
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    try:
        main()
    except (ValueError, InvalidSignature, IndexError, KeyError) as e:
        sys.exit("tlog.py: %s: %r" % (sys.argv[1], e))
EOF
tlog() {
	python3 "$TMP/tlog.py" "$@"
}

# The verifier refuses what it must (a verifier that cannot fail proves
# nothing): the worked example of docs/ledger.md section 8 passes, and
# with one changed byte it does not.
self_test() {
	cat >ex.note <<'EOF'
cert-a.example
11
MpIghwdLQvu/Ojo2cjqyeCX9m62x4pvd68P+qD6ewE0=

— cert-a.example h4ruI8ddFvHCxeB5ASwHmditGgZWFx6Qhz8O4hga3IBMzk48+bU63ktjgOatPHflyAgB6snCuGX8WLM0fJxZR0d2pgs=
— cert-b.example/witness t3dMUAAAAABrABMYNEQwY5pp1Zrncx3lCX9ooAsQi4LQIrHlLJNG0ByI2q1n8scN1hT7gRyK9W+iSpou0OJHYxG+TQF3aXC1QJoAAw==
EOF
	local lk=cert-a.example+878aee23+AdBKsjJ0K7SrOhNovUYV5ObQIkq3GgFrr4UgozLJd4c3
	local wk=cert-b.example/witness+b7774c50+BKCapfR6Z1mAL/lV+NwtKhSlyZ0jvpf4ZBJ/+Tg0VaTw
	expect_rc 0 tlog checkpoint ex.note $lk $wk
	expect_json "$OUT" 'd["cosigned"]' '[1795167000]'
	expect_json "$OUT" 'd["size"]' 11
	for i in $(seq 0 10); do printf 'entry %d' "$i" >ex.$i; done
	expect_rc 0 tlog root ex.{0..10}
	expect_eq "MTH of entry 0..10" 32922087074b42fbbf3a3a36723ab27825fd9badb1e29bddebc3fea83e9ec04d "$(cat "$OUT")"
	{
		printf 'c2sp.org/tlog-proof@v1\nindex 5\n'
		printf '%s\n' SFM123z+yWXxX/dF/GJcQdXqJkaTaTAWWCj3PdS2iFQ= \
			/w4ywg/2W5esELOyZ3uHKqPVoCh9lFesukflfPSkpz8= \
			l5nzB1F+9RfCIF35tndivzR1ayAJn7ffzOdrzr0nOy4= \
			Gg7P34r3oeK3sD6u30u69aQetycGEXXjRiBCvpuP4wA=
		printf '\n'
		cat ex.note
	} >ex.proof
	expect_rc 0 tlog proof ex.proof ex.5 $lk
	expect_rc 1 tlog proof ex.proof ex.6 $lk
	sed 's/^11$/12/' ex.note >ex.bad
	expect_rc 1 tlog checkpoint ex.bad $lk
	sed 's/t3dMUAAAAABrABMYNEQwY5pp/t3dMUAAAAABrABMYNEQwY5pq/' ex.note >ex.bad
	expect_rc 1 tlog checkpoint ex.bad $lk $wk
	expect_rc 1 tlog checkpoint ex.note ${lk/878aee23/878aee24}
	ok "the Python verifier passes docs/ledger.md's example and refuses it altered"
}
soft self_test

# --- The conversation -----------------------------------------------------
at 2026-11-20T10:00:00Z
mknode a $A Asia/Shanghai "zh, en"
mknode b $B America/New_York
enrol a b
LK_A=$(json_get a.card 'd["card"]["log_key"]') || exit 1
LK_B=$(json_get b.card 'd["card"]["log_key"]') || exit 1
WK_A=$(json_get a.card 'd["card"]["witness_key"]') || exit 1
WK_B=$(json_get b.card 'd["card"]["witness_key"]') || exit 1

# say TIME DIR ACTION ARGS...: `case ACTION --dir DIR ARGS...` at TIME.
say() {
	at "$1"
	shift
	expect_rc 0 px case "$2" --dir "$1" "${@:3}"
}
# carry TIME FROM: FROM's outbox to the other node at TIME, and the
# receipts back (lib.sh hop).
carry() {
	at "$1"
	if [ "$2" = a ]; then
		hop a b $B $A "h$((++HOPS)).bundle"
	else
		hop b a $A $B "h$((++HOPS)).bundle"
	fi
}
HOPS=0

at 2026-11-20T11:00:00Z
expect_rc 0 px case new --dir a --to $B --kind request --category botnet \
	--priority P2 --tlp amber --title "C2 at 203.0.113.7" \
	--text "请调查该僵尸网络控制服务器" --translation "Please investigate this C2" \
	--translation-lang en --translation-by machine --observable ip:203.0.113.7
ID=$(cat "$OUT")
carry 2026-11-20T11:05:00Z a
say 2026-11-20T11:30:00Z b ack "$ID" --text "Received"
say 2026-11-20T12:00:00Z b triage "$ID" --decision accepted --text "On it"
carry 2026-11-20T12:05:00Z b
say 2026-11-20T13:00:00Z a update "$ID" --text "Also TCP 8443"
say 2026-11-20T13:10:00Z a note "$ID" --text "Our sensor saw it at 02:00Z"
carry 2026-11-20T13:15:00Z a
say 2026-11-20T14:00:00Z b update "$ID" --text "Hosting provider contacted"
say 2026-11-20T14:30:00Z b note "$ID" --text "Waiting for their abuse desk"
carry 2026-11-20T14:35:00Z b
say 2026-11-20T15:00:00Z a note "$ID" --text "Thanks"
carry 2026-11-20T15:05:00Z a
say 2026-11-20T16:00:00Z b result "$ID" --outcome resolved --text "Host taken down"
say 2026-11-20T16:10:00Z b note "$ID" --text "Logs preserved for 90 days"
carry 2026-11-20T16:15:00Z b
say 2026-11-20T17:00:00Z a rate "$ID" --score 5 --comment "Fast"
carry 2026-11-20T17:05:00Z a
# The backup the fork of section 4 is made from: before A's last message.
cp -a a a-backup
say 2026-11-20T17:10:00Z a close "$ID" --text "Closing, thanks"
carry 2026-11-20T17:15:00Z a
# B cosigned A's checkpoint of size 12 on import (17:15) and sent the
# cosignature back with its receipt; A cosigned B's, also of size 12, on
# importing that receipt.  An empty bundle carries A's back to B.
at 2026-11-20T17:20:00Z
expect_rc 0 px outbox export --dir a --peer $B -o last.bundle --json
expect_json "$OUT" 'd["messages"]' 0
expect_rc 0 px inbox import --dir b --json last.bundle
expect_json "$OUT" 'd["refused"]' 0
expect_state a "$ID" closed
expect_state b "$ID" closed
show_json a "$ID" a.show.json
show_json b "$ID" b.show.json
shared_view a.show.json b.show.json
cmp -s a.show.json b.show.json || fail "case show --json differs between the nodes"
expect_json a.show.json 'len(d["messages"])' 12
expect_json a.show.json '[m["from"] for m in d["messages"]].count("'$A'")' 6
expect_json a.show.json 'all(m["received"] for m in d["messages"])' true
ok "conversation: 12 messages (6 each way), all received, both sides closed"

# Both logs hold each side's 6 messages and 6 receipts.
for d in a b; do
	n=$(sqlite3 $d/parley.db "SELECT count(*) FROM log_entries") || fail sqlite3
	expect_eq "$d: log entries" 12 "$n"
	n=$(sqlite3 $d/parley.db "SELECT group_concat(kind) FROM (SELECT kind FROM log_entries ORDER BY idx)")
	expect_eq "$d: msg/receipt entries" 6 "$(tr , '\n' <<<"$n" | grep -c '^msg$')"
done

# --- 1. log verify, checkpoints, proofs ----------------------------------
for d in a b; do
	expect_rc 0 px log verify --dir $d
	expect_in "$OUT" "entries   12 verified"
	expect_in "$OUT" "OK: every entry, tree node and checkpoint verifies."
	expect_rc 0 px log verify --dir $d --json
	expect_json "$OUT" 'd["ok"]' true
done
ok "log verify: exit 0 on both nodes, 12 entries each"

# checkpoint_independent DIR LOGKEY PEERWITNESSKEY: the node's checkpoint
# verified in Python, cosigned by the peer, over exactly its entries.
checkpoint_independent() {
	local d=$1 lk=$2 wk=$3 i files=()
	expect_rc 0 px log checkpoint --dir $d
	cp "$OUT" $d.note
	expect_rc 0 tlog checkpoint $d.note "$lk" "$wk"
	cp "$OUT" $d.note.json
	expect_json $d.note.json 'd["size"]' 12
	expect_json $d.note.json 'len(d["cosigned"])' 1
	expect_json $d.note.json 'd["cosigned"]' '[1795194900]' # 17:15Z
	for ((i = 0; i < 12; i++)); do
		expect_rc 0 px log entry --dir $d $i -o $d.entry.$i
		files+=($d.entry.$i)
	done
	expect_rc 0 tlog root "${files[@]}"
	expect_json $d.note.json 'd["root"]' "$(cat "$OUT")"
	# The --json form carries the same note and both verifier keys.
	expect_rc 0 px log checkpoint --dir $d --json
	cp "$OUT" $d.cp.json
	expect_json $d.cp.json 'd["note"]' "$(cat $d.note)"
	expect_json $d.cp.json 'd["log_key"]' "$lk"
	ok "$d: checkpoint signed by its log key, cosigned by the peer, root = MTH of its 12 entries (Python)"
}
checkpoint_witness_key() {
	expect_rc 0 px log checkpoint --dir a --json
	expect_json "$OUT" 'd.get("witness_key")' "$WK_A"
	ok "log checkpoint --json names the witness key"
}
soft checkpoint_independent a "$LK_A" "$WK_B"
soft checkpoint_independent b "$LK_B" "$WK_A"
soft checkpoint_witness_key

proofs() {
	local i=5
	expect_rc 0 px log proof --dir a $i -o p5
	expect_rc 0 px proof verify p5 --entry <(px log entry --dir a $i) --key "$LK_A"
	expect_in "$OUT" "OK: entry $i is in the log"
	# ... with the cosigner's key too (its line must verify).
	expect_rc 0 px proof verify p5 --entry <(px log entry --dir a $i) --key "$LK_A" --key "$WK_B"
	expect_rc 0 tlog proof p5 a.entry.$i "$LK_A"
	expect_json "$OUT" 'd' '{"included": true, "index": 5, "size": 12}'
	# A wrong key: B's, and one with A's name but another key.
	expect_rc 3 px proof verify p5 --entry <(px log entry --dir a $i) --key "$LK_B"
	expect_in "$ERR" "parley: "
	mknode other $A UTC
	local lk_other
	lk_other=$(json_get other.card 'd["card"]["log_key"]') || exit 1
	expect_rc 3 px proof verify p5 --entry <(px log entry --dir a $i) --key "$lk_other"
	# One flipped byte of the entry, at its start, middle and end.
	local n
	n=$(wc -c <a.entry.$i)
	for off in 0 $((n / 2)) $((n - 1)); do
		python3 -c 'import sys; b=bytearray(open(sys.argv[1],"rb").read()); b[int(sys.argv[2])]^=1; sys.stdout.buffer.write(b)' a.entry.$i "$off" >bad.entry
		expect_rc 3 px proof verify p5 --entry bad.entry --key "$LK_A"
		expect_in "$ERR" "index 5"
		expect_rc 1 tlog proof p5 bad.entry "$LK_A"
	done
	# Another index's proof for this entry.
	expect_rc 0 px log proof --dir a 6 -o p6
	expect_rc 3 px proof verify p6 --entry <(px log entry --dir a $i) --key "$LK_A"
	expect_rc 1 tlog proof p6 a.entry.$i "$LK_A"
	expect_rc 0 tlog proof p6 a.entry.6 "$LK_A"
	# A cosignature that does not verify, with the cosigner's key given.
	python3 - p5 >p5.bad <<'PYEOF'
import sys
t = open(sys.argv[1], encoding="utf-8").read()
head, last = t.rstrip("\n").rsplit("\n", 1)
name, sig = last.split(" ")[1:]
mid = 30
sig = sig[:mid] + ("A" if sig[mid] != "A" else "B") + sig[mid + 1:]
sys.stdout.write(head + "\n\u2014 " + name + " " + sig + "\n")
PYEOF
	expect_rc 3 px proof verify p5.bad --entry a.entry.$i --key "$LK_A" --key "$WK_B"
	expect_in "$ERR" "$B"
	# ... a line by a key not given is not checked (c2sp signed-note).
	expect_rc 0 px proof verify p5.bad --entry a.entry.$i --key "$LK_A"
	# Every index at the latest size, and an older size, verify both ways.
	for i in 0 1 11; do
		expect_rc 0 px log proof --dir b $i -o pb
		expect_rc 0 px proof verify pb --entry b.entry.$i --key "$LK_B" --key "$WK_A"
		expect_rc 0 tlog proof pb b.entry.$i "$LK_B"
	done
	expect_rc 0 px log proof --dir b --size 7 3 -o pb7
	expect_rc 0 px proof verify pb7 --entry b.entry.3 --key "$LK_B"
	expect_rc 0 tlog proof pb7 b.entry.3 "$LK_B"
	expect_json "$OUT" 'd["size"]' 7
	ok "tlog-proof: verifies (parley and Python); wrong key, flipped entry byte, other index's proof, bad cosignature: exit 3"
}
soft proofs

# --- 2. Tampering with the store -----------------------------------------
# sqlhex DB SQL: one hex value.  flipped HEX OFFSET: HEX with one bit flipped.
flipped() {
	python3 -c 'import sys; b=bytearray.fromhex(sys.argv[1]); b[int(sys.argv[2])]^=1; print(b.hex())' "$@"
}
# tampered NAME SQL...: a fresh copy of a with the SQL applied; `log verify`
# must exit 3 and name WANT in its message.
tampered() {
	local name=$1 want=$2
	shift 2
	rm -rf t-$name
	cp -a a t-$name
	sqlite3 t-$name/parley.db "$@" || fail "sqlite3 on t-$name"
	expect_rc 3 px log verify --dir t-$name
	expect_in "$ERR" "$want"
	rm -rf t-$name
}
# With --json, a failing verify prints one JSON document (the rule of
# every --json command, tests/integration/t_refusals.sh section 7).
tamper_json() {
	rm -rf t-json
	cp -a a t-json
	sqlite3 t-json/parley.db "DELETE FROM log_entries WHERE idx = 5" || fail sqlite3
	expect_rc 3 px log verify --dir t-json --json
	is_json "$OUT" || fail "log verify --json printed more than one JSON document on failure"
	expect_json "$OUT" 'd["ok"]' false
	expect_json "$OUT" '"log entry 5 is missing" in d["error"]' true
	rm -rf t-json
	ok "log verify --json on a tampered log: one JSON document, ok false, the error"
}
tamper_leaf() {
	local hex
	for k in 0 5 11; do
		hex=$(sqlite3 a/parley.db "SELECT hex(entry) FROM log_entries WHERE idx = $k")
		for off in 0 40 300; do
			tampered leaf$k "log entry $k" \
				"UPDATE log_entries SET entry = X'$(flipped "$hex" $off)' WHERE idx = $k"
		done
	done
	ok "a flipped byte in stored leaves 0, 5, 11 (3 places each): exit 3, 'log entry K'"
}
tamper_note() {
	local hex len
	for s in 12 4; do
		hex=$(sqlite3 a/parley.db "SELECT hex(note) FROM log_checkpoints WHERE size = $s")
		[ -n "$hex" ] || fail "a holds no checkpoint of size $s"
		len=$((${#hex} / 2))
		# in the origin, the size, the root, and the signature
		for off in 2 16 30 $((len - 20)); do
			tampered note$s "checkpoint of size $s" \
				"UPDATE log_checkpoints SET note = CAST(X'$(flipped "$hex" $off)' AS TEXT) WHERE size = $s"
		done
	done
	ok "a flipped byte in stored checkpoints 12 and 4 (4 places each): exit 3, 'checkpoint of size S'"
}
tamper_delete() {
	tampered del5 "log entry 5 is missing" "DELETE FROM log_entries WHERE idx = 5"
	tampered del0 "log entry 0 is missing" "DELETE FROM log_entries WHERE idx = 0"
	ok "a deleted leaf (5, 0): exit 3, 'log entry K is missing'"
}
# The last leaf deleted: the log is truncated below its own signed
# checkpoint of size 12, which must not pass as a consistent log of 11.
tamper_delete_last() {
	tampered dellast "11" "DELETE FROM log_entries WHERE idx = 11"
	ok "the last leaf deleted: exit 3, naming 11"
}
tamper_swap() {
	tampered swap "log entry 3" \
		"UPDATE log_entries SET entry = (SELECT entry FROM log_entries e WHERE e.idx = 3 + 7 - log_entries.idx) WHERE idx IN (3, 7)"
	# Whole rows swapped (kind, hash, peer, time and bytes): each entry is
	# still a good signed object of this node, only in the wrong place.
	tampered swaprow "log entry 3" \
		"CREATE TEMP TABLE s AS SELECT * FROM log_entries WHERE idx IN (3, 7);
		 UPDATE log_entries SET obj_hash = 'x' || idx WHERE idx IN (3, 7);
		 UPDATE log_entries SET (kind, obj_hash, peer, time_ms, entry) =
		   (SELECT kind, obj_hash, peer, time_ms, entry FROM s WHERE s.idx = 3 + 7 - log_entries.idx)
		 WHERE idx IN (3, 7)"
	ok "two swapped leaves (bytes only, whole rows): exit 3, 'log entry 3'"
}
soft tamper_leaf
soft tamper_note
soft tamper_delete
soft tamper_delete_last
soft tamper_swap
soft tamper_json

# --- 3. Audit bundles ------------------------------------------------------
at 2026-11-21T09:00:00Z
expect_rc 0 px audit export --dir a --peer $B -o audit.json
expect_in "$OUT" "Wrote an audit bundle of 24 log entries (both logs) to audit.json."
expect_rc 0 px audit export --dir a --peer $B -o audit2.json --json
expect_json "$OUT" 'd["entries"]' 24
AUDIT=$TMP/audit.json
AUDIT_SIZE=$(wc -c <"$AUDIT")

audit_verify() {
	mkdir -p empty
	(
		cd empty || exit 1
		unset PARLEY_DIR
		HOME=$TMP/empty expect_rc 0 px audit verify "$AUDIT"
		expect_in "$OUT" "Verified 24 entries against"
		expect_in "$OUT" "OK: every signature, proof and sequence in $AUDIT holds."
		HOME=$TMP/empty expect_rc 0 px audit verify --json "$AUDIT"
		cp "$OUT" "$TMP/audit.verify.json"
		# A PARLEY_DIR that does not exist is not consulted either.
		PARLEY_DIR=$TMP/no-such-node expect_rc 0 px audit verify "$AUDIT"
	) || exit 1
	[ -z "$(ls -A empty)" ] || fail "audit verify wrote into its working directory: $(ls -A empty)"
	local V=audit.verify.json
	expect_json $V 'd["ok"]' true
	expect_json $V 'd["entries"]' 24
	expect_json $V 'len(d["cases"])' 1
	expect_json $V 'd["cases"][0]["id"]' "$ID"
	expect_json $V 'd["cases"][0]["state"]' closed
	# A's last checkpoint is cosigned by B, and B's by A.
	expect_json $V "any(n.startswith('checkpoint 12 of $A\\'s log cosigned by $B') for n in d['notes'])" true
	expect_json $V "any(n.startswith('checkpoint 12 of $B\\'s log cosigned by $A') for n in d['notes'])" true
	# Every message, with sent and received times as both nodes show them.
	local cmp='
import json, sys
audit = json.load(open(sys.argv[1]))["cases"][0]
for f in sys.argv[2:]:
    show = json.load(open(f))
    want = sorted((m["from"], m["seq"], m["type"], m["time"], m["received"])
                  for m in show["messages"])
    got = sorted((m["from"], m["seq"], m["type"], m["sent"], m["received"])
                 for m in audit["messages"])
    if want != got:
        sys.exit("%s and the audit disagree:\n  show  %s\n  audit %s" % (f, want, got))
    for k in ("id", "state", "requester", "responder", "priority", "title"):
        if show[k] != audit[k]:
            sys.exit("%s: %s is %r, the audit says %r" % (f, k, show[k], audit[k]))
    if {k: v["state"] for k, v in show["clocks"].items()} != \
            {k: v["state"] for k, v in audit["clocks"].items()}:
        sys.exit("%s: clock states differ from the audit" % f)
print(len(got))
'
	expect_rc 0 python3 -c "$cmp" $V a.show.json b.show.json
	expect_eq "messages in the audit" 12 "$(cat "$OUT")"
	expect_json $V 'd["version"]' 2
	# The same bundle, checked by the verifier written from
	# docs/audit.md: every line, signature, section and the digest.
	expect_rc 0 tlog audit "$AUDIT"
	# A's log: its checkpoint, one section; B's: the 8 checkpoints it
	# showed A, one section per checkpoint its entries came proven by.
	expect_json "$OUT" 'd' '{"checkpoints": 9, "entries": 24, "sections": 9}'
	ok "audit verify: exit 0 from an empty directory without PARLEY_DIR; 12 messages, sent/received times and states as case show on both nodes; the Python verifier of docs/audit.md agrees"
}
soft audit_verify

# Every single-bit change to the file is refused, with a message.  The
# offsets: 200 random ones (seed 9162) and every byte of one entry's line
# (B's result message, as it appears in A's bundle) and of one checkpoint
# note.  A change to the entry's signed content names that entry.
audit_flips() {
	python3 - "$AUDIT" "$PARLEY" <<'PYEOF' || fail "single-bit changes: see above"
import collections, concurrent.futures, json, random, re, subprocess, sys

path, parley = sys.argv[1], sys.argv[2]
good = open(path, "rb").read()
lines = good.split(b"\n")[:-1]
recs = [json.loads(l) for l in lines]
starts, at = [], 0
for l in lines:
    starts.append(at)
    at += len(l) + 1
logs = [i for i, r in enumerate(recs) if "log" in r]
k = next(i for i, r in enumerate(recs) if i > logs[1] and "entry" in r
         and r["entry"].get("msg", {}).get("type") == "result")
entry = recs[k]
e_at, e_len = starts[k], len(lines[k])
m = next(i for i, r in enumerate(recs) if "checkpoint" in r)
n_at, n_len = starts[m], len(lines[m])
rng = random.Random(9162)
offsets = {}
for off in range(e_at, e_at + e_len):
    offsets[off] = "entry"
for off in range(n_at, n_at + n_len):
    offsets[off] = "note"
for off in rng.sample([o for o in range(len(good)) if o not in offsets], 200):
    offsets[off] = "random"
bits = {off: 1 << rng.randrange(8) for off in sorted(offsets)}
# The bytes of the message object itself (signed): from after
# '{"entry":{"msg":' to its end.
sig_at = lines[k].rindex(b',"sig":"')
signed = range(e_at + len(b'{"entry":{"msg":'), e_at + sig_at)

def run(off):
    b = bytearray(good)
    b[off] ^= bits[off]
    f = "%s.flip.%d" % (path, off)
    open(f, "wb").write(b)
    p = subprocess.run([parley, "audit", "verify", f], capture_output=True,
                       text=True, errors="replace")
    subprocess.run(["rm", "-f", f])
    return off, p.returncode, p.stderr.strip()

bad = 0
msgs = collections.Counter()
named = collections.Counter()
with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
    for off, rc, err in ex.map(run, sorted(offsets)):
        where = offsets[off]
        if rc != 3 or not err.startswith("parley: ") or \
                re.search("runtime error:|AddressSanitizer|LeakSanitizer", err):
            bad += 1
            if bad <= 10:
                print("offset %d (%s, bit 0x%02x): exit %d, stderr %r"
                      % (off, where, bits[off], rc, err[:300]))
            continue
        # The message without the offsets, indices and names it quotes.
        gist = re.sub(r"[0-9]+", "N", err.split("\n")[0].replace(path, "FILE"))
        gist = re.sub(r"'[^']*'", "'X'", gist)
        msgs[gist] += 1
        if off in signed:
            ok = "entry %d" % entry["index"] in err or \
                "line %d" % (k + 1) in err
            named[ok] += 1
            if not ok and named[False] <= 5:
                print("offset %d in entry %d's signed bytes: %r"
                      % (off, entry["index"], err[:200]))
print("%d offsets (%d random, %d in entry %d of %s's log, %d in a checkpoint "
      "note), %d refused with exit 3 and a message, %d not"
      % (len(offsets), list(offsets.values()).count("random"), e_len,
         entry["index"], recs[logs[1]]["log"], n_len, len(offsets) - bad, bad))
print("%d distinct error messages (numbers and quoted values elided):"
      % len(msgs))
for m, c in msgs.most_common():
    print("  %5d  %s" % (c, m[:150]))
print("flips in the entry's signed bytes whose message names the entry or "
      "its line: %d of %d" % (named[True], len(signed)))
sys.exit(1 if bad or len(msgs) < 5 or named[False] else 0)
PYEOF
	ok "every single-bit change tried: exit 3 and a message; in an entry's signed bytes, the entry named"
}
soft audit_flips

# Records taken out or changed, every line kept canonical.  A dropped
# entry breaks its section's root (named by the section); a whole section
# dropped, or the period changed, only the exporter's signature over the
# lines can tell, and the message says so.
audit_drop() {
	python3 - "$AUDIT" <<'PYEOF' || fail "could not make the variants"
import json, sys
good = open(sys.argv[1], "rb").read()
lines = good.split(b"\n")[:-1]
recs = [json.loads(l) for l in lines]
canon = lambda o: json.dumps(o, separators=(",", ":"), sort_keys=True,
                             ensure_ascii=False).encode()
# Python's canonical form is RFC 8785's for this data (ASCII member names,
# no floats, the same escapes); it reproduces parley's lines byte for byte.
assert all(canon(r) == l for r, l in zip(recs, lines)), "Python's form differs"
def write(name, keep):
    open(name, "wb").write(b"".join(l + b"\n" for l in keep))
logs = [i for i, r in enumerate(recs) if "log" in r]
for who in (0, 1):
    entries = [i for i, r in enumerate(recs) if "entry" in r and
               (logs[who] < i < (logs[1] if who == 0 else len(recs)))]
    drop = entries[3]
    write("drop%d.json" % who, [l for i, l in enumerate(lines) if i != drop])
# The peer's log: its whole first section.
s0 = next(i for i, r in enumerate(recs) if i > logs[1] and "section" in r)
s1 = next(i for i, r in enumerate(recs) if i > s0 and "section_end" in r)
write("dropsec.json", [l for i, l in enumerate(lines) if not s0 <= i <= s1])
head = recs[0]
head["audit"]["from"] = "2026-11-20T00:00:00.000Z"
write("period.json", [canon(head)] + lines[1:])
PYEOF
	# The entry after the hole needs the hole's nodes in its 'gap'.
	expect_rc 3 px audit verify drop0.json
	expect_in "$ERR" "log of $A, entry 4: 'gap' holds 0 hashes; leaves 3 to 4 of the tree of 12 need 1"
	expect_rc 3 px audit verify drop1.json
	expect_in "$ERR" "log of $B, "
	for f in dropsec.json period.json; do
		expect_rc 3 px audit verify $f
		expect_in "$ERR" "$f: every entry verifies, but the exporter ($A) signed"
	done
	# The Python verifier of docs/audit.md refuses them too.
	for f in drop0.json drop1.json dropsec.json period.json; do
		expect_rc 1 tlog audit $f
	done
	expect_rc 3 px audit verify --json period.json
	expect_json "$OUT" 'd["ok"]' false
	expect_json "$OUT" 'd["entries"]' 24
	expect_json "$OUT" 'd["cases"]' '[]'
	ok "an entry dropped (either log): named by the place it left; a section dropped or the period changed: the exporter's signature named"
}
soft audit_drop

# Both logs claiming the same origin: refused (exit 3) before the
# signature, without overrunning memory.
audit_same_origin() {
	python3 - "$AUDIT" <<'PYEOF' || fail "could not make the variant"
import json, sys
lines = open(sys.argv[1], "rb").read().split(b"\n")[:-1]
recs = [json.loads(l) for l in lines]
logs = [i for i, r in enumerate(recs) if "log" in r]
lines[logs[1]] = lines[logs[0]]
open("same-origin.json", "wb").write(b"".join(l + b"\n" for l in lines))
PYEOF
	expect_rc 3 px audit verify same-origin.json
	expect_in "$ERR" "same-origin.json: two logs of $A"
	ok "two logs with one origin: exit 3"
}
soft audit_same_origin

# Version 1 (one JSON document, a path per entry) is still verified: a
# bundle made by an earlier parley, and changes to it.
audit_v1() {
	local v1=$PX_SOURCE_DIR/tests/fuzz/corpus/audit/real-two-cases.json
	expect_rc 0 px audit verify --json "$v1"
	expect_json "$OUT" 'd["version"]' 1
	expect_json "$OUT" 'd["entries"]' 14
	expect_json "$OUT" 'len(d["cases"])' 2
	python3 - "$v1" "$PARLEY" <<'PYEOF' || fail "version 1 changes: see above"
import json, random, subprocess, sys
path, parley = sys.argv[1], sys.argv[2]
good = open(path, "rb").read()
rng = random.Random(1)
bad = 0
for off in rng.sample(range(len(good) - 1), 40):
    b = bytearray(good)
    b[off] ^= 1 << rng.randrange(8)
    open("v1.flip", "wb").write(b)
    p = subprocess.run([parley, "audit", "verify", "v1.flip"],
                       capture_output=True, text=True, errors="replace")
    if p.returncode != 3 or not p.stderr.startswith("parley: "):
        bad += 1
        print("offset %d: exit %d %r" % (off, p.returncode, p.stderr[:200]))
canon = lambda o: json.dumps(o, separators=(",", ":"), sort_keys=True,
                             ensure_ascii=False).encode()
d = json.loads(good)
del d["audit"]["logs"][1]["entries"][2]
open("v1-drop.json", "wb").write(canon(d) + b"\n")
sys.exit(1 if bad else 0)
PYEOF
	expect_rc 3 px audit verify v1-drop.json
	expect_in "$ERR" "every entry verifies, but the exporter's (cert-us.example) signature over the bundle does not"
	ok "version 1: verifies (14 entries, 2 cases); 40 flipped bits and a dropped entry refused"
}
soft audit_v1

# A request the peer never answered: the exporter holds no checkpoint of
# the peer's log.  The bundle is the record of what was sent and that no
# receipt came; it must verify, showing the message without a receipt.
audit_unanswered() {
	at 2026-11-21T09:00:00Z
	mknode ua cert-fr.example Europe/Paris
	mknode ub cert-de.example Europe/Berlin
	enrol ua ub
	expect_rc 0 px case new --dir ua --to cert-de.example --kind request \
		--category phishing --priority P1 --title "Unanswered" --text "Hello?"
	local id
	id=$(cat "$OUT")
	expect_rc 0 px outbox export --dir ua --peer cert-de.example -o u.bundle
	at 2026-11-22T09:00:00Z
	expect_rc 0 px audit export --dir ua --peer cert-de.example -o unanswered.json
	show_json ua "$id" ua.show.json
	expect_rc 0 px audit verify --json unanswered.json
	cp "$OUT" unanswered.verify.json
	expect_json unanswered.verify.json 'd["entries"]' 1
	expect_json unanswered.verify.json '[(m["type"], m.get("received")) for m in d["cases"][0]["messages"]]' '[["request", null]]'
	expect_json unanswered.verify.json '{k: v["state"] for k, v in d["cases"][0]["clocks"].items()}' \
		"$(json_get ua.show.json '{k: v["state"] for k, v in d["clocks"].items()}')"
	ok "an unanswered request's audit bundle verifies: one message, no receipt"
}
soft audit_unanswered

# --- 4. A forked log ---------------------------------------------------------
# a-backup is A before its last message (close, seq 6).  Restored, it signs
# another seq 6: its log of the same size now has another root.
fork() {
	at 2026-11-21T10:00:00Z
	expect_rc 0 px case note --dir a-backup "$ID" --text "A different sixth message"
	expect_rc 0 px outbox export --dir a-backup --peer $B -o fork.bundle
	record_dump b/parley.db fork.before.sql
	expect_rc 3 px inbox import --dir b fork.bundle
	expect_in "$OUT" "ALERT    fork: $A showed checkpoint size 12"
	expect_in "$ERR" "cannot be joined to the one we witnessed"
	refusal_only fork.bundle.receipts 0
	record_dump b/parley.db fork.after.sql
	cmp -s fork.before.sql fork.after.sql || fail "the refused bundle changed b's record"
	expect_rc 0 px log alerts --dir b --json
	cp "$OUT" alerts.json
	expect_json alerts.json 'len(d)' 1
	expect_json alerts.json 'd[0]["kind"]' fork
	expect_json alerts.json 'd[0]["time"]' 2026-11-21T10:00:00.000Z
	local ev
	ev=$(ls b/evidence/fork-$A-12-*.txt 2>/dev/null)
	[ "$(wc -w <<<"$ev")" = 1 ] || fail "expected one fork evidence file for size 12, found [$ev]"
	expect_json alerts.json "'$ev'.split('/')[-1] in d[0]['detail']" true
	python3 - "$ev" <<'PYEOF' || fail "the evidence notes do not check out"
import sys
t = open(sys.argv[1], encoding="utf-8").read()
a = t.split("--- checkpoint A (held before) ---\n")[1].split("\n--- checkpoint B")[0]
b = t.split("--- checkpoint B (shown now) ---\n")[1].split("\n--- consistency")[0]
open("ev.a", "w").write(a)
open("ev.b", "w").write(b)
PYEOF
	expect_rc 0 tlog checkpoint ev.a "$LK_A"
	cp "$OUT" ev.a.json
	expect_rc 0 tlog checkpoint ev.b "$LK_A"
	cp "$OUT" ev.b.json
	expect_json ev.a.json 'd["size"]' 12
	expect_json ev.b.json 'd["size"]' 12
	local ra rb
	ra=$(json_get ev.a.json 'd["root"]') && rb=$(json_get ev.b.json 'd["root"]') || exit 1
	[ "$ra" != "$rb" ] || fail "the two evidence checkpoints have the same root"
	# The one held before is the real A's, the one shown now the restored A's.
	expect_eq "held-before root" "$(json_get a.note.json 'd["root"]')" "$ra"
	expect_rc 0 px log checkpoint --dir a-backup
	cp "$OUT" backup.note
	expect_rc 0 tlog checkpoint backup.note "$LK_A"
	expect_json "$OUT" 'd["root"]' "$rb"
	ok "fork: refused, alert, evidence of two notes signed by $A (Python), size 12, different roots"
	# B keeps every checkpoint A showed, so B's audit bundle now carries
	# the split view, and a verifier is told so.
	expect_rc 0 px audit export --dir b --peer $A -o fork-audit.json
	expect_rc 3 px audit verify fork-audit.json
	expect_in "$ERR" "log of $A: two signed checkpoints of size 12 with different roots: a split view (fork)"
	ok "B's audit bundle after the fork: exit 3, the split view named"
}
soft fork

finish
