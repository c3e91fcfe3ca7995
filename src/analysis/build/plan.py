"""The notebooks of one build: which notebook runs with which parameters, in report order,
and which municipalities' rows each one reads (``NotebookJob.reads``: its cache key covers
those rows only, ``analysis.build.inputs``)."""

from __future__ import annotations

import hashlib

from analysis.build.execute import NotebookJob
from analysis.build.options import BuildOptions


def build_audience(options: BuildOptions) -> str:
    """The build's audience: ``all``, or ``public`` once ``BuildOptions`` carries it (the
    ``--audience`` option arrives with branch ``profile``)."""
    return getattr(options, "audience", "all")


def plan_jobs(options: BuildOptions) -> list[NotebookJob]:
    """The notebooks of one build, in report order.

    What each reads: the comparison and the edition changes every row; a profile its
    municipality's rows; a gap review the rows of its municipality and of its default peer
    group (``compare.peers.default_peer_groups``, the handout's own choice), and, as its
    context, the documented municipalities the group is chosen among."""
    from analysis.compare.peers import default_peer_groups
    from analysis.core.labels import label
    from analysis.dataset.scope import edition_municipalities, for_audience, previous_edition
    from analysis.dataset.tables import load_dataset, load_municipalities, load_sources

    name_column = "name_romaji" if options.lang == "en" else "name"
    names = load_municipalities(options.data_dir).set_index("municipality_code")[name_column]
    data = str(options.data_dir)
    common = {"data_dir": data, "lang": options.lang}
    place = {"notebooks_dir": str(options.notebooks_dir)}
    dataset = for_audience(load_dataset(options.data_dir), build_audience(options))
    documented = edition_municipalities(dataset, options.edition)
    codes = list(options.municipalities) or documented
    peers = (default_peer_groups(dataset.municipalities, documented, codes)
             if "gap_review" in options.kinds else {})
    among = "documented:" + hashlib.sha256(",".join(documented).encode()).hexdigest()
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
    # analysis.present.gap_review): the build does not choose it, it only computes the same
    # group to know which rows the handout reads.
    for kind in ("profile", "gap_review"):
        if kind not in options.kinds:
            continue
        for code in codes:
            title = label("report", f"{kind}_title", options.lang).format(name=names[code])
            reads = (code, *peers[code].codes) if kind == "gap_review" else (code,)
            jobs.append(NotebookJob(kind, f"{kind}-{code}", title,
                                    {"municipality_code": code, "edition": options.edition,
                                     **common},
                                    handout_formats=options.formats, lang=options.lang,
                                    reads=reads,
                                    context=among if kind == "gap_review" else "",
                                    **place))
    return jobs

