"""Synthetic national-scale data (``python -m analysis synth``): it validates, it is
deterministic, it uses real codes and names, every quote is from its synthetic text, and
the notebook jobs of a build run on a Dask cluster (``build --scheduler``)."""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from analysis.core.errors import UserError
from analysis.core.paths import reference_dir
from analysis.dataset import schema
from analysis.dataset.population import census_2020_population
from analysis.dataset.reference import romaji_of
from analysis.dataset.tables import read_csv_text
from analysis.text.sources import quote_in_section, split_sections
from analysis.tools.synth import (
    DESIGNATED_TIER,
    SIZE_TIERS,
    Municipality,
    national_municipalities,
    size_tier,
    synthesize,
    write_synthetic,
)
from tests.conftest import run_cli

N = 20
SEED = 7


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic data directory of N municipalities, written by the command line."""
    out = tmp_path_factory.mktemp("synth") / "data"
    result = run_cli("synth", "--out", str(out), "--municipalities", str(N), "--seed",
                     str(SEED), timeout=120)
    assert result.returncode == 0, result.stderr
    return out


def _tidy(root: Path, table: schema.Table) -> pd.DataFrame:
    return read_csv_text(root / table.path)


def test_synthetic_directory_passes_validate(synth_dir: Path) -> None:
    result = run_cli("validate", str(synth_dir), timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    assert result.stdout.startswith("valid:")
    services = _tidy(synth_dir, schema.SERVICES)
    assert set(services["municipality_code"]) == set(
        read_csv_text(synth_dir / "reference" / "municipalities.csv")["municipality_code"])


def test_same_seed_gives_identical_files(synth_dir: Path) -> None:
    files = synthesize(N, SEED)
    on_disk = {str(p.relative_to(synth_dir)): p.read_bytes().decode("utf-8")
               for p in synth_dir.rglob("*") if p.is_file()}
    assert files == on_disk
    assert synthesize(N, SEED + 1)["reference/municipalities.csv"] != files[
        "reference/municipalities.csv"]


def test_universe_is_the_1741_municipalities_of_japan() -> None:
    universe = national_municipalities()
    assert len(universe) == 1741
    assert not universe["name"].str.contains(r"市.+区$").any()  # no designated-city wards
    assert universe["municipality_code"].is_unique
    assert (universe["municipality_code"].str[:2] == "13").sum() == 62


def test_real_codes_names_and_readings(synth_dir: Path) -> None:
    reference = read_csv_text(synth_dir / "reference" / "municipalities.csv")
    national = read_csv_text(reference_dir() / "japan-municipality-codes.csv").set_index(
        "municipality_code")
    assert len(reference) == N
    for row in reference.itertuples():
        real = national.loc[row.municipality_code]
        assert (row.name, row.name_kana) == (real["name"], real["name_kana"])
        assert row.name_romaji == romaji_of(row.name, row.name_kana)
        assert row.prefecture_code == row.municipality_code[:2]
        assert row.area == "" or row.prefecture_code == "13"


def test_populations_are_the_census_totals_and_tokyos_own_rows(synth_dir: Path) -> None:
    population = read_csv_text(synth_dir / "reference" / "population.csv")
    codes = read_csv_text(synth_dir / "reference" / "municipalities.csv")["municipality_code"]
    assert list(population["municipality_code"]) == list(codes)  # the census has all 20
    shipped = read_csv_text(reference_dir() / "population.csv").set_index("municipality_code")
    for row in population.to_dict("records"):
        code = row.pop("municipality_code")
        if code.startswith("13"):
            assert row == shipped.loc[code].to_dict()
        else:
            total = str(census_2020_population(code))
            assert row == {"population": total, "population_15_39": "",
                           "population_40_64": "", "population_date": "2020-10-01",
                           "census_2020_population": total, "size_band": ""}


def test_a_municipality_the_census_lacks_has_no_population_row() -> None:
    files = synthesize(41, SEED, prefecture="47")  # all of Okinawa, 与那国町 included
    codes = read_csv_text_of(files["reference/municipalities.csv"])["municipality_code"]
    population = read_csv_text_of(files["reference/population.csv"])["municipality_code"]
    assert "473821" in set(codes) and set(codes) - set(population) == {"473821"}


def read_csv_text_of(text: str) -> pd.DataFrame:
    return pd.read_csv(pd.io.common.StringIO(text), dtype=str, keep_default_na=False)


def test_how_much_is_documented_follows_the_census_population() -> None:
    def place(kind: str, population: int | None, designated: bool = False) -> Municipality:
        return Municipality("999999", "x", "x", "x", "99", kind, designated, population)

    assert size_tier(place("village", 250_000)) == SIZE_TIERS[3]  # size, not kind
    assert size_tier(place("city", 4_999)) == SIZE_TIERS[0]
    assert size_tier(place("city", 5_000)) == SIZE_TIERS[1]
    assert size_tier(place("town", None)) == SIZE_TIERS[1]  # no census figure: the kind
    assert size_tier(place("city", 1_973_395, designated=True)) == DESIGNATED_TIER


def test_every_quote_is_from_its_municipalitys_section(synth_dir: Path) -> None:
    sources = read_csv_text(synth_dir / "raw" / "sources.csv").set_index("source_id")
    texts = {}
    for source_id, row in sources.iterrows():
        data = (synth_dir / "raw" / row["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == row["sha256"]
        text = data.decode("utf-8")
        texts[source_id] = (text, split_sections(text))
    names = read_csv_text(synth_dir / "reference" / "municipalities.csv").set_index(
        "municipality_code")["name"]
    bodies = _tidy(synth_dir, schema.NETWORK_BODIES).set_index("body_id")["municipality_code"]
    meetings = _tidy(synth_dir, schema.MEETINGS).set_index("meeting_id")["municipality_code"]
    checked = 0
    for table in schema.TIDY:
        frame = _tidy(synth_dir, table)
        for row in frame.to_dict("records"):
            code = (row.get("municipality_code") or bodies.get(row.get("body_id"))
                    or meetings.get(row.get("meeting_id")))
            text, sections = texts[row["source_id"]]
            assert quote_in_section(text, row["quote"], names[code], sections), row
            checked += 1
    assert checked > 100


def test_one_prefecture_fills_tokyo_areas() -> None:
    files = synthesize(12, SEED, prefecture="13")
    reference = pd.read_csv(pd.io.common.StringIO(files["reference/municipalities.csv"]),
                            dtype=str, keep_default_na=False)
    assert reference["municipality_code"].str.startswith("13").all()
    assert set(reference["area"]) <= {"ku", "tama", "islands"} and all(reference["area"])


def test_refuses_a_non_empty_directory_and_too_many(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(UserError, match="not an empty directory"):
        write_synthetic(tmp_path, 5)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]
    with pytest.raises(UserError, match="1 to 62"):
        synthesize(63, prefecture="13")


def _comparison(tmp_path: Path, n: int, prefecture: str | None = None) -> dict:
    from analysis.dataset.tables import load_dataset
    from analysis.present.comparison import comparison_views

    out = write_synthetic(tmp_path / "data", n, SEED, prefecture)
    return {view.name: view for view in comparison_views(load_dataset(out), "fy2024")}


def test_many_municipalities_are_charted_by_prefecture_without_the_map(tmp_path: Path) -> None:
    found = _comparison(tmp_path, 70)
    assert "service_map" not in found  # the boundaries are Tokyo's
    codes = read_csv_text(tmp_path / "data" / "reference" / "municipalities.csv")[
        "municipality_code"]
    rows = [t.get_text() for t in found["channel_coverage"].figure.axes[0].get_yticklabels()]
    assert len(rows) == codes.str[:2].nunique() and all("(n=" in r for r in rows)
    assert " … (+" in found["channel_coverage"].sources  # the CSV has every id
    assert found["channel_coverage"].table["municipality_code"].nunique() == 70


def test_all_of_tokyo_keeps_a_row_per_municipality_and_the_map(tmp_path: Path) -> None:
    found = _comparison(tmp_path, 62, prefecture="13")
    assert found["service_map"].figure is not None
    assert len(found["channel_coverage"].figure.axes[1].get_yticklabels()) == 62


@pytest.mark.skipif(importlib.util.find_spec("distributed") is None,
                    reason="the optional 'dask' extra is not installed")
def test_build_runs_notebooks_on_a_dask_cluster(synth_dir: Path, tmp_path: Path) -> None:
    from distributed import Client, LocalCluster, get_task_stream

    code = read_csv_text(synth_dir / "reference" / "municipalities.csv")[
        "municipality_code"].iloc[0]
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client, \
            get_task_stream(client) as stream:
        result = run_cli("build", "--data", str(synth_dir), "--out", str(tmp_path),
                         "--municipality", code, "--format", "html", "--quiet",
                         "--scheduler", cluster.scheduler_address, timeout=300)
    assert result.returncode == 0, result.stderr
    ran = [task["key"] for task in stream.data]
    assert sum("_run_cached" in str(key) for key in ran) == 2  # profile and gap review
    built = tmp_path / f"fy2024-{code}"
    assert (built / "profiles" / f"{code}.html").is_file()
    assert (built / "gap_reviews" / f"{code}.html").is_file()
