#!/usr/bin/env python3
"""Bounded, self-stopping connection and upload floods against a parley
node on 127.0.0.1, for tests/integration/t_flood.sh and bench/bench_flood.c.

Every loop stops by itself after --seconds; nothing leaves 127.0.0.1.

  --half-open N   N TCP connections that each send the first 3 bytes of a
                  TLS ClientHello and wait; a connection the server closes
                  is opened again (after --reconnect-ms)
  --slow-tls N    N TLS 1.3 sessions that send a request line and then one
                  header line every --trickle-s seconds, never ending the
                  headers; reopened when the server closes them
  --uploads N     N connections that each POST a body of --upload-mib MiB
                  to /peer/v1/bundles with the client certificate --cert /
                  --key, over and over, with Expect: 100-continue as curl
                  does for large bodies (--no-expect: the body at once)
  --ready FILE    written once every half-open and slow connection has been
                  opened a first time

At the end one JSON object goes to stdout: how many connections were
opened, how many the server closed, and the statuses the uploads got.
"""
import argparse
import asyncio
import collections
import json
import ssl
import sys
import time

HELLO_START = b"\x16\x03\x01"


def client_context(cert=None, key=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    if cert:
        ctx.load_cert_chain(cert, key)
    return ctx


class Flood:
    def __init__(self, a):
        self.a = a
        self.stop = time.monotonic() + a.seconds
        self.stats = collections.Counter()
        self.statuses = collections.Counter()
        self.first_open = 0
        self.want_first = a.half_open + a.slow_tls

    def left(self):
        return self.stop - time.monotonic()

    def opened_once(self, first):
        if first:
            self.first_open += 1
            if self.first_open == self.want_first and self.a.ready:
                with open(self.a.ready, "w") as f:
                    f.write("ready\n")

    async def pause(self):
        if self.a.reconnect_ms > 0:
            await asyncio.sleep(self.a.reconnect_ms / 1000)
        else:
            await asyncio.sleep(0)

    async def tls_connect(self, ctx):
        """A TLS session to the node, or None (counted by the caller)."""
        try:
            return await asyncio.wait_for(
                asyncio.open_connection(self.a.host, self.a.port, ssl=ctx,
                                        server_hostname=None),
                timeout=max(0.1, min(10, self.left())))
        except (OSError, ssl.SSLError, asyncio.TimeoutError):
            return None

    async def half_open(self):
        first = True
        while self.left() > 0:
            try:
                r, w = await asyncio.wait_for(
                    asyncio.open_connection(self.a.host, self.a.port),
                    timeout=max(0.1, min(5, self.left())))
            except (OSError, asyncio.TimeoutError):
                self.stats["half_open_connect_failed"] += 1
                await asyncio.sleep(0.05)
                continue
            self.stats["half_open_opened"] += 1
            self.opened_once(first)
            first = False
            try:
                w.write(HELLO_START)
                await w.drain()
                # b"" (or an error) once the server closes it.
                await asyncio.wait_for(r.read(4096), timeout=max(0.01, self.left()))
                self.stats["half_open_closed_by_server"] += 1
            except asyncio.TimeoutError:
                pass
            except OSError:
                self.stats["half_open_closed_by_server"] += 1
            w.close()
            await self.pause()

    async def slow_tls(self, ctx):
        first = True
        while self.left() > 0:
            rw = await self.tls_connect(ctx)
            if rw is None:
                self.stats["slow_tls_connect_failed"] += 1
                self.opened_once(first)
                first = False
                await asyncio.sleep(0.05)
                continue
            r, w = rw
            self.stats["slow_tls_opened"] += 1
            self.opened_once(first)
            first = False
            n = 0
            try:
                w.write(b"GET /healthz HTTP/1.1\r\nHost: parley\r\n")
                await w.drain()
                while self.left() > 0:
                    try:
                        got = await asyncio.wait_for(
                            r.read(4096), timeout=min(self.a.trickle_s, max(0.01, self.left())))
                    except asyncio.TimeoutError:
                        n += 1
                        w.write(b"X-Trickle-%d: %d\r\n" % (n, n))
                        await w.drain()
                        continue
                    if not got:
                        self.stats["slow_tls_closed_by_server"] += 1
                        break
            except (OSError, ssl.SSLError):
                self.stats["slow_tls_closed_by_server"] += 1
            w.close()
            await self.pause()

    async def upload(self, ctx, body):
        head = (b"POST /peer/v1/bundles HTTP/1.1\r\nHost: parley\r\n"
                b"Content-Type: application/json\r\n"
                b"Content-Length: %d\r\n" % len(body))
        if self.a.expect:
            head += b"Expect: 100-continue\r\n"
        head += b"\r\n"
        view = memoryview(body)
        while self.left() > 0:
            rw = await self.tls_connect(ctx)
            if rw is None:
                self.stats["upload_connect_failed"] += 1
                await asyncio.sleep(0.1)
                continue
            r, w = rw
            status = "reset"
            try:
                w.write(head)
                await w.drain()
                line = b""
                if self.a.expect:
                    # As curl does: wait for "100 Continue" (or a final
                    # answer) before sending the body.
                    line = await asyncio.wait_for(r.readline(), timeout=max(0.1, self.left()))
                    if line.startswith(b"HTTP/1.1 100"):
                        await r.readline()
                        line = b""
                if not line:
                    for i in range(0, len(body), 1 << 16):
                        w.write(view[i:i + (1 << 16)])
                        await w.drain()
                    line = await asyncio.wait_for(r.readline(), timeout=max(0.1, self.left()))
                if line.startswith(b"HTTP/1.1 "):
                    status = line[9:12].decode()
            except (OSError, ssl.SSLError, asyncio.TimeoutError):
                pass
            self.statuses[status] += 1
            w.close()
            if status == "503":
                await asyncio.sleep(0.2)

    async def run(self):
        tasks = []
        ctx = client_context()
        for _ in range(self.a.half_open):
            tasks.append(self.half_open())
        for _ in range(self.a.slow_tls):
            tasks.append(self.slow_tls(ctx))
        if self.a.uploads:
            uctx = client_context(self.a.cert, self.a.key)
            n = self.a.upload_mib << 20
            body = b'{"pad":"' + b"a" * (n - 10) + b'"}'
            for _ in range(self.a.uploads):
                tasks.append(self.upload(uctx, body))
        if self.want_first == 0 and self.a.ready:
            with open(self.a.ready, "w") as f:
                f.write("ready\n")
        await asyncio.gather(*tasks)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--seconds", type=float, required=True)
    p.add_argument("--half-open", type=int, default=0)
    p.add_argument("--slow-tls", type=int, default=0)
    p.add_argument("--trickle-s", type=float, default=3.0)
    p.add_argument("--reconnect-ms", type=float, default=0.0)
    p.add_argument("--uploads", type=int, default=0)
    p.add_argument("--upload-mib", type=int, default=16)
    p.add_argument("--no-expect", dest="expect", action="store_false",
                   help="send bodies without Expect: 100-continue")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--ready")
    a = p.parse_args()
    if a.host not in ("127.0.0.1", "::1", "localhost"):
        sys.exit("flood.py only attacks loopback")
    if a.seconds <= 0 or a.seconds > 600:
        sys.exit("--seconds must be in (0, 600]")
    if a.uploads and not (a.cert and a.key):
        sys.exit("--uploads needs --cert and --key")
    f = Flood(a)
    asyncio.run(f.run())
    out = dict(f.stats)
    out["upload_statuses"] = dict(f.statuses)
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
