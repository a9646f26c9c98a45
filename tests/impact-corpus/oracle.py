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


_PC_RELATIVE = {2, 4, 9, 41, 42}   # R_X86_64_PC32, PLT32, GOTPCREL, GOTPCRELX, REX_GOTPCRELX
_PIECE = re.compile(r"\.cold(\.\d+)?$")


def _functions_by_section(elf):
    """{section index: [(start, size, name)]}, pieces named by their
    function (f.cold -> f)."""
    funcs = {}
    for sym in elf.get_section_by_name(".symtab").iter_symbols():
        if sym["st_info"]["type"] == "STT_FUNC" and isinstance(sym["st_shndx"], int):
            funcs.setdefault(sym["st_shndx"], []).append(
                (sym["st_value"], sym["st_size"], _PIECE.sub("", sym.name)))
    return funcs


def _describe_target(elf, funcs, sym, offset):
    """What a relocation points to, in terms that do not move when other
    functions or constants change: a symbol's name, a function and an
    offset in it, or the constant's bytes in a merged constant section."""
    if sym["st_info"]["type"] != "STT_SECTION" and not sym.name.startswith(".L"):
        return f"{sym.name}{offset - sym['st_value']:+d}"
    index = sym["st_shndx"]
    section = elf.get_section(index)
    for start, size, name in funcs.get(index, []):
        if start <= offset < start + max(size, 1):
            return f"{name}+{offset - start}"
    if section["sh_flags"] & 0x10:          # SHF_MERGE: the constant itself
        data = section.data()
        if section["sh_flags"] & 0x20:      # SHF_STRINGS
            return "str:" + data[offset:data.index(b"\0", offset)].hex()
        return "cst:" + data[offset:offset + max(section["sh_entsize"], 1)].hex()
    return f"{section.name}+{offset}"


def object_functions(path):
    """{function: normalised code} of an object: each function's bytes with
    relocated fields zeroed, and its relocations by what they point to;
    pieces (f.cold) are part of their function."""
    from elftools.elf.elffile import ELFFile
    from elftools.elf.relocation import RelocationSection
    with open(path, "rb") as f:
        elf = ELFFile(f)
        funcs = _functions_by_section(elf)
        symtab = elf.get_section_by_name(".symtab")
        relocs = {}
        for section in elf.iter_sections():
            if isinstance(section, RelocationSection) and section["sh_info"] in funcs:
                relocs[section["sh_info"]] = list(section.iter_relocations())
        code = {}
        for index, members in funcs.items():
            data = elf.get_section(index).data()
            for start, size, name in members:
                body = bytearray(data[start:start + size])
                refs = []
                for r in relocs.get(index, []):
                    at = r["r_offset"] - start
                    if not 0 <= at < size:
                        continue
                    width = 8 if r["r_info_type"] == 1 else 4   # R_X86_64_64
                    body[at:at + width] = bytes(width)
                    sym = symtab.get_symbol(r["r_info_sym"])
                    bias = 4 if r["r_info_type"] in _PC_RELATIVE else 0
                    target = sym["st_value"] + r["r_addend"] + bias
                    refs.append(f"{at}:{r['r_info_type']}:"
                                f"{_describe_target(elf, funcs, sym, target)}")
                code.setdefault(name, []).append(body.hex() + " " + " ".join(refs))
        return {name: "\n".join(parts) for name, parts in code.items()}


def decisions(path):
    """GCC's inlining and cloning decisions in an object, from the ipa-clones
    dump suture-cc keeps in its unit record: {(original, clone or function
    inlined into, reason)} and {("removal", function)}."""
    from elftools.elf.elffile import ELFFile
    with open(path, "rb") as f:
        data = ELFFile(f).get_section_by_name(".suture.units").data().decode()
    found = set()
    for record in data.split("\0"):
        lines = record.split("\n")
        dump = lines[lines.index("ipa-clones") + 1:] if "ipa-clones" in lines else []
        for line in dump:
            fields = line.split(";")
            if fields[0] == "Callgraph clone" and len(fields) == 12:
                found.add((fields[1], fields[6], fields[11]))
            elif fields[0] == "Callgraph removal":
                found.add(("removal", fields[1]))
    return found


def _referenced(code):
    """The function names a normalised code text refers to."""
    names = set()
    for ref in code.split():
        parts = ref.split(":", 2)
        if len(parts) == 3:
            names.add(re.sub(r"[+-]\d+$", "", parts[2]))
    return names


def explained_by_decisions(old_obj, new_obj, old_code, new_code, changed):
    """The changed functions that GCC's changed decisions account for: the
    change made GCC inline or clone differently (all callers of g now pass
    the same constant, so ipa-cp specialises g), and the functions on
    either end of a decision that changed, or calling one that did, changed
    with it.  Their old code is still right with F's new code (a patch
    brings new clones as new functions), so these are not misses; the
    oracle counts them apart."""
    moved = decisions(old_obj) ^ decisions(new_obj)
    involved = {name for d in moved for name in d[:2]} - {"removal"}
    if not involved:
        return set()
    return {g for g in changed
            if g in involved or (_referenced(old_code.get(g, "")) |
                                 _referenced(new_code.get(g, ""))) & involved}


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
                       "misses": [], "avg_list": 0.0, "avg_changed": 0.0,
                       "decision_changes": 0}
        self.list_total = self.changed_total = 0

    def add(self, name, listed, changed, explained=frozenset()):
        outside = changed - listed - {name}
        if outside & explained:
            self.result["decision_changes"] += 1
        missing = sorted(outside - explained)
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
    (no suffix) in the body of each function, the hook's number aside."""
    found = []
    depth = 0
    since_decl = []
    current = None
    in_hook = 0
    for pos, tok in _tokens(text):
        if tok == "SUTURE_ORACLE_HOOK":
            in_hook = 3          # the name, "(", the number
        if in_hook:
            in_hook -= 1
            continue
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
        changed = changed_functions(base_code[unit], new_code)
        explained = explained_by_decisions(build / f"unit{unit}.base.o", obj,
                                           base_code[unit], new_code, changed)
        os.unlink(obj)
        tally.add(name, set(lists.get(name, [])), changed, explained)
    return tally.result


def format_result(r):
    return (f"{r['codebase']:<8} {r['kind']:<12} {r['level']:<18} tried {r['tried']:4d}  "
            f"misses {len(r['misses'])}  avg list {r['avg_list']:.2f}  "
            f"avg changed {r['avg_changed']:.2f}  decision changes {r['decision_changes']}")
