"""The archive password: from the environment or an interactive prompt, never an argument."""

from __future__ import annotations

import getpass
import os
import sys

from pipase.transmission import TransmissionError

ARCHIVE_PASSWORD_ENV = "PIPASE_ARCHIVE_PASSWORD"  # noqa: S105 - a variable name, not a secret
MIN_PASSWORD_LENGTH = 12


def archive_password(*, confirm: bool, check_length: bool = True) -> str:
    """PIPASE_ARCHIVE_PASSWORD, else a getpass prompt (asked twice when `confirm`).

    Without the variable and without a terminal there is nobody to ask: refused, rather than
    reading a password from a pipe or a file.
    """
    password = os.environ.get(ARCHIVE_PASSWORD_ENV, "")
    if not password:
        if not sys.stdin.isatty():
            raise TransmissionError(
                f"no archive password: set the environment variable {ARCHIVE_PASSWORD_ENV} or "
                "run the command in a terminal to be asked for it"
            )
        password = getpass.getpass("Archive password: ")
        if confirm and getpass.getpass("Same password again: ") != password:
            raise TransmissionError("the two passwords differ")
    if not password:
        raise TransmissionError("empty archive password")
    if check_length and len(password) < MIN_PASSWORD_LENGTH:
        raise TransmissionError(
            f"the archive password is shorter than {MIN_PASSWORD_LENGTH} characters; choose a "
            "longer one (a passphrase of several words is easier to transmit by phone)"
        )
    return password
