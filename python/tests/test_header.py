"""python/cosv4.py checked against include/cosv4.h (no library, no emulator needed).

The ctypes prototypes, enumerations, structures and callback types of the binding are written
by hand; this test parses the C header (cbindgen's output, read as a C17 compiler sees it) and
fails when they disagree with it:

* every function of ``_PROTOTYPES`` / ``_OPTIONAL_PROTOTYPES`` exists in the header with the
  same number of parameters, and its return and parameter ctypes are compatible with the C
  types (see ``_compatible``); every function the module calls by a literal name is declared;
* every function of the header is declared in Python, or listed in ``NOT_IN_PYTHON`` with the
  reason (the module follows the whole C API: "Add (restype, argtypes) here as the C API
  grows");
* every ``enum.IntEnum`` of the module mirrors a C enum (``ENUMS``) with exactly its members
  (names without the ``COSV4_<ENUM>_`` prefix) and values, and every C enum is mirrored;
* every ``ctypes.Structure`` of the module mirrors a C struct (``STRUCTS``) with the same field
  names, order and types, and every C struct with fields is mirrored;
* callback types (``CFUNCTYPE``) passed for a function-pointer typedef have its signature.

Run: python3 -m unittest discover -s python/tests -v   (tests/python.rs does, from cargo test)
"""

import ctypes
import enum
import os
import re
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
import cosv4  # noqa: E402

HEADER = os.path.join(HERE, "..", "..", "include", "cosv4.h")
MODULE_SOURCE = cosv4.__file__

# Python enum class -> C enum it mirrors (members compared without the "COSV4_<ENUM>_" prefix).
ENUMS = {
    "Result": "cosv4_result",
    "Phase": "cosv4_phase",
    "Method": "cosv4_method",
    "Authority": "cosv4_authority",
    "LogLevel": "cosv4_log_level",
    "BatchStatus": "cosv4_batch_status",
    "BatchEventKind": "cosv4_batch_event",
    "SyncMode": "cosv4_sync_mode",
    "BatchKeep": "cosv4_batch_keep",
}

# ctypes.Structure of the module -> C struct it mirrors.
STRUCTS = {
    "_CProgress": "cosv4_progress",
    "_CDownloadProgress": "cosv4_download_progress",
    "_CBatchProgress": "cosv4_batch_progress",
    "_CBatchFileEvent": "cosv4_batch_file_event",
}

# Header functions the module deliberately does not declare: name -> reason. Empty: the module
# covers the whole C API. A new C function must be added to cosv4.py (or listed here, saying why).
NOT_IN_PYTHON = {}

# C structs with fields that the module does not mirror: name -> reason.
STRUCTS_NOT_IN_PYTHON = {}

# What a C17 compiler sees: __cplusplus undefined, __STDC_VERSION__ of C17.
PREDEFINED = {"__STDC_VERSION__": "201710L"}

# Fixed-size C scalars and the one ctypes type each must be declared with.
SCALARS = {
    "uint8_t": ctypes.c_uint8,
    "int8_t": ctypes.c_int8,
    "uint16_t": ctypes.c_uint16,
    "int16_t": ctypes.c_int16,
    "uint32_t": ctypes.c_uint32,
    "int32_t": ctypes.c_int32,
    "uint64_t": ctypes.c_uint64,
    "int64_t": ctypes.c_int64,
    "bool": ctypes.c_bool,
    "size_t": ctypes.c_size_t,
    "char": ctypes.c_char,
    "int": ctypes.c_int,
    "unsigned int": ctypes.c_uint,
    "double": ctypes.c_double,
    "float": ctypes.c_float,
}


# Readable names of ctypes types in messages (ctypes.c_uint32 is c_uint, c_uint64 c_ulong ...).
CTYPES_NAMES = [(n, getattr(ctypes, n)) for n in (
    "c_uint8", "c_int8", "c_uint16", "c_int16", "c_uint32", "c_int32", "c_uint64", "c_int64",
    "c_size_t", "c_ssize_t", "c_bool", "c_char", "c_double", "c_float", "c_void_p", "c_char_p")]


