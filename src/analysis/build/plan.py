"""The notebooks of one build: which notebook runs with which parameters, in report order,
and which municipalities' rows each one reads (``NotebookJob.reads``: its cache key covers
those rows only, ``analysis.build.inputs``)."""

from __future__ import annotations

from analysis.build.execute import NotebookJob
from analysis.build.options import BuildOptions


def plan_jobs(options: BuildOptions) -> list[NotebookJob]:
    """The notebooks of one build, in report order.

    What each reads: a profile its municipality's rows; everything else every row. A gap
    review reads more than its peers: its examples of a gap come from peers first, then
    from any other municipality the edition documents with that feature
    (``compare.gaps.peer_examples``), so an edit anywhere may change them."""
    from analysis.core.labels import label
    from analysis.dataset.scope import edition_municipalities, previous_edition
    from analysis.dataset.tables import load_dataset, load_municipalities, load_sources

    name_column = "name_romaji" if options.lang == "en" else "name"
    names = load_municipalities(options.data_dir).set_index("municipality_code")[name_column]
    data = str(options.data_dir)
    # ``audience`` is a parameter of every notebook, so it is part of every cache key: a
    # public build never reuses a notebook executed with internal sources.
    common = {"data_dir": data, "lang": options.lang, "audience": options.audience}
    place = {"notebooks_dir": str(options.notebooks_dir)}
    codes = list(options.municipalities) or edition_municipalities(
        load_dataset(options.data_dir), options.edition)
    jobs = []
    if "comparison" in options.kinds:
        jobs.append(NotebookJob("comparison", "comparison", label("report", "comparison",
                                                                  options.lang),
                                {"edition": options.edition,
                                 "municipalities": list(options.municipalities), **common},
                                **place))
    if "edition_changes" in options.kinds and not options.municipalities:
        earlier = previous_edition(load_sources(options.data_dir), options.edition)
        if earlier:
            jobs.append(NotebookJob("edition_changes", "edition_changes",
                                    label("report", "edition_changes", options.lang),
                                    {"from_edition": earlier, "to_edition": options.edition,
                                     **common}, **place))
    # A gap review's peer group is the package's default for the municipality (chosen in
    # analysis.compare.gaps.review_peers): the build does not choose it.
    for kind in ("profile", "gap_review"):
        if kind not in options.kinds:
            continue
        for code in codes:
            title = label("report", f"{kind}_title", options.lang).format(name=names[code])
            reads = (code,) if kind == "profile" else None
            jobs.append(NotebookJob(kind, f"{kind}-{code}", title,
                                    {"municipality_code": code, "edition": options.edition,
                                     **common},
                                    handout_formats=options.formats, lang=options.lang,
                                    reads=reads, **place))
    return jobs

