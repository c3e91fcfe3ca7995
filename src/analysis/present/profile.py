"""One municipality's profile: everything the sources state about it, fact by fact,
each with its quote."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.compare.menus import national_menu_coverage
from analysis.core.labels import label, labels
from analysis.dataset.scope import edition_dataset, municipality_source_ids
from analysis.dataset.tables import Dataset
from analysis.present.view import enum_labels


@dataclass(frozen=True)
class FactTable:
    """Facts of one kind about one municipality, each row with its id, source and quote."""

    name: str
    title: str
    frame: pd.DataFrame  # display columns, then row_id, source_id, quote



def _date(year: pd.Series, month: pd.Series, lang: str) -> pd.Series:
    template = label("template", "year_month", lang)
    year_only = label("template", "year_only", lang)
    return pd.Series([
        "" if pd.isna(y) else (year_only.format(year=int(y)) if pd.isna(m)
                               else template.format(year=int(y), month=int(m)))
        for y, m in zip(year, month, strict=True)], index=year.index, dtype=object)



def _age(low: pd.Series, high: pd.Series, lang: str) -> pd.Series:
    return pd.Series([
        label("template", "age_all", lang) if pd.isna(a) and pd.isna(b) else
        f"{'' if pd.isna(a) else int(a)}–{'' if pd.isna(b) else int(b)}"
        for a, b in zip(low, high, strict=True)], index=low.index, dtype=object)



def _facts(name: str, frame: pd.DataFrame, columns: dict[str, pd.Series], row_id: str,
           lang: str) -> FactTable:
    headers = {key: label("column", key, lang) for key in columns}
    shown = pd.DataFrame({headers[key]: values for key, values in columns.items()},
                         index=frame.index)
    shown["row_id"] = frame[row_id]
    shown["source_id"] = frame["source_id"]
    shown["quote"] = frame["quote"]
    return FactTable(name, label("view", f"profile_{name}", lang), shown.reset_index(drop=True))



def profile_facts(dataset: Dataset, code: str, edition: str, lang: str = "ja") -> list[FactTable]:
    """Everything the sources state about one municipality in one edition (and its visit
    records), as fact tables with quotes."""
    keep = set(municipality_source_ids(dataset.sources, code, edition))

    def own(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.loc[(frame["municipality_code"] == code) & frame["source_id"].isin(keep)]

    services = own(dataset.services)
    service_names = dataset.services.set_index("service_id")["name"]
    channels = own(dataset.channels)
    ages = own(dataset.target_ages)
    meetings = own(dataset.meetings)
    bodies = own(dataset.network_bodies)
    body_names = dataset.network_bodies.set_index("body_id")["name"]
    members = dataset.network_body_members.loc[
        dataset.network_body_members["body_id"].isin(bodies["body_id"])]
    milestones = own(dataset.milestones)
    partners = own(dataset.collaborations)
    return [
        _facts("services", services, {
            "name": services["name"],
            "category": enum_labels(services["category"], "service_category", lang),
            "national_menu": enum_labels(services["national_menu"], "national_menu", lang),
            "operator": services["operator_name"].where(
                services["operator_name"] != "", enum_labels(services["operator_type"],
                                                       "operator_type", lang)),
            "established": _date(services["established_year"], services["established_month"],
                                 lang)}, "service_id", lang),
        _facts("channels", channels, {
            "service": channels["service_id"].map(service_names),
            "channel": enum_labels(channels["channel"], "channel", lang)}, "service_id", lang),
        _facts("target_ages", ages, {
            "service": ages["service_id"].map(service_names),
            "ages": _age(ages["age_min"], ages["age_max"], lang),
            "age_text": ages["age_text"]}, "service_id", lang),
        _facts("meetings", meetings, {
            "name": meetings["name"],
            "kind": enum_labels(meetings["kind"], "meeting_kind", lang),
            "frequency_text": meetings["frequency_text"],
            "per_year": meetings["per_year"].map(lambda v: "" if pd.isna(v) else f"{v:g}")},
            "meeting_id", lang),
        _facts("network_bodies", bodies, {
            "name": bodies["name"],
            "kind": enum_labels(bodies["kind"], "body_kind", lang),
            "established": _date(bodies["established_year"], bodies["established_month"], lang),
            "member_count": bodies["member_count"].map(lambda v: "" if pd.isna(v) else str(v))},
            "body_id", lang),
        _facts("members", members, {
            "body": members["body_id"].map(body_names),
            "member_type": enum_labels(members["member_type"], "member_type", lang),
            "member_text": members["member_text"]}, "body_id", lang),
        _facts("milestones", milestones, {
            "title": milestones["title"],
            "kind": enum_labels(milestones["kind"], "milestone_kind", lang),
            "date": _date(milestones["year"], milestones["month"], lang)}, "milestone_id", lang),
        # ``activity`` is the curator's Japanese summary: shown in Japanese reports only
        # (in English the quote below each row says what is done).
        _facts("collaborations", partners, {
            "partner": partners["partner_text"],
            **({"activity": partners["activity"]} if lang == "ja" else {})},
            "collaboration_id", lang),
    ]



def menus_run(dataset: Dataset, code: str, edition: str, lang: str = "ja") -> list[str]:
    """The national menus the municipality's services of this edition correspond to."""

    data = edition_dataset(dataset, edition)
    coverage = national_menu_coverage(data)
    run = coverage.loc[(coverage["municipality_code"] == code) & coverage["runs"]]
    names = labels("national_menu", lang)
    return [names.get(m, m) for m in run["national_menu"]]
