from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tracking", "0004_rollup_currency"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="rollup",
            constraint=models.UniqueConstraint(
                fields=("dimension", "key", "currency", "granularity", "bucket"), name="rollup_unique_bucket_currency"
            ),
        ),
    ]