class HeaderParseError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# A parser for cbindgen's C output
# ---------------------------------------------------------------------------------------------


class CType:
    """A C type: a base name (``uint32_t``, ``struct cosv4_client``, ``cosv4_result``, ``void``)
    and a number of ``*``."""

    def __init__(self, base: str, ptr: int):
        self.base, self.ptr = base, ptr

    @classmethod
    def parse(cls, text: str) -> "CType":
        words = text.replace("*", " * ").split()
        ptr = words.count("*")
        words = [w for w in words if w not in ("*", "const", "volatile", "restrict")]
        if not words:
            raise HeaderParseError(f"cannot read the type {text!r}")
        return cls(" ".join(words), ptr)

    def pointee(self) -> "CType":
        return CType(self.base, self.ptr - 1)

    def __str__(self) -> str:
        return self.base + " " + "*" * self.ptr if self.ptr else self.base


class FuncSig:
    def __init__(self, ret: CType, params: list):
        self.ret, self.params = ret, params  # params: [(CType, name)]


class Header:
    """The declarations of the header: functions, enums, structs and typedefs."""

    def __init__(self, text: str):
        self.functions = {}  # name -> FuncSig
        self.enums = {}  # name -> {member: value}
        self.structs = {}  # name -> [(CType, field)], None when opaque
        self.typedefs = {}  # alias -> CType (scalars and struct aliases)
        self.fnptrs = {}  # typedef name -> FuncSig
        self.macros = dict(PREDEFINED)
        code = self._preprocess(_strip_comments(text))
        for decl in _split_declarations(code):
            self._declaration(decl)

    # -- preprocessor ---------------------------------------------------------------------------

    def _preprocess(self, text: str) -> str:
        """The lines a C17 compiler compiles (#if/#ifdef/#ifndef/#else/#endif evaluated,
        #define recorded); other directives fail the parse."""
        out = []
        stack = []  # (parent active, this branch active, some branch taken)
        active = True
        for number, line in enumerate(text.split("\n"), 1):
            stripped = line.strip()
            if not stripped.startswith("#"):
                out.append(line if active else "")
                continue
            out.append("")
            m = re.match(r"#\s*(\w+)\s*(.*)$", stripped)
            if not m:
                raise HeaderParseError(f"line {number}: cannot read {stripped!r}")
            directive, rest = m.group(1), m.group(2).strip()
            if directive in ("if", "ifdef", "ifndef"):
                if directive == "ifdef":
                    cond = rest in self.macros
                elif directive == "ifndef":
                    cond = rest not in self.macros
                else:
                    cond = self._eval(rest, number)
                stack.append((active, active and cond, cond))
                active = active and cond
            elif directive == "else":
                if not stack:
                    raise HeaderParseError(f"line {number}: #else without #if")
                parent, _, taken = stack[-1]
                stack[-1] = (parent, parent and not taken, True)
                active = parent and not taken
            elif directive == "endif":
                if not stack:
                    raise HeaderParseError(f"line {number}: #endif without #if")
                active = stack.pop()[0]
            elif directive == "define":
                if active:
                    dm = re.match(r"(\w+)(?:\s+(.*))?$", rest)
                    if not dm or "(" in dm.group(1):
                        raise HeaderParseError(f"line {number}: cannot read {stripped!r}")
                    self.macros[dm.group(1)] = (dm.group(2) or "").strip()
            elif directive == "include":
                pass
            else:
                raise HeaderParseError(f"line {number}: unexpected directive {stripped!r}")
        if stack:
            raise HeaderParseError("unterminated #if")
        return "\n".join(out)

    def _eval(self, expr: str, number: int) -> bool:
        def defined(m):
            return "1" if m.group(1) in self.macros else "0"

        py = re.sub(r"\bdefined\s*\(\s*(\w+)\s*\)|\bdefined\s+(\w+)", defined, expr)

        def ident(m):
            word = m.group(0)
            value = self.macros.get(word, "0")
            return value if re.fullmatch(r"\d+[uUlL]*", value) else "0"

        py = re.sub(r"\b[A-Za-z_]\w*\b", ident, py)
        py = re.sub(r"\b(\d+)[uUlL]+\b", r"\1", py)
        py = py.replace("||", " or ").replace("&&", " and ")
        py = re.sub(r"!(?!=)", " not ", py)
        if not re.fullmatch(r"[\d\s()<>=!a-z]*", py) or re.search(r"[a-z]", re.sub(
                r"\b(or|and|not)\b", "", py)):
            raise HeaderParseError(f"line {number}: cannot evaluate #if {expr!r}")
        return bool(eval(py, {"__builtins__": {}}))  # digits, comparisons and or/and/not only

    # -- declarations ---------------------------------------------------------------------------

    def _declaration(self, decl: str) -> None:
        d = " ".join(decl.split())
        m = re.fullmatch(r"typedef struct (\w+) \{(.*)\} (\w+)", d)
        if m:
            name, body, alias = m.groups()
            fields = []
            for field in filter(None, (f.strip() for f in body.split(";"))):
                fm = re.fullmatch(r"(.+?)\s*\b(\w+)", field)
                if not fm or "[" in field or ":" in field:
                    raise HeaderParseError(f"cannot read the field {field!r} of {name}")
                fields.append((CType.parse(fm.group(1)), fm.group(2)))
            self._add(self.structs, name, fields)
            self._add(self.typedefs, alias, CType("struct " + name, 0))
            return
        m = re.fullmatch(r"typedef struct (\w+) (\w+)", d)
        if m:
            self.structs.setdefault(m.group(1), None)
            self._add(self.typedefs, m.group(2), CType("struct " + m.group(1), 0))
            return
        m = re.fullmatch(r"typedef (.+?)\(\s*\*\s*(\w+)\s*\)\s*\((.*)\)", d)
        if m:
            self._add(self.fnptrs, m.group(2), self._signature(m.group(1), m.group(3)))
            return
        m = re.fullmatch(r"typedef (.+?)\s*\b(\w+)", d)
        if m:
            self._add(self.typedefs, m.group(2), CType.parse(m.group(1)))
            return
        m = re.fullmatch(r"enum (\w+)\s*(?::\s*([\w ]+?)\s*)?\{(.*)\}", d)
        if m:
            name, _, body = m.groups()
            members, value = {}, -1
            for item in filter(None, (i.strip() for i in body.split(","))):
                im = re.fullmatch(r"(\w+)(?:\s*=\s*(-?(?:0x[0-9A-Fa-f]+|\d+))[uUlL]*)?", item)
                if not im:
                    raise HeaderParseError(f"cannot read the enumerator {item!r} of {name}")
                value = int(im.group(2), 0) if im.group(2) is not None else value + 1
                if im.group(1) in members:
                    raise HeaderParseError(f"{im.group(1)} twice in enum {name}")
                members[im.group(1)] = value
            self._add(self.enums, name, members)
            return
        m = re.fullmatch(r"(?:extern )?([\w\s\*]+?)\s*\b(\w+)\s*\((.*)\)", d)
        if m and "(" not in m.group(3) and "typedef" not in m.group(1):
            self._add(self.functions, m.group(2), self._signature(m.group(1), m.group(3)))
            return
        raise HeaderParseError(f"cannot read the declaration {d!r}")

    @staticmethod
    def _signature(ret: str, params: str) -> FuncSig:
        params = params.strip()
        out = []
        if params and params != "void":
            for p in params.split(","):
                pm = re.fullmatch(r"(.+?)\s*\b(\w+)", p.strip())
                if not pm or pm.group(1).strip() in ("", "const", "struct"):
                    raise HeaderParseError(f"cannot read the parameter {p.strip()!r}")
                out.append((CType.parse(pm.group(1)), pm.group(2)))
        return FuncSig(CType.parse(ret), out)

    @staticmethod
    def _add(table: dict, name: str, value) -> None:
        if name in table:
            raise HeaderParseError(f"{name} declared twice")
        table[name] = value

    # -- types ------------------------------------------------------------------------------

    def resolve(self, t: CType) -> CType:
        """`t` with typedefs of scalars and structs replaced (function pointers stay)."""
        seen = set()
        while t.base in self.typedefs:
            if t.base in seen:
                raise HeaderParseError(f"typedef loop at {t.base}")
            seen.add(t.base)
            target = self.typedefs[t.base]
            t = CType(target.base, target.ptr + t.ptr)
        return t


