"""A TAXII 2.1 test client for t_taxii.sh: drives a serving node over real
HTTPS and asserts on what it answers.  Usage:

    taxii_client.py BASE TOKEN PEER_A_DIR PEER_B_DIR RED_CASE GREEN_CASE CLEAR_CASE

BASE is https://127.0.0.1:PORT; PEER_A_DIR holds the pinned certificate
of a party of every case (cert-a), PEER_B_DIR one of a peer with no case.
Exits nonzero with a message at the first failed check."""
import base64, http.client, json, ssl, sys, time, urllib.parse, uuid

BASE, TOKEN, A, B, RED, GREEN, CLEAR = sys.argv[1:8]
HOST, PORT = urllib.parse.urlsplit(BASE).hostname, urllib.parse.urlsplit(BASE).port
TAXII = "application/taxii+json;version=2.1"
RED_MARK = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
GREEN_MARK = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
CHECKS = 0


def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    global CHECKS
    CHECKS += 1
    if not cond:
        fail(msg)


class Client:
    def __init__(self, basic=None, bearer=None, cert=None):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        if cert:
            ctx.load_cert_chain(cert + "/tls/cert.pem", cert + "/tls/key.pem")
        self.ctx, self.headers = ctx, {}
        if basic:
            self.headers["Authorization"] = "Basic " + base64.b64encode(
                ("analyst:" + basic).encode()).decode()
        if bearer:
            self.headers["Authorization"] = "Bearer " + bearer
        self.conn = None
        self.requests = 0

    def req(self, method, path, body=None, accept=TAXII, ctype=TAXII, query=None):
        if self.conn is None:
            self.conn = http.client.HTTPSConnection(HOST, PORT, context=self.ctx, timeout=30)
        h = dict(self.headers)
        if accept is not None:
            h["Accept"] = accept
        if body is not None:
            h["Content-Type"] = ctype
            body = json.dumps(body).encode()
        if query:
            path += "?" + urllib.parse.urlencode(query)
        self.conn.request(method, "/taxii2" + path, body=body, headers=h)
        r = self.conn.getresponse()
        data = r.read()
        self.requests += 1
        doc = json.loads(data) if data else None
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), doc


def collections(c):
    st, h, d = c.req("GET", "/api/collections/")
    check(st == 200, f"collections: {st} {d}")
    return {x["title"]: x for x in d["collections"]}


def page_all(c, coll, limit, what="objects", query=None):
    """Every item of a listing, following next; and the number of pages."""
    items, nxt, pages = [], None, 0
    while True:
        q = dict(query or {})
        q["limit"] = limit
        if nxt:
            q["next"] = nxt
        st, h, d = c.req("GET", f"/api/collections/{coll}/{what}/", query=q)
        check(st == 200, f"page {pages} of {coll}: {st} {d}")
        got = d.get("objects", [])
        check(len(got) <= limit, f"a page of {len(got)} for limit {limit}")
        if got:
            check("x-taxii-date-added-first" in h and "x-taxii-date-added-last" in h,
                  "a page without X-TAXII-Date-Added-First/-Last")
        items += got
        pages += 1
        check(pages <= 1100, f"{coll}: more than 1100 pages at limit {limit}: the cursor does not advance")
        if not d["more"]:
            check("next" not in d, "more false but a next cursor")
            return items, pages
        check(d.get("next"), "more true without next")
        nxt = d["next"]


