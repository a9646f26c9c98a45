"""Fetches Debian source packages for tests and benchmarks.

Uses a private apt configuration (its own sources list, lists and cache in
a work directory), so the machine's apt setup is never changed.  The
deb-src lines are derived from the machine's own deb sources at run time.

Command line:  python3 tests/debsrc.py PACKAGE DESTDIR  -> prints the unpacked source dir.
"""
import functools
import glob
import os
import pathlib
import re
import subprocess
import sys


def _deb822_as_source(text):
    """Turns deb822 stanzas with 'Types: deb' into 'Types: deb-src'."""
    return re.sub(r"(?m)^Types:\s*deb\s*$", "Types: deb-src", text)


def _one_line_as_source(text):
    return "\n".join(re.sub(r"^deb\s", "deb-src ", line)
                     for line in text.splitlines() if line.startswith("deb "))


def private_apt_dir(workdir):
    """Creates workdir/apt with a sources list of deb-src entries and
    returns the apt-get options that use it."""
    apt = pathlib.Path(workdir, "apt")
    (apt / "sources.list.d").mkdir(parents=True, exist_ok=True)
    (apt / "lists" / "partial").mkdir(parents=True, exist_ok=True)
    (apt / "cache" / "archives" / "partial").mkdir(parents=True, exist_ok=True)
    for path in glob.glob("/etc/apt/sources.list.d/*.sources"):
        (apt / "sources.list.d" / os.path.basename(path)).write_text(
            _deb822_as_source(pathlib.Path(path).read_text()))
    main = pathlib.Path("/etc/apt/sources.list")
    (apt / "sources.list").write_text(
        _one_line_as_source(main.read_text()) + "\n" if main.exists() else "")
    return [
        "-o", f"Dir::Etc::SourceList={apt / 'sources.list'}",
        "-o", f"Dir::Etc::SourceParts={apt / 'sources.list.d'}",
        "-o", f"Dir::State::Lists={apt / 'lists'}",
        "-o", f"Dir::Cache={apt / 'cache'}",
        "-o", "APT::Get::Only-Source=true",
        "-o", "APT::Sandbox::User=root",
        "-qq",
    ]


def _versions(opts, package):
    """The versions of PACKAGE's source the lists know, newest first."""
    out = subprocess.run(["apt-cache", *opts, "showsrc", package], check=True,
                         capture_output=True, text=True).stdout
    found = re.findall(r"(?m)^Version: (\S+)$", out)
    ordered = []
    for version in found:
        if version not in ordered:
            ordered.append(version)
    key = functools.cmp_to_key(
        lambda a, b: -1 if subprocess.run(["dpkg", "--compare-versions", a, "lt", b]).returncode == 0
        else 1)
    return sorted(ordered, key=key, reverse=True)


def _source_of_some_version(opts, package, destdir):
    """`apt-get source PACKAGE`; when the newest version's files are gone
    from the mirror (a security update the lists name but the pool no
    longer has), the next older version the lists know."""
    if subprocess.run(["apt-get", *opts, "source", package], cwd=destdir,
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0:
        return
    for version in _versions(opts, package)[1:]:
        if subprocess.run(["apt-get", *opts, "source", f"{package}={version}"], cwd=destdir,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0:
            return
    raise RuntimeError(f"apt-get source {package}: no version of it could be fetched")


def fetch_source(package, destdir):
    """Downloads and unpacks the source of PACKAGE into DESTDIR and returns
    the unpacked directory.  Reuses an earlier download in DESTDIR."""
    destdir = pathlib.Path(destdir).resolve()
    destdir.mkdir(parents=True, exist_ok=True)
    existing = [p for p in destdir.glob(f"{package}-*") if p.is_dir()]
    if existing:
        return existing[0]
    opts = private_apt_dir(destdir)
    subprocess.run(["apt-get", *opts, "update"], check=True,
                   stdout=subprocess.DEVNULL)
    _source_of_some_version(opts, package, destdir)
    unpacked = [p for p in destdir.glob(f"{package}-*") if p.is_dir()]
    if not unpacked:
        raise RuntimeError(f"apt-get source {package} unpacked nothing in {destdir}")
    return unpacked[0]


def source_before_patch(package, destdir, patch_name):
    """PACKAGE's source with Debian's patch series applied up to, and not
    including, PATCH_NAME (a fix to make a patch from); returns the
    directory (destdir/PACKAGE-before) and the patch file."""
    unpacked = fetch_source(package, destdir)
    tree = pathlib.Path(destdir).resolve() / f"{package}-before"
    if not tree.exists():
        dsc = next(unpacked.parent.glob(f"{package}_*.dsc"))
        subprocess.run(["dpkg-source", "-x", "--skip-patches", str(dsc), str(tree)],
                       check=True, capture_output=True)
        series = (tree / "debian" / "patches" / "series").read_text().split()
        for name in series[:series.index(patch_name)]:
            subprocess.run(["patch", "-p1", "-s", "-i", str(tree / "debian" / "patches" / name)],
                           cwd=tree, check=True)
    return tree, tree / "debian" / "patches" / patch_name


if __name__ == "__main__":
    print(fetch_source(sys.argv[1], sys.argv[2]))