def _strip_comments(text: str) -> str:
    """Comments replaced by the newlines they contained (string literals kept)."""

    def repl(m):
        s = m.group(0)
        return s if s.startswith('"') else " " + "\n" * s.count("\n")

    return re.sub(r'"(?:\\.|[^"\\\n])*"|/\*.*?\*/|//[^\n]*', repl, text, flags=re.S)


def _split_declarations(code: str) -> list:
    """The top-level declarations (text up to each ';' outside braces and parentheses)."""
    decls, depth, start = [], 0, 0
    for i, c in enumerate(code):
        if c in "({":
            depth += 1
        elif c in ")}":
            depth -= 1
            if depth < 0:
                raise HeaderParseError(f"unbalanced {c!r} near {code[max(0, i - 60):i + 1]!r}")
        elif c == ";" and depth == 0:
            decls.append(code[start:i].strip())
            start = i + 1
    if depth or code[start:].strip():
        raise HeaderParseError(f"text after the last declaration: {code[start:].strip()!r}")
    return [d for d in decls if d]


# ---------------------------------------------------------------------------------------------
# ctypes against C types
# ---------------------------------------------------------------------------------------------


def _pyname(t) -> str:
    """A readable name of a ctypes type (as declared in cosv4.py where possible)."""
    if t is None:
        return "None"
    if isinstance(t, type) and issubclass(t, ctypes._Pointer):
        return f"POINTER({_pyname(t._type_)})"
    if isinstance(t, type) and issubclass(t, ctypes._CFuncPtr):
        args = ", ".join(_pyname(a) for a in t._argtypes_)
        return f"CFUNCTYPE({_pyname(t._restype_)}, {args})"
    names = [n for n, c in CTYPES_NAMES if c is t]
    if names:  # e.g. "c_uint64/c_size_t": the same ctypes type on LP64 platforms
        return "/".join(names)
    return getattr(t, "__name__", repr(t))


