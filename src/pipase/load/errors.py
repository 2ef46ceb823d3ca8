"""The error raised for a whole-file problem: it names the file, line, column and rule.

The message never carries a value read from the file (an identifying column could leak a name
or a birth date); it says where the problem is and which rule it breaks. A header cell is named
only when it has the shape of a column name (:func:`header_label`), else by its position.
"""

from __future__ import annotations

import errno
import re

from pipase.errors import PipaseError
from pipase.i18n import _

# What a header cell must look like to be quoted in a message: the contracts' own rule for
# column names (lower-case ASCII snake_case). "ZORGLUBIENNE", "née le 12/03/2009" or a note typed
# beside the header are never shown: an upper-case word may be a surname.
_COLUMN_NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")


# What a file or folder name must look like to be shown: lower-case ASCII words (a copy's
# " (2)" allowed) and an extension, no run of 6 digits (a birth date: 11021999, 110299). An
# upper-case word, an accent or a space between words may be a person's name.
_FILE_NAME = re.compile(r"[a-z][a-z0-9_.-]{0,62}( \([0-9]{1,3}\))?(\.[a-z0-9]{1,5})?")
_DATE_DIGITS = re.compile(r"[0-9]{6}|[0-9]{1,2}[-_.][0-9]{1,2}[-_.][0-9]{2,4}")


def shows_as_file_name(name: str, known: frozenset[str] | set[str] = frozenset()) -> bool:
    """Whether a file or folder name found in an extraction may be quoted in a message: it has
    that shape and, when `known` is given, holds one of those words (a contract's source, table
    or file stem: `individus_complement.csv`, `personnes (2).csv`, `iodas_pa/`). A name in
    lower-case words alone (`dupont_marie.csv`) may still be a person's."""
    if _FILE_NAME.fullmatch(name) is None or _DATE_DIGITS.search(name) is not None:
        return False
    return not known or any(word in name for word in known)


def shows_as_name(text: object) -> bool:
    """Whether a header cell (or sheet name) may be quoted in a message."""
    return isinstance(text, str) and _COLUMN_NAME.fullmatch(text) is not None


class LoadError(PipaseError):
    """A whole-file problem: the load stops and changes nothing.

    `file` is the path relative to the extraction folder (e.g. ``iodas_ase/individus.csv``),
    `line` the 1-based line (header = 1) or spreadsheet row, or None where a line makes no
    sense, `column` the contract column concerned, a header cell shaped like a column name, the
    position of a header cell that cannot be shown (``"3"``), or None; `rule` a short
    machine-readable name (``missing_file``, ``missing_column``, ``encoding``...), `message` a
    sentence for a person (in the user's language).
    """

    def __init__(
        self,
        file: str,
        line: int | None,
        column: str | None,
        rule: str,
        message: str,
    ) -> None:
        super().__init__(message, rule=rule, file=file, line=line, column=column)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(file={self.file!r}, line={self.line!r}, "
            f"column={self.column!r}, rule={self.rule!r}, message={self.message!r})"
        )

    def __reduce__(self):  # keep the five fields when pickled (multiprocessing, pytest-xdist)
        return (_rebuild_load_error, (self.file, self.line, self.column, self.rule, self.message))


def _rebuild_load_error(file, line, column, rule, message) -> LoadError:
    return LoadError(file, line, column, rule, message)


class ContractError(LoadError):
    """A contract file that cannot be used (unknown type, bad date format...)."""

    def __init__(self, file: str, column: str | None, message: str) -> None:
        super().__init__(file, None, column, "contract", message)

    def __reduce__(self):
        return (type(self), (self.file, self.column, self.message))


def header_cell(position: int, name: str) -> tuple[str, str]:
    """(column field, how the message names it) for a header cell: its text when it looks like
    a column name, else its 1-based position and "an unexpected value in the header"."""
    if shows_as_name(name):
        return name, repr(name)
    return str(position), _("an unexpected value in the header, column {n}").format(n=position)


def os_reason(error: OSError) -> str:
    """Why a file cannot be read, in words (never the exception's text: it may hold a path
    the user did not give, and keeps the messages in one language)."""
    if isinstance(error, PermissionError):
        return _("permission denied")
    if isinstance(error, IsADirectoryError):
        return _("it is a folder, not a file")
    if isinstance(error, NotADirectoryError):
        return _("it is a file, not a folder")
    name = errno.errorcode.get(error.errno or 0)
    return _("system error {name}").format(name=name or type(error).__name__)


def unreadable_file(display: str, error: OSError) -> LoadError:
    return LoadError(
        display,
        None,
        None,
        "unreadable_file",
        _("the file cannot be read ({reason})").format(reason=os_reason(error)),
    )
