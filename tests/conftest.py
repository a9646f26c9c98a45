"""Shared fixtures: where the built programs are, and how to run them.

Tests run the real thing: the built `suture` and `suture-cc`, real gcc,
real processes.  Build first (scripts/build.sh); SUTURE_BUILD overrides the
build directory."""
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
BUILD = pathlib.Path(os.environ.get("SUTURE_BUILD", ROOT / "build"))


def _sanitizers():
    """The build's -Db_sanitize value ("none" for a plain build)."""
    import json
    info = BUILD / "meson-info" / "intro-buildoptions.json"
    if not info.exists():
        return "none"
    return next((o["value"] for o in json.loads(info.read_text()) if o["name"] == "b_sanitize"),
                "none")


SANITIZERS = _sanitizers()
# What a program linked against libsuture-core.a needs besides it.
CORE_LIBS = ["-lelf", "-ldw", "-lcapstone", "-lsodium"] + (
    [f"-fsanitize={SANITIZERS}"] if SANITIZERS != "none" else [])


def _program(name):
    path = BUILD / name
    if not path.exists():
        pytest.exit(f"{path} is missing: run scripts/build.sh first", returncode=2)
    return str(path)


@pytest.fixture(scope="session")
def suture():
    return _program("suture")


@pytest.fixture(scope="session")
def suture_cc():
    return _program("suture-cc")


def run(cmd, check=True, **kw):
    """Runs cmd (a list), capturing text output; fails the test on a
    non-zero exit unless check=False."""
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if check and proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(map(str, cmd))} exited {proc.returncode}\n"
            f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


def output_across_apply(suture, program, patch, tmp_path, consistency="stop"):
    """Runs PROGRAM, applies PATCH to it half a second in, lets it run half
    a second more, kills it and returns everything it printed."""
    import time
    out = tmp_path / "program-output.txt"
    with out.open("w") as sink:
        proc = subprocess.Popen([str(program)], stdout=sink)
    try:
        time.sleep(0.5)
        run([suture, "apply", "--consistency", consistency, str(proc.pid), str(patch)])
        time.sleep(0.5)
    finally:
        proc.kill()
        proc.wait()
    return out.read_text()
