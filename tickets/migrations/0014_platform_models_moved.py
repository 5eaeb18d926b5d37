# The idempotency keys and the webhook outbox moved to aftersales.platform (app label
# "platform"). Their tables keep their names; only Django's state moves, no row is touched.

from django.db import migrations

MOVED = ["idempotencykey", "webhook", "webhookdelivery"]


def _relabel(apps, old, new):
    # Permissions granted on the old models stay attached to the same rows; a row that
    # post_migrate already made under the new label (with no grants of its own) yields.
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if ContentType.objects.filter(app_label=old, model=model).exists():
            ContentType.objects.filter(app_label=new, model=model).delete()
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def content_types_follow(apps, schema_editor):
    _relabel(apps, "tickets", "platform")


def content_types_return(apps, schema_editor):
    _relabel(apps, "platform", "tickets")


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0013_webhooks'),
        ('platform', '0001_initial'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='webhook',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='webhookdelivery',
                    name='webhook',
                ),
                migrations.DeleteModel(
                    name='IdempotencyKey',
                ),
                migrations.DeleteModel(
                    name='Webhook',
                ),
                migrations.DeleteModel(
                    name='WebhookDelivery',
                ),
            ],
        ),
        migrations.RunPython(content_types_follow, content_types_return),
    ]
