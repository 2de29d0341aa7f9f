"""Find strings shown to people that are not marked for translation (used by test_catalogs).

Templates: text between tags and the alt, title, placeholder and aria-label attributes, with
`<code>`, `<pre>`, `<script>` and `<style>` left out; prose-like string literals inside `{{ }}` and
`{% %}` that are not the argument of `_()`/`ngettext()`. Python: the literal arguments of the
places a person reads from: `flash()`, domain errors raised with a message, error classes'
`description`, WTForms labels, choices and messages, navigation links, `ValidationFailed`
problems, `error=`/`message=`/`title=`/`label=` keywords, CSV header rows.

A line that must stay as it is (a wire-format text, an input syntax shown as an example) says so
with `no-i18n` in a comment on that line (`# no-i18n: why` or `{# no-i18n: why #}`).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment
from jinja2.lexer import TOKEN_DATA, TOKEN_NAME, TOKEN_STRING

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("gateway", "developer_portal")
SKIPPED_DIRS = ("gateway/stripe_fake",)  # an imitation of Stripe's own (English) pages
ALLOWED_WORDS = {"ZoneConnect", "appid", "appkey", "zcpat"}
EXEMPT = "no-i18n"


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text!r}"


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


def _files(pattern: str) -> list[Path]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob(pattern)):
            rel = path.relative_to(ROOT).as_posix()
            if not rel.startswith(SKIPPED_DIRS):
                found.append(path)
    return found


# ----------------------------------------------------------------------------- templates

_HIDDEN = re.compile(r"<(code|pre|script|style)\b.*?</\1>", re.S | re.I)
_ATTRS = re.compile(r"\b(alt|title|placeholder|aria-label)\s*=\s*\"([^\"]*)\"", re.I)
_TAG = re.compile(r"<[^>]*>", re.S)
_TEXT = re.compile(r"[^\n]+")
_ENTITY = re.compile(r"&[a-z#0-9]+;", re.I)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]+")
_PROSE = re.compile(r"^(?:[A-Z][a-z]+[.!?:]?|.*[A-Za-z]{2,}\s+[A-Za-z]{2,}.*)$", re.S)
_GETTEXT_NAMES = {"_", "gettext", "ngettext", "_l", "N_"}


def _words(text: str) -> list[str]:
    text = _ENTITY.sub(" ", text)
    return [w for w in _WORD.findall(text) if w not in ALLOWED_WORDS]


def _blank(match: re.Match[str]) -> str:
    """The match as spaces, its newlines kept (so positions and line numbers stay)."""
    return re.sub(r"[^\n]", " ", match.group(0))


def _data_findings(rel: str, line: int, data: str, lines: list[str]) -> list[Finding]:
    found = []
    text = _HIDDEN.sub(_blank, data)
    for match in _ATTRS.finditer(text):
        if _words(match.group(2)):
            at = line + text[:match.start()].count("\n")
            found.append(Finding(rel, at, match.group(0)))
    for match in _TEXT.finditer(_TAG.sub(_blank, text)):
        if _words(match.group(0)):
            at = line + text[:match.start()].count("\n")
            found.append(Finding(rel, at, " ".join(match.group(0).split())))
    return [f for f in found if EXEMPT not in lines[f.line - 1]]


def template_findings(paths: list[Path] | None = None) -> list[Finding]:
    """Unmarked text in every template (or in `paths`)."""
    env = Environment(extensions=["jinja2.ext.i18n"])
    found: list[Finding] = []
    for path in paths if paths is not None else _files("*.html"):
        rel = _relative(path)
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines() + [""]
        # The page as HTML with every {{ }} and {% %} replaced by a blank of the same lines, so
        # tags split by an expression are whole again; string literals are checked apart.
        page: list[str] = []
        depth = 0  # parentheses open since a gettext call began (0: outside any)
        previous = ""
        for lineno, kind, value in env.lex(source):
            if kind == TOKEN_DATA:
                page.append(value)
                continue
            page.append(re.sub(r"[^\n]", " ", value) if kind == "whitespace" else
                        "\n" * value.count("\n") + " ")
            if kind == TOKEN_STRING:
                text = value[1:-1] if value[:1] in "\"'" else value
                if depth == 0 and _PROSE.match(text) and EXEMPT not in lines[lineno - 1]:
                    found.append(Finding(rel, lineno, text))
            elif kind == TOKEN_NAME and value == "strftime" and EXEMPT not in lines[lineno - 1]:
                found.append(Finding(rel, lineno, "strftime(): write times with when() or "
                                                   "time_tag(), dates with when(d, time=False)"))
            elif kind == "operator" and value == "(":
                if depth or previous in _GETTEXT_NAMES:
                    depth += 1
            elif kind == "operator" and value == ")" and depth:
                depth -= 1
            if kind != "whitespace":
                previous = value if kind == TOKEN_NAME else ""
        found += _data_findings(rel, 1, "".join(page), lines)
    return found


# ----------------------------------------------------------------------------- python

# Exceptions for programmers and operators (logs, start-up), not for the people using pages.
_PROGRAMMER_ERRORS = {"ValueError", "RuntimeError", "TypeError", "KeyError", "AssertionError",
                      "NotImplementedError", "DisconnectionError", "ConfigError", "UsageError",
                      "ClickException", "LookupError", "ProviderUnavailable", "PayoutsRunning"}
# OAuth protocol errors: their error_description goes to the client in a redirect or a token
# response, which RFC 6749 (4.1.2.1, 5.2) limits to ASCII: English by design.
_PROTOCOL_ERRORS = {"RedirectError", "GrantProblem", "InvalidGrantError", "InvalidRequestError",
                    "InvalidClientError", "UnauthorizedClientError", "InvalidScopeError",
                    "InvalidTarget", "InvalidTargetError", "ExchangeRefused"}
_PEOPLE_KEYWORDS = {"error", "message", "title", "label", "legend", "heading", "x_title",
                    "y_title"}
_PEOPLE_KEYS = {"no_data_text", "title", "x_title", "y_title"}  # pygal options in dicts
_MACHINE = re.compile(r"^[a-z0-9_.:/*-]*$")  # codes, endpoints, field names: not prose
_FIELD = re.compile(r"[A-Z]\w*Field$")
_VALIDATORS = {"DataRequired", "InputRequired", "FileRequired", "Optional"}  # message first


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _is_text(node: ast.AST | None) -> bool:
    """A string literal (or f-string) with words in it."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(_words(node.value)) and not _MACHINE.match(node.value)
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.Constant) and _words(str(v.value)) for v in node.values)
    return False


