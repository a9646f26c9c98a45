"""The recompilation oracle: is every function that changes when F's body
changes in F's impacted list?

For a code base: put a hook at the start of every function's body (see
oracle_hook.h), build every unit once with no function under test (the
base), take the impacted lists from `suture impact --json`, then change F,
rebuild its unit and compare the two objects' functions (objdump -dr:
bytes, relocations shown by name).  Every function whose code differs must
be F, or in F's list.  Two ways to change F:

  run_oracle():          F's hook stores another value (a volatile side
                         effect of the same size: GCC's decisions stay);
  run_constant_oracle(): the first integer constant in F's body goes up
                         by one (this changes what F passes to callees, and
                         so what ipa-cp specialises, and may change GCC's
                         decisions too).
"""
import hashlib
import json
import os
import pathlib
import re
import subprocess

HERE = pathlib.Path(__file__).resolve().parent
LEVELS = ["none", "only-inline-static", "inline", "inline-clone"]


def _skip_preprocessor_line(text, i):
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] == "\n":
            i += 2
        elif text[i] == "\n":
            return i
        else:
            i += 1
    return i


def _tokens(text):
    """Yields (position, token) for C text: identifiers, numbers and single
    punctuation characters; comments, literals and preprocessor lines are
    skipped."""
    i, n = 0, len(text)
    line_start = True
    while i < n:
        c = text[i]
        if c == "\n":
            line_start = True
            i += 1
            continue
        if c in " \t\r\f\v":
            i += 1
            continue
        if c == "#" and line_start:
            i = _skip_preprocessor_line(text, i)
            continue
        line_start = False
        if text.startswith("//", i):
            i = text.find("\n", i)
            i = n if i < 0 else i
        elif text.startswith("/*", i):
            i = text.find("*/", i + 2)
            i = n if i < 0 else i + 2
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            i = j + 1
        elif c.isalnum() or c == "_":
            j = i
            while j < n and (text[j].isalnum() or text[j] == "_"):
                j += 1
            yield i, text[i:j]
            i = j
        else:
            yield i, c
            i += 1


def insert_hooks(text, first_number):
    """Puts SUTURE_ORACLE_HOOK(N); after the opening brace of every
    function definition.  Returns (new text, [(N, function name)])."""
    depth = 0
    since_decl = []          # tokens at depth 0 since the last ; or }
    inserts = []
    functions = []
    for pos, tok in _tokens(text):
        if depth == 0 and tok == "{":
            toks = [t for _, t in since_decl]
            if toks and toks[-1] == ")" and "=" not in toks:
                name = _declared_name(toks)
                if name:
                    number = first_number + len(functions)
                    functions.append((number, name))
                    inserts.append((pos + 1, f" SUTURE_ORACLE_HOOK({number});"))
            since_decl = []
        if tok == "{":
            depth += 1
        elif tok == "}":
            depth -= 1
            if depth == 0:
                since_decl = []
        elif depth == 0:
            if tok == ";":
                since_decl = []
            else:
                since_decl.append((pos, tok))
    for pos, hook in reversed(inserts):
        text = text[:pos] + hook + text[pos:]
    return text, functions


def _declared_name(toks):
    """The identifier before the parameter list that ends TOKS."""
    depth = 0
    for k in range(len(toks) - 1, -1, -1):
        if toks[k] == ")":
            depth += 1
        elif toks[k] == "(":
            depth -= 1
            if depth == 0:
                name = toks[k - 1] if k > 0 else ""
                return name if re.fullmatch(r"[A-Za-z_]\w*", name) else None
    return None


def object_functions(path):
    """{function: normalised code} of an object, pieces (f.cold) folded into
    their function."""
    out = subprocess.run(["objdump", "-dr", "-w", str(path)], check=True,
                         capture_output=True, text=True).stdout
    funcs = {}
    current = None
    for line in out.splitlines():
        m = re.match(r"^[0-9a-f]+ <(.+)>:$", line)
        if m:
            current = re.sub(r"\.cold(\.\d+)?$", "", m.group(1))
            funcs.setdefault(current, [])
            continue
        if current and line.strip() and not line.startswith("Disassembly"):
            funcs[current].append(line.strip())
    return {name: "\n".join(lines) for name, lines in funcs.items()}


def changed_functions(old_code, new_code):
    """Functions of the old build whose code differs or is gone in the new
    one.  Functions only the new build has are additions, not replacements:
    a patch brings them along and nothing must be patched for them."""
    return {f for f in old_code if old_code[f] != new_code.get(f)}


class CodeBase:
    """Sources with hooks, ready to build at a level."""

    def __init__(self, name, sources, workdir, cflags=(), include_dirs=()):
        self.name = name
        self.workdir = pathlib.Path(workdir)
        self.cflags = list(cflags)
        self.include_dirs = [str(self.workdir)] + [str(d) for d in include_dirs]
        self.units = []          # (hooked source path, [(N, name)])
        number = 0
        self.workdir.mkdir(parents=True, exist_ok=True)
        for src in sources:
            src = pathlib.Path(src)
            text, funcs = insert_hooks(src.read_text(errors="replace"), number)
            number += len(funcs)
            dest = self.workdir / src.name
            dest.write_text(text)
            self.units.append((dest, funcs))
            self.include_dirs.append(str(src.parent))

    def functions(self):
        return [(unit, number, name) for unit, (_, funcs) in enumerate(self.units)
                for number, name in funcs]

    def compile(self, suture_cc, unit, level, target, out):
        src = self.units[unit][0]
        cmd = [suture_cc, "-O2", f"-fease-live-patching={level}",
               "-include", str(HERE / "oracle_hook.h"), f"-DSUTURE_ORACLE_TARGET={target}",
               *[f"-I{d}" for d in self.include_dirs], *self.cflags,
               "-c", str(src), "-o", str(out)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr[-3000:]}")


