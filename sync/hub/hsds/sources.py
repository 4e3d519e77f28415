"""What an import is given, read safely: a folder, a .zip, a .json or a .csv file.

Every limit is checked before a file is read in full: a file's size by its directory entry,
a zip's entries by its central directory (their paths, their kinds and their sizes), and rows
while they stream in. Nothing is unpacked to disk. A refusal raises ImportRefused with a
message that names the file; the importer has changed nothing by then.

CSV text is decoded by one rule: a byte order mark (UTF-8 or UTF-16) decides; else UTF-16
when every other byte of the start is zero; else strict UTF-8; else Windows-1252 (Dutch Excel);
else Latin-1, which decodes anything. Cells are separated by commas, semicolons or tabs, as
csv.Sniffer finds them on the header line.
"""

from __future__ import annotations

import csv
import io
import json
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

MB = 1024 * 1024
#: The largest CSV file (or zip) an import reads: a town's directory is a few MB.
MAX_FILE_BYTES = 200 * MB
#: JSON is parsed whole (in memory, several times its size): a smaller limit.
MAX_JSON_BYTES = 50 * MB
#: What a zip's entries may unpack to together, and how many entries it may have.
MAX_UNPACKED_BYTES = 1024 * MB
MAX_ZIP_ENTRIES = 1000
#: Rows of one CSV table (an attributes table holds a dozen rows per service).
MAX_TABLE_ROWS = 1_000_000
#: A cell may be at most 131,072 characters (the csv module's own limit; a story has 4,000).

_SEPARATORS = ",;\t"


class ImportRefused(Exception):
    """The whole input is refused (nothing is imported); the message says which file and why."""


def _size_words(size: int) -> str:
    return f"{size / MB:.0f} MB" if size < 1024 * MB else f"{size / (1024 * MB):.1f} GB"


def check_size(name: str, size: int, limit: int = MAX_FILE_BYTES) -> None:
    if size > limit:
        raise ImportRefused(
            f"{name} is {_size_words(size)}; the limit is {_size_words(limit)} per file"
        )


@dataclass
class Table:
    """One CSV table: its file name as reported, its columns (trimmed, lower-case) and its
    rows as (line of the row's start, cells)."""

    file: str
    columns: list[str]
    rows: list[tuple[int, list[str]]]

    def records(self) -> Iterator[tuple[int, dict[str, str]]]:
        """Each row as {column: trimmed cell}; a short row's missing cells are empty."""
        columns, width = self.columns, len(self.columns)
        for line, cells in self.rows:
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            record = dict(zip(columns, map(str.strip, cells), strict=False))
            record.pop("", None)  # a column without a name
            yield line, record

    def require(self, *columns: str) -> None:
        for column in columns:
            if column not in self.columns:
                raise ImportRefused(f"{self.file} has no column '{column}', which is required")


# -- where the files are -----------------------------------------------------------------------


class Folder:
    """A data package as a folder: its files, never through a symbolic link."""

    def __init__(self, path: Path) -> None:
        self.path, self.label = path, path.name

    def names(self) -> list[str]:
        names = []
        for item in sorted(self.path.iterdir()):
            if item.is_symlink():
                raise ImportRefused(f"{item.name} in {self.label} is a symbolic link: refused")
            if item.is_file():
                names.append(item.name)
        return names

    def size(self, name: str) -> int:
        return (self.path / name).stat().st_size

    def open(self, name: str) -> IO[bytes]:
        return (self.path / name).open("rb")


class Zip:
    """A data package as a zip. Refused whole when an entry would land outside its folder
    (an absolute path, '..', a drive letter), is a link, or the entries are too many or
    unpack to too much. The data package is the folder in it that holds datapackage.json
    (or the top)."""

    def __init__(self, path: Path) -> None:
        self.label = path.name
        check_size(path.name, path.stat().st_size)
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise ImportRefused(f"{path.name} is not a readable zip file ({exc})") from None
        infos = self.zip.infolist()
        if len(infos) > MAX_ZIP_ENTRIES:
            raise ImportRefused(f"{path.name} has more than {MAX_ZIP_ENTRIES} files")
        total = 0
        for info in infos:
            _safe_entry(path.name, info)
            check_size(f"{info.filename} in {path.name}", info.file_size)
            total += info.file_size
        if total > MAX_UNPACKED_BYTES:
            raise ImportRefused(f"{path.name} unpacks to {_size_words(total)}; the limit is "
                                f"{_size_words(MAX_UNPACKED_BYTES)}")  # fmt: skip
        files = {i.filename: i for i in infos if not i.is_dir()}
        packages = sorted((n for n in files if PurePosixPath(n).name == "datapackage.json"),
                          key=lambda n: n.count("/"))  # fmt: skip
        folder = str(PurePosixPath(packages[0]).parent) if packages else ""
        prefix = "" if folder in ("", ".") else folder + "/"
        self.entries = {n[len(prefix):]: i for n, i in files.items()
                        if n.startswith(prefix) and "/" not in n[len(prefix):]}  # fmt: skip

    def names(self) -> list[str]:
        return sorted(self.entries)

    def size(self, name: str) -> int:
        return self.entries[name].file_size

    def open(self, name: str) -> IO[bytes]:
        info = self.entries[name]
        return _Bounded(self.zip.open(info), info.file_size, f"{name} in {self.label}")


