"""Compile the French message catalogue: src/pipase/locale/fr/*.po -> LC_MESSAGES/pipase.mo.

The .po files (one per concern) are the source, reviewed in diffs; the .mo is what the standard
library's gettext reads at run time, so it ships with the package. Uses Babel (a development
dependency). ``--check`` fails when the .mo is not the compilation of the .po files, or when a
message the code marks with ``_()`` has no French translation.

Usage: python scripts/compile_messages.py [--check]
"""

from __future__ import annotations

import argparse
import io
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "pipase"
PO_DIR = PACKAGE / "locale" / "fr"
MO_PATH = PO_DIR / "LC_MESSAGES" / "pipase.mo"
# argparse's own messages are translated in argparse.po but not marked in our code.
KEYWORDS = {"_": None, "ngettext": (1, 2)}
FIXED_DATE = datetime(2026, 1, 1, tzinfo=UTC)
PLURAL_FORMS = "nplurals=2; plural=(n > 1);"


def merged_catalogue() -> Catalog:
    # Fixed dates: the compiled file must not change from one run to the next.
    merged = Catalog(
        locale="fr",
        domain="pipase",
        project="pipase",
        fuzzy=False,
        creation_date=FIXED_DATE,
        revision_date=FIXED_DATE,
    )
    # The .po files' plural rule (two forms, n > 1), not the CLDR one Babel would derive.
    merged.mime_headers = [("Plural-Forms", PLURAL_FORMS)]
    for po in sorted(PO_DIR.glob("*.po")):
        with po.open("rb") as handle:
            catalogue = read_po(handle, locale="fr")
        for message in catalogue:
            if not message.id:
                continue
            if message.id in merged and merged[message.id].string != message.string:
                raise SystemExit(f"{po.name}: {message.id!r} translated differently elsewhere")
            merged.add(message.id, message.string)
    return merged


def compiled(catalogue: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalogue, use_fuzzy=False)
    return buffer.getvalue()


def untranslated(catalogue: Catalog) -> list[str]:
    """Messages marked in the code with no French translation: 'path:line: message'."""
    missing = []
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(PACKAGE), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if not msgid:
            continue
        entry = catalogue.get(msgid)
        translated = entry is not None and (
            all(entry.string) if isinstance(entry.string, tuple) else bool(entry.string)
        )
        if not translated:
            missing.append(f"src/pipase/{filename}:{lineno}: {msgid!r}")
    return missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the .mo is stale")
    args = parser.parse_args(argv)
    catalogue = merged_catalogue()
    missing = untranslated(catalogue)
    data = compiled(catalogue)
    if args.check:
        problems = [f"no French translation: {m}" for m in missing]
        if not MO_PATH.is_file() or MO_PATH.read_bytes() != data:
            problems.append(f"{MO_PATH.relative_to(ROOT)} is stale: run {Path(__file__).name}")
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    MO_PATH.parent.mkdir(parents=True, exist_ok=True)
    MO_PATH.write_bytes(data)
    print(f"{MO_PATH.relative_to(ROOT)}: {len(catalogue)} messages")
    for m in missing:
        print(f"warning: no French translation: {m}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
