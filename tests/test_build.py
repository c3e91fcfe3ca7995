"""Builds of a one-municipality subset: options, English output, failures and faults.

Every test here runs the real command (`python -m analysis build`) on 武蔵野市 only, so
the faults are exercised quickly; the full build is inspected in test_report.py.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from tests.conftest import EPOCH, ROOT, run_cli, tree_digest

CODE = "132039"
# The subset builds the comparison too, so that its CSV tables are exercised as well.
ONLY = "comparison,profile,gap_review"
SUBSET = f"fy2024-{CODE}-only_comparison_profile_gap_review"
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")


def build(out: Path, *extra: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return run_cli("build", "--municipality", CODE, "--only", ONLY, "--out", str(out),
                   "--quiet", *extra, env=env)


@pytest.fixture(scope="module")
def subset_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A published subset build that the fault tests try to damage."""
    out = tmp_path_factory.mktemp("subset")
    result = build(out)
    assert result.returncode == 0, result.stderr[-3000:]
    return out


def assert_clean_failure(result: subprocess.CompletedProcess, *fragments: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "Traceback" not in output, output[-3000:]
    for fragment in fragments:
        assert fragment in output, (fragment, output[-3000:])


def test_subset_build_has_handouts_and_tables(subset_out: Path) -> None:
    live = subset_out / SUBSET
    for path in ("profiles/132039.pdf", "gap_reviews/132039.html", "report.pdf",
                 "tables/channel_coverage.csv", "index.html"):
        assert (live / path).stat().st_size > 0, path


def test_builds_are_byte_identical_with_source_date_epoch(subset_out: Path,
                                                          tmp_path: Path) -> None:
    result = build(tmp_path, "--force")
    assert result.returncode == 0, result.stderr[-2000:]
    first, second = subset_out / SUBSET, tmp_path / SUBSET
    files = [p.relative_to(first) for p in first.rglob("*")
             if p.suffix in (".html", ".csv", ".pdf", ".svg", ".png")]
    assert len(files) > 10
    different = [str(f) for f in files if (first / f).read_bytes() != (second / f).read_bytes()]
    assert different == []


def test_a_cell_that_raises_fails_cleanly(subset_out: Path, tmp_path: Path) -> None:
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for path in (ROOT / "notebooks").glob("*.ipynb"):
        shutil.copy(path, notebooks / path.name)
    profile = nbformat.read(notebooks / "profile.ipynb", as_version=4)
    profile.cells.append(nbformat.v4.new_code_cell('raise RuntimeError("boom in the profile")'))
    nbformat.write(profile, notebooks / "profile.ipynb")
    before = tree_digest(subset_out / SUBSET)
    result = build(subset_out, "--notebooks", str(notebooks))
    assert_clean_failure(result, "profile.ipynb", "RuntimeError", "boom in the profile",
                         "cell", "previous report is unchanged")
    assert tree_digest(subset_out / SUBSET) == before
    assert (subset_out / ".failed" / f"profile-{CODE}.ipynb").exists()


def sleeping_notebooks(directory: Path, marker: Path) -> Path:
    """A copy of the notebooks whose profile, once running, writes ``marker`` and sleeps:
    a build killed after the marker appears is killed while a notebook executes."""
    directory.mkdir()
    for path in (ROOT / "notebooks").glob("*.ipynb"):
        shutil.copy(path, directory / path.name)
    profile = nbformat.read(directory / "profile.ipynb", as_version=4)
    profile.cells.append(nbformat.v4.new_code_cell(
        f"import pathlib, time\npathlib.Path({str(marker)!r}).touch()\ntime.sleep(120)"))
    nbformat.write(profile, directory / "profile.ipynb")
    return directory


@pytest.mark.parametrize("fault", ["before_publish", "mid_execution"])
def test_killed_build_leaves_the_previous_report(subset_out: Path, fault: str,
                                                 tmp_path: Path) -> None:
    live_before = tree_digest(subset_out / SUBSET)
    target_before = (subset_out / SUBSET).resolve()
    if fault == "before_publish":
        result = build(subset_out, "--force", env={"ANALYSIS_FAULT": "before_publish"})
        assert result.returncode == -signal.SIGKILL, result.returncode
    else:
        marker = tmp_path / "profile-running"
        notebooks = sleeping_notebooks(tmp_path / "notebooks", marker)
        process = subprocess.Popen(
            [sys.executable, "-m", "analysis", "build", "--municipality", CODE, "--only", ONLY,
             "--out", str(subset_out), "--quiet", "--force", "--notebooks", str(notebooks)],
            cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH})
        deadline = time.monotonic() + 120
        while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        running = marker.exists() and process.poll() is None
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        assert running, "the profile notebook never started: nothing was killed mid-execution"
    assert (subset_out / SUBSET).resolve() == target_before
    assert tree_digest(subset_out / SUBSET) == live_before
    assert build(subset_out, "--force").returncode == 0  # and the next build succeeds
    assert (subset_out / SUBSET / "report.pdf").exists()


