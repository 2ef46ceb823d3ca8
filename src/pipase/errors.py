"""The one error root of pipase, and the exit codes of the ``pipase`` command.

Every error a user can cause (a bad file, a refused export, a wrong password) is a
:class:`PipaseError`, or a subclass of it, that names where the problem is (file, line, column)
and which rule it breaks, in a sentence for a person. Its text never carries a value read from
a user's file: a cell may hold a name or a birth date. The CLI prints it on one line of stderr
and exits with :data:`EXIT_REFUSED`; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from pipase.i18n import _

EXIT_OK = 0
EXIT_REFUSED = 1  # refused or failed, with the reason on stderr
EXIT_USAGE = 2  # the command line itself is wrong (argparse's own code)


class PipaseError(Exception):
    """A problem the user can fix, named without any value read from the data.

    ``rule`` is a short machine-readable name (``missing_file``, ``wrong_password``...);
    ``file`` a path as the user gave it or relative to the folder concerned; ``line`` a 1-based
    line (header = 1) or spreadsheet row; ``column`` a column name from the contract or header,
    or a position (``"colonne 3"``) when the header cell itself cannot be shown.
    """

    def __init__(
        self,
        message: str,
        *,
        rule: str | None = None,
        file: str | None = None,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message = message
        self.rule = rule
        self.file = file
        self.line = line
        self.column = column
        super().__init__(message)

    def where(self) -> str:
        parts = []
        if self.file is not None:
            parts.append(str(self.file))
        if self.line is not None:
            parts.append(_("line {line}").format(line=self.line))
        if self.column is not None:
            parts.append(_("column {column}").format(column=self.column))
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        rule = f"[{self.rule}] " if self.rule else ""
        if not where:
            return f"{rule}{self.message}"
        # French typography puts a space before the colon
        return _("{where}: {message}").format(where=where, message=f"{rule}{self.message}")

    def __reduce__(self):  # keep the fields when pickled (threads, multiprocessing)
        return (_rebuild, (type(self), self.message, self.rule, self.file, self.line, self.column))


def _rebuild(cls, message, rule, file, line, column):
    error = cls.__new__(cls)
    PipaseError.__init__(error, message, rule=rule, file=file, line=line, column=column)
    return error