def _literals(node: ast.AST) -> list[ast.AST]:
    """String literals inside a node, not looking into calls (a call marks its own)."""
    if _is_text(node):
        return [node]
    if isinstance(node, ast.Dict):
        return [x for v in node.values if v is not None for x in _literals(v)]
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return [x for e in node.elts for x in _literals(e)]
    return []


class _Visitor(ast.NodeVisitor):
    def __init__(self) -> None:
        self.hits: list[ast.AST] = []

    def visit_Call(self, node: ast.Call) -> None:  # noqa: N802
        name = _name(node.func)
        args = node.args
        if name in {"flash", "ValidationFailed", "writerow"}:
            for arg in args:
                self.hits += _literals(arg)
        elif name == "add_link" and len(args) > 1:
            self.hits += _literals(args[1])
        elif _FIELD.match(name) or name in _VALIDATORS:
            if args:
                self.hits += _literals(args[0])
        elif name == "SelectChoice" and len(args) > 1:
            self.hits += _literals(args[1])
        for kw in node.keywords:
            if kw.arg in _PEOPLE_KEYWORDS:
                self.hits += _literals(kw.value)
        self.generic_visit(node)

    def visit_Raise(self, node: ast.Raise) -> None:  # noqa: N802
        call = node.exc
        if isinstance(call, ast.Call) and _name(call.func) not in (_PROGRAMMER_ERRORS
                                                                   | _PROTOCOL_ERRORS):
            for arg in call.args:
                self.hits += _literals(arg)
        self.generic_visit(node)

    def visit_Dict(self, node: ast.Dict) -> None:  # noqa: N802
        for key, value in zip(node.keys, node.values, strict=True):
            if isinstance(key, ast.Constant) and key.value in _PEOPLE_KEYS:
                self.hits += _literals(value)
        self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:  # noqa: N802
        for item in node.body:
            if isinstance(item, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "description" for t in item.targets):
                self.hits += _literals(item.value)
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:  # noqa: N802
        # problems["field"] = ["..."]: the messages ValidationFailed shows next to a field
        for target in node.targets:
            if isinstance(target, ast.Subscript) and _name(target.value) in {"problems",
                                                                             "errors"}:
                self.hits += _literals(node.value)
        self.generic_visit(node)


def _shadowed_gettext(tree: ast.Module) -> list[int]:
    """Lines that rebind `_` in a module that translates with it (`**_`, `for _ in`, `_ = `):
    a later `_("...")` in that scope calls the wrong thing (a dict, a tuple) and fails."""
    imports_it = any(isinstance(node, ast.ImportFrom) and any(a.name == "_" and not a.asname
                                                              for a in node.names)
                     for node in tree.body)
    if not imports_it:
        return []
    lines = []
    # A comprehension's own variables live in its scope: `for m, _ in rows` there is harmless.
    scoped = {id(n) for c in ast.walk(tree) if isinstance(c, ast.comprehension)
              for n in ast.walk(c.target)}
    for node in ast.walk(tree):
        if id(node) in scoped:
            continue
        if isinstance(node, ast.arguments):
            names = [*node.posonlyargs, *node.args, *node.kwonlyargs,
                     *([node.vararg] if node.vararg else []),
                     *([node.kwarg] if node.kwarg else [])]
            lines += [a.lineno for a in names if a.arg == "_"]
        elif isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store):
            lines.append(node.lineno)
    return lines


def python_findings(paths: list[Path] | None = None) -> list[Finding]:
    """Unmarked strings at the places a person reads them, in every module (or in `paths`)."""
    found: list[Finding] = []
    for path in paths if paths is not None else _files("*.py"):
        rel = _relative(path)
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines() + [""]
        visitor = _Visitor()
        tree = ast.parse(source)
        visitor.visit(tree)
        found += [Finding(rel, line, "`_` shadows gettext here: name it something else")
                  for line in _shadowed_gettext(tree) if EXEMPT not in lines[line - 1]]
        for hit in visitor.hits:
            line = getattr(hit, "lineno", 1)
            if EXEMPT in lines[line - 1]:
                continue
            text = hit.value if isinstance(hit, ast.Constant) else ast.unparse(hit)
            finding = Finding(rel, line, str(text))
            if finding not in found:  # a literal reached by two rules is one finding
                found.append(finding)
    return found
