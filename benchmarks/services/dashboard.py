"""The Digital Agency's 自治体DX dashboard (real FY2023 data) as a national dataset.

The dashboard's columns map onto the catalog's codes (benchmarks/catalog/indicators.csv): onto the
report's items where they are the same question, onto the added dashboard codes where not.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..models import Dataset
from .imports import ImportOutcome, dataset_import

DASHBOARD_FILE = Path(__file__).resolve().parent.parent / "data" / "dx_dashboard_municipal_indicators.csv"
FISCAL_YEAR = 2023
NAME = "自治体DXダッシュボード（2023年4月1日時点調査）"
SOURCE = (
    "デジタル庁「自治体DXの取組に関するダッシュボード」データ表（2024-07-12更新）"
    " https://www.digital.go.jp/resources/govdashboard/local-government-dx"
    " — 推進体制・業務の項目は総務省調査（2023-04-01時点）。マイナンバーカード保有率は2024年の値。"
)

# dashboard column → catalog code
STATUS_COLUMNS = {
    "cio_appointed": "system.cio",
    "cio_adviser_appointed": "system.cio_deputy",
    "overall_policy": "system.policy",
    "org_wide_structure": "system.crossdept",
    "external_talent": "system.external_talent",
    "staff_development": "system.staff_training",
    "all_staff_training": "system.all_staff_training",
    "ai_adopted": "service.ai",
    "rpa_adopted": "service.rpa",
    "telework_adopted": "service.telework",
}
RATE_COLUMNS = {
    "common_32_online_pct": "online_volume.common_32_rate",
    "childcare_care_26_online_pct": "online_lifeevent.childcare_care_26_rate",
    "mynumber_card_holding_pct": "mynumber.holding_rate",
}
STATUS_VALUES = {"実施": "1", "未実施": "0", "調査無し": "excluded"}


def dashboard_survey_csv(path: Path = DASHBOARD_FILE) -> bytes:
    """The dashboard table in the import's long shape (deterministic, so re-import is a no-op)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["lg_code", "fiscal_year", "indicator", "value"])
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            for column, code in STATUS_COLUMNS.items():
                writer.writerow([row["code"], FISCAL_YEAR, code, STATUS_VALUES[row[column]]])
            for column, code in RATE_COLUMNS.items():
                # A blank 32-procedure share means the municipality offers none of them (denominator 0).
                writer.writerow([row["code"], FISCAL_YEAR, code, row[column] or "not_applicable"])
    return out.getvalue().encode()


def dashboard_dataset_load() -> ImportOutcome:
    return dataset_import(
        data=dashboard_survey_csv(),
        file_name=DASHBOARD_FILE.name,
        name=NAME,
        source=SOURCE,
        origin=Dataset.Origin.REAL,
        by=None,
    )
