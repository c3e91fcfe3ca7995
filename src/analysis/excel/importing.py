"""``python -m analysis import WORKBOOK``: which import a workbook gets.

A steward's filled template becomes a new ``steward_submission`` source
(``analysis.excel.submit``); a reviewed draft — its 説明 sheet names the registered source
it quotes — adds rows to that source (``analysis.excel.draft_import``). Both are planned
first (everything the import would do, with every problem; nothing written), then applied
with ``analysis.excel.submit.apply_plan``.
"""

from __future__ import annotations

from pathlib import Path

from analysis.core.limits import read_workbook
from analysis.excel.draft_import import plan_draft_import
from analysis.excel.output import valid_data
from analysis.excel.reader import read_filled
from analysis.excel.submit import Plan, check_source_id_syntax, plan_submission, record_base


def plan_import(workbook: Path, source_id: str, data_dir: Path, edition: str = "") -> Plan:
    """The plan of importing ``workbook``; ``source_id`` may be empty for a draft."""
    if source_id:
        check_source_id_syntax(source_id)
    # The workbook is checked against the limits before anything else reads it or the data.
    content, layout = read_workbook(workbook)
    data = valid_data(data_dir)
    filled = read_filled(content, str(workbook), layout)
    if filled.draft_source_id:
        plan = plan_draft_import(workbook, content, filled, data, Path(data_dir), source_id,
                                 edition)
    else:
        plan = plan_submission(workbook, content, filled, data, Path(data_dir), source_id,
                               edition)
    return record_base(plan, Path(data_dir))
