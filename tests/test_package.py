"""The Debian package: `dpkg-buildpackage -b -us -uc` builds suture_*.deb
from a copy of the tree, `apt-get install ./suture_*.deb` installs it, and
the installed programs keep a patch (`suture install`) that the installed
`suture watch` applies to services as they start.  systemd does not run
here (nor in CI's container), so watch runs as a background process, with
the unit's own command line."""
import os
import pathlib
import shutil

import pytest

from conftest import ROOT, run
from storeutil import Watch, build_programs, check_start_restart_other

_IGNORE_ANYWHERE = shutil.ignore_patterns(".git", "obj-*", "__pycache__", ".pytest_cache",
                                         "*.deb", "debian/.debhelper", "debian/suture")


def COPY_IGNORE(directory, names):
    """What the package is not built from: the checkout's build trees (only
    at its top: src/build/ is source) and what git and pytest leave."""
    ignored = set(_IGNORE_ANYWHERE(directory, names))
    if pathlib.Path(directory) == ROOT:
        ignored |= {n for n in names if n == "build" or n.startswith("build-")}
    return ignored


def installed_version():
    proc = run(["dpkg-query", "-W", "-f=${Status} ${Version}", "suture"], check=False)
    return proc.stdout if proc.returncode == 0 and "ok installed" in proc.stdout else None


@pytest.fixture(scope="module")
def deb(tmp_path_factory):
    top = tmp_path_factory.mktemp("deb")
    src = top / "suture"
    shutil.copytree(ROOT, src, ignore=COPY_IGNORE)
    env = dict(os.environ, DEB_BUILD_OPTIONS="nocheck parallel=2")
    proc = run(["dpkg-buildpackage", "-b", "-us", "-uc"], cwd=src, env=env, check=False, timeout=1200)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    [deb] = top.glob("suture_*_amd64.deb")
    return deb


# another test's apt-get (fetching a Debian source) may hold dpkg's lock a
# moment: wait for it rather than fail
WAIT_FOR_DPKG = ["-o", "DPkg::Lock::Timeout=300"]


@pytest.fixture(scope="module")
def installed(deb):
    before = installed_version()
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    run(["apt-get", *WAIT_FOR_DPKG, "install", "-y", "-q", "--no-install-recommends", str(deb)], env=env,
        timeout=600)
    yield
    if before is None:
        run(["apt-get", *WAIT_FOR_DPKG, "purge", "-y", "-q", "suture"], env=env, timeout=600)


def test_package_holds_programs_manuals_header_and_unit(deb, installed):
    files = set(run(["dpkg", "-L", "suture"]).stdout.split())
    for path in ("/usr/bin/suture", "/usr/bin/suture-cc", "/usr/include/suture/patch.h",
                 "/usr/lib/x86_64-linux-gnu/suture/libsuture-gdbjit.so",
                 "/lib/systemd/system/suture-watch.service",
                 *(f"/usr/share/man/man1/suture-{m}.1.gz" for m in
                   ("apply", "install", "list", "remove", "watch", "cc"))):
        assert path in files, f"{path} is not in the package"
    assert run(["/usr/bin/suture", "--version"]).stdout.startswith("suture ")
    unit = pathlib.Path("/lib/systemd/system/suture-watch.service").read_text()
    assert "ExecStart=/usr/bin/suture watch\n" in unit
    assert "--prefix=/usr" not in unit and "/usr/local" not in unit


def test_unit_file_is_valid_for_systemd(installed):
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed")
    proc = run(["systemd-analyze", "verify", "suture-watch.service"], check=False)
    assert proc.returncode == 0 and "suture-watch" not in proc.stderr, proc.stderr


def test_installed_watch_patches_started_and_restarted_services(installed, tmp_path):
    suture = "/usr/bin/suture"
    progs = build_programs(suture, tmp_path, suture_cc="/usr/bin/suture-cc")
    env = dict(os.environ)
    env.pop("SUTURE_STORE", None)   # the real store, /var/lib/suture
    assert not pathlib.Path("/var/lib/suture/fix-answer").exists(), "a test left fix-answer installed"
    run([suture, "install", "--target", progs / "service", progs / "fix-answer"], env=env)
    watch = None
    try:
        assert oct(pathlib.Path("/var/lib/suture").stat().st_mode & 0o777) == "0o700"
        watch = Watch(suture, env)
        check_start_restart_other(watch, progs, tmp_path, 41)
    finally:
        if watch:
            assert watch.stop() == 0
        run([suture, "remove", "fix-answer"], env=env)
