"""Tracking facts: links, codes, clicks, events, orders and conversions, post metrics, fraud flags, rollups.

Tracking records facts and never touches money (DESIGN §2); amounts here are commission bases and revenue in minor
units, which ``incentives`` turns into money through the ledger. Nothing here is deleted: a fraud flag excludes a
fact and keeps it, with its reason.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import Organization, User
from accord.campaigns.models import Campaign
from accord.core import clock


def contract_key(contract_id: int) -> str:
    """The collaboration key (and link/code tag) of a contract: ``contract:<id>``."""
    return f"contract:{contract_id}"


def collaboration_key(campaign_id: int, creator_id: int, tag: str = "") -> str:
    """The collaboration rollup key of a fact whose link (or promo code) carries ``tag``: the tag (``contract:<id>``
    for a link made for a contract), else ``<campaign>:<creator>`` (made for no contract). The rule in full is in
    ``accord.tracking.rollups``."""
    return tag or f"{campaign_id}:{creator_id}"


class TrackingLink(models.Model):
    code = models.CharField(max_length=32, unique=True)
    destination = models.URLField(max_length=2048)
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="tracking_links")
    creator = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="tracking_links")
    collaboration = models.CharField(
        max_length=64, blank=True, help_text="The collaboration it is made for: contract:<id>, or empty for none"
    )
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        indexes = [models.Index(fields=["campaign", "creator"])]

    def __str__(self) -> str:
        return self.code

    @property
    def collaboration_key(self) -> str:
        return collaboration_key(self.campaign_id, self.creator_id, self.collaboration)


class PromoCode(models.Model):
    brand = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=64, help_text="Stored upper-case; matched case-insensitively")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="promo_codes")
    creator = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="promo_codes")
    link = models.ForeignKey(TrackingLink, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    collaboration = models.CharField(
        max_length=64, blank=True, help_text="The collaboration it is made for: contract:<id>, or empty for none"
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["brand", "code"], name="promo_code_unique_per_brand")]

    def __str__(self) -> str:
        return self.code

    @property
    def collaboration_key(self) -> str:
        return collaboration_key(self.campaign_id, self.creator_id, self.collaboration)


class Click(models.Model):
    # Unique through Meta.constraints, not unique=True: that would add a second (LIKE) index on PostgreSQL, and
    # every index costs each loaded click an insert into a random place of a b-tree; click ids are only ever
    # matched exactly. The link has no index of its own: both composite indexes start with it.
    click_id = models.CharField(max_length=32)
    link = models.ForeignKey(TrackingLink, on_delete=models.PROTECT, related_name="clicks", db_index=False)
    at = models.DateTimeField()
    hour = models.DateTimeField(help_text="Start of the UTC hour: one counted click per link, visitor and hour")
    ip_hash = models.CharField(max_length=64, help_text="Salted SHA-256 of the IP address; the IP is never stored")
    visitor_hash = models.CharField(max_length=64, help_text="Salted SHA-256 of IP and user agent")
    user_agent = models.CharField(max_length=512, blank=True)
    referrer = models.CharField(max_length=1024, blank=True)
    country = models.CharField(max_length=2, blank=True)
    is_bot = models.BooleanField(default=False)
    counted = models.BooleanField(default=False)
    excluded = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["click_id"], name="tracking_click_click_id_unique"),
            models.UniqueConstraint(
                fields=["link", "visitor_hash", "hour"], condition=Q(counted=True), name="click_counted_once_per_hour"
            ),
        ]
        indexes = [models.Index(fields=["link", "ip_hash", "at"]), models.Index(fields=["link", "at"])]

    def __str__(self) -> str:
        return self.click_id


class Event(models.Model):
    class Type(models.TextChoices):
        CLICK = "click", _("Click")
        IMPRESSION = "impression", _("Impression")
        VIEW = "view", _("View")
        ENGAGEMENT = "engagement", _("Engagement")
        CONVERSION = "conversion", _("Conversion")
        REFUND = "refund", _("Refund")

    # A high-volume fact table (bulk-inserted in batches of up to 10,000): the ids come from a tracking link the
    # ingest has just looked up, so no per-row foreign-key triggers; and only the indexes that reads need, since each
    # one costs a COPY of 10,000 rows about as much as the rows themselves: every read of events is of one
    # collaboration (campaign and creator, maybe a time range; the link is joined from there) or by id.
    organization = models.ForeignKey(
        Organization, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    external_id = models.CharField(max_length=128, help_text="Client-supplied id, or a hash of the event")
    type = models.CharField(max_length=16, choices=Type.choices)
    link = models.ForeignKey(
        TrackingLink, on_delete=models.DO_NOTHING, related_name="events", db_constraint=False, db_index=False
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    creator = models.ForeignKey(
        Organization, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    click_ref = models.CharField(max_length=32, blank=True)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField()
    quantity = models.BigIntegerField(default=1)
    amount = models.BigIntegerField(default=0, help_text="Commission base in minor units; negative for refunds")
    currency = models.CharField(max_length=3, blank=True)
    order_ref = models.CharField(max_length=128, blank=True)
    excluded = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "external_id"], name="event_unique_id")]
        indexes = [models.Index(fields=["campaign", "creator", "occurred_at"], name="event_collaboration_time")]

    def __str__(self) -> str:
        return f"{self.type} {self.external_id}"


class Integration(models.Model):
    """A shop (or server) that sends order webhooks for a brand, with the secret its signatures use."""

    class Platform(models.TextChoices):
        SHOPIFY = "shopify", _("Shopify")
        WOOCOMMERCE = "woocommerce", _("WooCommerce")
        POSTBACK = "postback", _("Server-to-server postback")

    brand = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="tracking_integrations")
    platform = models.CharField(max_length=16, choices=Platform.choices)
    name = models.CharField(max_length=200)
    secret = models.CharField(max_length=128, help_text="Shared HMAC secret (needed in clear to verify signatures)")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"{self.platform}: {self.name}"


class Attribution(models.TextChoices):
    CODE = "code", _("Promo code")
    CLICK = "click", _("Last click")
    NONE = "none", _("Not attributed")


class Order(models.Model):
    integration = models.ForeignKey(Integration, on_delete=models.PROTECT, related_name="orders")
    external_id = models.CharField(max_length=64)
    status = models.CharField(max_length=32, blank=True)
    paid = models.BooleanField(default=False)
    currency = models.CharField(max_length=3)
    base = models.BigIntegerField(help_text="Commission base: after discounts, without tax and shipping")
    total = models.BigIntegerField(default=0)
    tax = models.BigIntegerField(default=0)
    shipping = models.BigIntegerField(default=0)
    discount = models.BigIntegerField(default=0)
    codes = models.JSONField(default=list, blank=True)
    click_ref = models.CharField(max_length=64, blank=True)
    buyer_email_hash = models.CharField(max_length=64, blank=True)
    taxes_included = models.BooleanField(default=False)
    attribution = models.CharField(max_length=8, choices=Attribution.choices, default=Attribution.NONE)
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    creator = models.ForeignKey(Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    link = models.ForeignKey(TrackingLink, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    promo_code = models.ForeignKey(PromoCode, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    click = models.ForeignKey(Click, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    placed_at = models.DateTimeField()
    received_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["integration", "external_id"], name="order_unique_id")]

    def __str__(self) -> str:
        return f"order {self.external_id}"


class Conversion(models.Model):
    """A counted sale (positive base) or refund (negative base), attributed to one creator."""

    class Kind(models.TextChoices):
        SALE = "sale", _("Sale")
        REFUND = "refund", _("Refund")

    integration = models.ForeignKey(Integration, on_delete=models.PROTECT, related_name="conversions")
    external_id = models.CharField(max_length=96, help_text="sale:<order id> or refund:<refund id>")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, null=True, blank=True, related_name="conversions")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="conversions")
    creator = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="conversions")
    link = models.ForeignKey(TrackingLink, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    promo_code = models.ForeignKey(PromoCode, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    click = models.ForeignKey(Click, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    attribution = models.CharField(max_length=8, choices=Attribution.choices)
    base = models.BigIntegerField(help_text="Commission base in minor units; negative for refunds")
    currency = models.CharField(max_length=3)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField(default=clock.now)
    excluded = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["integration", "external_id"], name="conversion_unique_id")]
        indexes = [models.Index(fields=["campaign", "creator", "occurred_at"])]

    def __str__(self) -> str:
        return self.external_id


class PostMetricSnapshot(models.Model):
    class Source(models.TextChoices):
        API = "api", _("API")
        CSV = "csv", _("CSV")
        INSTAGRAM = "instagram", _("Instagram Graph")
        YOUTUBE = "youtube", _("YouTube Data")
        TIKTOK = "tiktok", _("TikTok")

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+")
    creator = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    link = models.ForeignKey(TrackingLink, on_delete=models.PROTECT, related_name="+")
    platform = models.CharField(max_length=16)
    post_id = models.CharField(max_length=128)
    captured_at = models.DateTimeField()
    views = models.BigIntegerField(default=0)
    impressions = models.BigIntegerField(default=0)
    reach = models.BigIntegerField(default=0)
    likes = models.BigIntegerField(default=0)
    comments = models.BigIntegerField(default=0)
    shares = models.BigIntegerField(default=0)
    saves = models.BigIntegerField(default=0)
    # Increments over the previous snapshot of the post, as added to the rollups (kept to undo/redo on flag changes).
    views_delta = models.BigIntegerField(default=0)
    impressions_delta = models.BigIntegerField(default=0)
    engagements_delta = models.BigIntegerField(default=0)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.API)
    excluded = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["platform", "post_id", "captured_at"], name="snapshot_unique_capture")
        ]
        indexes = [models.Index(fields=["platform", "post_id", "captured_at"], name="snapshot_post_time")]

    def __str__(self) -> str:
        return f"{self.platform}:{self.post_id}@{self.captured_at:%Y-%m-%d %H:%M}"


class FraudFlag(models.Model):
    class Target(models.TextChoices):
        CLICK = "click", _("Click")
        EVENT = "event", _("Event")
        CONVERSION = "conversion", _("Conversion")
        SNAPSHOT = "snapshot", _("Post metric snapshot")

    class Rule(models.TextChoices):
        CLICK_BURST = "click_burst", _("Click burst")
        NO_CLICK = "no_click", _("Conversion without click or code")
        SELF_PURCHASE = "self_purchase", _("Self-purchase")
        METRIC_JUMP = "metric_jump", _("Implausible metric jump")
        LEAKED_CODE = "leaked_code", _("Leaked promo code")

    target_type = models.CharField(max_length=16, choices=Target.choices)
    target_id = models.BigIntegerField()
    rule = models.CharField(max_length=16, choices=Rule.choices)
    reason = models.TextField()
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+")
    creator = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    excluded = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=clock.now)
    cleared_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    cleared_at = models.DateTimeField(null=True, blank=True)
    clear_note = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["target_type", "target_id", "rule"], name="fraud_flag_unique_target_rule")
        ]
        indexes = [models.Index(fields=["campaign", "creator"])]

    def __str__(self) -> str:
        return f"{self.rule} on {self.target_type} {self.target_id}"


COUNTERS = (
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
)
# Money booked to creators for the facts' collaboration (accruals and releases, less clawbacks; gross of platform
# fees, minor units of the campaign's currency). Incentives writes it from the ledger's records (tracking itself
# never looks at money), so it is kept apart from the fact COUNTERS that ingest adds.
SPEND = "spend"
ROLLUP_COLUMNS = (*COUNTERS, SPEND)


class Rollup(models.Model):
    """Counters per (dimension, key, hour|day bucket), incremented on ingest with atomic upserts; never rescanned.

    Dimensions: ``campaign`` (key = campaign id), ``creator`` (key = creator organization id, across campaigns) and
    ``collaboration`` (key: ``accord.tracking.rollups.collaboration_key``). Each row is in one ``currency`` (its
    campaign's; part of the unique key), so a creator with a EUR and a USD campaign has a row of each and no money
    figure ever adds two currencies.
    """

    class Dimension(models.TextChoices):
        CAMPAIGN = "campaign", _("Campaign")
        CREATOR = "creator", _("Creator")
        COLLABORATION = "collaboration", _("Collaboration")

    class Granularity(models.TextChoices):
        HOUR = "hour", _("Hour")
        DAY = "day", _("Day")

    dimension = models.CharField(max_length=16, choices=Dimension.choices)
    key = models.CharField(max_length=80)
    granularity = models.CharField(max_length=4, choices=Granularity.choices)
    bucket = models.DateTimeField()
    currency = models.CharField(max_length=3, help_text="Currency of revenue, refunded and spend: the campaign's")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    creator = models.ForeignKey(Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    clicks = models.BigIntegerField(default=0, db_default=0)
    unique_clicks = models.BigIntegerField(default=0, db_default=0)
    bot_clicks = models.BigIntegerField(default=0, db_default=0)
    impressions = models.BigIntegerField(default=0, db_default=0)
    views = models.BigIntegerField(default=0, db_default=0)
    engagements = models.BigIntegerField(default=0, db_default=0)
    conversions = models.BigIntegerField(default=0, db_default=0)
    refunds = models.BigIntegerField(default=0, db_default=0)
    revenue = models.BigIntegerField(default=0, db_default=0, help_text="Commission base of sales, minor units")
    refunded = models.BigIntegerField(default=0, db_default=0, help_text="Commission base refunded, minor units")
    spend = models.BigIntegerField(
        default=0, db_default=0, help_text="Booked to creators, less clawbacks (gross of fees), minor units"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "key", "currency", "granularity", "bucket"], name="rollup_unique_bucket_currency"
            )
        ]
        indexes = [models.Index(fields=["campaign", "granularity", "bucket"], name="rollup_campaign_bucket")]

    def __str__(self) -> str:
        return f"{self.dimension}:{self.key} {self.currency} {self.granularity} {self.bucket:%Y-%m-%d %H:00}"
