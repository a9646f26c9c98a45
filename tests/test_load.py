"""The short version of bench/load.py: a multi-threaded server answering a
steady stream of requests on loopback is patched and reverted repeatedly
with each consistency model; no request fails and every answer is right
(the patch computes the same answers another way).  Latency and memory are
measured by the bench, figures in the README."""
import pathlib

import pytest

from conftest import run

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("model", ["thread", "stop", "none"])
def test_patched_and_reverted_under_load(suture, model):
    r = run(["/usr/bin/python3", str(ROOT / "bench" / "load.py"), "--model", model,
             "--cycles", "15", "--clients", "2", "--suture", suture], check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"model {model}: 15 apply+revert cycles" in r.stdout
    assert ", 0 failed, 0 wrong" in r.stdout
    # the record in the server does not grow with the cycles
    mem = r.stdout.split("every 1000 cycles, after: ")[1].split("\n")[0].split()
    used = {m.split("/")[1] for m in mem}
    assert len(used) == 1 and int(used.pop()) > 0, mem
