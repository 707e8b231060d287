#!/usr/bin/env python3
"""Generates delegation files and feed files for the feed tests, and the
routing oracle (Python's ipaddress, independent of parley's C code).

  feeds_gen.py deleg OUT SEED          a delegation file with non-power-of-two
                                       IPv4 counts, IPv6 and ASN ranges
  feeds_gen.py sinkhole OUT ROWS SEED DAY [DUPS%]
                                       a Shadowserver sinkhole report
  feeds_gen.py day DIR SEED DAY        a day of feeds in every format
  feeds_gen.py oracle DELEG CONS EVENTS  route events (JSON lines
                                       {"ip", "asn", "at"}) with the rules of
                                       docs/routing.md; CONS is a JSON file
                                       {"parties": {name: constituency},
                                        "self": name, "overrides": [...]}
"""
import ipaddress
import json
import random
import sys

REG = "ripencc"


def deleg(out, seed):
    r = random.Random(seed)
    lines = ["2|%s|20261201|0|19830705|20261130|+0100" % REG,
             "%s|*|ipv4|*|0|summary" % REG]
    cur = int(ipaddress.IPv4Address("100.64.0.0"))
    for i in range(400):
        cc = r.choice(["DE", "AT", "FR", "CN", "NL"])
        count = r.choice([256, 300, 512, 700, 1024, 1500, 4096, 96, 2000])
        status = r.choice(["allocated"] * 9 + ["reserved"])
        lines.append("%s|%s|ipv4|%s|%d|20100101|%s" % (
            REG, cc if status != "reserved" else "ZZ",
            ipaddress.IPv4Address(cur), count, status))
        cur += count + r.choice([0, 0, 0, 17, 256])
    base6 = int(ipaddress.IPv6Address("2001:db8::"))
    for i in range(40):
        plen = r.choice([32, 36, 40, 48])
        net = ipaddress.IPv6Network((base6 + (i << (128 - 29)), plen))
        lines.append("%s|%s|ipv6|%s|%d|20100101|allocated" % (
            REG, r.choice(["DE", "AT", "FR"]), net.network_address, plen))
    asn = 64500
    for i in range(30):
        n = r.choice([1, 2, 5, 10])
        lines.append("%s|%s|asn|%d|%d|20100101|assigned" % (
            REG, r.choice(["DE", "AT", "FR"]), asn, n))
        asn += n
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


def parse_deleg(path):
    """[(first, last, cc, line, family)] of delegating records."""
    recs = []
    with open(path) as f:
        seen_version = False
        for no, line in enumerate(f, 1):
            line = line.rstrip("\n").rstrip("\r")
            if not line or line.startswith("#"):
                continue
            p = line.split("|")
            if not seen_version:
                seen_version = True
                continue
            if len(p) >= 6 and p[5] == "summary":
                continue
            if p[6] not in ("allocated", "assigned") or len(p[1]) != 2 \
                    or p[1].upper() == "ZZ":
                continue
            cc = p[1].upper()
            if p[2] == "ipv4":
                a = int(ipaddress.IPv4Address(p[3]))
                recs.append((a, a + int(p[4]) - 1, cc, no, 4))
            elif p[2] == "ipv6":
                n = ipaddress.IPv6Network("%s/%s" % (p[3], p[4]))
                recs.append((int(n.network_address),
                             int(n.broadcast_address), cc, no, 6))
    return recs


def deleg_addresses(path, r, n, fam=4):
    recs = [x for x in parse_deleg(path) if x[4] == fam]
    out = []
    for _ in range(n):
        a, b, cc, no, f = r.choice(recs)
        x = r.randint(a, b)
        out.append(str(ipaddress.IPv4Address(x) if fam == 4
                       else ipaddress.IPv6Address(x)))
    return out