class _TextOutsideNamesAndQuotes(HTMLParser):
    """Collects visible text that is not inside class="name" / class="quote" elements, nor
    in identifiers set as code (file paths, row ids, hashes)."""

    SKIP = {"style", "script", "title", "code"}
    EXEMPT_CLASSES = {"name", "quote", "fact-id", "hash", "ids", "file", "codebook", "id-appendix",
                      "key"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[bool] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("br", "img", "meta", "link", "hr", "input", "col"):
            return
        classes = dict(attrs).get("class") or ""
        exempt = tag in self.SKIP or bool(self.EXEMPT_CLASSES & set(classes.split()))
        self.stack.append(exempt or (bool(self.stack) and self.stack[-1]))

    def handle_endtag(self, tag: str) -> None:
        if self.stack and tag not in ("br", "img", "meta", "link", "hr", "input", "col"):
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1]):
            self.text.append(data)


def text_outside_names(page: str) -> list[str]:
    parser = _TextOutsideNamesAndQuotes()
    parser.feed(page)
    return [t.strip() for t in parser.text if t.strip()]


def japanese_outside_names(page: str) -> list[str]:
    return [t for t in text_outside_names(page) if JAPANESE.search(t)]


def _internal_keys() -> set[str]:
    """Keys a Japanese reader must never see: enum values, table and column names."""
    from analysis.core.labels import labels
    from analysis.dataset.schema import ALL_TABLES

    groups = {f.enum for t in ALL_TABLES for f in t.fields if f.enum}
    keys = {k for g in groups for k in labels(g)} | set(labels("fact_table"))
    keys |= {f.name for t in ALL_TABLES for f in t.fields}
    return {k for k in keys if k.isascii() and k not in ("true", "false")}


def internal_tokens(page: str) -> list[str]:
    """snake_case tokens and internal keys in the visible text of a Japanese page, outside
    names, quotes and identifiers."""
    keys = _internal_keys()
    found = []
    for text in text_outside_names(page):
        bare = text
        while re.search(r"「[^「」]*」", bare):  # a name in 「」 is the source's word
            bare = re.sub(r"「[^「」]*」", "", bare)
        for token in re.findall(r"[A-Za-z][A-Za-z0-9_]*", bare):
            if "_" in token or token in keys:
                found.append(f"{token} in {text[:60]!r}")
    return found


def test_english_output_has_japanese_only_in_names_and_quotes(tmp_path: Path) -> None:
    result = build(tmp_path, "--lang", "en")
    assert result.returncode == 0, result.stderr[-2000:]
    live = tmp_path / SUBSET
    for page in (live / "report.html", live / "gap_reviews" / f"{CODE}.html",
                 live / "index.html"):
        assert japanese_outside_names(page.read_text(encoding="utf-8")) == [], page
    assert 'lang="en"' in (live / "report.html").read_text(encoding="utf-8")


def test_internal_token_check_catches_keys() -> None:
    assert internal_tokens("<p>チャネル：in_person</p>") == ["in_person in 'チャネル：in_person'"]
    assert internal_tokens("<p>表 meetings の列</p>") == ["meetings in '表 meetings の列'"]
    assert internal_tokens('<p>出典 <code>tables/age_coverage.csv</code> の列</p>') == []
    assert internal_tokens('<p><span class="quote">LINE相談</span> と SNS</p>') == []
    assert internal_tokens("<p>出来事「note「日野市」に記事」が加わりました</p>") == []


def test_english_check_catches_japanese() -> None:
    assert japanese_outside_names("<p>相談 window</p>") == ["相談 window"]
    assert japanese_outside_names('<p><span class="name">武蔵野市</span> city</p>') == []


