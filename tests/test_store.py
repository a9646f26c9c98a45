"""The patch store and `suture watch` (man suture-install, suture-watch),
with the suture of the build tree: a store in a temporary directory
(SUTURE_STORE), the service of tests/store-progs, real processes."""
import json
import os
import re

import jsonschema
import pytest

from conftest import ROOT, run
from storeutil import Service, Watch, build_programs, check_start_restart_other


@pytest.fixture(scope="module")
def progs(suture, tmp_path_factory):
    return build_programs(suture, tmp_path_factory.mktemp("store-progs"))


@pytest.fixture
def env(tmp_path):
    return dict(os.environ, SUTURE_STORE=str(tmp_path / "store"))


def list_json(suture, env):
    doc = json.loads(run([suture, "list", "--json"], env=env).stdout)
    schema = json.loads((ROOT / "schemas" / "list.json").read_text())
    jsonschema.validate(doc, schema)
    return doc


def test_install_applies_to_the_running_build_only_and_remove_reverts(suture, progs, env, tmp_path):
    svc = Service(progs / "service", tmp_path / "a.sock")
    other = Service(progs / "other" / "service", tmp_path / "b.sock")
    try:
        assert svc.answer(5) == "6" and other.answer(5) == "6"
        out = run([suture, "install", "--target", progs / "service", progs / "fix-answer"], env=env).stdout
        assert f"applied to 1 running process: {svc.pid} (service)" in out
        assert svc.answer(5) == "105"
        assert other.answer(5) == "6", "a process of another build was patched"
        doc = list_json(suture, env)
        [patch] = doc["patches"]
        assert patch["name"] == "fix-answer"
        assert patch["target_file"] == str(progs / "service")
        assert [p["pid"] for p in patch["processes"]] == [svc.pid]
        text = run([suture, "list"], env=env).stdout
        assert f"runs in process {svc.pid} (service)" in text
        out = run([suture, "remove", "fix-answer"], env=env).stdout
        assert f"reverted in 1 process: {svc.pid} (service)" in out
        assert svc.answer(5) == "6"
        assert list_json(suture, env)["patches"] == []
    finally:
        svc.stop()
        other.stop()


@pytest.mark.parametrize("case", ["no build-id", "another build", "writable by others",
                                  "not a patch", "twice", "missing"])
def test_install_refuses_with_one_line_and_changes_nothing(suture, progs, env, tmp_path, case):
    svc = Service(progs / "service", tmp_path / "a.sock")
    patch, args = progs / "fix-answer", ["--target", str(progs / "service")]
    try:
        if case == "no build-id":
            args, why = [], "does not name the build it is for: pass --target FILE"
        elif case == "another build":
            args, why = ["--target", str(progs / "service-lib")], "has no function 'answer'"
        elif case == "writable by others":
            patch = tmp_path / "fix-answer"
            patch.write_bytes((progs / "fix-answer").read_bytes())
            patch.chmod(0o666)
            why = "writable by others than its owner"
        elif case == "not a patch":
            patch = progs / "service.o"
            why = "service.o"
        elif case == "twice":
            run([suture, "install", "--no-apply", *args, patch], env=env)
            why = "is already installed"
        else:
            patch, why = tmp_path / "nowhere", "nowhere"
        before = list_json(suture, env)
        proc = run([suture, "install", *args, patch], env=env, check=False)
        assert proc.returncode == 1, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("suture install: ") and why in lines[0], proc.stderr
        assert list_json(suture, env) == before
        assert svc.answer(5) == "6"
    finally:
        svc.stop()


def test_remove_of_what_is_not_installed(suture, env):
    proc = run([suture, "remove", "nothing-such"], env=env, check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip() == "suture remove: no patch 'nothing-such' is installed (see 'suture list')"


def test_watch_patches_started_and_restarted_services_not_another_build(suture, progs, env, tmp_path):
    run([suture, "install", "--target", progs / "service", progs / "fix-answer"], env=env)
    watch = Watch(suture, env)
    try:
        check_start_restart_other(watch, progs, tmp_path, 7)
    finally:
        assert watch.stop() == 0


def test_watch_holds_a_starting_service_until_it_is_patched(suture, progs, env, tmp_path):
    # A second in its libraries' constructors, before its entry point:
    # watch sees the exec long before, however busy the machine.
    run([suture, "install", "--target", progs / "service-slow", progs / "fix-answer"], env=env)
    watch = Watch(suture, env)
    svc = None
    try:
        svc = Service(progs / "service-slow", tmp_path / "a.sock")
        assert svc.answer(3) == "103", "the first request was served by the old code:\n" + "\n".join(watch.lines)
        m = watch.wait_for(rf"^patched process {svc.pid} .*held from its entry point")
        print(m.string)
        # the spec's default model, as `suture apply` without --consistency
        st = json.loads(run([suture, "status", "--json", str(svc.pid)]).stdout)
        assert [(p["name"], p["consistency"]) for p in st["processes"][0]["patches"]] == [("fix-answer", "thread")]
    finally:
        if svc:
            svc.stop()
        assert watch.stop() == 0
        assert not list((tmp_path / "store" / ".held").iterdir()), "a hold marker was left"


def test_watch_patches_a_library_mapped_at_start_and_one_dlopened_later(suture, progs, env, tmp_path):
    run([suture, "install", "--target", progs / "libanswer.so", progs / "fix-libanswer"], env=env)
    watch = Watch(suture, env)
    started = []
    try:
        at_start = Service(progs / "service-lib", tmp_path / "a.sock")
        started.append(at_start)
        ms = watch.patched(at_start.pid, "fix-libanswer")
        print(f"library mapped at start: patched {ms:.2f} ms after exec")
        assert at_start.answer(1) == "201"
        late = Service(progs / "service-late", tmp_path / "b.sock")
        started.append(late)
        assert late.answer(1) == "not loaded"
        assert late.answer(f"load {progs / 'libanswer.so'}").startswith("loaded ")
        ms = watch.patched(late.pid, "fix-libanswer")
        print(f"library dlopen'ed later: patched {ms:.2f} ms after it opened the library")
        assert late.answer(1) == "201"
        # A process that reads the file without mapping it is let go, untouched.
        assert run(["cmp", progs / "libanswer.so", progs / "libanswer.so"]).returncode == 0
        doc = list_json(suture, env)
        assert sorted(p["pid"] for p in doc["patches"][0]["processes"]) == sorted([at_start.pid, late.pid])
    finally:
        for svc in started:
            svc.stop()
        assert watch.stop() == 0


def test_watch_picks_up_an_install_and_a_remove_while_running(suture, progs, env, tmp_path):
    watch = Watch(suture, env)
    started = []
    try:
        run([suture, "install", "--target", progs / "service", progs / "fix-answer"], env=env)
        watch.wait_for(r"^watching 1 installed patch")
        started.append(Service(progs / "service", tmp_path / "a.sock"))
        watch.patched(started[0].pid, "fix-answer")
        assert started[0].answer(1) == "101"
        run([suture, "remove", "fix-answer"], env=env)
        assert started[0].answer(1) == "2"
        watch.wait_for(r"^watching 0 installed patches")
        started.append(Service(progs / "service", tmp_path / "b.sock"))
        assert started[1].answer(1) == "2"
        assert not any(re.match(rf"patched process {started[1].pid} ", line) for line in watch.lines)
    finally:
        for svc in started:
            svc.stop()
        assert watch.stop() == 0
