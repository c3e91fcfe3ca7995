"""Every chart renders for the edge cases, in both languages, without a missing glyph, and
renders to identical bytes twice."""

from __future__ import annotations

import dataclasses
import importlib.util
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure

from analysis.compare.ages import age_coverage
from analysis.compare.bodies import body_composition
from analysis.compare.channels import channel_coverage
from analysis.compare.context import documentation_summary
from analysis.compare.evidence import evidence_ids
from analysis.compare.meetings import meeting_frequencies
from analysis.compare.menus import national_menu_coverage
from analysis.compare.partnerships import collaboration_edges
from analysis.compare.services import designations, service_counts
from analysis.compare.timeline import establishment_timeline
from analysis.core.labels import label
from analysis.core.paths import DATA_DIR
from analysis.dataset.scope import documented_municipalities, edition_dataset
from analysis.dataset.tables import TIDY_TABLES, Dataset, load_dataset, load_municipalities
from analysis.present import charts
from analysis.present.findings import summary_findings

# The hand-made dataset lives in test_metrics.py; loaded by path, since the tests directory
# is not a package and pytest's import mode need not put it on sys.path.
_spec = importlib.util.spec_from_file_location("_metrics_fixtures",
                                               Path(__file__).with_name("test_metrics.py"))
_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fixtures)
MUSASHINO, make_dataset, table = _fixtures.MUSASHINO, _fixtures.make_dataset, _fixtures.table

# A glyph missing from IPAexGothic is a failed test, not a warning.
pytestmark = pytest.mark.filterwarnings("error:Glyph:UserWarning")

REFERENCE = load_municipalities()  # all 62, with their areas: the map needs the islands


def _focus(data: Dataset) -> str:
    documented = documented_municipalities(data)
    return MUSASHINO if MUSASHINO in documented else (documented or [MUSASHINO])[0]


ChartBuilder = Callable[[Dataset, str], Figure]
CHARTS: dict[str, ChartBuilder] = {
    "channels": lambda d, lang: charts.channel_coverage_heatmap(
        channel_coverage(d), lang, caption=True),
    "ages": lambda d, lang: charts.age_coverage_chart(
        age_coverage(d.target_ages, d.municipalities, d.services), lang, caption=True),
    "meetings": lambda d, lang: charts.meeting_frequency_chart(
        meeting_frequencies(d.meetings, d.municipalities), lang, caption=True),
    "timeline": lambda d, lang: charts.establishment_timeline_chart(
        establishment_timeline(d), lang, caption=True),
    "composition": lambda d, lang: charts.body_composition_chart(
        body_composition(d.network_bodies, d.network_body_members, d.municipalities),
        lang, caption=True),
    "map": lambda d, lang: charts.municipality_map(
        service_counts(d.services, d.municipalities), "n_services", lang,
        metric="n_services", municipalities=REFERENCE, caption=True),
    "menus": lambda d, lang: charts.national_menu_matrix(
        national_menu_coverage(d), lang,
        designations(d.services, d.municipalities), caption=True),
    "collaborations": lambda d, lang: charts.collaboration_graph(
        collaboration_edges(d.collaborations, d.municipalities), lang, caption=True),
    "size": lambda d, lang: charts.size_chart(
        documentation_summary(d, documented_municipalities(d)), "n_services", lang,
        caption=True),
}


def _only(data: Dataset, code: str) -> Dataset:
    """The dataset reduced to one municipality."""
    frames = {}
    for name in TIDY_TABLES:
        frame = getattr(data, name)
        if "municipality_code" in frame:
            frames[name] = frame.loc[frame["municipality_code"] == code]
    return dataclasses.replace(data, **frames)


def _edge_cases() -> dict[str, Dataset]:
    full = make_dataset()
    fy2024 = edition_dataset(full, "fy2024")
    return {
        "fy2024": fy2024,
        "one_municipality": _only(fy2024, MUSASHINO),
        "no_age_data": dataclasses.replace(fy2024, target_ages=table("target_ages", [])),
        "fy2022_only_edition": edition_dataset(full, "fy2022"),
        "empty": make_dataset(**{name: table(name, []) for name in TIDY_TABLES}),
    }


EDGE_CASES = _edge_cases()


@pytest.mark.parametrize("case", list(EDGE_CASES))
@pytest.mark.parametrize("chart", list(CHARTS))
def test_chart_renders_for_edge_cases(chart: str, case: str) -> None:
    fig = CHARTS[chart](EDGE_CASES[case], "ja")
    assert isinstance(fig, Figure)
    # drawing is what finds missing glyphs; a low resolution keeps the test fast
    assert charts.figure_bytes(fig, "png", dpi=30).startswith(b"\x89PNG")


