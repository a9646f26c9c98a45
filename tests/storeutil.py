"""What the patch store tests share: the service of tests/store-progs
built in its variants (answer() in the program, in a library linked at
start, in a library dlopen'ed later; another build of the same program),
the patches that fix answer(), a running service and a running
`suture watch`, both talked to as a user would."""
import pathlib
import re
import socket
import subprocess
import threading
import time

from conftest import ROOT, run
from diffutil import SUTURE_CC

PROGS = ROOT / "tests" / "store-progs"


def build_programs(suture, out, suture_cc=None):
    """Builds every variant into OUT (with SUTURE_CC, default the build
    tree's) and the two patches; returns OUT."""
    out = pathlib.Path(out)
    cc = [suture_cc, "-fease-live-patching", "-O2", "-g"] if suture_cc else [*SUTURE_CC, "-O2", "-g"]
    service_c = (PROGS / "service.c").read_text()
    answer_c = (PROGS / "answer.c").read_text()
    (out / "service-fixed.c").write_text(service_c.replace("return x + 1;", "return x + 100;"))
    (out / "answer-fixed.c").write_text(answer_c.replace("return x + 1;", "return x + 200;"))
    run([*cc, "-c", PROGS / "service.c", "-o", out / "service.o"])
    run([*cc, "-c", out / "service-fixed.c", "-o", out / "service-fixed.o"])
    run([*cc, out / "service.o", "-o", out / "service"])
    # Another build of the same program: same answer(), another build-id.
    (out / "other").mkdir()
    run([*cc, "-DOTHER_BUILD", PROGS / "service.c", "-o", out / "other" / "service"])
    run([suture, "diff", out / "service.o", out / "service-fixed.o", "-o", out / "fix-answer"])
    run([*cc, "-fPIC", "-c", PROGS / "answer.c", "-o", out / "answer.o"])
    run([*cc, "-fPIC", "-c", out / "answer-fixed.c", "-o", out / "answer-fixed.o"])
    run([*cc, "-shared", out / "answer.o", "-o", out / "libanswer.so"])
    run([suture, "diff", out / "answer.o", out / "answer-fixed.o", "-o", out / "fix-libanswer"])
    run([*cc, "-DANSWER_IN_LIBRARY", PROGS / "service.c", "-o", out / "service-lib",
         f"-L{out}", "-lanswer", f"-Wl,-rpath,{out}"])
    run([*cc, "-DLATE", PROGS / "service.c", "-o", out / "service-late", "-ldl"])
    run([*cc, "-fPIC", "-shared", PROGS / "slowstart.c", "-o", out / "libslowstart.so"])
    run([*cc, PROGS / "service.c", "-o", out / "service-slow", f"-L{out}", "-Wl,--no-as-needed",
         "-lslowstart", f"-Wl,-rpath,{out}"])
    for f in ("fix-answer", "fix-libanswer"):
        (out / f).chmod(0o644)
    return out


def request(sock, text, timeout=5.0):
    """Sends TEXT to the service at SOCK and returns its one-line answer."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(timeout)
        s.connect(str(sock))
        s.sendall(text.encode())
        return s.recv(1024).decode().strip()


class Service:
    """A service of tests/store-progs running on its own UNIX socket."""

    def __init__(self, program, sock):
        self.sock = pathlib.Path(sock)
        if self.sock.exists():
            self.sock.unlink()
        # A session of its own, no controlling terminal: a service, as
        # systemd starts it (suture watch holds only those while it patches).
        self.proc = subprocess.Popen([str(program), str(self.sock)], stdout=subprocess.DEVNULL,
                                     start_new_session=True)
        self.pid = self.proc.pid
        deadline = time.monotonic() + 10
        while not self._listening():
            assert self.proc.poll() is None, f"{program} exited {self.proc.returncode}"
            assert time.monotonic() < deadline, f"{program} did not listen on {sock}"
            time.sleep(0.01)

    def _listening(self):
        with socket.socket(socket.AF_UNIX) as s:
            try:
                s.connect(str(self.sock))
                return True
            except (FileNotFoundError, ConnectionRefusedError):
                return False

    def answer(self, n):
        return request(self.sock, str(n))

    def stop(self):
        self.proc.kill()
        self.proc.wait()


class Watch:
    """`suture watch` in the background; its log is read as it comes."""

    def __init__(self, suture, env):
        self.proc = subprocess.Popen([suture, "watch"], env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self.lines = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.wait_for(r"^watching \d+ installed patch")

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, pattern, timeout=20.0):
        """The first log line matching PATTERN (a regex), waited for."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                m = re.search(pattern, line)
                if m:
                    return m
            assert self.proc.poll() is None, "suture watch exited:\n" + "\n".join(self.lines)
            time.sleep(0.01)
        raise AssertionError(f"suture watch never logged /{pattern}/; its log:\n" + "\n".join(self.lines))

    def patched(self, pid, name):
        """Waits for the log line of PID patched with NAME; returns the
        milliseconds it gives from exec (or from the open of the target)."""
        m = self.wait_for(rf"^patched process {pid} \(\S+\) with '{re.escape(name)}' ([0-9.]+) ms after")
        print(m.string)
        return float(m.group(1))

    def stop(self):
        self.proc.terminate()
        rc = self.proc.wait(timeout=10)
        self.reader.join(timeout=5)
        return rc


def check_start_restart_other(watch, progs, tmp_path, n):
    """The claim of suture watch, as a user checks it: the service started
    after install, and the same service restarted, answer answer(N) with
    the fix once watch says it patched them; another build of it answers
    without.  Services are stopped on return; the exec-to-patched times
    are printed."""
    started = []
    try:
        for round in ("started after install", "restarted"):
            svc = Service(progs / "service", tmp_path / "svc.sock")
            started.append(svc)
            ms = watch.patched(svc.pid, "fix-answer")
            print(f"service {round}: process {svc.pid} patched {ms:.2f} ms after exec")
            assert svc.answer(n) == str(n + 100)
            svc.stop()
        other = Service(progs / "other" / "service", tmp_path / "other.sock")
        started.append(other)
        watch.wait_for(rf"^left process {other.pid} \(service\) alone: it runs another build")
        assert other.answer(n) == str(n + 1)
        assert not any(re.match(rf"patched process {other.pid} ", line) for line in watch.lines)
    finally:
        for svc in started:
            svc.stop()