def _compatible(header: Header, c: CType, py, depth: int = 0) -> str:
    """"" when the ctypes type `py` may stand for the C type `c`, else why not.

    Scalars (typedefs resolved) need their own ctypes type; a void return needs None; any
    pointer may be c_void_p; char pointers may be c_char_p (and uint8_t/int8_t pointers, as
    bytes buffers); POINTER(X) needs X compatible with the pointee (a ctypes.Structure
    with the layout of the C struct); a function-pointer typedef may be c_void_p or a CFUNCTYPE
    of the same signature.
    """
    if depth > 8:
        return "types nest too deep"
    c = header.resolve(c)
    want = f"C {c}"
    if c.base == "void" and c.ptr == 0:
        return "" if py is None else f"{want} needs None, not {_pyname(py)}"
    if py is None:
        return f"{want} is not void"
    if c.ptr == 0 and c.base in header.fnptrs:
        if py is ctypes.c_void_p:
            return ""
        if not (isinstance(py, type) and issubclass(py, ctypes._CFuncPtr)):
            return f"{want} (a function pointer) needs a CFUNCTYPE, not {_pyname(py)}"
        sig = header.fnptrs[c.base]
        return _signature_problem(header, sig, py._restype_, list(py._argtypes_), depth + 1)
    if c.ptr == 0:
        if c.base.startswith("struct "):
            name = c.base[len("struct "):]
            return _struct_problem(header, name, py, depth + 1)
        if c.base.startswith("enum "):
            return f"{want}: an enum by value has no fixed size in C17; use its typedef"
        expected = SCALARS.get(c.base)
        if expected is None:
            return f"{want}: unknown C type"
        return "" if py is expected else f"{want} needs {_pyname(expected)}, not {_pyname(py)}"
    # pointers
    if py is ctypes.c_void_p:
        return ""
    pointee = c.pointee()
    if c.ptr == 1 and header.resolve(pointee).base in ("char", "uint8_t", "int8_t") \
            and py is ctypes.c_char_p:
        return ""
    if isinstance(py, type) and issubclass(py, ctypes._Pointer):
        why = _compatible(header, pointee, py._type_, depth + 1)
        return f"{want}: pointee: {why}" if why else ""
    return f"{want} (a pointer) needs c_void_p or POINTER(...), not {_pyname(py)}"


