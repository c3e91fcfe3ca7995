"""What a build is asked to do: its options, checked before anything runs."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from analysis.core.errors import UserError
from analysis.core.paths import DATA_DIR, NOTEBOOKS_DIR, REPORTS_DIR, ROOT, refuse_parent_steps

FORMATS = ("html", "pdf")

EDITION_PATTERN = re.compile(r"fy[0-9]{4}")

CODE_PATTERN = re.compile(r"[0-9]{6}")

NOTEBOOKS = ("comparison", "edition_changes", "profile", "gap_review")

# Who a build is for: ``all`` (the default, internal facts marked as such) or ``public``
# (for partners: internal sources, such as the visit record, left out of every output).
AUDIENCES = ("all", "public")


def default_jobs() -> int:
    """Worker processes by default: one per core."""
    return os.cpu_count() or 1


@dataclass(frozen=True)
class BuildOptions:
    edition: str = "fy2024"
    data_dir: Path = DATA_DIR
    out_dir: Path = REPORTS_DIR
    formats: tuple[str, ...] = FORMATS
    lang: str = "ja"
    municipalities: tuple[str, ...] = ()  # empty: every municipality of the edition
    jobs: int = field(default_factory=default_jobs)
    force: bool = False
    progress: bool = True
    warm: bool = True  # reuse one kernel per worker (see analysis.build.execute)
    notebooks_dir: Path = NOTEBOOKS_DIR  # another copy of the notebooks, e.g. edited ones
    only: tuple[str, ...] = ()  # kinds of notebook to build (see NOTEBOOKS); empty: default
    scheduler: str | None = None  # a Dask scheduler's address: run the notebooks there
    wait: bool = True  # for another build of the same output directory (else: BuildBusy)
    audience: str = "all"  # see AUDIENCES

    @property
    def publish_name(self) -> str:
        """``fy2024`` for a full build, ``fy2024-132039`` for a municipality subset,
        ``fy2024-public`` for a build for partners (never the same folder as an internal
        build's)."""
        parts = [self.edition, *sorted(self.municipalities)]
        if self.only:
            parts.append("only_" + "_".join(self.only))
        if self.audience != "all":
            parts.append(self.audience)
        return "-".join(parts)

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds of notebook to run: ``only``, else all (a subset: the handouts)."""
        if self.only:
            return self.only
        return ("profile", "gap_review") if self.municipalities else NOTEBOOKS



def check_options(options: BuildOptions) -> BuildOptions:
    """Reject options that would be unsafe or meaningless, before anything runs."""
    from analysis.dataset.scope import editions
    from analysis.dataset.tables import load_municipalities, load_sources
    from analysis.dataset.validate import require_readable

    if not EDITION_PATTERN.fullmatch(options.edition):
        raise UserError(f"--edition {options.edition!r}: an edition looks like fy2024")
    data_dir = Path(options.data_dir)
    if not data_dir.is_dir():
        raise UserError(f"--data {data_dir}: not a directory")
    # The tables are read below and while planning, before the full validation (which runs
    # beside the notebooks) has finished: an unreadable or oversized table stops here.
    require_readable(data_dir, "nothing was built and the previous report is unchanged")
    known_editions = editions(load_sources(data_dir))
    if options.edition not in known_editions:
        raise UserError(f"--edition {options.edition!r}: not in {data_dir}/raw/sources.csv "
                        f"(editions there: {', '.join(known_editions)})")
    known = set(load_municipalities(data_dir)["municipality_code"])
    for code in options.municipalities:
        if not CODE_PATTERN.fullmatch(code) or code not in known:
            raise UserError(f"--municipality {code!r}: not a municipality code of "
                            f"{data_dir}/reference/municipalities.csv (6 digits, e.g. 132039)")
    if options.jobs < 1:
        raise UserError(f"--jobs {options.jobs}: must be 1 or more")
    if options.audience not in AUDIENCES:
        raise UserError(f"--audience {options.audience!r}: the audiences are "
                        f"{', '.join(AUDIENCES)}")
    unknown = sorted(set(options.only) - set(NOTEBOOKS))
    if unknown:
        raise UserError(f"--only {','.join(unknown)}: the notebooks are {', '.join(NOTEBOOKS)}")
    notebooks = Path(options.notebooks_dir)
    missing = [n for n in NOTEBOOKS if not (notebooks / f"{n}.ipynb").is_file()]
    if missing:
        raise UserError(f"--notebooks {notebooks}: missing {', '.join(missing)} (.ipynb)")
    return replace(options, out_dir=check_out_dir(options.out_dir, data_dir))



def check_out_dir(out_dir: Path, data_dir: Path) -> Path:
    """The output directory may be anywhere except inside the inputs or the code.

    ``..`` components are refused outright: an output path is typed by a person, and a
    path that climbs out of where it seems to point is a mistake or an attack.
    """
    out_dir = refuse_parent_steps(out_dir, "--out")
    resolved = out_dir.resolve()
    protected = [Path(data_dir).resolve(), (ROOT / "src").resolve(),
                 (ROOT / "notebooks").resolve(), (ROOT / "tests").resolve()]
    for inside in protected:
        if resolved == inside or inside in resolved.parents:
            raise UserError(f"--out {out_dir}: inside {inside}; reports are never written "
                            "among the inputs or the code")
    if resolved.exists() and not resolved.is_dir():
        raise UserError(f"--out {out_dir}: exists and is not a directory")
    return resolved

