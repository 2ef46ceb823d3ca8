"""Read the source contracts (src/pipase/contracts/*.yml) that fix every exported file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from pipase.paths import CONTRACTS_DIR

SOURCES = ("iodas_ase", "webrsa", "nova_dpas", "iodas_dpas", "iodas_mdph")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool
    identifying: bool
    formats: tuple[str, ...]
    accepted_values: tuple[str, ...] | None


@dataclass(frozen=True)
class FileSpec:
    source: str
    table: str
    file: str
    sheet: str | None
    type: str
    delimiter: str
    encoding: str
    quote: str
    decimal_separator: str
    columns: tuple[Column, ...]
    parts: str | None = None  # a split export: names of parts 2, 3, ... ("{n}" = number)

    @property
    def path(self) -> str:
        """Path of the file relative to the extraction folder."""
        return f"{self.source}/{self.file}"

    def part_path(self, n: int) -> str:
        """Path of part `n` (1: the file itself; 2, 3, ...: the `parts` pattern)."""
        if n == 1:
            return self.path
        if self.parts is None:
            raise ValueError(f"{self.path}: the contract declares no parts")
        return f"{self.source}/{self.parts.replace('{n}', str(n))}"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.path}: no column {name!r} in the contract")


def load_contracts(contracts_dir: Path = CONTRACTS_DIR) -> dict[tuple[str, str], FileSpec]:
    """Every (source, table) declared by the five contracts, in contract order."""
    specs: dict[tuple[str, str], FileSpec] = {}
    for source in SOURCES:
        path = Path(contracts_dir) / f"{source}.yml"
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        if doc.get("source") != source:
            raise ValueError(f"{path}: source is {doc.get('source')!r}, expected {source!r}")
        fmt = doc.get("format", {})
        default_dates = tuple(fmt.get("date_formats", ["%d/%m/%Y"]))
        for entry in doc["files"]:
            cols = []
            for c in entry["columns"]:
                accepted = c.get("accepted_values")
                cols.append(
                    Column(
                        name=c["name"],
                        type=c.get("type", "varchar"),
                        required=bool(c.get("required", False)),
                        identifying=c.get("identifying") == "direct",
                        formats=tuple(c.get("formats", default_dates)),
                        accepted_values=None if accepted is None else tuple(map(str, accepted)),
                    )
                )
            parts = entry.get("parts") or None
            if parts is not None and str(parts).count("{n}") != 1:
                raise ValueError(f"{path}: parts {parts!r} must contain {{n}} once")
            spec = FileSpec(
                source=source,
                table=entry["table"],
                file=entry["file"],
                sheet=entry.get("sheet"),
                type=entry.get("type", fmt.get("type", "csv")),
                delimiter=fmt.get("delimiter", ";"),
                encoding=fmt.get("encoding", "utf-8"),
                quote=fmt.get("quote", '"'),
                decimal_separator=fmt.get("decimal_separator", "."),
                columns=tuple(cols),
                parts=parts,
            )
            specs[(source, spec.table)] = spec
    return specs
