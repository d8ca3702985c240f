"""The Digital Agency's 自治体DX dashboard (real FY2023 data) as a national dataset.

The dashboard's columns map onto the catalog's codes (benchmarks/catalog/indicators.csv): onto the
report's items where they are the same question, onto the added dashboard codes where not. The verdict
for every column, with the figures that decide it, is in benchmarks/data/SOURCES.md.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..models import Dataset
from .imports import ImportOutcome, dataset_import, file_sha256

DASHBOARD_FILE = Path(__file__).resolve().parent.parent / "data" / "dx_dashboard_municipal_indicators.csv"
FISCAL_YEAR = 2023
NAME = "自治体DXダッシュボード（2023年4月1日時点調査）"
SOURCE = (
    "デジタル庁「自治体DXの取組に関するダッシュボード」データ表（2024-07-12更新）"
    " https://www.digital.go.jp/resources/govdashboard/local-government-dx"
    " — 推進体制・業務の項目は総務省調査（2023-04-01時点）。マイナンバーカード保有率は2024年の値。"
)
# The Digital Agency publishes the dashboard in Japanese only: the English is the project's translation.
NAME_EN = "Local government DX dashboard (survey as of 1 April 2023)"
SOURCE_EN = (
    "Digital Agency, data tables of the dashboard of local governments' DX efforts (in Japanese; updated"
    " 2024-07-12) https://www.digital.go.jp/resources/govdashboard/local-government-dx"
    " — the structure and service items come from the survey of the Ministry of Internal Affairs and"
    " Communications (as of 2023-04-01); the My Number Card holding rate is the 2024 value."
)

# dashboard column → catalog code (a code named 「（デジタル庁ダッシュボード）」 is not the report's item)
STATUS_COLUMNS = {
    "cio_appointed": "system.cio",
    "cio_adviser_appointed": "system.cio_deputy",
    "overall_policy": "system.policy",
    "org_wide_structure": "system.crossdept",
    # 外部人材活用 (30.1 %) is not the report's 外部デジタル人材の任用 (about 20 %).
    "external_talent": "system.external_talent_use",
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
    """Import the table; a dashboard dataset loaded before with another mapping is superseded by it."""
    data = dashboard_survey_csv()
    earlier = (
        Dataset.objects.filter(
            catalog__fiscal_year=FISCAL_YEAR,
            file_name=DASHBOARD_FILE.name,
            origin=Dataset.Origin.REAL,
            status=Dataset.Status.READY,
            superseded_by__isnull=True,
        )
        .exclude(sha256=file_sha256(data))
        .order_by("-imported_at", "-pk")
        .first()
    )
    return dataset_import(
        data=data,
        file_name=DASHBOARD_FILE.name,
        name=NAME,
        source=SOURCE,
        name_en=NAME_EN,
        source_en=SOURCE_EN,
        origin=Dataset.Origin.REAL,
        by=None,
        supersedes=earlier,
    )
