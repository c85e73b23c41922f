"""Rollups get a currency (their campaign's) in their unique key, so money is never added across currencies.

Campaign and collaboration rows take their campaign's currency. Creator rows used to add every campaign of the
creator together (a EUR and a USD campaign in one revenue figure); they are rebuilt per currency from the
collaboration rows, whose sum they are by construction (every increment goes to all three dimensions at once).
The new unique constraint follows in 0005, in its own transaction (PostgreSQL refuses to alter a table with the
deferred foreign-key checks of the rebuilt rows still pending).
"""

from typing import Any

from django.db import migrations, models
from django.db.models import Sum

COLUMNS = (
    "clicks",
    "unique_clicks",
    "bot_clicks",
    "impressions",
    "views",
    "engagements",
    "conversions",
    "refunds",
    "revenue",
    "refunded",
    "spend",
)


def split_by_currency(apps: Any, schema_editor: Any) -> None:
    Rollup = apps.get_model("tracking", "Rollup")
    Campaign = apps.get_model("campaigns", "Campaign")
    used = Rollup.objects.exclude(campaign=None).values("campaign_id")
    for campaign_id, currency in Campaign.objects.filter(pk__in=used).values_list("pk", "currency"):
        Rollup.objects.filter(campaign_id=campaign_id).update(currency=currency)
    Rollup.objects.filter(dimension="creator").delete()
    sums = (
        Rollup.objects.filter(dimension="collaboration")
        .values("creator_id", "granularity", "bucket", "currency")
        .annotate(**{f"total_{c}": Sum(c) for c in COLUMNS})
        .order_by()
    )
    Rollup.objects.bulk_create(
        [
            Rollup(
                dimension="creator",
                key=str(row["creator_id"]),
                granularity=row["granularity"],
                bucket=row["bucket"],
                currency=row["currency"],
                creator_id=row["creator_id"],
                **{c: int(row[f"total_{c}"] or 0) for c in COLUMNS},
            )
            for row in sums
        ],
        batch_size=1_000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0002_campaign_status_changed_at"),
        ("tracking", "0003_rollup_spend"),
    ]

    operations = [
        migrations.AddField(
            model_name="rollup",
            name="currency",
            field=models.CharField(
                default="", help_text="Currency of revenue, refunded and spend: the campaign's", max_length=3
            ),
            preserve_default=False,
        ),
        migrations.RemoveConstraint(model_name="rollup", name="rollup_unique_bucket"),
        migrations.RunPython(split_by_currency, migrations.RunPython.noop),
    ]
