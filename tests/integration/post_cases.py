"""Posts N new cases to a serving node's analyst API, K at a time.

Usage: post_cases.py PORT TOKEN TO N K OUT

K threads, one keep-alive TLS connection each (the API authenticates by
token; the server certificate is not checked here).  Each case is a
request to TO titled "m<i>".  The ids of the cases created (201) are
written to OUT, one a line.  Exits 0 only if all N got 201; the first
ten failures go to stderr.
"""
import http.client
import json
import ssl
import sys
import threading

port, token, to = int(sys.argv[1]), sys.argv[2], sys.argv[3]
n, k, out = int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
lock = threading.Lock()
state = {"next": 0, "ids": [], "bad": []}


def connect():
    return http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=60)


def work():
    c = connect()
    while True:
        with lock:
            i = state["next"]
            state["next"] += 1
        if i >= n:
            return
        body = json.dumps({"to": to, "kind": "request", "category": "botnet",
                           "priority": "P3", "tlp": "green", "title": "m%d" % i,
                           "text": "message %d of the stream" % i})
        try:
            c.request("POST", "/api/v1/cases", body, {
                "Authorization": "Bearer " + token,
                "Content-Type": "application/json"})
            r = c.getresponse()
            d = r.read()
        except Exception as e:  # a dropped connection: say so, go on
            with lock:
                state["bad"].append("%d: %r" % (i, e))
            c.close()
            c = connect()
            continue
        with lock:
            if r.status == 201:
                state["ids"].append(json.loads(d)["case"])
            else:
                state["bad"].append("%d: %d %s" % (i, r.status, d[:200]))


ts = [threading.Thread(target=work) for _ in range(k)]
for t in ts:
    t.start()
for t in ts:
    t.join()
with open(out, "w") as f:
    f.write("\n".join(state["ids"]) + "\n")
for b in state["bad"][:10]:
    print(b, file=sys.stderr)
sys.exit(0 if not state["bad"] and len(state["ids"]) == n else 1)
