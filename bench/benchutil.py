"""What bench/mutate_apply.py and bench/load.py share: how to run a build
step, and the gcc flags that make code patchable without suture-cc."""
import subprocess
import sys

CFLAGS = ["-O2", "-g", "-ffunction-sections", "-fdata-sections",
          "-flive-patching=inline-clone", "-fpatchable-function-entry=5"]


def sh(cmd):
    """Runs CMD; exits with its stderr when it fails."""
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, errors="replace")
    if r.returncode != 0:
        sys.exit(f"{' '.join(map(str, cmd))} exited {r.returncode}: {r.stderr}")
    return r
