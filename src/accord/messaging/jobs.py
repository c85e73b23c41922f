from datetime import timedelta

from accord.core.scheduler import periodic
from accord.messaging import notify, webhooks


@periodic("messaging.webhook_retries", every=timedelta(minutes=1))
def webhook_retries() -> int:
    """Attempt the webhook deliveries whose (backed-off) time has come."""
    return webhooks.retry_due()


@periodic("messaging.send_emails", every=timedelta(minutes=5))
def send_emails() -> int:
    """Send immediate notification e-mails that the queue did not (a crash, a full queue)."""
    return notify.send_immediate()


@periodic("messaging.daily_digest", every=timedelta(hours=1))
def daily_digest() -> int:
    """The daily digest e-mail for users who chose it (at most one per user per UTC day)."""
    return notify.send_digests()
