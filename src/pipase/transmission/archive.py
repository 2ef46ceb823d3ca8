"""7-zip archives encrypted with AES-256, file names hidden, readable by 7-Zip itself.

Convention article 4 ("Transmission"): the Département encrypts the pseudonymised data with
7-zip. py7zr writes the archive with the copy filter (Parquet is already compressed: LZMA2 would
take minutes for nothing, see FACTS.md) followed by 7-zip's AES-256 + SHA-256 key derivation,
and encrypts the header too, so that the file list is hidden without the password. `7zz` opens
these archives; it cannot open py7zr's zstd archives, hence no zstd here.

Reading is done in memory (no clear file is written): each member is hashed while it is read.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import py7zr
from py7zr.io import Py7zIO, WriterFactory

from pipase.i18n import _
from pipase.transmission import TransmissionError

FILTERS = [{"id": py7zr.FILTER_COPY}, {"id": py7zr.FILTER_CRYPTO_AES256_SHA256}]


class WrongPassword(TransmissionError):
    """The archive's encrypted file list cannot be decrypted with this password."""


class DamagedArchive(TransmissionError):
    """The archive is not a 7-zip file, or a member fails its integrity check."""


def write_archive(destination: Path, members: list[tuple[Path, str]], password: str) -> None:
    """Write `members` ((file on disk, name in the archive), ...) into an encrypted archive."""
    with py7zr.SevenZipFile(
        destination, "w", filters=FILTERS, password=password, header_encryption=True
    ) as archive:
        for path, name in members:
            archive.write(path, name)


@dataclass
class Member:
    name: str
    data: bytes
    sha256: str


class _HashingBuffer(Py7zIO):
    """An in-memory member that hashes what py7zr writes into it (no size limit, unlike
    py7zr's own BytesIOFactory, which silently truncates at its limit)."""

    def __init__(self) -> None:
        self._buffer = io.BytesIO()
        self.hash = hashlib.sha256()

    def write(self, s: bytes | bytearray) -> int:
        self.hash.update(s)
        return self._buffer.write(s)

    def read(self, size: int | None = None) -> bytes:
        return self._buffer.read(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._buffer.seek(offset, whence)

    def flush(self) -> None:
        return None

    def size(self) -> int:
        return self._buffer.getbuffer().nbytes

    def getvalue(self) -> bytes:
        return self._buffer.getvalue()


class _Factory(WriterFactory):
    def __init__(self) -> None:
        self.products: dict[str, _HashingBuffer] = {}

    def create(self, filename: str) -> Py7zIO:
        product = _HashingBuffer()
        self.products[filename] = product
        return product


def list_names(path: Path, password: str) -> list[str]:
    """The member names (needs the password: the header is encrypted)."""
    with _open(path, password) as archive:
        return archive.getnames()


def _refuse_clear_file_list(path: Path) -> None:
    """`pipase export` encrypts the file list (header) with the data: an archive whose list
    opens without a password was not made by it (anyone can write one, and its content may have
    travelled in clear). An adversarial tester's archive without any encryption was imported
    without a word."""
    try:
        with py7zr.SevenZipFile(path, "r") as archive:
            archive.getnames()
    except py7zr.exceptions.PasswordRequired:
        return  # the header is encrypted: as exported
    except Exception:  # noqa: BLE001 - damaged: the reading with the password says how
        return
    raise DamagedArchive(
        _(
            "the archive's file list is not encrypted: it was not made by `pipase export` "
            "(an archive without a password can be written by anyone)"
        ),
        rule="archive_non_chiffree",
        file=str(path),
    )


def _open(path: Path, password: str) -> py7zr.SevenZipFile:
    if not path.is_file():
        raise TransmissionError(_("no such file"), rule="fichier_absent", file=str(path))
    if not py7zr.is_7zfile(path):
        raise DamagedArchive(_("not a 7-zip archive"), rule="archive", file=str(path))
    _refuse_clear_file_list(path)
    try:
        archive = py7zr.SevenZipFile(path, "r", password=password)
        archive.getnames()
    except py7zr.exceptions.PasswordRequired:
        raise WrongPassword(
            _("the archive needs a password"), rule="mot_de_passe", file=str(path)
        ) from None
    except Exception:  # noqa: BLE001 - py7zr raises TypeError, Bad7zFile, LZMAError... here
        # AES without authentication: a wrong password and a damaged encrypted header look the
        # same (the decrypted header fails its CRC or does not parse).
        raise WrongPassword(
            _(
                "wrong password (the archive's encrypted file list cannot be decrypted; if the "
                "password is right, the archive is damaged: compare its SHA-256 with the one the "
                "sender printed)"
            ),
            rule="mot_de_passe",
            file=str(path),
        ) from None
    return archive


# Decompressed, an archive of Parquet files (already compressed) is hardly larger than itself;
# a "zip bomb" is thousands of times larger (2 GB of zeros in 536 KB).
MAX_EXPANSION = 20
MAX_SMALL_ARCHIVE_BYTES = 64 << 20  # a small archive may expand up to this, whatever its ratio


def read_archive(path: Path, password: str) -> dict[str, Member]:
    """Every member, in memory, with its SHA-256; WrongPassword or DamagedArchive otherwise.
    Before anything is decompressed, the sizes the header lists must stay within
    MAX_EXPANSION times the archive's size (or MAX_SMALL_ARCHIVE_BYTES): an adversarial
    tester's 2 GB of zeros in a 536 KB archive took 2.4 GB of memory before it was refused."""
    archive = _open(path, password)
    try:
        total = sum(int(i.uncompressed or 0) for i in archive.list())
    except Exception:  # noqa: BLE001 - a damaged header
        archive.close()
        message = _("damaged archive header")
        raise DamagedArchive(message, rule="integrite", file=str(path)) from None
    size = path.stat().st_size
    limit = max(MAX_EXPANSION * size, MAX_SMALL_ARCHIVE_BYTES)
    if total > limit:
        archive.close()
        raise DamagedArchive(
            _(
                "{size} bytes once decompressed, {ratio} times the archive: not an export of "
                "Parquet files (a decompression bomb?); not decompressed"
            ).format(size=total, ratio=total // max(size, 1)),
            rule="archive_contenu",
            file=str(path),
        )
    factory = _Factory()
    try:
        archive.extract(factory=factory)
    except py7zr.exceptions.CrcError as error:
        name = error.args[2] if len(error.args) > 2 else "a member"
        raise DamagedArchive(
            _("damaged or altered archive: {member} fails its CRC check").format(member=name),
            rule="integrite",
            file=str(path),
        ) from None
    except Exception as error:  # noqa: BLE001 - any decoding failure means a damaged archive
        raise DamagedArchive(
            _("damaged or altered archive ({error} while reading)").format(
                error=type(error).__name__
            ),
            rule="integrite",
            file=str(path),
        ) from None
    finally:
        archive.close()
    return {
        name: Member(name=name, data=buffer.getvalue(), sha256=buffer.hash.hexdigest())
        for name, buffer in factory.products.items()
    }


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()
