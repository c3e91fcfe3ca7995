"""What each notebook job reads, and one digest of exactly that: the data part of its cache
key (``execute.NotebookJob.key``).

A curator edits one row of one municipality; the build should re-run only what that row
can change. So the tidy tables are digested **row by row, per municipality** (after the
audience filter: a public build never depends on an internal source's rows), and a job
names the municipalities whose rows it reads (``NotebookJob.reads``, set by the plan):

- a profile reads its municipality's rows;
- the comparison, the edition changes and the gap reviews read every row (``reads`` is
  None): a gap review's examples come from its peers first, then from any municipality
  the edition documents with the feature (``compare.gaps.peer_examples``).

A row is digested without its ``note`` (``UNREAD_COLUMNS``): the curator's note on a
doubt is printed by no notebook (``tests/test_inputs.py`` holds every view equal with the
notes changed), so a note edit re-runs no notebook. The build's own key
(``DataDigests.everything``) still covers every byte of every table: the published data,
the tables and the explorer carry the notes.

A row belongs to its ``municipality_code``; a member of a network body and a meeting's
link to a body to the body's (and the meeting's) municipality; a partnership also to its
partner. A row that no municipality claims (a dangling reference, which validation
refuses anyway) goes into every key. Everything that is not a tidy table — the package's
code and templates, ``raw/`` (the source registry and texts), ``reference/`` (the
municipality and population tables, the map), other files in ``tidy/`` — and the tables'
header rows are digested whole into every key: they change rarely, and when they do,
everything may change.

Correctness, not only speed: a change that can affect a job must change its key. The
tests edit a row of 武蔵野市 and of a ward and check exactly which keys change, and run
a profile and a gap review on a data directory cut down to their declared inputs to show
that the declared rows are all they read.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from analysis.core.paths import PACKAGE_DIR
from analysis.dataset.tables import CODE, TIDY_TABLES, decode_csv_bytes

# Tables whose rows reach a municipality through a body (and a meeting).
_THROUGH_BODY = ("network_body_members", "meeting_bodies")
# Columns no notebook reads: left out of the rows' digests (not of the build's key).
UNREAD_COLUMNS = frozenset({"note"})


def digest_files(paths: Iterable[Path], root: Path) -> str:
    """One hash over the names and contents of files (order-independent)."""
    return _digest_named((str(path.relative_to(root)), path.read_bytes())
                         for path in sorted(set(paths)))


def _digest_named(named: Iterable[tuple[str, bytes]]) -> str:
    """One hash over (name, content) pairs, in the order given."""
    digest = hashlib.sha256()
    for name, content in named:
        digest.update(name.encode() + b"\0" + content + b"\0")
    return digest.hexdigest()


def code_digest() -> str:
    """The package's code, templates and labels."""
    return digest_files((p for p in PACKAGE_DIR.rglob("*")
                         if p.is_file() and "__pycache__" not in p.parts), PACKAGE_DIR)


def _rows(path: Path, content: bytes | None = None,
          ) -> tuple[list[str], list[dict[str, str]], list[str]]:
    """Header, rows as dicts, and each row's text as the notebooks read it (its fields
    but the ``UNREAD_COLUMNS``, unit-separated); ``content``: the file's bytes, if read."""
    text = decode_csv_bytes(path.read_bytes() if content is None else content, path)
    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    read = [i for i, column in enumerate(header) if column not in UNREAD_COLUMNS]
    rows, texts = [], []
    for fields in reader:
        if not any(fields):
            continue
        rows.append(dict(zip(header, fields, strict=False)))
        texts.append("\x1f".join(fields[i] for i in read if i < len(fields)))
    return header, rows, texts


def _internal_sources(data_dir: Path) -> set[str]:
    _, sources, _ = _rows(data_dir / "raw" / "sources.csv")
    return {s["source_id"] for s in sources if s.get("audience") == "internal"}