@pytest.mark.parametrize("chart", list(CHARTS))
def test_chart_is_deterministic_and_speaks_both_languages(chart: str) -> None:
    data = EDGE_CASES["fy2024"]
    first, second = CHARTS[chart](data, "ja"), CHARTS[chart](data, "ja")
    for fmt in ("png", "svg"):
        assert charts.figure_bytes(first, fmt, dpi=60) == charts.figure_bytes(second, fmt,
                                                                              dpi=60), fmt
    english = charts.figure_bytes(CHARTS[chart](data, "en"), "png", dpi=30)
    assert english != charts.figure_bytes(first, "png", dpi=30)


def test_a_missing_glyph_fails() -> None:
    fig = Figure()
    fig.text(0.5, 0.5, "\U0001F600")
    with pytest.raises(UserWarning, match="Glyph"):
        charts.figure_bytes(fig, "png")


def test_save_figure_writes_png_and_svg_without_run_metadata(tmp_path: Path) -> None:
    fig = CHARTS["channels"](EDGE_CASES["fy2024"], "ja")
    paths = charts.save_figure(fig, tmp_path / "sub" / "channels")
    assert [p.name for p in paths] == ["channels.png", "channels.svg"]
    png, svg = (p.read_bytes() for p in paths)
    assert b"Software" not in png and b"matplotlib" not in png
    assert b"<dc:date>" not in svg
    again = charts.save_figure(CHARTS["channels"](EDGE_CASES["fy2024"], "ja"), tmp_path / "b")
    assert [p.read_bytes() for p in again] == [png, svg]


def test_sources_note_cites_the_rows() -> None:
    data = EDGE_CASES["fy2024"]
    coverage = channel_coverage(data)
    note = charts.sources_note(coverage)
    assert note.startswith("出典（行ID）：")
    assert "fy2024_main-132039-s01" in note and "fy2024_musashino_flyers-132039-s01" in note
    full = charts.sources_note(coverage, lang="en", compact=False)
    assert full.startswith("Sources (row ids): ")
    assert set(full.split(": ", 1)[1].split()) == set(evidence_ids(coverage))


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]


def test_map_shows_credit_islands_and_no_data() -> None:
    presence = pd.DataFrame({"municipality_code": ["131016", "131024"],  # 千代田区, 中央区
                             "editions": ["fy2022+fy2024", "fy2022"]})
    fig = charts.municipality_map(presence, "editions", "ja",
                                  metric="editions", value_group="editions",
                                  municipalities=REFERENCE)
    texts = _texts(fig)
    assert label("chart", "map_credit", "ja") in texts
    assert label("chart", "no_data", "ja") in texts  # in the legend
    assert label("editions", "fy2022+fy2024", "ja") in texts
    islands = REFERENCE.loc[REFERENCE["area"] == "islands", "name"]
    assert set(islands) <= set(texts)  # one inset per island municipality
    assert len(charts.load_boundaries()) == 62  # 所属未定地 dropped


def test_collaboration_graph_marks_unnamed_partners() -> None:
    data = make_dataset()
    edges = collaboration_edges(data.collaborations, data.municipalities)
    texts = _texts(charts.collaboration_graph(edges, "ja"))
    assert {"都内複数の自治体", "他自治体", "中央区", label("chart", "unnamed_partner", "ja")} \
        <= set(texts)


def test_charts_render_for_the_real_data() -> None:
    data = edition_dataset(load_dataset(DATA_DIR), "fy2024")
    assert not data.services.empty
    for chart, build in CHARTS.items():
        fig = build(data, "ja")
        assert charts.figure_bytes(fig, "png", dpi=30).startswith(b"\x89PNG"), chart
    assert not summary_findings(load_dataset(DATA_DIR), "fy2024", "fy2022").empty


def test_charts_keep_their_inputs_unchanged() -> None:
    data = EDGE_CASES["fy2024"]
    coverage = channel_coverage(data)
    before = coverage.copy()
    charts.channel_coverage_heatmap(coverage)
    pd.testing.assert_frame_equal(coverage, before)


def test_charts_are_identical_across_processes_with_different_hash_seeds() -> None:
    """Set order follows the process's string hash seed; a chart drawn in another build
    (another process) must still be byte-identical (reproducible builds)."""
    import os
    import subprocess
    import sys

    script = (
        "import hashlib\n"
        "from analysis.compare.partnerships import collaboration_edges\n"
        "from analysis.dataset.scope import edition_dataset\n"
        "from analysis.dataset.tables import load_dataset\n"
        "from analysis.present import charts\n"
        "d = edition_dataset(load_dataset(), 'fy2024')\n"
        "e = collaboration_edges(d.collaborations, d.municipalities)\n"
        "print(hashlib.sha256(charts.figure_bytes(charts.collaboration_graph(e))).hexdigest())\n"
    )
    digests = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              check=True, env={**os.environ,
                                               "PYTHONHASHSEED": seed}).stdout
               for seed in ("0", "4")}  # two seeds that ordered the nodes differently
    assert len(digests) == 1, digests
