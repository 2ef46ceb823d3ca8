"""Messages in the users' language: French by default, English when the locale asks for it.

The message ids in the code are English; their French translations live in
``src/pipase/locale/fr/*.po`` (one file per concern, so that changes merge cleanly), compiled
into ``locale/fr/LC_MESSAGES/pipase.mo`` by ``scripts/compile_messages.py`` (Babel, a development
dependency; ``--check`` in ``make lint`` refuses a stale catalogue). At run time only the standard
library's :mod:`gettext` reads the compiled catalogue, so the partners' kit needs nothing more.

Language: ``PIPASE_LANG`` if set, else the first of ``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``,
``LANG`` that is set; a value starting with ``en`` gives English, anything else (including the
``C`` locale of a fresh machine) French: the users are French civil servants.

Usage::

    from pipase.i18n import _, ngettext
    raise PipaseError(_("wrong password"))
"""

from __future__ import annotations

import argparse
import gettext as _gettext
import os
from functools import cache
from pathlib import Path

DOMAIN = "pipase"
LOCALE_DIR = Path(__file__).with_name("locale")
_LANGUAGE_VARIABLES = ("PIPASE_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def language() -> str:
    """``"en"`` or ``"fr"``, from the environment (see the module's docstring)."""
    for variable in _LANGUAGE_VARIABLES:
        value = os.environ.get(variable, "").strip()
        if value:
            return "en" if value.lower().startswith("en") else "fr"
    return "fr"


@cache
def _catalogue(lang: str) -> _gettext.NullTranslations:
    if lang == "en":
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)


def translations() -> _gettext.NullTranslations:
    return _catalogue(language())


def _(message: str) -> str:
    """The message in the user's language."""
    return translations().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations().ngettext(singular, plural, n)


def number(value, digits: int = 0) -> str:
    """A number in the user's language: French (narrow no-break space between thousands,
    decimal comma) unless the locale asks for English (1,234.5)."""
    if value is None:
        return "-"
    if language() == "fr":
        from pipase.docsite.numbers import fr_num

        return fr_num(value, digits)
    return f"{value:,.{digits}f}"


def install_argparse() -> None:
    """argparse's own words ("usage:", "the following arguments are required"...) in the same
    language: argparse looks its ``_`` and ``ngettext`` up in its module at call time."""
    argparse._ = _  # type: ignore[attr-defined]
    argparse.ngettext = ngettext  # type: ignore[attr-defined]
