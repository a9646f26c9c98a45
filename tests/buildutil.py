"""Helpers of the suture build tests: a project copied from
tests/build-projects/ and built with suture-cc, a diff made the way a user
makes one (diff -u between the tree and a changed copy), a snapshot of a
tree to prove it unchanged, and a running program's output."""
import contextlib
import hashlib
import os
import pathlib
import shutil
import subprocess
import time

from conftest import BUILD, run

PROJECTS = pathlib.Path(__file__).resolve().parent / "build-projects"
SUTURE_CC = str(BUILD / "suture-cc")


def project(name, tmp_path):
    """Copies project NAME into tmp_path/NAME and returns its directory."""
    tree = tmp_path / name
    shutil.copytree(PROJECTS / name, tree)
    return tree


def make_diff(tree, edits, tmp_path):
    """A unified diff (diff -u, a/ and b/ prefixes) of the EDITS
    {file: [(old, new), ...]} to TREE, written to tmp_path/fix.diff; the
    tree itself is left as it is."""
    out = []
    for rel, changes in edits.items():
        old = (tree / rel).read_text()
        new = old
        for before, after in changes:
            assert before in new, f"{before!r} not in {rel}"
            new = new.replace(before, after, 1)
        a, b = tmp_path / "diff-a" / rel, tmp_path / "diff-b" / rel
        a.parent.mkdir(parents=True, exist_ok=True)
        b.parent.mkdir(parents=True, exist_ok=True)
        a.write_text(old)
        b.write_text(new)
        proc = subprocess.run(["diff", "-u", "--label", f"a/{rel}", "--label", f"b/{rel}",
                               str(a), str(b)], capture_output=True, text=True)
        out.append(proc.stdout)
    path = tmp_path / "fix.diff"
    path.write_text("".join(out))
    return path


def snapshot(tree):
    """{relative path: (mode, mtime_ns, sha256)} of every file under TREE."""
    files = {}
    for root, dirs, names in os.walk(tree):
        for name in names:
            path = pathlib.Path(root, name)
            st = path.lstat()
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
            files[str(path.relative_to(tree))] = (st.st_mode, st.st_mtime_ns, digest)
    return files


@contextlib.contextmanager
def running(program, out, *args):
    """PROGRAM (with ARGS) running, its output to the file OUT, for 0.3 s
    before the body; killed after it."""
    with out.open("w") as sink:
        proc = subprocess.Popen([str(program), *args], stdout=sink)
    try:
        time.sleep(0.3)
        yield proc
    finally:
        proc.kill()
        proc.wait()


def lines_across_apply(suture, program, patch, tmp_path):
    """Starts PROGRAM, applies PATCH to it 0.3 s in, lets it run 0.3 s
    more, kills it and returns the lines it printed."""
    out = tmp_path / "program-output.txt"
    with out.open("w") as sink:
        proc = subprocess.Popen([str(program)], stdout=sink)
    try:
        time.sleep(0.3)
        run([suture, "apply", "--consistency", "stop", str(proc.pid), str(patch)])
        time.sleep(0.3)
    finally:
        proc.kill()
        proc.wait()
    return out.read_text().splitlines()


def build_patch(suture, tree, diff, patch, *extra, check=True):
    return run([suture, "build", "-C", str(tree), *extra, "-o", str(patch), str(diff)],
               check=check)
