"""Every string shown to people is marked, and the Chinese catalog translates every one of them.

When one of these fails after you added a page or a message: mark the string (`_()`, `_l()`,
`{{ _("...") }}`), run `make translations`, translate the new entries of
gateway/translations/zh_Hans/LC_MESSAGES/messages.po (no `#, fuzzy`), then `make install`
(compiles the .mo files, which are committed with the .po).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.i18n.unmarked import ROOT, python_findings, template_findings

TRANSLATIONS = ROOT / "gateway" / "translations"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "N_": None, "NP_": (1, 2)}
LOCALES = ("zh_Hans", "en")
HOW_TO_FIX = ("run `make translations`, translate the entries in "
              "gateway/translations/zh_Hans/LC_MESSAGES/messages.po (remove any `#, fuzzy`), "
              "then `make install` to compile them")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def extracted() -> dict[str | tuple[str, ...], str]:
    """Every marked message of the code as it is now (what `make translations` would extract),
    with where it was found."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[str | tuple[str, ...], str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        found.setdefault(message, f"{filename}:{lineno}")
    return found


def catalog(locale: str):  # type: ignore[no-untyped-def]
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po, locale=locale)


def test_every_string_shown_to_people_is_marked() -> None:
    """A template text or a Python message at a place people read it, not marked: listed."""
    findings = template_findings() + python_findings()
    assert not findings, (
        "Strings shown to people are not marked for translation:\n  "
        + "\n  ".join(str(f) for f in findings)
        + "\nWrap each in _() (templates: {{ _(\"...\") }}, import-time Python: _l()), then "
        + HOW_TO_FIX + ". A text that must stay as it is says `no-i18n: why` in a comment on "
        "its line.")


def test_chinese_catalog_translates_every_marked_message() -> None:
    """Missing, empty or fuzzy Chinese entries fail with the string and where it comes from."""
    zh = catalog("zh_Hans")
    problems = []
    for message, where in extracted().items():
        key = message[0] if isinstance(message, tuple) else message
        entry = zh.get(key)
        if entry is None:
            problems.append(f"missing: {message!r} (from {where})")
        elif entry.fuzzy:
            problems.append(f"fuzzy: {message!r} (from {where})")
        elif not all(entry.string if isinstance(entry.string, tuple) else [entry.string]):
            problems.append(f"untranslated: {message!r} (from {where})")
    assert not problems, ("The Chinese catalog is behind the code:\n  " + "\n  ".join(problems)
                          + "\nTo fix: " + HOW_TO_FIX + ".")


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_every_placeholder(locale: str) -> None:
    """A translation that drops or renames %(name)s would crash or lie at render time."""
    wrong = []
    for entry in catalog(locale):
        if not entry.id or not entry.string:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        for text in strings:
            if text and set(PLACEHOLDER.findall(text)) - wanted or (
                    text and set(PLACEHOLDER.findall(ids[0])) - {"num"}
                    - set(PLACEHOLDER.findall(text))):
                wrong.append(f"{ids[0]!r} -> {text!r}")
    assert not wrong, "Placeholders differ:\n  " + "\n  ".join(wrong)


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalogs_match_their_po(locale: str) -> None:
    """The shipped .mo says what the .po says (`make install` recompiles it)."""
    directory = TRANSLATIONS / locale / "LC_MESSAGES"
    po = catalog(locale)
    with open(directory / "messages.mo", "rb") as mo_file:
        mo = read_mo(mo_file)
    def entries(messages) -> dict[str, tuple[str, ...]]:  # type: ignore[no-untyped-def]
        found = {}
        for m in messages:
            strings = tuple(m.string) if isinstance(m.string, list | tuple) else (m.string,)
            ids = tuple(m.id) if isinstance(m.id, list | tuple) else (m.id,)
            # Babel compiles an untranslated plural entry as its msgids: same as no entry.
            if m.id and not m.fuzzy and any(strings) and strings != ids:
                found[m.id if isinstance(m.id, str) else m.id[0]] = strings
        return found

    expected, compiled = entries(po), entries(mo)
    assert compiled == expected, (
        f"{directory}/messages.mo is out of date with messages.po: run `make install` "
        f"(or `make catalogs`) and commit the .mo")


def test_the_checker_finds_unmarked_text(tmp_path: Path) -> None:
    """The check itself: an unmarked paragraph, attribute and literal are reported, marked
    text and code samples are not."""
    page = tmp_path / "page.html"
    page.write_text('{% block content %}<h1>{{ _("Fine") }}</h1>\n<p>Hello world</p>\n'
                    '<img alt="A chart" src="{{ x }}">\n<b>{{ "Save" if a else _("Go") }}</b>\n'
                    '<code>print("ok")</code>{% endblock %}\n', encoding="utf-8")
    module = tmp_path / "views.py"
    module.write_text('from flask import flash\n'
                      'def view():\n    flash("Saved it.")\n    flash(_("Fine."))\n'
                      '    raise NotFound("No such thing.")\n'
                      'class Gone(Exception):\n    description = "It went away."\n'
                      'from gateway.i18n import _\n'
                      'def check(data, **_):\n    return _("Oops.")\n',
                      encoding="utf-8")
    texts = {f.text for f in template_findings([page])}
    assert texts == {"Hello world", 'alt="A chart"', "Save"}
    assert {f.text for f in python_findings([module])} == {
        "Saved it.", "No such thing.", "It went away.",
        "`_` shadows gettext here: name it something else"}
