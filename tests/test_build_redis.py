"""suture build on a real program: Debian's redis 7.0.15, built with
suture-cc from its source package without Debian's first security fix
(CVE-2024-31449, -31227, -31228), then that fix, Debian's own patch, made
into one live patch by suture build and applied to the running server
while clients keep sending requests.

The fix touches src/acl.c, src/util.c and deps/lua/src/lua_bit.c, which
lives in liblua.a and which redis's make does not rebuild (deps/ is a
separate build).  What requests see:
- `ACL SETUSER u '%~'` (a key pattern without permissions) is accepted
  before the fix and refused after it (acl.c);
- KEYS with a pattern nested more than 1000 deep matches before and
  matches nothing after (util.c);
- `bit.tohex(x, INT32_MIN)` in a script would crash the server before;
  after, it returns 8 digits (lua_bit.c, in liblua.a)."""
import json
import subprocess
import sys
import threading
import time

import pytest

from buildutil import SUTURE_CC, snapshot
from conftest import run
from debsrc import source_before_patch
from resp import Client, RespError

FIX = "0001-Apply-security-fixes-for-CVEs-1113.patch"
# Only the server; libc's malloc (jemalloc's configure takes long); -O2
# (redis's -O3 brings -flto, which live patching cannot use).
BUILD = (f"make -C src -j2 redis-server CC={SUTURE_CC} OPTIMIZATION=-O2 "
         "'CFLAGS=-g -fease-live-patching' MALLOC=libc BUILD_TLS=no USE_SYSTEMD=no")
PORT = 17379
LONG_KEY = "a" * 1100
NESTED = "*a" * 1100


@pytest.fixture(scope="module")
def redis_tree(tmp_path_factory):
    work = tmp_path_factory.mktemp("redis")
    tree, fix = source_before_patch("redis", work, FIX)
    run(["sh", "-c", BUILD], cwd=tree)
    return tree, fix


class Load:
    """Clients sending SET and GET of their own keys until stopped,
    counting the requests that failed or got a wrong answer."""

    def __init__(self, port, clients=4):
        self.stop = False
        self.ok = 0
        self.failed = []
        self.threads = [threading.Thread(target=self._run, args=(n, port)) for n in range(clients)]
        for t in self.threads:
            t.start()

    def _run(self, n, port):
        client = Client(port)
        i = 0
        while not self.stop:
            key = f"load-{n}-{i % 50}"
            try:
                answers = (client.call("SET", key, i), client.call("GET", key))
            except (OSError, ConnectionError) as e:
                self.failed.append(repr(e))
                return
            if answers == ("OK", str(i).encode()):
                self.ok += 1
            else:
                self.failed.append(repr(answers))
            i += 1
        client.close()

    def finish(self):
        self.stop = True
        for t in self.threads:
            t.join()


def behaviour(client, user):
    """What the three fixes change, as requests see it."""
    return {
        "acl": not isinstance(client.call("ACL", "SETUSER", user, "%~"), RespError),
        "keys": client.call("KEYS", NESTED) == [LONG_KEY.encode()],
    }


def test_redis_security_fix_built_and_applied_under_load(redis_tree, tmp_path, suture):
    tree, fix = redis_tree
    before = snapshot(tree)
    patch = tmp_path / "cve-2024-31449.patch"
    report = json.loads(run([suture, "build", "-C", str(tree), "--build", BUILD, "--json",
                             "--target", str(tree / "src" / "redis-server"),
                             "-o", str(patch), str(fix)]).stdout)
    assert sorted(report["compiled_again"]) == ["acl.c", "lua_bit.c", "util.c"]
    assert report["compiled_by_suture"] == ["lua_bit.c"]   # make did not rebuild liblua.a
    changed = {f["name"] for f in report["functions"]}
    assert {"ACLSetSelector", "stringmatchlen_impl", "bit_tohex"} <= changed
    assert snapshot(tree) == before

    server = subprocess.Popen([str(tree / "src" / "redis-server"), "--port", str(PORT),
                               "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    try:
        client = None
        for _ in range(100):
            try:
                client = Client(PORT)
                break
            except OSError:
                time.sleep(0.05)
        assert client.call("SET", LONG_KEY, "1") == "OK"
        assert behaviour(client, "u1") == {"acl": True, "keys": True}
        load = Load(PORT)
        try:
            time.sleep(0.5)
            run([suture, "apply", "--consistency", "stop", str(server.pid), str(patch)])
            time.sleep(0.3)
            assert behaviour(client, "u2") == {"acl": False, "keys": False}
            assert client.call("EVAL", "return bit.tohex(65535, -2147483648)", 0) == b"0000FFFF"
            run([suture, "revert", str(server.pid), patch.stem])
            time.sleep(0.3)
            assert behaviour(client, "u3") == {"acl": True, "keys": True}
        finally:
            load.finish()
        assert load.failed == [] and load.ok > 100
        assert server.poll() is None
    finally:
        server.kill()
        server.wait()