def _safe_entry(zip_name: str, info: zipfile.ZipInfo) -> None:
    name = info.filename
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if (
        name.startswith(("/", "\\"))
        or (len(name) > 1 and name[1] == ":")
        or ".." in parts
        or "\x00" in name
    ):
        raise ImportRefused(f"{zip_name} holds '{name}', a path outside its folder: refused")
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise ImportRefused(f"{zip_name} holds '{name}', a symbolic link: refused")


class _Bounded(io.RawIOBase):
    """A zip entry that may not give more bytes than its directory entry said (a zip that
    lies about its sizes is refused instead of filling memory)."""

    def __init__(self, raw: IO[bytes], limit: int, label: str) -> None:
        self.raw, self.left, self.label = raw, limit, label

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.raw.read(len(buffer))
        self.left -= len(data)
        if self.left < 0:
            raise ImportRefused(f"{self.label} unpacks to more than its zip entry says: refused")
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.raw.close()
        super().close()


# -- CSV -------------------------------------------------------------------------------------


def _encodings(start: bytes) -> list[str]:
    """The encodings to try, in order, for a file that starts with ``start``."""
    if start.startswith(b"\xef\xbb\xbf"):
        return ["utf-8-sig"]
    if start.startswith((b"\xff\xfe", b"\xfe\xff")):
        return ["utf-16"]
    if len(start) >= 4 and start[1::2].count(0) > len(start) // 4 and 0 not in start[::2]:
        return ["utf-16-le"]
    if len(start) >= 4 and start[::2].count(0) > len(start) // 4 and 0 not in start[1::2]:
        return ["utf-16-be"]
    return ["utf-8", "cp1252", "latin-1"]


def read_csv(opener: Callable[[], IO[bytes]], label: str, size: int) -> Table:
    """A CSV table, decoded by the rule above; a file over the limits is refused."""
    check_size(label, size)
    with opener() as raw:
        start = raw.read(64)
    candidates = _encodings(start)
    for encoding in candidates:
        try:
            return _read_rows(opener, label, encoding)
        except UnicodeDecodeError:
            if encoding == candidates[-1]:
                raise ImportRefused(f"{label} is not text in {encoding}") from None
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise ImportRefused(f"{label} cannot be unpacked ({exc})") from None
    raise AssertionError("unreachable")


def _read_rows(opener: Callable[[], IO[bytes]], label: str, encoding: str) -> Table:
    with opener() as raw:
        text = io.TextIOWrapper(io.BufferedReader(raw) if not hasattr(raw, "peek") else raw,
                                encoding=encoding, newline="")  # fmt: skip
        header_line = text.readline()
        if not header_line.strip():
            raise ImportRefused(f"{label} is empty: it has no header row")
        try:
            delimiter = csv.Sniffer().sniff(header_line, delimiters=_SEPARATORS).delimiter
        except csv.Error:
            counts = {d: header_line.count(d) for d in _SEPARATORS}
            delimiter = max(counts, key=counts.get)
        reader = csv.reader(_chain(header_line, text), delimiter=delimiter)
        rows: list[tuple[int, list[str]]] = []
        try:
            header = next(reader)
            line = reader.line_num + 1
            for cells in reader:
                if "".join(cells).strip():
                    rows.append((line, cells))
                    if len(rows) > MAX_TABLE_ROWS:
                        raise ImportRefused(f"{label} has more than {MAX_TABLE_ROWS:,} rows; "
                                            f"that is the limit")  # fmt: skip
                line = reader.line_num + 1
        except csv.Error as exc:
            raise ImportRefused(f"{label} line {reader.line_num}: {exc}") from None
    columns = [c.strip().lower().lstrip("\ufeff") for c in header]
    return Table(label, columns, rows)


def _chain(first: str, rest: IO[str]) -> Iterator[str]:
    yield first
    yield from rest


# -- JSON ------------------------------------------------------------------------------------


def read_json(path: Path) -> Any:
    check_size(path.name, path.stat().st_size, MAX_JSON_BYTES)
    data = path.read_bytes()
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ImportRefused(f"{path.name} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ImportRefused(
            f"{path.name} is not valid JSON (line {exc.lineno}: {exc.msg})"
        ) from None
    except RecursionError:
        raise ImportRefused(f"{path.name} is nested too deeply") from None