def _signature_problem(header: Header, sig: FuncSig, restype, argtypes, depth: int = 0) -> str:
    """"" when (restype, argtypes) match the C signature, else what differs."""
    problems = []
    if len(argtypes) != len(sig.params):
        problems.append(f"{len(argtypes)} parameter(s), the header has {len(sig.params)} "
                        f"({', '.join(f'{t} {n}' for t, n in sig.params) or 'void'})")
    else:
        for i, ((ctype, name), py) in enumerate(zip(sig.params, argtypes)):
            why = _compatible(header, ctype, py, depth)
            if why:
                problems.append(f"parameter {i + 1} `{name}`: {why}")
    why = _compatible(header, sig.ret, restype, depth)
    if why:
        problems.append(f"return type: {why}")
    return "; ".join(problems)


def _struct_problem(header: Header, name: str, py, depth: int = 0) -> str:
    """"" when the ctypes.Structure `py` has the layout of C struct `name`, else what differs."""
    fields = header.structs.get(name, "missing")
    if fields == "missing":
        return f"struct {name} is not in the header"
    if fields is None:
        return f"struct {name} is opaque: use c_void_p, not {_pyname(py)}"
    if not (isinstance(py, type) and issubclass(py, ctypes.Structure)):
        return f"struct {name} needs a ctypes.Structure, not {_pyname(py)}"
    if getattr(py, "_pack_", 0):
        return f"{py.__name__} sets _pack_, struct {name} has natural alignment"
    pyfields = list(py._fields_)
    cnames = [f for _, f in fields]
    pnames = [f[0] for f in pyfields]
    if cnames != pnames:
        return f"{py.__name__} has the fields {pnames}, struct {name} has {cnames}"
    problems = []
    for (ctype, fname), pf in zip(fields, pyfields):
        if len(pf) != 2:
            problems.append(f"field {fname} is a bit field in {py.__name__}")
            continue
        why = _compatible(header, ctype, pf[1], depth)
        if why:
            problems.append(f"field {fname}: {why}")
    return f"{py.__name__} vs struct {name}: " + "; ".join(problems) if problems else ""


# ---------------------------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------------------------


def _problems(problems: list) -> str:
    return f"{len(problems)} disagreement(s) between python/cosv4.py and include/cosv4.h:\n  " \
           + "\n  ".join(problems)


