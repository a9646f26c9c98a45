"""Every `--json` output is checked against its documented schema
(schemas/COMMAND.json, JSON Schema draft 2020-12, docs/json.md).

    from schemacheck import run_json, validated
    report = run_json([suture, "status", "--json", str(pid)])   # parsed and valid
    doc = validated("apply", proc.stdout)                        # for a process run already

A document that does not match fails the test with the schema's complaint
and the path inside the document."""
import functools
import json
import pathlib

import jsonschema

SCHEMAS = pathlib.Path(__file__).resolve().parent.parent / "schemas"


@functools.lru_cache(maxsize=None)
def validator(command):
    path = SCHEMAS / f"{command}.json"
    if not path.exists():
        raise AssertionError(f"`suture {command} --json` has no schema: write {path}")
    schema = json.loads(path.read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validated(command, text):
    """TEXT parsed as JSON and checked against COMMAND's schema."""
    doc = json.loads(text)
    errors = sorted(validator(command).iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"  at /{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:10]]
        raise AssertionError(f"`suture {command} --json` does not match schemas/{command}.json:\n"
                             + "\n".join(lines))
    return doc


def command_of(cmd):
    """The subcommand of a `suture ...` command line (the first word after
    the program that is not an option)."""
    return next(str(a) for a in cmd[1:] if not str(a).startswith("-"))


def run_json(cmd, check=True, **kw):
    """Runs a `suture COMMAND --json ...` command line and returns its
    output parsed and validated against schemas/COMMAND.json."""
    from conftest import run
    proc = run(cmd, check=check, **kw)
    return validated(command_of(cmd), proc.stdout)
