"""A live patch from a small source edit of a built tree, for
bench/servers.py: the edited unit is compiled again with the very command
the project's make used for its object (`make -n -W SOURCE OBJECT`), into
a file of its own, and `suture diff` compares that with the tree's object.
The tree itself is left as it was (the source is restored with its
modification time, so make sees nothing to do)."""
import pathlib
import shutil
import subprocess


def compile_command(tree, make_args, source, obj):
    """The shell command make runs to build OBJ from SOURCE (paths as make
    names them, relative to TREE)."""
    proc = subprocess.run(["make", "-n", *make_args, "-W", source, obj], cwd=tree,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"make -n {obj} in {tree}: {proc.stderr.strip()}")
    # make -n prints continuation lines as they are written in the Makefile
    command = proc.stdout.replace("\\\n", " ")
    lines = [line for line in command.splitlines() if f"-o {obj}" in line and " -c " in line]
    if len(lines) != 1:
        raise RuntimeError(f"make -n {obj} in {tree} printed no single compile command:\n"
                           f"{proc.stdout}")
    return lines[0]


def patch_from_edit(suture, tree, make_args, source, obj, edits, out):
    """Writes OUT (a patch object named after its stem) that makes the
    running program behave as if SOURCE had EDITS [(old, new), ...]."""
    tree = pathlib.Path(tree)
    out = pathlib.Path(out)
    command = compile_command(tree, make_args, source, obj)
    edited_obj = out.with_suffix(".edited.o")
    original = tree / source
    backup = out.with_suffix(".orig.c")
    shutil.copy2(original, backup)
    text = original.read_text()
    for old, new in edits:
        if old not in text:
            raise RuntimeError(f"{source}: {old!r} not found")
        text = text.replace(old, new, 1)
    try:
        original.write_text(text)
        proc = subprocess.run(["sh", "-c", command.replace(f"-o {obj}", f"-o {edited_obj}", 1)],
                              cwd=tree, capture_output=True, text=True)
    finally:
        shutil.copy2(backup, original)
    if proc.returncode != 0:
        raise RuntimeError(f"compiling the edited {source}: {proc.stderr.strip()}")
    proc = subprocess.run([suture, "diff", str(tree / obj), str(edited_obj), "-o", str(out)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"suture diff for {out.stem}: {proc.stderr.strip()}")
    return out
