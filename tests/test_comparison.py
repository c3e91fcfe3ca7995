"""The comparison as a reader meets it: fair denominators, per-capita context, numbers
printed as numbers, changes told in sentences, one figure in every view that shows it."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from analysis.build.assemble import BRIEFING_TAG, combined_notebook
from analysis.compare.changes import edition_changes
from analysis.compare.context import documentation_coverage, documentation_summary
from analysis.core.labels import label
from analysis.dataset.population import estimate_text
from analysis.dataset.scope import documented_municipalities, edition_dataset
from analysis.dataset.tables import CODE, Dataset, load_dataset
from analysis.present.changes import change_sentence, with_sentences
from analysis.present.comparison import comparison_briefing, comparison_views
from analysis.present.view import cell_text, labelled


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return load_dataset()


@pytest.fixture(scope="module")
def views(dataset: Dataset) -> dict:
    return {v.name: v for v in comparison_views(dataset, "fy2024", "ja")}


def test_coverage_counts_every_municipality_of_the_code_list(dataset: Dataset) -> None:
    codes = documented_municipalities(edition_dataset(dataset, "fy2024"))
    coverage = documentation_coverage(dataset.municipalities, codes)
    total = coverage.iloc[-1]
    assert total["n_municipalities"] == 62 and total["n_documented"] == len(codes)
    assert coverage.iloc[:-1]["n_municipalities"].sum() == 62
    assert coverage.iloc[:-1]["n_documented"].sum() == len(codes)
    residents = dataset.municipalities["population"].sum()
    assert total["population"] == residents
    documented = dataset.municipalities.loc[dataset.municipalities[CODE].isin(codes),
                                            "population"].sum()
    assert total["share_documented"] == pytest.approx(documented / residents)
    assert len(total["not_documented"].split("・")) == 62 - len(codes)


def test_per_capita_measures_name_their_inputs(dataset: Dataset) -> None:
    data = edition_dataset(dataset, "fy2024")
    summary = documentation_summary(data, documented_municipalities(data)).set_index(CODE)
    musashino = summary.loc["132039"]
    assert musashino["n_services_per_100k"] == pytest.approx(
        round(musashino["n_services"] * 100_000 / musashino["population"], 1))
    oshima = summary.loc["133612"]
    # no window documented: no estimate per window (not an infinite or zero one)
    assert oshima["n_windows"] == 0 and pd.isna(oshima["need_per_window"])


def test_every_view_states_its_basis_and_sources(views: dict) -> None:
    basis = "比較の範囲：令和6年度版の附属資料に掲載された17区市町村（東京都62区市町村のうち）"
    for view in views.values():
        assert view.sources.startswith(basis), view.name
        assert f"tables/{view.name}.csv" in view.sources, view.name
        # row ids stay in the CSV's evidence column, out of the reading flow
        assert not re.search(r"fy20\d\d_\w+-\d{6}-", view.sources), view.name


def test_the_summary_table_and_the_briefing_say_one_number(dataset: Dataset,
                                                           views: dict) -> None:
    summary = views["municipality_summary"]
    row = summary.display.set_index(label("column", "name", "ja")).loc["武蔵野市"]
    exact = summary.table.set_index("name").loc["武蔵野市", "estimated_need"]
    assert row[label("column", "estimated_need", "ja")] == estimate_text(float(exact))
    assert row[label("column", "population", "ja")] == "147,958"  # a number, no ".0"
    briefing = comparison_briefing(dataset, "fy2024", "ja")
    size = briefing.findings.set_index("finding").loc["size", "text"]
    per_capita = summary.table.set_index("name")["n_services_per_100k"]
    assert f"{per_capita.idxmax()}の{per_capita.max()}" in size
    assert f"{per_capita.idxmin()}の{per_capita.min()}" in size


def test_the_briefing_of_a_selection_counts_the_selection(dataset: Dataset) -> None:
    selected = ["132039", "132152", "131016"]  # 千代田区 is not documented in fy2024
    briefing = comparison_briefing(dataset, "fy2024", "ja", selected)
    scope = briefing.findings.iloc[0]["text"]
    assert "3区市町村のうち2区市町村" in scope
    assert "changes" not in set(briefing.findings["finding"])


def test_cells_print_as_numbers_and_absence_as_not_stated() -> None:
    assert cell_text(147958.0, "population", "ja") == "147,958"
    assert cell_text(2.26, "n_services_per_100k", "ja") == "2.3"
    assert cell_text(2021.0, "first_established", "ja") == "2021"
    assert cell_text(pd.NA, "largest_member_count", "ja") == "記載なし"
    assert cell_text(pd.NA, "name", "ja") == ""
    frame = pd.DataFrame({"name": ["a", "b"], "n_parts": [0, 0], "n_bodies": [1, 0]})
    shown = labelled(frame, ["name", "n_bodies", "n_parts"], "ja")
    # a column of zeros says nothing and is left out
    assert list(shown.columns) == [label("column", "name", "ja"),
                                   label("column", "n_bodies", "ja")]


def test_changes_read_as_sentences_without_codes(dataset: Dataset) -> None:
    changes = with_sentences(edition_changes(dataset, "fy2022", "fy2024"), "fy2022",
                             "fy2024", "ja")
    assert changes["sentence"].str.len().gt(0).all()
    for sentence in changes["sentence"]:
        # no enum value, column or table name reaches the reader
        assert not re.search(r"\b(home_visit|sns|entity|services|age_min|partner_text)\b",
                             sentence), sentence
    channel = changes.loc[(changes["table"] == "channels") & (changes["change"] == "added")]
    assert "相談チャネル「訪問・アウトリーチ」の記載が加わりました" in " ".join(
        channel["sentence"])
    english = change_sentence(channel.iloc[0], "fy2022", "fy2024", "en")
    assert "Services and programmes" in english and "was added" in english


def test_the_briefing_comes_before_the_contents() -> None:
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    from analysis.build.execute import NotebookJob

    briefing = new_code_cell("show_briefing()", metadata={"tags": [BRIEFING_TAG]})
    notebook = new_notebook(cells=[new_markdown_cell("intro"), briefing,
                                   new_code_cell("views()")])
    job = NotebookJob(notebook="comparison", parameters={}, output_stem="comparison",
                      title="比較")
    combined = combined_notebook([job], {"comparison": notebook}, "<p>method</p>", "ja")
    sources = [c.source for c in combined.cells]
    assert sources.index("show_briefing()") < next(
        i for i, s in enumerate(sources) if 'class="toc"' in s)
    assert sources.count("show_briefing()") == 1  # moved, not copied
    assert isinstance(combined, nbformat.NotebookNode)