@dataclass(frozen=True)
class DataDigests:
    """Digests of one data directory as one audience sees it.

    ``shared``: code and every file that is not a tidy table, and the tables' headers;
    ``rows``: municipality code → digest of its tidy rows as the notebooks read them
    (tables in the contract's order, rows in file order); ``unclaimed``: rows no
    municipality claims; ``tables``: the tidy tables' bytes, every column.
    ``all_rows``: every row as the notebooks read them; ``everything``: that and every
    byte of the tables (the build's key)."""

    shared: str
    rows: Mapping[str, str]
    unclaimed: str
    tables: str = ""
    all_rows: str = field(init=False)
    everything: str = field(init=False)

    def __post_init__(self) -> None:
        whole = hashlib.sha256(f"{self.shared}\0{self.unclaimed}".encode())
        for code in sorted(self.rows):
            whole.update(f"\0{code}:{self.rows[code]}".encode())
        object.__setattr__(self, "all_rows", whole.hexdigest())
        object.__setattr__(self, "everything", hashlib.sha256(
            f"{self.all_rows}\0{self.tables}".encode()).hexdigest())

    def of(self, reads: Sequence[str] | None) -> str:
        """The digest of what a job reads: every row (``reads`` None), or the rows of the
        municipalities in ``reads``."""
        if reads is None:
            return self.all_rows
        part = hashlib.sha256(f"{self.shared}\0{self.unclaimed}".encode())
        for code in sorted(set(reads)):
            part.update(f"\0{code}:{self.rows.get(code, '')}".encode())
        return part.hexdigest()


def data_digests(data_dir: Path, audience: str = "all",
                 code_hash: str | None = None) -> DataDigests:
    """Read a data directory once and digest it (see the module's docstring);
    ``code_hash`` stands for the package's code digest (tests)."""
    data_dir = Path(data_dir)
    tidy = data_dir / "tidy"
    tables = {name: tidy / f"{name}.csv" for name in TIDY_TABLES}
    others = [p for sub in ("raw", "reference", "tidy") for p in (data_dir / sub).rglob("*")
              if p.is_file() and p not in set(tables.values())]
    hidden = _internal_sources(data_dir) if audience == "public" else set()
    per_code: dict = {}  # code → running sha256 of its rows
    unclaimed = hashlib.sha256()
    headers = hashlib.sha256(audience.encode())
    contents = {name: path.read_bytes() for name, path in tables.items() if path.is_file()}
    read = {name: _rows(tables[name], content) for name, content in contents.items()}
    body_code = {r["body_id"]: r.get(CODE, "") for r in read.get("network_bodies",
                                                                   ([], [], []))[1]}
    meeting_code = {r["meeting_id"]: r.get(CODE, "") for r in read.get("meetings",
                                                                        ([], [], []))[1]}
    for name in TIDY_TABLES:
        if name not in read:
            headers.update(f"\0{name}: missing".encode())
            continue
        header, rows, texts = read[name]
        headers.update(f"\0{name}:{chr(31).join(header)}".encode())
        for row, text in zip(rows, texts, strict=True):
            if row.get("source_id") in hidden:
                continue
            owners = _owners(name, row, body_code, meeting_code)
            line = f"{name}\x1e{text}\x1d".encode()
            if not owners:
                unclaimed.update(line)
            for owner in owners:
                per_code.setdefault(owner, hashlib.sha256()).update(line)
    shared = hashlib.sha256("\0".join((
        code_hash if code_hash is not None else code_digest(), digest_files(others, data_dir),
        headers.hexdigest())).encode()).hexdigest()
    return DataDigests(shared, {c: h.hexdigest() for c, h in per_code.items()},
                       unclaimed.hexdigest(),
                       _digest_named(sorted((str(tables[name].relative_to(data_dir)), content)
                                            for name, content in contents.items())))


def _owners(table: str, row: Mapping[str, str], body_code: Mapping[str, str],
            meeting_code: Mapping[str, str]) -> list[str]:
    """The municipalities whose jobs read a row (see the module's docstring)."""
    if table in _THROUGH_BODY:
        found = {body_code.get(row.get("body_id", ""), "")}
        if table == "meeting_bodies":
            found.add(meeting_code.get(row.get("meeting_id", ""), ""))
    else:
        found = {row.get(CODE, ""), row.get("partner_code", "")}
    return sorted(code for code in found if code)
