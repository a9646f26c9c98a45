#!/usr/bin/python3
"""Ansible module suture_patch: a live patch in the processes of a host.

A thin shell over the `suture` command on the managed host: which
processes to work on (every process of the patch's target, a systemd
service's processes, or those of a process name), then `suture apply`,
`revert`, `install` or `remove`, with their --json output as the result.
Idempotent: a process that already runs the patch (same name, same target
build-id) is counted and left alone; check mode asks suture with --dry-run
and changes nothing."""

DOCUMENTATION = r"""
module: suture_patch
short_description: Apply, revert, install or remove a suture live patch
description:
  - Applies a live patch to running processes with C(suture apply), or reverts it
    with C(suture revert), without restarting them; or keeps it in suture's patch store
    (C(suture install), C(suture remove)) so that C(suture watch) applies it to processes
    started later.
  - Idempotent by patch name and target build-id; supports check mode.
options:
  patch:
    description: Path of the patch file on the managed host (copy it there first).
      Needed for C(applied) and C(installed); for C(reverted) and C(absent) it may be
      replaced by I(name).
    type: path
  name:
    description: The patch's name (default, the name inside I(patch)).
    type: str
  state:
    description: C(applied) runs the patch in the processes; C(reverted) makes sure none
      of them runs it; C(installed) keeps it in the store; C(absent) removes it from the
      store (reverting it where applied).
    type: str
    choices: [applied, reverted, installed, absent]
    default: applied
  all:
    description: Every process of the host that runs the patch's target build.
    type: bool
    default: false
  service:
    description: A systemd unit (its main process and every process of its cgroup) or,
      when no such unit runs, a process name (/proc/PID/comm or the executable's name).
    type: str
  pids:
    description: Process IDs, as a list.
    type: list
    elements: int
  target:
    description: The program or library the patch is for (C(--target)), needed with
      I(all) for a patch that names no build-id (cut by C(suture diff -o)).
    type: path
  consistency:
    description: The consistency model (C(--consistency)); suture's default when not given.
    type: str
    choices: [thread, stop, none]
  timeout:
    description: Seconds to retry the switch (C(--timeout)).
    type: float
  replace:
    description: A cumulative patch replacing the earlier ones (C(--replace)).
    type: bool
    default: false
  suture:
    description: The suture program.
    type: str
    default: suture
"""

RETURN = r"""
patch:
  description: The patch's name.
  type: str
processes:
  description: One entry per process worked on, as C(suture apply --json) or
    C(suture revert --json) give it (schemas/apply.json, schemas/revert.json); for
    C(installed) and C(absent), the processes that run the stored patch
    (C(suture list --json)) in the same words (applied, already-applied, reverted).
  type: list
  elements: dict
  sample: [{"pid": 4242, "comm": "nginx", "result": "applied", "message": null}]
counts:
  description: How many processes had each result.
  type: dict
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule


def suture_json(module, args, allowed=(0,)):
    """Runs suture with ARGS (it prints JSON); fails the task, with suture's
    own message, on an exit status not in ALLOWED."""
    cmd = [module.params["suture"], *args]
    rc, out, err = module.run_command(cmd)
    doc = None
    try:
        doc = json.loads(out) if out.strip() else None
    except ValueError:
        pass
    if rc not in allowed:
        result = {"msg": err.strip() or f"{' '.join(cmd)} exited {rc}", "rc": rc, "cmd": cmd}
        if isinstance(doc, dict):
            result.update(processes=doc.get("processes", []), counts=doc.get("counts", {}))
        module.fail_json(**result)
    return doc


def patch_name(module):
    if module.params["name"]:
        return module.params["name"]
    if not module.params["patch"]:
        module.fail_json(msg="give the patch's name (name:) or its file (patch:)")
    return suture_json(module, ["info", "--json", module.params["patch"]])["name"]


def cgroup_pids(cgroup):
    for root in ("/sys/fs/cgroup", "/sys/fs/cgroup/unified", "/sys/fs/cgroup/systemd"):
        path = os.path.join(root + cgroup, "cgroup.procs")
        if os.path.exists(path):
            with open(path) as f:
                return [int(x) for x in f.read().split()]
    return []


def unit_pids(module, service):
    """The processes of systemd unit SERVICE: its cgroup's, its MainPID."""
    systemctl = module.get_bin_path("systemctl")
    if not systemctl or not os.path.isdir("/run/systemd/system"):
        return []
    rc, out, _ = module.run_command([systemctl, "show", "--property=LoadState,MainPID,ControlGroup", service])
    if rc != 0:
        return []
    props = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    if props.get("LoadState") != "loaded":
        return []
    pids = cgroup_pids(props["ControlGroup"]) if props.get("ControlGroup") else []
    main = int(props.get("MainPID") or 0)
    if main and main not in pids:
        pids.insert(0, main)
    return pids


