"""The README's first command, scripts/demo.sh, run as a user would run it:
it must build kvd, make the patch with suture build, close the leak live
without a restart while another client's requests all succeed, revert and
re-apply the patch, and leave nothing behind."""
import glob
import re
import socket

from conftest import ROOT, run


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def replies(out, request):
    """The replies the demo printed for REQUEST, in order."""
    return [line.split(request, 1)[1].strip() for line in out.splitlines()
            if line.strip().startswith(f"> {request}")]


def test_demo_patches_the_running_service(tmp_path):
    before = set(glob.glob("/tmp/suture-demo.*"))
    out = run(["bash", str(ROOT / "scripts" / "demo.sh"), str(free_port())],
              timeout=300).stdout
    # The leak, then fixed live, then back after revert, then fixed again.
    assert replies(out, "SLOT 16") == [
        "admin=s3cret-admin-token",          # step 5, a fresh connection
        "admin=s3cret-admin-token",          # step 7, before apply
        "ERR no slot 16",                    # after apply, same connection
        "admin=s3cret-admin-token",          # after revert
        "ERR no slot 16",                    # after apply again
    ]
    assert "applied 'kvd-fix' to process" in out
    assert "changed  function  store_slot" in out          # suture build's report
    load = re.search(r"another client: (\d+) answered, (\d+) failed", out)
    assert load and int(load.group(1)) > 0 and load.group(2) == "0", out
    assert "kvd-fix: applied (stop)" in out
    assert replies(out, "GET user")[-1] == "alice"
    assert "kvd: stopped" in out
    assert set(glob.glob("/tmp/suture-demo.*")) == before