class HeaderTest(unittest.TestCase):
    header = None

    @classmethod
    def setUpClass(cls):
        with open(HEADER, encoding="utf-8") as f:
            cls.header = Header(f.read())
        cls.declared = {}
        cls.declared_twice = []
        for table in ("_PROTOTYPES", "_OPTIONAL_PROTOTYPES"):
            for name, proto in getattr(cosv4, table).items():
                if name in cls.declared:
                    cls.declared_twice.append(name)
                cls.declared[name] = (table, proto)

    def test_parser_reads_the_header(self):
        """The parser found the API (guards against a parse that silently finds nothing)."""
        h = self.header
        self.assertGreater(len(h.functions), 50)
        self.assertTrue(all(n.startswith("cosv4_") for n in h.functions), sorted(h.functions))
        up = h.functions["cosv4_client_upload_file"]
        self.assertEqual([n for _, n in up.params],
                         ["client", "bucket", "cos_path", "local_path", "opts", "out", "err_out"])
        self.assertEqual(str(up.params[5][0]), "struct cosv4_upload_result **")
        self.assertEqual(str(h.resolve(up.ret)), "uint32_t")  # typedef uint32_t cosv4_result
        self.assertEqual(h.functions["cosv4_version"].params, [])
        self.assertEqual(h.enums["cosv4_result"]["COSV4_RESULT_AUTH"], 401)
        self.assertEqual([f for _, f in h.structs["cosv4_progress"]][:2],
                         ["phase", "bytes_total"])
        self.assertIsNone(h.structs["cosv4_client"])
        self.assertEqual(len(h.fnptrs["cosv4_log_cb"].params), 3)
        # C17 sees the enums through 32-bit typedefs, as the functions' cosv4_result.
        for name in h.enums:
            self.assertEqual(str(h.resolve(CType(name, 0))), "uint32_t", name)

    def test_prototypes_match_the_header(self):
        """Each declared function: in the header, same parameter count, compatible types."""
        problems = [f"{name} is in both _PROTOTYPES and _OPTIONAL_PROTOTYPES"
                    for name in self.declared_twice]
        for name, (table, (restype, argtypes)) in sorted(self.declared.items()):
            sig = self.header.functions.get(name)
            if sig is None:
                problems.append(f"{name} ({table}) is not declared in the header")
                continue
            why = _signature_problem(self.header, sig, restype, list(argtypes))
            if why:
                problems.append(f"{name} ({table}): {why}")
        if problems:
            self.fail(_problems(problems))

    def test_header_functions_are_declared(self):
        """The module follows the whole C API; omissions are listed in NOT_IN_PYTHON."""
        missing = sorted(set(self.header.functions) - set(self.declared) - set(NOT_IN_PYTHON))
        stale = sorted(n for n in NOT_IN_PYTHON
                       if n in self.declared or n not in self.header.functions)
        problems = [f"{n} is in the header but not declared in cosv4.py (add it to "
                    "_OPTIONAL_PROTOTYPES, or to NOT_IN_PYTHON in this test with the reason)"
                    for n in missing]
        problems += [f"{n} is in NOT_IN_PYTHON but declared in cosv4.py or not in the header"
                     for n in stale]
        if problems:
            self.fail(_problems(problems))
        for name, why in sorted(NOT_IN_PYTHON.items()):
            print(f"not in python/cosv4.py: {name} ({why})", file=sys.stderr)

    def test_called_functions_are_declared(self):
        """Every C function the module calls by a literal name has a prototype (no call with
        ctypes' default int conversions)."""
        with open(MODULE_SOURCE, encoding="utf-8") as f:
            source = f.read()
        called = set(re.findall(r"\.(cosv4_\w+)\s*\(", source))
        called |= set(re.findall(r"_need\(\s*\"(cosv4_\w+)\"", source))
        self.assertGreater(len(called), 20)
        undeclared = sorted(called - set(self.declared))
        self.assertFalse(undeclared, f"called in cosv4.py without a prototype: {undeclared}")

    def test_enums_match_the_header(self):
        """Each IntEnum: exactly the members and values of its C enum, and vice versa."""
        problems = []
        module_enums = {name for name, obj in vars(cosv4).items()
                        if isinstance(obj, type) and issubclass(obj, enum.Enum)
                        and obj.__module__ == cosv4.__name__}
        for name in sorted(module_enums - set(ENUMS)):
            problems.append(f"enum {name} of cosv4.py is not mapped to a C enum in ENUMS")
        for name in sorted(set(self.header.enums) - set(ENUMS.values())):
            problems.append(f"C enum {name} has no Python enum (add one, and map it in ENUMS)")
        for pyname, cname in sorted(ENUMS.items()):
            cls = getattr(cosv4, pyname, None)
            members = self.header.enums.get(cname)
            if cls is None or members is None:
                problems.append(f"{pyname} <-> {cname}: "
                                + ("no such Python enum" if cls is None else "not in the header"))
                continue
            prefix = cname.upper() + "_"
            c = {}
            for member, value in members.items():
                if not member.startswith(prefix):
                    problems.append(f"{member} of {cname} does not start with {prefix}")
                c[member[len(prefix):]] = value
            py = {m.name: int(m.value) for m in cls.__members__.values()}
            for m in sorted(set(c) | set(py), key=lambda m: c.get(m, py.get(m))):
                if m not in py:
                    problems.append(f"{pyname}.{m} missing ({prefix}{m} = {c[m]} in the header)")
                elif m not in c:
                    problems.append(f"{pyname}.{m} = {py[m]} is not in the header "
                                    f"(no {prefix}{m})")
                elif c[m] != py[m]:
                    problems.append(f"{pyname}.{m} = {py[m]}, the header has {prefix}{m} = {c[m]}")
            aliases = [n for n, m in cls.__members__.items() if m.name != n]
            if aliases:
                problems.append(f"{pyname}: {aliases} alias other members (duplicate values)")
        if problems:
            self.fail(_problems(problems))

    def test_structs_match_the_header(self):
        """Each ctypes.Structure: the field names, order and types of its C struct."""
        problems = []
        module_structs = {name for name, obj in vars(cosv4).items()
                          if isinstance(obj, type) and issubclass(obj, ctypes.Structure)
                          and obj.__module__ == cosv4.__name__}
        for name in sorted(module_structs - set(STRUCTS)):
            problems.append(f"structure {name} of cosv4.py is not mapped to a C struct in STRUCTS")
        with_fields = {n for n, f in self.header.structs.items() if f is not None}
        for name in sorted(with_fields - set(STRUCTS.values()) - set(STRUCTS_NOT_IN_PYTHON)):
            problems.append(f"C struct {name} has no ctypes.Structure in cosv4.py")
        for pyname, cname in sorted(STRUCTS.items()):
            cls = getattr(cosv4, pyname, None)
            why = _struct_problem(self.header, cname, cls)
            if why:
                problems.append(why)
        if problems:
            self.fail(_problems(problems))

    def test_checker_rejects_mismatches(self):
        """The comparison itself: wrong widths, signedness, counts and layouts are caught."""
        h = self.header
        u32 = CType("uint32_t", 0)
        self.assertTrue(_compatible(h, u32, ctypes.c_uint64))
        self.assertTrue(_compatible(h, u32, ctypes.c_int32))
        self.assertTrue(_compatible(h, CType("cosv4_result", 0), ctypes.c_int32))
        self.assertTrue(_compatible(h, CType("bool", 0), ctypes.c_uint8))
        self.assertTrue(_compatible(h, CType("void", 0), ctypes.c_int))
        self.assertTrue(_compatible(h, CType("char", 1), ctypes.c_uint32))
        self.assertTrue(_compatible(h, CType("size_t", 1), ctypes.POINTER(ctypes.c_uint32)))
        self.assertTrue(_compatible(h, CType("struct cosv4_error", 1), ctypes.c_char_p))
        self.assertFalse(_compatible(h, CType("struct cosv4_error", 2),
                                     ctypes.POINTER(ctypes.c_void_p)))
        sig = h.functions["cosv4_config_set_workers"]
        self.assertTrue(_signature_problem(h, sig, ctypes.c_uint32, [ctypes.c_void_p]))

        class Short(ctypes.Structure):
            _fields_ = [("phase", ctypes.c_uint32), ("bytes_total", ctypes.c_uint64)]

        self.assertTrue(_struct_problem(h, "cosv4_progress", Short))
        wrong_cb = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_void_p, ctypes.POINTER(Short))
        self.assertTrue(_compatible(h, CType("cosv4_progress_cb", 0), wrong_cb))
        log_cb = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_char_p)
        self.assertTrue(_compatible(h, CType("cosv4_log_cb", 0), log_cb))


if __name__ == "__main__":
    unittest.main()