def sample(functions, count):
    """A deterministic sample of COUNT functions (all when count is None)."""
    if count is None or count >= len(functions):
        return functions
    key = lambda f: hashlib.sha1(f"{f[2]}/{f[1]}".encode()).hexdigest()
    return sorted(sorted(functions, key=key)[:count], key=lambda f: f[1])


def build_base(suture, suture_cc, base, level):
    """Builds every unit with no function under test.  Returns the build
    directory, the functions of each object, and the impacted lists."""
    build = base.workdir / f"build-{level}"
    build.mkdir(exist_ok=True)
    base_objs = []
    for unit in range(len(base.units)):
        obj = build / f"unit{unit}.base.o"
        base.compile(suture_cc, unit, level, -1, obj)
        base_objs.append(obj)
    report = subprocess.run([suture, "impact", "--json", *map(str, base_objs)],
                            check=True, capture_output=True, text=True).stdout
    lists = {f["function"]: [m["name"] for m in f["impacted"]]
             for f in json.loads(report)["functions"]}
    return build, [object_functions(o) for o in base_objs], lists


class Tally:
    """Figures of one oracle run."""

    def __init__(self, codebase, level, kind):
        self.result = {"codebase": codebase, "level": level, "kind": kind, "tried": 0,
                       "misses": [], "avg_list": 0.0, "avg_changed": 0.0}
        self.list_total = self.changed_total = 0

    def add(self, name, listed, changed):
        missing = sorted(changed - listed - {name})
        if missing:
            self.result["misses"].append((name, missing))
        self.result["tried"] += 1
        self.list_total += len(listed)
        self.changed_total += len(changed - {name})
        tried = self.result["tried"]
        self.result["avg_list"] = self.list_total / tried
        self.result["avg_changed"] = self.changed_total / tried


def run_oracle(suture, suture_cc, base, level, count=None):
    """Runs the hook oracle over a sample of BASE's functions at LEVEL.
    Returns a dict of figures and the misses."""
    build, base_code, lists = build_base(suture, suture_cc, base, level)
    tally = Tally(base.name, level, "side effect")
    for unit, number, name in sample(base.functions(), count):
        obj = build / f"unit{unit}.f{number}.o"
        base.compile(suture_cc, unit, level, number, obj)
        new_code = object_functions(obj)
        os.unlink(obj)
        tally.add(name, set(lists.get(name, [])), changed_functions(base_code[unit], new_code))
    return tally.result


def constant_mutations(text):
    """[(function, position, literal)]: the first decimal integer constant
    (no suffix) in the body of each function."""
    found = []
    depth = 0
    since_decl = []
    current = None
    for pos, tok in _tokens(text):
        if depth == 0 and tok == "{":
            toks = [t for _, t in since_decl]
            is_function = toks and toks[-1] == ")" and "=" not in toks
            current = _declared_name(toks) if is_function else None
        if tok == "{":
            depth += 1
        elif tok == "}":
            depth -= 1
            if depth == 0:
                since_decl, current = [], None
        elif depth == 0:
            since_decl = [] if tok == ";" else since_decl + [(pos, tok)]
        elif current and re.fullmatch(r"[1-9][0-9]*|0", tok) and text[pos - 1] != ".":
            end = pos + len(tok)
            if not (text[end:end + 1].isalnum() or text[end:end + 1] in "._"):
                found.append((current, pos, tok))
                current = None
    return found


def run_constant_oracle(suture, suture_cc, base, level, count=None):
    """Runs the constant oracle over a sample of BASE's functions."""
    build, base_code, lists = build_base(suture, suture_cc, base, level)
    tally = Tally(base.name, level, "constant")
    mutations = []
    for unit, (src, _) in enumerate(base.units):
        for name, pos, literal in constant_mutations(src.read_text()):
            mutations.append((unit, pos, name, literal))
    for unit, pos, name, literal in sample(mutations, count):
        src = base.units[unit][0]
        text = src.read_text()
        obj = build / f"unit{unit}.c{pos}.o"
        src.write_text(text[:pos] + str(int(literal) + 1) + text[pos + len(literal):])
        try:
            base.compile(suture_cc, unit, level, -1, obj)
        except RuntimeError:
            continue   # e.g. two case labels became equal: not a program
        finally:
            src.write_text(text)   # in place: __FILE__ strings stay the same
        new_code = object_functions(obj)
        os.unlink(obj)
        tally.add(name, set(lists.get(name, [])), changed_functions(base_code[unit], new_code))
    return tally.result


def format_result(r):
    return (f"{r['codebase']:<8} {r['kind']:<12} {r['level']:<18} tried {r['tried']:4d}  "
            f"misses {len(r['misses'])}  avg list {r['avg_list']:.2f}  "
            f"avg changed {r['avg_changed']:.2f}")
