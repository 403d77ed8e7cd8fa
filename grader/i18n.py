"""What a student reads, in English or Simplified Chinese, through gettext catalogues.

The English text is the message id itself (`_("stopped after {seconds} s")`),
so English output is the code's own strings and needs no catalogue. Chinese
comes from grader/locale/zh_CN/LC_MESSAGES/grader.po, the source of truth,
compiled to grader.mo beside it by `python -m grader.i18n compile` (a pure
Python msgfmt after CPython's Tools/i18n/msgfmt.py; the .mo is committed, so
an installation needs no tool). Placeholders are python-brace-format fields
(`{seconds}`), the same in a message and in its translation; a message is
formatted after it is translated.

The language is chosen per run, not per process: `using(lang)` sets a
ContextVar for the run (api.check does), so the messages built while grading
come out in it; reporters render a report's fixed labels in `Report.lang`.
Only the command line reads the locale (`default_language`): a library call
is English unless its caller asks otherwise, so a batch graded on several
machines does not change language with their settings.
`N_` marks a string for the catalogue where it is defined (a table of
messages) and `_` translates it where it is used.

Only `_`, `N_`, `ngettext` and `pgettext` calls on literal strings are
collected: tests/test_i18n.py finds them with `ast` and fails on any message
without a Chinese translation, and on any stale entry of the catalogue.
"""

from __future__ import annotations

import ast
import contextvars
import gettext
import os
import re
import string
import struct
import sys
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path

LANGUAGES = ("en", "zh")
DEFAULT = "en"
DOMAIN = "grader"
LOCALE_DIR = Path(__file__).parent / "locale"
CATALOGUES = {"zh": "zh_CN"}  # language -> locale folder; English is the message ids
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")  # in gettext's order of precedence
MARKERS = {"_": ("message",), "N_": ("message",), "ngettext": ("message", "plural"), "pgettext": ("context", "message")}

_language: contextvars.ContextVar[str] = contextvars.ContextVar("grader_language", default=DEFAULT)


# Choosing the language ---------------------------------------------------------------------


def default_language(environ: Mapping[str, str] | None = None) -> str:
    """The locale's language: the first of LC_ALL, LC_MESSAGES, LANG that is set; "zh..." is zh, else en."""
    environ = os.environ if environ is None else environ
    for name in LOCALE_VARIABLES:
        value = environ.get(name, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return DEFAULT


def resolve(lang: str | None) -> str:
    """`lang` checked; None is the current language (English unless a caller chose another)."""
    if lang is None:
        return _language.get()
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}: expected one of {', '.join(LANGUAGES)}")
    return lang


def known(lang: str) -> str:
    """`lang` when the grader speaks it, else English: a report read from JSON may name any language."""
    return lang if lang in LANGUAGES else DEFAULT


def width(text: str) -> int:
    """Columns `text` takes on a terminal: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, columns: int, align: str = "<") -> str:
    """`text` padded to `columns` terminal columns, as f"{text:<columns}" does for ASCII."""
    space = " " * max(0, columns - width(text))
    return space + text if align == ">" else text + space


def current() -> str:
    return _language.get()


@contextmanager
def using(lang: str | None) -> Iterator[str]:
    """Messages built inside come out in `lang` (None: the current one); reset on leaving."""
    token = _language.set(resolve(lang))
    try:
        yield _language.get()
    finally:
        _language.reset(token)


# Translating -------------------------------------------------------------------------------


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The catalogue of `lang`; English (and a catalogue that is not installed) falls back to the ids."""
    folder = CATALOGUES.get(lang)
    if folder is None:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[folder], fallback=True)


def _(message: str) -> str:
    """`message` in the current language."""
    return translations(_language.get()).gettext(message)


def N_(message: str) -> str:
    """Marks `message` for the catalogue without translating it: `_` translates it where it is shown."""
    return message


def ngettext(message: str, plural: str, n: int) -> str:
    """The singular or plural form for `n`, in the current language."""
    return translations(_language.get()).ngettext(message, plural, n)


def pgettext(context: str, message: str) -> str:
    """`message` in the current language, told apart by `context` from the same English word used otherwise."""
    return translations(_language.get()).pgettext(context, message)


def listing(items) -> str:
    """Items of a list in a sentence: "z1, a1, the loss" (Chinese separates them with an enumeration comma)."""
    return pgettext("list", ", ").join(items)


# The catalogue: reading .po, writing .mo ------------------------------------------------------


class CatalogueError(Exception):
    """A .po file that cannot be read; str() names the file and line."""


