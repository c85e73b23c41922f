from datetime import timedelta

from django.conf import settings

from accord.core import clock
from accord.core.models import IdempotencyRecord
from accord.core.scheduler import periodic


@periodic("core.prune_idempotency_records", every=timedelta(hours=1))
def prune_idempotency_records() -> int:
    """Stored responses are kept long enough for any client retry; after that they are only weight."""
    cutoff = clock.now() - timedelta(days=settings.ACCORD_IDEMPOTENCY_RETENTION_DAYS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
