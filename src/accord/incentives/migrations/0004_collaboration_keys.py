"""One collaboration key per contract: ``contract:<id>`` (the rule: ``accord.tracking.rollups``).

Before, a collaboration's facts were counted under its links' tag (``contract:<id>`` or a bare ``<id>``) or, for
untagged links, under ``<campaign>:<creator>``, and its spend under its first tagged link's key, else the pair's; a
contract read all three keys, so two contracts of one creator in one campaign shared the pair's facts and spend.
This migration brings existing rows to the new rule:

1. a bare ``<id>`` tag naming a contract of the link's campaign and creator becomes ``contract:<id>``;
2. untagged links and promo codes of a campaign and creator with exactly one contract that came about are tagged
   with it (what ``incentives.triggers`` now does when they are made), and their pair rows move to that contract's
   key (added to rows that are there already);
3. spend of a contract still counted under another key (a pair with several contracts) moves to the contract's key,
   bucket by bucket from its ``Spend`` rows, which name the contract and say when and how much;
4. every ``Spend`` row of a contract names ``contract:<id>``.

Facts of untagged links of a pair with several contracts stay under the pair: nobody can tell whose they are, and
they now count for the campaign and the creator only.
"""

from collections import defaultdict
from datetime import UTC
from typing import Any

from django.db import migrations

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
NEVER_IN_FORCE = ("declined", "withdrawn", "expired")


def _add(Rollup: Any, row: Any, key: str, counts: dict[str, int]) -> None:
    """Add ``counts`` to the collaboration row ``key`` of ``row``'s bucket and currency (made when missing)."""
    target, _ = Rollup.objects.get_or_create(
        dimension="collaboration",
        key=key,
        currency=row.currency,
        granularity=row.granularity,
        bucket=row.bucket,
        defaults={"campaign_id": row.campaign_id, "creator_id": row.creator_id},
    )
    for name, value in counts.items():
        setattr(target, name, getattr(target, name) + value)
    target.save()


def _move_rows(Rollup: Any, rows: Any, key: str) -> None:
    for row in list(rows):
        _add(Rollup, row, key, {c: getattr(row, c) for c in COLUMNS})
        row.delete()


def forwards(apps: Any, schema_editor: Any) -> None:
    Contract = apps.get_model("contracts", "Contract")
    TrackingLink = apps.get_model("tracking", "TrackingLink")
    PromoCode = apps.get_model("tracking", "PromoCode")
    Rollup = apps.get_model("tracking", "Rollup")
    Spend = apps.get_model("incentives", "Spend")
    collaborations = Rollup.objects.filter(dimension="collaboration")

    pairs: dict[tuple[int, int], list[int]] = defaultdict(list)
    in_force = Contract.objects.exclude(status__in=NEVER_IN_FORCE).order_by("pk")
    for pk, campaign_id, creator_id in in_force.values_list("pk", "campaign_id", "creator_id"):
        pairs[(campaign_id, creator_id)].append(pk)
    pair_of = {
        pk: (campaign_id, creator_id)
        for pk, campaign_id, creator_id in Contract.objects.values_list("pk", "campaign_id", "creator_id")
    }

    # 1. bare contract ids
    for model in (TrackingLink, PromoCode):
        for obj in model.objects.filter(collaboration__regex=r"^[0-9]+$"):
            if pair_of.get(int(obj.collaboration)) == (obj.campaign_id, obj.creator_id):
                model.objects.filter(pk=obj.pk).update(collaboration=f"contract:{obj.collaboration}")
    for row in list(collaborations.filter(key__regex=r"^[0-9]+$")):
        if pair_of.get(int(row.key)) == (row.campaign_id, row.creator_id):
            _move_rows(Rollup, collaborations.filter(pk=row.pk), f"contract:{row.key}")

    # 2. untagged links and codes of a pair with one contract
    for (campaign_id, creator_id), contract_ids in pairs.items():
        if len(contract_ids) != 1:
            continue
        tag = f"contract:{contract_ids[0]}"
        pair = {"campaign_id": campaign_id, "creator_id": creator_id}
        TrackingLink.objects.filter(**pair, collaboration="").update(collaboration=tag)
        PromoCode.objects.filter(**pair, collaboration="").update(collaboration=tag)
        _move_rows(Rollup, collaborations.filter(**pair, key=f"{campaign_id}:{creator_id}"), tag)
    for code in PromoCode.objects.filter(collaboration="").exclude(link=None).select_related("link"):
        if code.link.collaboration:
            PromoCode.objects.filter(pk=code.pk).update(collaboration=code.link.collaboration)

    # 3. and 4. spend of a contract under another key
    for spend in Spend.objects.exclude(contract=None).order_by("pk"):
        key = f"contract:{spend.contract_id}"
        if spend.collaboration != key:
            at = spend.booked_at.astimezone(UTC)
            for granularity, bucket in (
                ("hour", at.replace(minute=0, second=0, microsecond=0)),
                ("day", at.replace(hour=0, minute=0, second=0, microsecond=0)),
            ):
                old = collaborations.filter(
                    key=spend.collaboration, currency=spend.currency, granularity=granularity, bucket=bucket
                ).first()
                if old is None:
                    continue  # moved with its whole row in 1. or 2.
                old.spend -= spend.amount
                old.save(update_fields=["spend"])
                _add(Rollup, old, key, {"spend": spend.amount})
            Spend.objects.filter(pk=spend.pk).update(collaboration=key)


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0001_initial"),
        ("incentives", "0003_dirty_generation"),
        ("tracking", "0006_promo_code_collaboration"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
