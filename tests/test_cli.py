"""The `suture` command itself: help, usage errors, exit statuses."""
from conftest import run

COMMANDS = ["impact", "audit", "diff", "build", "info", "apply", "revert", "status"]


def test_help_lists_every_command(suture):
    out = run([suture, "help"]).stdout
    for name in COMMANDS:
        assert f"  {name} " in out


def test_each_command_has_usage(suture):
    for name in COMMANDS:
        proc = run([suture, name, "--help"])
        assert proc.stdout.startswith(f"usage: suture {name}")


def test_unknown_command_is_usage_error(suture):
    proc = run([suture, "frobnicate"], check=False)
    assert proc.returncode == 2
    assert "'frobnicate' is not a suture command" in proc.stderr
    assert proc.stdout == ""


def test_no_command_is_usage_error(suture):
    proc = run([suture], check=False)
    assert proc.returncode == 2
    assert "usage: suture COMMAND" in proc.stderr