def named_pids(name):
    """The processes whose command name, or executable's name, is NAME."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/comm") as f:
                comm = f.read().strip()
            exe = os.path.basename(os.readlink(f"/proc/{entry}/exe"))
        except OSError:
            continue
        if name in (comm, exe.removesuffix(" (deleted)")):
            pids.append(int(entry))
    return sorted(pids)


def targets(module):
    """The operands that say which processes: ["--all"] or PIDs."""
    p = module.params
    if p["all"]:
        return ["--all"]
    if p["pids"]:
        return [str(x) for x in p["pids"]]
    pids = unit_pids(module, p["service"]) or named_pids(p["service"])
    if not pids:
        module.fail_json(msg=f"service '{p['service']}' has no running process: neither a systemd unit "
                             "with processes nor a process name; start it, or give pids: or all:")
    return [str(x) for x in pids]


def apply_options(p):
    opts = []
    if p["consistency"]:
        opts += ["--consistency", p["consistency"]]
    if p["timeout"] is not None:
        opts += ["--timeout", str(p["timeout"])]
    if p["target"]:
        opts += ["--target", p["target"]]
    if p["replace"]:
        opts.append("--replace")
    return opts


def done(module, name, doc, changed):
    module.exit_json(changed=changed, patch=name, processes=doc["processes"], counts=doc["counts"])


def applied(module):
    p = module.params
    if not p["patch"]:
        module.fail_json(msg="state=applied needs the patch file (patch:)")
    name = patch_name(module)
    args = ["apply", "--json", *apply_options(p), *targets(module), p["patch"]]
    plan = suture_json(module, [*args[:2], "--dry-run", *args[2:]])
    to_do = plan["counts"].get("would-apply", 0)
    if module.check_mode or to_do == 0:
        done(module, name, plan, to_do > 0)
    done(module, name, suture_json(module, args), True)


def running(module, name):
    """The PIDs among the targets that run patch NAME (suture status)."""
    ops = targets(module)
    status = suture_json(module, ["status", "--json", *([] if ops == ["--all"] else ops)])
    return [str(proc["pid"]) for proc in status["processes"]
            if any(patch["name"] == name for patch in proc["patches"])]


def reverted(module):
    name = patch_name(module)
    pids = running(module, name)
    if not pids:
        module.exit_json(changed=False, patch=name, processes=[], counts={})
    args = ["revert", "--json", *(["--timeout", str(module.params["timeout"])]
                                   if module.params["timeout"] is not None else []), *pids, name]
    if module.check_mode:
        args.insert(2, "--dry-run")
    done(module, name, suture_json(module, args), True)


def stored(module, name):
    """The store's record of NAME (suture list --json, schemas/list.json), or None."""
    for patch in suture_json(module, ["list", "--json"])["patches"]:
        if patch["name"] == name:
            return patch
    return None


def same_build(record, info):
    """Is the stored patch RECORD for the build the patch file INFO names?
    (A patch without build-ids is bound by install --target: same name is
    the same patch.)"""
    want = sorted(o["build_id"] for o in info["objects"] if o["build_id"])
    return not want or sorted(o["build_id"] for o in record["objects"]) == want


def store_options(p):
    opts = ["--timeout", str(p["timeout"])] if p["timeout"] is not None else []
    return opts


def store_result(module, name, record, result, changed):
    """The store states' result in the words of apply and revert: the
    processes that run the stored patch (RECORD), each with RESULT."""
    procs = [{"pid": x["pid"], "comm": x["comm"], "result": result, "message": None}
             for x in (record["processes"] if record else [])]
    module.exit_json(changed=changed, patch=name, processes=procs,
                     counts={result: len(procs)} if procs else {})


def installed(module):
    p = module.params
    if not p["patch"]:
        module.fail_json(msg="state=installed needs the patch file (patch:)")
    info = suture_json(module, ["info", "--json", p["patch"]])
    name = p["name"] or info["name"]
    record = stored(module, name)
    if record is not None and same_build(record, info):
        store_result(module, name, record, "already-applied", False)
    if record is not None:
        module.fail_json(msg=f"another build's patch named '{name}' is installed; remove it first (state: absent)")
    if module.check_mode:
        store_result(module, name, None, "would-apply", True)
    target = ["--target", p["target"]] if p["target"] else []
    suture_json(module, ["install", *store_options(p), *target, p["patch"]])
    store_result(module, name, stored(module, name), "applied", True)


def absent(module):
    name = patch_name(module)
    record = stored(module, name)
    if record is None:
        store_result(module, name, None, "reverted", False)
    if not module.check_mode:
        suture_json(module, ["remove", *store_options(module.params), name])
    store_result(module, name, record, "would-revert" if module.check_mode else "reverted", True)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            patch=dict(type="path"),
            name=dict(type="str"),
            state=dict(type="str", default="applied", choices=["applied", "reverted", "installed", "absent"]),
            all=dict(type="bool", default=False),
            service=dict(type="str"),
            pids=dict(type="list", elements="int"),
            target=dict(type="path"),
            consistency=dict(type="str", choices=["thread", "stop", "none"]),
            timeout=dict(type="float"),
            replace=dict(type="bool", default=False),
            suture=dict(type="str", default="suture"),
        ),
        supports_check_mode=True,
    )
    state = module.params["state"]
    p = module.params
    chosen = [k for k in ("all", "service", "pids") if p[k]]
    if len(chosen) > 1:
        module.fail_json(msg=f"give one of all, service and pids, not {' and '.join(chosen)}")
    if state in ("applied", "reverted") and not chosen:
        module.fail_json(msg=f"state={state} needs the processes: all: true, service: NAME or pids: [...]")
    {"applied": applied, "reverted": reverted, "installed": installed, "absent": absent}[state](module)


if __name__ == "__main__":
    main()
