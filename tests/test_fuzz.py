"""Fuzzing (scripts/fuzz.sh runs the long campaigns, figures in the
README): here, every crasher a campaign ever found, replayed through the
command that reads it, and a short smoke run of each libFuzzer harness so
that they keep building and running."""
import pathlib
import shutil
import subprocess

import pytest

from conftest import BUILD, CORE_LIBS, ROOT, SANITIZERS, run
from sealing import seal

FUZZ = ROOT / "tests" / "fuzz"
HARNESSES = ["patch", "elf", "units", "state"]


def crashers(name):
    folder = FUZZ / "crashers" / name
    return sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []


def refuses_cleanly(proc):
    assert proc.returncode in (0, 1), f"exit {proc.returncode}: {proc.stderr[-2000:]}"
    if proc.returncode == 1:
        assert proc.stderr.count("\n") == 1, proc.stderr


@pytest.mark.parametrize("crasher", crashers("patch"), ids=lambda p: p.name)
def test_patch_crashers(suture, tmp_path, crasher):
    patch = tmp_path / "p.o"
    patch.write_bytes(seal(crasher.read_bytes()))   # as fuzz_patch.c does
    refuses_cleanly(run([suture, "info", str(patch)], check=False, errors="replace"))


@pytest.mark.parametrize("crasher", crashers("elf"), ids=lambda p: p.name)
@pytest.mark.parametrize("command", [["audit"], ["impact", "--all"], ["diff"]])
def test_elf_crashers(suture, tmp_path, crasher, command):
    args = [str(crasher), str(crasher)] if command == ["diff"] else [str(crasher)]
    proc = run([suture, *command, *args], check=False, errors="replace")
    assert proc.returncode in (0, 1, 3), f"exit {proc.returncode}: {proc.stderr[-2000:]}"


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    out = tmp_path_factory.mktemp("seeds")
    run(["/usr/bin/python3", str(FUZZ / "make_seeds.py"), str(BUILD), str(out)])
    return out


@pytest.mark.skipif(not shutil.which("clang"), reason="clang is not installed")
@pytest.mark.skipif(SANITIZERS != "none", reason="clang's libFuzzer cannot link gcc's sanitized "
                    "library; scripts/fuzz.sh builds its own")
@pytest.mark.parametrize("name", HARNESSES)
def test_fuzz_smoke(tmp_path, seeds, name):
    """A few thousand executions of the harness, linked against this
    build's library (uninstrumented: a smoke run, not a campaign); the
    crashers kept are replayed first."""
    exe = tmp_path / f"fuzz-{name}"
    run(["clang", "-g", "-fsanitize=fuzzer", "-I", str(ROOT / "src"), "-I", str(FUZZ),
         str(FUZZ / f"fuzz_{name}.c"), str(FUZZ / "fuzz_input.c"),
         str(BUILD / "libsuture-core.a"), *CORE_LIBS, "-o", str(exe)])
    corpus = tmp_path / "corpus"
    shutil.copytree(seeds / name, corpus)
    for c in crashers(name):
        shutil.copy(c, corpus)
    proc = subprocess.run([str(exe), "-runs=3000", "-max_len=65536", "-timeout=10",
                           f"-artifact_prefix={tmp_path}/", str(corpus)],
                          capture_output=True, text=True, errors="replace", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Done 3000 runs" in proc.stderr