def sinkhole(out, rows, seed, day, dups=30, deleg_path=None):
    """A sinkhole report; returns the number of distinct dedup keys."""
    r = random.Random(seed)
    hdr = ("timestamp,protocol,src_ip,src_port,src_asn,src_geo,src_region,"
           "src_city,src_hostname,dst_ip,dst_port,dst_asn,dst_geo,"
           "device_vendor,infection,severity,tag")
    keys = set()
    prev = []
    if deleg_path:
        pool = deleg_addresses(deleg_path, r, 5000)
    else:
        pool = ["10.%d.%d.%d" % (r.randint(0, 255), r.randint(0, 255),
                                 r.randint(1, 254)) for _ in range(5000)]
    with open(out, "w") as f:
        f.write(hdr + "\n")
        for i in range(rows):
            if prev and r.randint(1, 100) <= dups:
                ts, ip, port, inf, asn = r.choice(prev)
                ts = "%s %02d:%02d:%02d" % (day, r.randint(0, 23),
                                            r.randint(0, 59), r.randint(0, 59))
            else:
                ip = r.choice(pool) if r.random() < 0.5 else \
                    "%s.%d" % (r.choice(pool).rsplit(".", 1)[0],
                               r.randint(1, 254))
                port = r.randint(1024, 65535)
                inf = r.choice(["mirai", "emotet", "qakbot", "andromeda",
                                "avalanche-citadel"])
                asn = r.choice([64500, 64501, 64502, 64510, 0])
                ts = "%s %02d:%02d:%02d" % (day, r.randint(0, 23),
                                            r.randint(0, 59), r.randint(0, 59))
                if len(prev) < 100000:
                    prev.append((ts, ip, port, inf, asn))
            keys.add((ip, port, inf))
            f.write("%s,tcp,%s,%d,%d,DE,Region,City,host-%d.example,"
                    "192.0.2.1,80,64496,US,Vendor,%s,%s,tag\n" % (
                        ts, ip, port, asn, i % 97, inf,
                        r.choice(["high", "medium", "critical", "high"])))
    return len(keys)


def oracle(deleg_path, cons_path, events_path):
    recs = parse_deleg(deleg_path)
    with open(cons_path) as f:
        cons = json.load(f)
    parties = cons["parties"]
    ovrs = cons.get("overrides", [])

    def nets(c, own=False):
        src = c.get("own", {}) if own else c
        return [ipaddress.ip_network(x) for x in src.get("networks", [])]

    def asns(c):
        out = []
        for a in c.get("asns", []) + c.get("own", {}).get("asns", []):
            lo, _, hi = a.partition("-")
            out.append((int(lo[2:]), int((hi or lo)[2:])))
        return out

    def decide(ip, asn, at):
        addr = ipaddress.ip_address(ip)
        # 1. overrides in effect: longest prefix, then AS
        best, bspec, second = None, -2, None
        for o in ovrs:
            if not (o["from"] <= at < o["until"]):
                continue
            if "asn" in o:
                if asn != o["asn"]:
                    continue
                spec = -1
            else:
                n = ipaddress.ip_network(o["network"])
                if addr.version != n.version or addr not in n:
                    continue
                spec = n.prefixlen
            if spec > bspec:
                best, bspec, second = o, spec, None
            elif spec == bspec and o["to"] != best["to"]:
                second = o
        if best:
            if second:
                return ("disputed", None, "override")
            return ("routed", best["to"], "override")
        # 2. constituency networks: longest prefix
        cand = []
        for name, c in parties.items():
            for n in nets(c) + nets(c, True):
                if addr.version == n.version and addr in n:
                    cand.append((n.prefixlen, name))
        if cand:
            top = max(p for p, _ in cand)
            names = {nm for p, nm in cand if p == top}
            if len(names) > 1:
                return ("disputed", None, "network")
            return ("routed", names.pop(), "network")
        # 3. the AS number
        if asn and asn > 0:
            names = {nm for nm, c in parties.items()
                     for lo, hi in asns(c) if lo <= asn <= hi}
            if len(names) > 1:
                return ("disputed", None, "asn")
            if names:
                return ("routed", names.pop(), "asn")
        # 4. the country: the smallest delegation holding the address
        x = int(addr)
        hold = [r for r in recs if r[4] == addr.version and
                r[0] <= x <= r[1]]
        if not hold:
            return ("unroutable", None, "")
        size = min(r[1] - r[0] for r in hold)
        small = [r for r in hold if r[1] - r[0] == size]
        if len({r[2] for r in small}) > 1:
            return ("disputed", None, "country")
        cc = small[0][2]
        names = [nm for nm, c in parties.items()
                 if cc in c.get("countries", [])]
        if len(names) > 1:
            return ("disputed", None, "country")
        if not names:
            return ("unroutable", None, "country")
        return ("routed", names[0], "country")

    out = []
    with open(events_path) as f:
        for line in f:
            e = json.loads(line)
            st, to, by = decide(e["ip"], e.get("asn", -1), e["at"])
            if st == "routed" and to == cons.get("self"):
                st = "own"
            out.append({"ip": e["ip"], "status": st, "to": to, "by": by})
    return out


def main():
    cmd = sys.argv[1]
    if cmd == "deleg":
        deleg(sys.argv[2], int(sys.argv[3]))
    elif cmd == "sinkhole":
        n = sinkhole(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
                     sys.argv[5], int(sys.argv[6]) if len(sys.argv) > 6
                     else 30, sys.argv[7] if len(sys.argv) > 7 else None)
        print(n)
    elif cmd == "oracle":
        for x in oracle(sys.argv[2], sys.argv[3], sys.argv[4]):
            print(json.dumps(x, sort_keys=True))
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