def test_public_build_leaves_internal_sources_out(tmp_path: Path) -> None:
    """``--audience public`` (for partners): published under its own name, every notebook
    run with the parameter, and no quote or mention of the internal visit record in the
    handouts; the default build shows the same facts, marked internal."""
    from html import escape

    from analysis.dataset.tables import load_dataset

    result = run_cli("build", "--municipality", CODE, "--audience", "public", "--format",
                     "html", "--out", str(tmp_path), "--quiet")
    assert result.returncode == 0, result.stderr[-3000:]
    live = tmp_path / f"fy2024-{CODE}-public"
    assert (live / "manifest.json").exists()
    assert '"audience": "public"' in (live / "manifest.json").read_text()
    executed = sorted((live / "notebooks").glob("*.ipynb"))
    assert len(executed) == 2  # the profile and the gap review
    for path in executed:
        injected = [c.source for c in nbformat.read(path, as_version=4).cells
                    if "injected-parameters" in c.metadata.get("tags", [])]
        assert injected and 'audience = "public"' in injected[0], path.name
    data = load_dataset()
    internal = set(data.sources.loc[data.sources["audience"] == "internal", "source_id"])
    quotes = [q for name in ("services", "channels", "meetings", "network_bodies")
              for q in getattr(data, name).loc[lambda f: f["source_id"].isin(internal),
                                               "quote"]]
    assert len(quotes) > 10
    for page in (live / "profiles" / f"{CODE}.html", live / "gap_reviews" / f"{CODE}.html"):
        text = page.read_text(encoding="utf-8")
        assert [q for q in quotes if escape(q) in text] == [], page.name
        assert "訪問記録" not in text and "内部資料" not in text, page.name
    index = (live / "index.html").read_text(encoding="utf-8")
    assert "訪問記録" not in index and "公開用" in index


def test_publishing_one_name_keeps_the_builds_of_the_others(tmp_path: Path) -> None:
    """``fy2024`` rebuilt must not delete the live ``fy2024-public`` or ``fy2024-132039``
    builds, whose directories also start with ``fy2024-``; its own old build goes."""
    from analysis.build import publish

    live = {}
    for name in ("fy2024-public", "fy2024-132039", "fy2024", "fy2024"):
        build_dir = publish.new_build_dir(tmp_path, name)
        (build_dir / "report.html").write_text(name)
        live[name] = publish.publish(build_dir, tmp_path, name)
    for name, link in live.items():
        assert (link / "report.html").read_text() == name, name
    assert len(list((tmp_path / publish.BUILDS).iterdir())) == 3


def test_audience_is_part_of_every_cache_key() -> None:
    """A public build never reuses a notebook executed with internal sources."""
    from analysis.build.options import BuildOptions
    from analysis.build.plan import plan_jobs

    default = plan_jobs(BuildOptions(municipalities=(CODE,)))
    public = plan_jobs(BuildOptions(municipalities=(CODE,), audience="public"))
    assert [j.output_stem for j in default] == [j.output_stem for j in public]
    for mine, theirs in zip(default, public, strict=True):
        assert mine.parameters["audience"] == "all"
        assert theirs.parameters["audience"] == "public"
        assert mine.key("inputs") != theirs.key("inputs")
    assert BuildOptions(audience="public").publish_name == "fy2024-public"
    assert BuildOptions(municipalities=(CODE,)).publish_name == f"fy2024-{CODE}"


@pytest.mark.parametrize(("args", "message"), [
    (["--municipality", "../../etc"], "not a municipality code"),
    (["--municipality", '13"\nimport os'], "not a municipality code"),
    (["--municipality", "999999"], "not a municipality code"),
    (["--edition", 'fy2024"\nx=1'], "an edition looks like fy2024"),
    (["--edition", "fy1999"], "not in"),
    (["--out", "../outside"], "--out ../outside: '..' is not allowed in an output path"),
    (["--out", "data/tidy"], "inside"),
    (["--jobs", "0"], "must be 1 or more"),
    (["--format", "docx"], "formats are"),
    (["--audience", "partners"], "invalid choice: 'partners'"),
])
def test_bad_options_are_refused(args: list[str], message: str, tmp_path: Path) -> None:
    arguments = ["build", *args]
    if "--out" not in args:
        arguments += ["--out", str(tmp_path)]
    # where the build would have written, as the command line (run in ROOT) names it
    out = Path(os.path.normpath(ROOT / arguments[arguments.index("--out") + 1]))
    existed = out.exists()
    result = run_cli(*arguments)
    assert_clean_failure(result, message)
    assert out.exists() == existed, out
    assert not (out / ".builds").exists() or not any((out / ".builds").iterdir())


def test_invalid_data_is_refused_before_anything_runs(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    channels = data / "tidy" / "channels.csv"
    channels.write_text(channels.read_text(encoding="utf-8").replace(",phone,", ",pigeon,", 1),
                        encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("build", "--data", str(data), "--out", str(out), "--municipality", CODE)
    assert_clean_failure(result, "does not validate")
    assert re.search(r"^\s*tidy/channels\.csv:\d+:channel: 'pigeon' — is not an allowed value",
                     result.stderr, re.M), result.stderr
    assert not (out / f"fy2024-{CODE}").exists()
