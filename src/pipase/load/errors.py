"""The error raised for a whole-file problem: it names the file, line, column and rule.

The message never carries a value read from the file (an identifying column could leak a name
or a birth date); it says where the problem is and which rule it breaks.
"""

from __future__ import annotations


class LoadError(Exception):
    """A whole-file problem: the file's source is not loaded (nothing of it changes).

    `file` is the path relative to the extraction folder (e.g. ``iodas_ase/individus.csv``),
    `line` the 1-based line (header = 1) or spreadsheet row, or None where a line makes no
    sense, `column` the contract column concerned or None, `rule` a short machine-readable name
    (``missing_file``, ``missing_column``, ``encoding``...), `message` a sentence for a person.
    """

    def __init__(
        self,
        file: str,
        line: int | None,
        column: str | None,
        rule: str,
        message: str,
    ) -> None:
        self.file = file
        self.line = line
        self.column = column
        self.rule = rule
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column is not None:
            where += f", column {self.column}"
        return f"{where}: [{self.rule}] {self.message}"

    def __repr__(self) -> str:
        return (
            f"LoadError(file={self.file!r}, line={self.line!r}, column={self.column!r}, "
            f"rule={self.rule!r}, message={self.message!r})"
        )

    def __reduce__(self):  # keep the five fields when pickled (multiprocessing, pytest-xdist)
        return (type(self), (self.file, self.line, self.column, self.rule, self.message))


class ContractError(LoadError):
    """A contract file that cannot be used (unknown type, bad date format...)."""

    def __init__(self, file: str, column: str | None, message: str) -> None:
        super().__init__(file, None, column, "contract", message)
