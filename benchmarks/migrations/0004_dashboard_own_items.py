"""FY2023: the dashboard's 外部人材活用 becomes its own item and the dashboard's two online shares say whose
they are (benchmarks/data/SOURCES.md has the verdicts), in databases that loaded the FY2023 catalog before.

Importing the dashboard froze that catalog, so load_catalog may no longer change it; a fresh database gets
the same items from load_catalog. load_dashboard_dataset then imports the re-mapped table as a correction
that supersedes the earlier dashboard dataset.
"""

from django.db import migrations
from django.db.models import F

FISCAL_YEAR = 2023
NEW = {
    "code": "system.external_talent_use",
    "area": "system",
    "kind": "boolean",
    "scored": False,
    "name_ja": "外部人材活用（デジタル庁ダッシュボード）",
    "name_en": "External talent used (Digital Agency dashboard; not the report's appointment of external digital talent)",
}
AFTER = "system.all_staff_training"  # the row before it in benchmarks/catalog/indicators.csv
NAMES = {
    "online_volume.common_32_rate": (
        "よく使う32手続のオンライン化状況（オンライン化済／実施されている手続）（デジタル庁ダッシュボード）",
        "Share of the 32 frequently used procedures that are online"
        " (Digital Agency dashboard; online / offered; not the report's 22 procedures)",
    ),
    "online_lifeevent.childcare_care_26_rate": (
        "子育て・介護26手続のオンライン化状況（デジタル庁ダッシュボード）",
        "Share of the 26 child-care and long-term-care procedures that are online"
        " (Digital Agency dashboard; not the report's 36 life-event procedures)",
    ),
}


def forwards(apps, schema_editor):
    CatalogYear = apps.get_model("benchmarks", "CatalogYear")
    Indicator = apps.get_model("benchmarks", "Indicator")
    catalog = CatalogYear.objects.filter(fiscal_year=FISCAL_YEAR).first()
    if catalog is None:
        return
    items = Indicator.objects.filter(catalog=catalog)
    for code, (name_ja, name_en) in NAMES.items():
        items.filter(code=code).update(name_ja=name_ja, name_en=name_en)
    anchor = items.filter(code=AFTER).first()
    # Without its neighbour this is not the shipped catalog: load_catalog reports what differs.
    if anchor is None or items.filter(code=NEW["code"]).exists():
        return
    items.filter(position__gt=anchor.position).update(position=F("position") + 1)
    Indicator.objects.create(catalog=catalog, position=anchor.position + 1, **NEW)


class Migration(migrations.Migration):
    dependencies = [("benchmarks", "0003_item_rate_counts")]

    # Backwards leaves the item: the re-mapped dashboard dataset's values point at it.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