def parse_po(text: str, name: str = "grader.po") -> dict[tuple[str | None, str], dict]:
    """{(context, msgid): {"plural": str | None, "strings": [msgstr, ...], "fuzzy": bool}} of a .po text.

    The header is the entry with msgid "". Plural entries have msgstr[0], msgstr[1], ...;
    others one msgstr. Comments are skipped, but the "fuzzy" flag is kept: msgfmt
    leaves fuzzy entries out, and so does `compile_po`.
    """
    entries: dict[tuple[str | None, str], dict] = {}
    fields: dict[str, str] = {}
    fuzzy = next_fuzzy = False
    keyword, number = "", 0

    def finish() -> None:
        nonlocal fields
        if "msgid" not in fields or not any(k.startswith("msgstr") for k in fields):
            raise CatalogueError(f"{name}, line {number}: an entry needs a msgid and a msgstr")
        key = (fields.get("msgctxt"), fields["msgid"])
        if key in entries:
            raise CatalogueError(f"{name}, line {number}: {fields['msgid']!r} is defined twice")
        strings = [fields[k] for k in sorted((k for k in fields if k.startswith("msgstr")), key=_msgstr_index)]
        entries[key] = {"plural": fields.get("msgid_plural"), "strings": strings, "fuzzy": fuzzy}
        fields = {}

    def complete() -> bool:
        return any(k.startswith("msgstr") for k in fields)

    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        if line.startswith("#"):
            if complete():
                finish()
            next_fuzzy = next_fuzzy or (line.startswith("#,") and "fuzzy" in line)
            continue
        match = re.match(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(\".*\")$", line)
        if match:
            keyword, literal = match.groups()
            if keyword in ("msgctxt", "msgid") and complete():
                finish()
            if keyword in fields:
                raise CatalogueError(f"{name}, line {number}: {keyword} twice in one entry")
            if not fields:
                fuzzy, next_fuzzy = next_fuzzy, False
            fields[keyword] = _unquote(literal, name, number)
        elif line.startswith('"') and keyword in fields:
            fields[keyword] += _unquote(line, name, number)
        else:
            raise CatalogueError(f"{name}, line {number}: cannot read {line[:40]!r}")
    if fields:
        finish()
    return entries


def _msgstr_index(key: str) -> int:
    return int(key[7:-1]) if key != "msgstr" else 0


def _unquote(literal: str, name: str, number: int) -> str:
    try:
        value = ast.literal_eval(literal)
    except (SyntaxError, ValueError):
        raise CatalogueError(f"{name}, line {number}: not a string literal: {literal[:40]!r}") from None
    if not isinstance(value, str):
        raise CatalogueError(f"{name}, line {number}: not a string literal: {literal[:40]!r}")
    return value


def compile_po(text: str, name: str = "grader.po") -> bytes:
    """The .mo file of a .po text, as msgfmt.py writes it: keys sorted, no hash table, little-endian.

    Untranslated and fuzzy entries are left out (gettext then shows the English id).
    """
    messages: dict[bytes, bytes] = {}
    for (context, msgid), entry in parse_po(text, name).items():
        if entry["fuzzy"] or not all(entry["strings"]):
            continue
        key = msgid if entry["plural"] is None else f"{msgid}\0{entry['plural']}"
        if context is not None:
            key = f"{context}\x04{key}"
        messages[key.encode("utf-8")] = "\0".join(entry["strings"]).encode("utf-8")
    keys = sorted(messages)
    ids = strs = b""
    offsets = []
    for key in keys:
        # Each string is NUL-terminated; the NUL does not count in its length.
        offsets.append((len(ids), len(key), len(strs), len(messages[key])))
        ids += key + b"\0"
        strs += messages[key] + b"\0"
    key_start = 7 * 4 + 16 * len(keys)  # after the header and both index tables
    value_start = key_start + len(ids)
    key_offsets, value_offsets = [], []
    for key_at, key_length, value_at, value_length in offsets:
        key_offsets += [key_length, key_at + key_start]
        value_offsets += [value_length, value_at + value_start]
    header = struct.pack("<Iiiiiii", 0x950412DE, 0, len(keys), 7 * 4, 7 * 4 + len(keys) * 8, 0, 0)
    table = struct.pack(f"<{len(key_offsets) + len(value_offsets)}i", *key_offsets, *value_offsets)
    return header + table + ids + strs


def catalogue_paths() -> list[tuple[Path, Path]]:
    """(.po, .mo) of every language with a catalogue."""
    return [
        (LOCALE_DIR / folder / "LC_MESSAGES" / f"{DOMAIN}.po", LOCALE_DIR / folder / "LC_MESSAGES" / f"{DOMAIN}.mo")
        for folder in CATALOGUES.values()
    ]


# The messages of the code -------------------------------------------------------------------


def marked_messages(root: Path | None = None) -> dict[tuple[str | None, str], dict]:
    """Every literal message given to _, N_, ngettext or pgettext in grader/: {(context, msgid): entry}.

    entry: {"plural": str | None, "where": ["grader/engine.py:212", ...]}.
    """
    root = root or Path(__file__).parent
    found: dict[tuple[str | None, str], dict] = {}
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name) or node.func.id not in MARKERS:
                continue
            roles = MARKERS[node.func.id]
            values = dict(zip(roles, node.args))
            if not all(isinstance(values.get(r), ast.Constant) and isinstance(values[r].value, str) for r in roles):
                continue  # _(variable): a message marked where it is defined
            context = values["context"].value if "context" in values else None
            entry = found.setdefault((context, values["message"].value), {"plural": None, "where": []})
            if "plural" in values:
                entry["plural"] = values["plural"].value
            entry["where"].append(f"{path.relative_to(root.parent)}:{node.lineno}")
    return found