def main():
    tok = Client(basic=TOKEN)
    # Discovery and the API root, with Basic and with Bearer.
    st, h, d = tok.req("GET", "/")
    check(st == 200 and h["content-type"] == TAXII, f"discovery: {st} {h.get('content-type')}")
    check(d["api_roots"] == [BASE + "/taxii2/api/"], f"api_roots {d['api_roots']}")
    st, h, d = Client(bearer=TOKEN).req("GET", "/api/")
    check(st == 200 and d["versions"] == [TAXII], f"api root by bearer: {st} {d}")
    # No credentials, a wrong token.
    st, h, d = Client().req("GET", "/api/collections/")
    check(st == 401 and d["http_status"] == "401" and "www-authenticate" in h,
          f"no credentials: {st} {d}")
    st, h, d = Client(basic="not-a-token").req("GET", "/api/collections/")
    check(st == 401, f"wrong token: {st}")
    # Media types (section 1.6.8: 406 for Accept, 415 for Content-Type).
    for acc in ("application/json", "application/taxii+json;version=2.0",
                "application/stix+json;version=2.1", "text/html"):
        st, h, d = tok.req("GET", "/api/collections/", accept=acc)
        check(st == 406 and d["http_status"] == "406" and h["content-type"] == TAXII,
              f"Accept {acc}: {st} {d}")
    for acc in ("application/taxii+json", "*/*", "application/*",
                "text/html, application/taxii+json;version=2.1;q=0.5"):
        st, h, d = tok.req("GET", "/api/", accept=acc)
        check(st == 200, f"Accept {acc}: {st}")

    ctok = collections(tok)
    check(set(ctok) == {"TLP:CLEAR cases", "TLP:GREEN cases", "Cases with cert-a.example",
                        "Cases with cert-b.example"}, f"token's collections {sorted(ctok)}")
    pa, pb = Client(cert=A), Client(cert=B)
    ca, cb = collections(pa), collections(pb)
    check(set(cb) == {"TLP:CLEAR cases", "TLP:GREEN cases", "Cases with cert-b.example"},
          f"peer b's collections {sorted(cb)}")
    check(set(ca) == {"TLP:CLEAR cases", "TLP:GREEN cases", "Cases with cert-a.example"},
          f"peer a's collections {sorted(ca)}")
    check(not ca["TLP:GREEN cases"]["can_write"] and ca["Cases with cert-a.example"]["can_write"],
          "peer a may write its own collection, not the community's")
    coll_a = ctok["Cases with cert-a.example"]["id"]
    coll_b = ctok["Cases with cert-b.example"]["id"]
    coll_g = ctok["TLP:GREEN cases"]["id"]
    coll_c = ctok["TLP:CLEAR cases"]["id"]

    # Which case is in which collection (the choke point, PX_OUT_TAXII).
    def cases_in(c, coll):
        objs, _ = page_all(c, coll, 100, query={"match[type]": "grouping"})
        return sorted(o["x_parley_case"]["id"] for o in objs)
    check(cases_in(pa, coll_a) == sorted([RED, GREEN, CLEAR]), "a's collection holds its three cases")
    check(cases_in(tok, coll_g) == [GREEN], "the GREEN collection holds the GREEN case only")
    check(cases_in(pb, coll_c) == [CLEAR], "the CLEAR collection holds the CLEAR case only")
    # Peer b reading a's collection gets nothing (404: not there for it).
    for path in ("/", "/objects/", "/manifest/", f"/objects/grouping--{uuid.uuid4()}/"):
        st, h, d = pb.req("GET", f"/api/collections/{coll_a}{path}")
        check(st == 404 and "objects" not in d, f"b reads a's collection {path}: {st} {d}")
    st, h, d = pb.req("POST", f"/api/collections/{coll_a}/objects/", body={"objects": []})
    check(st == 404, f"b posts to a's collection: {st}")
    # TLP:RED: in no collection b can read, on any page.
    for coll in cb.values():
        objs, _ = page_all(pb, coll["id"], 7, query={"match[version]": "all"})
        text = json.dumps(objs)
        check(RED not in text and RED_MARK not in text, f"a RED trace in {coll['title']} for b")
    st, h, d = pa.req("GET", f"/api/collections/{coll_a}/objects/", query={"match[type]": "grouping"})
    check(any(RED_MARK in o.get("object_marking_refs", []) for o in d["objects"]),
          "the RED case reaches its named recipient")

    # 1,000 objects into b's (empty) collection: 500 in one POST (one
    # date-added), then 500 in five POSTs.
    def sdo(i, typ, modified="2026-01-01T00:00:00.000Z"):
        o = {"type": typ, "spec_version": "2.1", "id": f"{typ}--{uuid.UUID(int=i + 1, version=4)}",
             "created": "2026-01-01T00:00:00.000Z", "modified": modified}
        if typ == "note":
            o["content"] = f"note {i}"
        else:
            o.update(pattern=f"[ipv4-addr:value = '10.0.{i // 256}.{i % 256}']",
                     pattern_type="stix", valid_from="2026-01-01T00:00:00Z")
        return o
    made = [sdo(i, "note" if i % 5 else "indicator") for i in range(1000)]
    st, h, d = tok.req("POST", f"/api/collections/{coll_b}/objects/", body={"objects": made[:500]})
    check(st == 202 and d["status"] == "complete" and d["success_count"] == 500
          and d["failure_count"] == 0 and d["total_count"] == 500 and d["pending_count"] == 0,
          f"POST 500: {st} {d and {k: d[k] for k in d if k != 'successes'}}")
    status_id = d["id"]
    st, h, d2 = tok.req("GET", f"/api/status/{status_id}/")
    check(st == 200 and d2 == d, f"status after POST: {st}")
    st, h, d2 = pb.req("GET", f"/api/status/{status_id}/")
    check(st == 200 and d2["success_count"] == 500, "b reads the status of a POST to its collection")
    st, h, d2 = pa.req("GET", f"/api/status/{status_id}/")
    check(st == 404, f"a reads the status of a POST to b's collection: {st}")
    for k in range(5):
        time.sleep(0.01)
        st, h, d = pb.req("POST", f"/api/collections/{coll_b}/objects/",
                          body={"objects": made[500 + 100 * k:600 + 100 * k]})
        check(st == 202 and d["success_count"] == 100, f"POST batch {k}: {st} {d}")
    want = sorted(o["id"] for o in made)
    for limit in (1, 7, 100):
        objs, pages = page_all(pb, coll_b, limit)
        ids = [o["id"] for o in objs]
        check(len(ids) == 1000 and sorted(ids) == want,
              f"limit {limit}: {len(ids)} objects, {len(set(ids))} distinct")
        check(pages == -(-1000 // limit), f"limit {limit}: {pages} pages")
    man, _ = page_all(pb, coll_b, 7, what="manifest")
    check(len(man) == 1000 and all(m["media_type"] == "application/stix+json;version=2.1"
                                   and m["version"] == "2026-01-01T00:00:00.000Z" for m in man),
          "manifest: 1000 entries with version and media type")
    dates = sorted(set(m["date_added"] for m in man))
    check(sum(m["date_added"] == dates[0] for m in man) == 500, "500 objects share one date-added")
    st, h, d = pb.req("GET", f"/api/collections/{coll_b}/manifest/", query={"limit": 500})
    check(h["x-taxii-date-added-first"] == dates[0] and h["x-taxii-date-added-last"] == dates[0]
          and d["more"], f"headers of the first 500: {h.get('x-taxii-date-added-first')}")

    # Filters.
    objs, _ = page_all(pb, coll_b, 100, query={"match[type]": "indicator"})
    check(len(objs) == 200 and all(o["type"] == "indicator" for o in objs), f"match[type]: {len(objs)}")
    objs, _ = page_all(pb, coll_b, 100, query={"match[type]": "indicator,note"})
    check(len(objs) == 1000, f"match[type] two values: {len(objs)}")
    pick = [made[3]["id"], made[777]["id"]]
    objs, _ = page_all(pb, coll_b, 100, query={"match[id]": ",".join(pick)})
    check(sorted(o["id"] for o in objs) == sorted(pick), "match[id]")
    objs, _ = page_all(pb, coll_b, 100, query={"match[spec_version]": "2.0"})
    check(objs == [], "match[spec_version]=2.0 finds none")
    objs, _ = page_all(pb, coll_b, 100, query={"match[spec_version]": "2.1"})
    check(len(objs) == 1000, "match[spec_version]=2.1 finds all")
    objs, _ = page_all(pb, coll_b, 100, query={"added_after": dates[0]})
    check(len(objs) == 500 and not {o["id"] for o in objs} & {o["id"] for o in made[:500]},
          f"added_after the first date: {len(objs)}")
    # A second version of three objects.
    newer = [sdo(i, "note", "2026-02-01T00:00:00.000Z") for i in (1, 2, 3)]
    st, h, d = tok.req("POST", f"/api/collections/{coll_b}/objects/", body={"objects": newer})
    check(st == 202 and d["success_count"] == 3, "second versions")
    objs, _ = page_all(pb, coll_b, 100)
    check(len(objs) == 1000 and sum(o["modified"].startswith("2026-02") for o in objs) == 3,
          "the default is the last version of each")
    objs, _ = page_all(pb, coll_b, 100, query={"match[version]": "all"})
    check(len(objs) == 1003, f"match[version]=all: {len(objs)}")
    objs, _ = page_all(pb, coll_b, 100, query={"match[version]": "first"})
    check(len(objs) == 1000 and not any(o["modified"].startswith("2026-02") for o in objs),
          "match[version]=first")
    objs, _ = page_all(pb, coll_b, 100, query={"match[version]": "2026-02-01T00:00:00Z"})
    check(sorted(o["id"] for o in objs) == sorted(o["id"] for o in newer), "match[version]=TIME")
    st, h, d = pb.req("GET", f"/api/collections/{coll_b}/objects/{newer[0]['id']}/versions/")
    check(st == 200 and d["versions"] == ["2026-01-01T00:00:00.000Z", "2026-02-01T00:00:00.000Z"],
          f"versions: {d}")
    st, h, d = pb.req("GET", f"/api/collections/{coll_b}/objects/{newer[0]['id']}/")
    check(st == 200 and len(d["objects"]) == 1 and d["objects"][0]["modified"] == newer[0]["modified"],
          "one object: its last version")
    st, h, d = pb.req("GET", f"/api/collections/{coll_b}/objects/{newer[0]['id']}/",
                      query={"match[version]": "first"})
    check(st == 200 and d["objects"][0]["modified"] == made[1]["modified"], "one object, first version")
    st, h, d = pb.req("GET", f"/api/collections/{coll_b}/objects/note--{uuid.uuid4()}/")
    check(st == 404 and d["http_status"] == "404", "an unknown object is 404")

    # Refusals.
    for q in ({"limit": "0"}, {"limit": "x"}, {"next": "bogus"}, {"added_after": "yesterday"},
              {"match[version]": "newest"}):
        st, h, d = pb.req("GET", f"/api/collections/{coll_b}/objects/", query=q)
        check(st == 400 and d["http_status"] == "400", f"query {q}: {st}")
    st, h, d = tok.req("POST", f"/api/collections/{coll_b}/objects/", body={"objects": []},
                       ctype="application/json")
    check(st == 415 and d["http_status"] == "415", f"POST as application/json: {st}")
    st, h, d = tok.req("POST", f"/api/collections/{coll_b}/objects/", body={"objects": []},
                       ctype="application/stix+json;version=2.1")
    check(st == 415, f"POST as stix+json: {st}")
    st, h, d = pa.req("POST", f"/api/collections/{coll_g}/objects/", body={"objects": []})
    check(st == 403, f"peer a writes the community collection: {st}")
    red = sdo(5000, "note")
    red["object_marking_refs"] = [RED_MARK]
    green = sdo(5001, "note")
    green["object_marking_refs"] = [GREEN_MARK]
    st, h, d = tok.req("POST", f"/api/collections/{coll_g}/objects/",
                       body={"objects": [red, green, {"type": "note"}]})
    check(st == 202 and d["success_count"] == 1 and d["failure_count"] == 2
          and d["successes"][0]["id"] == green["id"] and d["failures"][0]["id"] == red["id"]
          and "TLP:RED" in d["failures"][0]["message"], f"RED into the GREEN collection: {d}")
    st, h, d = pb.req("GET", f"/api/collections/{coll_g}/objects/", query={"match[id]": red["id"]})
    check("objects" not in d, "the refused RED object is not served")
    print(f"taxii_client: {CHECKS} checks passed ({tok.requests + pa.requests + pb.requests} requests)")


main()
