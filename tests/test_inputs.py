"""The curator's loop: after one row of one municipality changes, only the jobs that read
that row get a new cache key (``analysis.build.inputs``, ``analysis.build.plan``).

- which keys a row edit changes: of 武蔵野市, its profile and every job that reads every
  row (the comparison, the edition changes, the gap reviews), never another profile;
- that the declared inputs are all a job reads: a profile executed on a data directory
  cut down to its municipality's rows gives the same notebook as on the full data (same
  key, same result);
- and, through the real command, that an unrelated profile is reused from the cache.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import shutil
from pathlib import Path

import nbformat
import pytest

from analysis.build import execute
from analysis.build.inputs import data_digests
from analysis.build.options import BuildOptions
from analysis.build.plan import plan_jobs
from analysis.core.paths import DATA_DIR
from analysis.dataset.scope import edition_municipalities
from analysis.dataset.tables import TIDY_TABLES, load_dataset
from tests.conftest import run_cli

EDITION = "fy2024"
MUSASHINO = "132039"
SHINJUKU = "131041"
@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def edit_note(data_dir: Path, table: str, row_id: str, word: str = "（確認済）",
              column: str = "note") -> None:
    """Change one word of one row's note (or of another ``column``), as a curator would:
    that line only, the rest of the file byte for byte as it was."""
    path = data_dir / "tidy" / f"{table}.csv"
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    header = next(csv.reader([lines[0]]))
    at = next(i for i, line in enumerate(lines) if line.startswith(row_id + ","))
    fields = next(csv.reader([lines[at]]))
    fields[header.index(column)] += word
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(fields)
    lines[at] = out.getvalue()
    path.write_text("\n".join(lines), encoding="utf-8")


def keys(data_dir: Path, audience: str = "all") -> dict[str, str]:
    jobs = plan_jobs(BuildOptions(data_dir=data_dir))
    return execute.job_keys(jobs, data_digests(data_dir, audience))


def changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    assert before.keys() == after.keys()
    return {stem for stem in before if before[stem] != after[stem]}


def readers_of_everything(data_dir: Path) -> set[str]:
    """The jobs that read every row: all but the profiles."""
    return {job.output_stem for job in plan_jobs(BuildOptions(data_dir=data_dir))
            if job.reads is None}


def test_a_row_of_musashino_reruns_its_profile_and_what_reads_every_row(
        data_copy: Path) -> None:
    before = keys(data_copy)
    assert len(before) == 36
    everything = readers_of_everything(data_copy)
    assert everything == {"comparison", "edition_changes"} | {
        stem for stem in before if stem.startswith("gap_review-")}
    edit_note(data_copy, "services", f"fy2024_main-{MUSASHINO}-s01", column="name")
    assert changed(before, keys(data_copy)) == {f"profile-{MUSASHINO}"} | everything


def test_a_note_edit_reruns_no_notebook_but_changes_the_build(data_copy: Path) -> None:
    """No notebook prints a note (held by ``test_no_view_reads_a_note``): a note edit
    keeps every notebook's key; the build's key, over every byte, changes."""
    before, digests = keys(data_copy), data_digests(data_copy)
    edit_note(data_copy, "services", f"fy2024_main-{MUSASHINO}-s01")
    assert changed(before, keys(data_copy)) == set()
    after = data_digests(data_copy)
    assert after.all_rows == digests.all_rows and after.everything != digests.everything


def test_no_view_reads_a_note() -> None:
    """Every output a notebook shows, with every note of every table changed, is what it
    was: the comparison and its briefing, the edition changes, every profile and every
    gap review (their HTML)."""
    from analysis.present.changes import edition_change_views
    from analysis.present.comparison import comparison_briefing, comparison_views
    from analysis.present.gap_review import gap_review, handout_html
    from analysis.present.profile import municipality_profile, profile_html

    def shown(dataset) -> list:
        views = [*comparison_views(dataset, EDITION),
                 *edition_change_views(dataset, "fy2022", EDITION)]
        out = [comparison_briefing(dataset, EDITION, "ja", ()).findings.to_csv()]
        out += [(v.title, v.lead, v.table.to_csv(), v.sources,
                 None if v.display is None else v.display.to_csv()) for v in views]
        for code in edition_municipalities(dataset, EDITION):
            out.append(profile_html(municipality_profile(dataset, code, EDITION)))
            out.append(handout_html(gap_review(dataset, code, EDITION)))
        return out

    dataset = load_dataset()
    noted = dataclasses.replace(dataset, **{
        name: getattr(dataset, name).assign(
            note=lambda df: df["note"].fillna("").astype(str) + "（注記を変更）")
        for name in TIDY_TABLES if "note" in getattr(dataset, name).columns})
    assert any("note" in getattr(dataset, name).columns for name in TIDY_TABLES)
    assert shown(noted) == shown(dataset)


def test_a_wards_row_reruns_no_other_profile(data_copy: Path) -> None:
    before = keys(data_copy)
    edit_note(data_copy, "meetings", next(
        row_id for row_id in load_dataset().meetings["meeting_id"]
        if row_id.startswith(f"fy2024_main-{SHINJUKU}-")), column="name")
    reruns = changed(before, keys(data_copy))
    assert {stem for stem in reruns if stem.startswith("profile-")} == {f"profile-{SHINJUKU}"}


def test_a_member_row_belongs_to_its_bodys_municipality(data_copy: Path) -> None:
    dataset = load_dataset()
    bodies = dataset.network_bodies.set_index("body_id")["municipality_code"]
    body = next(b for b in dataset.network_body_members["body_id"] if bodies[b] == MUSASHINO)
    before = data_digests(data_copy)
    edit_note(data_copy, "network_body_members", body,  # the body's first member
              column="member_text")
    after = data_digests(data_copy)
    assert {c for c in before.rows if before.rows[c] != after.rows[c]} == {MUSASHINO}
    assert after.unclaimed == before.unclaimed


def test_a_public_build_does_not_depend_on_internal_rows(data_copy: Path) -> None:
    public, everyone = keys(data_copy, "public"), keys(data_copy)
    assert public != everyone  # the visit record's rows are in the default build only
    edit_note(data_copy, "services", "visit_musashino_20241203-132039-s01", column="name")
    assert changed(public, keys(data_copy, "public")) == set()
    assert f"profile-{MUSASHINO}" in changed(everyone, keys(data_copy))


def test_no_change_no_new_key_and_code_changes_everything(data_copy: Path) -> None:
    first = data_digests(data_copy, code_hash="code-a")
    assert data_digests(data_copy, code_hash="code-a") == first
    other = data_digests(data_copy, code_hash="code-b")
    assert other.of((MUSASHINO,)) != first.of((MUSASHINO,))
    assert other.everything != first.everything


# ------------------------------------------------------------------ declared inputs suffice

def cut_down(source: Path, target: Path, kept: set[str], documented: list[str]) -> Path:
    """A copy of ``source`` with the tidy rows of the municipalities in ``kept`` only — and,
    for every other documented municipality, one guidebook row of the edition, so the set
    of documented municipalities stays as it was."""
    from analysis.build.inputs import _owners, _rows

    shutil.copytree(source, target)
    read = {name: _rows(source / "tidy" / f"{name}.csv") for name in TIDY_TABLES}
    body_code = {r["body_id"]: r["municipality_code"] for r in read["network_bodies"][1]}
    meeting_code = {r["meeting_id"]: r["municipality_code"] for r in read["meetings"][1]}
    alibi = {}  # municipality → (table, row index) of the one row it keeps
    for name in ("services", "meetings", "milestones", "stated_counts"):
        for i, row in enumerate(read[name][1]):
            code = row["municipality_code"]
            if (code in set(documented) - kept and code not in alibi
                    and row["source_id"].startswith(EDITION)):
                alibi[code] = (name, i)
    assert set(alibi) == set(documented) - kept
    for name, (header, rows, _) in read.items():
        out = io.StringIO()
        writer = csv.DictWriter(out, header, lineterminator="\n")
        writer.writeheader()
        for i, row in enumerate(rows):
            owners = set(_owners(name, row, body_code, meeting_code))
            if owners & kept or (name, i) in alibi.values():
                writer.writerow(row)
        (target / "tidy" / f"{name}.csv").write_text(out.getvalue(), encoding="utf-8")
    return target


def cell_outputs(path: Path) -> list:
    notebook = nbformat.read(path, as_version=4)
    return [cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"]


@pytest.mark.parametrize("stem", [f"profile-{MUSASHINO}", f"profile-{SHINJUKU}"])
def test_the_declared_rows_are_all_a_job_reads(tmp_path: Path, stem: str) -> None:
    full = tmp_path / "full"
    shutil.copytree(DATA_DIR, full)
    job = next(j for j in plan_jobs(BuildOptions(data_dir=full)) if j.output_stem == stem)
    documented = edition_municipalities(load_dataset(full), EDITION)
    cut = cut_down(full, tmp_path / "cut", set(job.reads), documented)
    cut_job = next(j for j in plan_jobs(BuildOptions(data_dir=cut)) if j.output_stem == stem)
    assert cut_job.reads == job.reads
    # the same key: the rows the job declares are the same, everything else differs ...
    assert data_digests(cut).of(job.reads) == data_digests(full).of(job.reads)
    assert data_digests(cut).everything != data_digests(full).everything
    # ... and the same notebook
    on_full = execute.execute_job(job, tmp_path / "full.ipynb")
    on_cut = execute.execute_job(cut_job, tmp_path / "cut.ipynb")
    assert cell_outputs(on_cut) == cell_outputs(on_full)


# ------------------------------------------------------------------ through the command

def renders_made(cache: Path) -> dict[str, int]:
    folder = cache / "renders"
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} if folder.is_dir() else {}


def test_an_unrelated_profile_is_reused_from_the_cache(data_copy: Path,
                                                      tmp_path: Path) -> None:
    out = tmp_path / "reports"
    args = ("build", "--data", str(data_copy), "--municipality", MUSASHINO,
            "--municipality", SHINJUKU, "--only", "profile", "--format", "html",
            "--out", str(out), "--quiet")
    first = run_cli(*args)
    assert first.returncode == 0, first.stderr[-3000:]
    live = out / f"{EDITION}-{SHINJUKU}-{MUSASHINO}-only_profile"
    before = json.loads((live / "manifest.json").read_text())
    cache = out / ".cache" / "notebooks"
    stamps = {key: (cache / key / "out.ipynb").stat().st_mtime_ns
              for key in before["jobs"].values()}
    rendered = renders_made(cache)
    assert len(rendered) == 2  # one HTML page per profile
    # a note is in no output: a new build, every notebook taken from the cache
    edit_note(data_copy, "services", f"fy2024_main-{MUSASHINO}-s01")
    second = run_cli(*args)
    assert second.returncode == 0, second.stderr[-3000:]
    after = json.loads((live / "manifest.json").read_text())
    assert after["build_key"] != before["build_key"] and after["jobs"] == before["jobs"]
    assert renders_made(cache) == rendered
    # a word a reader sees: that profile runs and is rendered again, the other is reused
    edit_note(data_copy, "services", f"fy2024_main-{MUSASHINO}-s01", "（確認）", "name")
    third = run_cli(*args)
    assert third.returncode == 0, third.stderr[-3000:]
    jobs = json.loads((live / "manifest.json").read_text())["jobs"]
    unrelated, edited = f"profile-{SHINJUKU}", f"profile-{MUSASHINO}"
    assert jobs[unrelated] == before["jobs"][unrelated]
    assert (cache / jobs[unrelated] / "out.ipynb").stat().st_mtime_ns == \
        stamps[before["jobs"][unrelated]]  # reused: its cache entry was not written again
    assert jobs[edited] != before["jobs"][edited]
    assert len(renders_made(cache)) == 3
    assert "（確認）" in (live / "profiles" / f"{MUSASHINO}.html").read_text(encoding="utf-8")


def test_a_handout_that_shows_what_it_showed_is_not_rendered_again(tmp_path: Path) -> None:
    """Early cut-off: a job run again under a new key (its inputs changed) whose notebook
    comes out the same takes its HTML from the renders cache."""
    job = next(j for j in plan_jobs(BuildOptions(municipalities=(MUSASHINO,),
                                                 only=("profile",), formats=("html",)))
               if j.notebook == "profile")
    cache, work = tmp_path / "cache", tmp_path / "work"
    work.mkdir()
    execute._run_cached(job, "key-one", cache, work, warm=False)
    rendered = renders_made(cache)
    page = job.output(work, "html").read_bytes()
    job.output(work, "html").unlink()
    execute._run_cached(job, "key-two", cache, work, warm=False)
    assert (cache / "key-two" / "out.ipynb").is_file()  # run again, under its new key
    assert renders_made(cache) == rendered  # ... and not laid out again
    assert job.output(work, "html").read_bytes() == page


def test_a_chart_png_is_taken_from_the_cache_when_its_svg_is_unchanged(
        data_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from analysis.build.exports import write_exports
    from analysis.present import charts

    drawn: list[str] = []
    figure_bytes = charts.figure_bytes

    def counting(figure, fmt="png", dpi=None):
        drawn.append(fmt)
        return figure_bytes(figure, fmt, dpi)

    monkeypatch.setattr(charts, "figure_bytes", counting)
    cache = tmp_path / "cache"
    first, second, third = (tmp_path / name for name in ("first", "second", "third"))
    for work in (first, second, third):
        work.mkdir()
    write_exports(data_copy, EDITION, first, cache_dir=cache)
    figures = sorted(p.name for p in (first / "figures").glob("*.png"))
    assert drawn.count("png") == len(figures) == drawn.count("svg") > 5
    drawn.clear()
    edit_note(data_copy, "services", f"fy2024_main-{MUSASHINO}-s01")  # in no chart
    write_exports(data_copy, EDITION, second, cache_dir=cache)
    assert drawn.count("png") == 0 and drawn.count("svg") == len(figures)
    for name in figures:
        assert (second / "figures" / name).read_bytes() == (first / "figures" / name).read_bytes()
    # 武蔵野市's window FAX gone (Tokyo's only FAX route): the channel chart is drawn again
    path = data_copy / "tidy" / "channels.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    gone = next(i for i, line in enumerate(lines)
                if line.startswith(f"fy2024_musashino_flyers-{MUSASHINO}-s01,")
                and ",fax,consultation," in line)
    path.write_text("\n".join(lines[:gone] + lines[gone + 1:]), encoding="utf-8")
    drawn.clear()
    write_exports(data_copy, EDITION, third, cache_dir=cache)
    redrawn = drawn.count("png")
    assert 1 <= redrawn < len(figures)
    assert (third / "figures" / "channel_coverage.png").read_bytes() != \
        (first / "figures" / "channel_coverage.png").read_bytes()
