"""The demo service, examples/kvd: built with suture-cc, it serves several
clients at once, shows its bug, and examples/kvd/fix.patch fixes it."""
import shutil
import socket
import subprocess
import time

import pytest

from conftest import ROOT, run


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ask(port, line):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(line.encode() + b"\n")
        return conn.makefile().readline().rstrip("\n")


@pytest.fixture
def kvd_source(tmp_path):
    src = tmp_path / "kvd"
    shutil.copytree(ROOT / "examples" / "kvd", src,
                    ignore=shutil.ignore_patterns("*.o", "kvd", "kvd.log"))
    return src


def start(kvd_dir):
    port = free_port()
    proc = subprocess.Popen([str(kvd_dir / "kvd"), str(port), "4"], stdout=subprocess.PIPE,
                            text=True)
    assert "serving on 127.0.0.1" in proc.stdout.readline()
    return proc, port


def stop(proc):
    proc.terminate()
    out, _ = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert "kvd: stopped" in out


def test_kvd_serves_and_leaks_slot_16_until_fixed(suture_cc, kvd_source):
    run(["make", f"CC={suture_cc}"], cwd=kvd_source)
    proc, port = start(kvd_source)
    try:
        # two clients at once: each is served by its own worker thread
        with socket.create_connection(("127.0.0.1", port), timeout=5) as idle:
            idle.sendall(b"SET a 1\n")
            assert ask(port, "SET user alice") == "OK"
            assert ask(port, "GET user") == "alice"
            assert idle.makefile().readline() == "OK\n"
        assert ask(port, "INCR n 41") == "41"
        assert ask(port, "SLOT 17") == "ERR no slot 17"
        assert ask(port, "SLOT 16") == "admin=s3cret-admin-token"   # the bug
    finally:
        stop(proc)
    assert b"suture-unit 1" in run(["readelf", "-p", ".suture.units", "kvd"],
                                   cwd=kvd_source).stdout.encode()

    run(["patch", "-p1", "-i", str(ROOT / "examples" / "kvd" / "fix.patch")], cwd=kvd_source)
    run(["make", f"CC={suture_cc}"], cwd=kvd_source)
    proc, port = start(kvd_source)
    try:
        assert ask(port, "SLOT 16") == "ERR no slot 16"
        assert ask(port, "SLOT 15") == "(free)"
    finally:
        stop(proc)