def placeholders(message: str) -> list[str]:
    """The replacement fields of a python-brace-format message, as written: ["{count}", "{want:.10g}"]."""
    fields = []
    for _text, field, spec, conversion in string.Formatter().parse(message):
        if field is not None:
            fields.append("{" + field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}")
    return sorted(fields)


def _quote(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\n", "\\n")
    return f'"{escaped}"'


def write_po(header: str, entries: list[tuple[tuple[str | None, str], dict]], comment: str) -> str:
    """A .po text: `comment`, the header entry, then each (key, entry) with its places and flags."""
    lines = [f"# {line}".rstrip() for line in comment.splitlines()]
    lines += ['msgid ""', 'msgstr ""', *(_quote(line + "\n") for line in header.splitlines()), ""]
    for (context, msgid), entry in entries:
        files = dict.fromkeys(place.rsplit(":", 1)[0] for place in entry.get("where") or [])
        lines += [f"#: {' '.join(files)}"] if files else []  # files, not lines: edits elsewhere leave the .po as it is
        flags = ["fuzzy"] if entry.get("fuzzy") else []
        if placeholders(msgid) or (entry.get("plural") and placeholders(entry["plural"])):
            flags.append("python-brace-format")
        lines += [f"#, {', '.join(flags)}"] if flags else []
        lines += [f"msgctxt {_quote(context)}"] if context is not None else []
        lines.append(f"msgid {_quote(msgid)}")
        strings = entry.get("strings") or [""]
        if entry.get("plural") is not None:
            lines.append(f"msgid_plural {_quote(entry['plural'])}")
            lines += [f"msgstr[{i}] {_quote(s)}" for i, s in enumerate(strings)]
        else:
            lines.append(f"msgstr {_quote(strings[0])}")
        lines.append("")
    return "\n".join(lines)


def update_po(po_text: str, marked: dict) -> tuple[str, int]:
    """The .po text with the code's messages: translations kept, new messages blank, stale ones gone.

    Returns (text, how many messages lack a translation). What xgettext and msgmerge
    would do, for this project's few markers.
    """
    existing = parse_po(po_text)
    header = existing.get((None, ""), {"strings": [""]})["strings"][0]
    comment = "\n".join(line[2:] if line.startswith("# ") else line[1:]
                        for line in po_text.splitlines() if line.startswith("#") and not line[1:2] in ":,.|~")
    comment = comment.split("\n\n")[0] if comment else ""

    def first_place(item):
        file, line = item[1]["where"][0].rsplit(":", 1)
        return file, int(line)

    ordered = []
    for key, entry in sorted(marked.items(), key=first_place):
        old = existing.get(key, {})
        where = sorted(entry["where"], key=lambda w: (w.rsplit(":", 1)[0], int(w.rsplit(":", 1)[1])))
        strings = old.get("strings") if old.get("plural") == entry["plural"] else None
        ordered.append((key, {"plural": entry["plural"], "where": where, "strings": strings or [""],
                              "fuzzy": old.get("fuzzy", False)}))
    missing = sum(not all(e["strings"]) for _, e in ordered)
    return write_po(header.rstrip("\n"), ordered, comment.strip()), missing


def main(argv: list[str]) -> int:
    """`compile`: every .po to its .mo; `check`: exit 1 if a .mo is stale; `update`: the code's messages into each .po."""
    if argv not in (["compile"], ["check"], ["update"]):
        print("usage: python -m grader.i18n compile|check|update", file=sys.stderr)
        return 2
    stale = []
    for po, mo in catalogue_paths():
        if argv == ["update"]:
            text, missing = update_po(po.read_text(encoding="utf-8"), marked_messages())
            po.write_text(text, encoding="utf-8")
            print(f"wrote {po}: {missing} messages to translate")
            continue
        compiled = compile_po(po.read_text(encoding="utf-8"), str(po))
        if argv == ["compile"]:
            mo.write_bytes(compiled)
            print(f"wrote {mo}")
        elif not mo.exists() or mo.read_bytes() != compiled:
            stale.append(str(mo))
    for path in stale:
        print(f"{path} is stale: run python -m grader.i18n compile", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
