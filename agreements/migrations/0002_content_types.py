"""The content types of the moved models now name this app.

Renaming the rows in place keeps their ids, so everything that refers to them follows: the permissions
(auth_permission.content_type), the audit log (portal.AuditEntry.target_type) and the admin's log. Left
behind under organizations, they would be stale: remove_stale_contenttypes would delete them, and with them
the permissions and the audit entries' link to their objects.

On a new database this finds nothing to rename: post_migrate creates the content types afterwards, under
agreements.
"""

from django.db import migrations

MODELS = ['agreement', 'agreementparty', 'accessionrequest']


def _move(apps, schema_editor, source, target):
    ContentType = apps.get_model('contenttypes', 'ContentType')
    db = schema_editor.connection.alias
    for model in MODELS:
        old = ContentType.objects.using(db).filter(app_label=source, model=model).first()
        if old is None:
            continue
        # A row under the target name exists only if a post_migrate ran between the two apps' migrations
        # (`migrate agreements 0001`, then `migrate`): nothing refers to it but its own fresh permissions,
        # which the old row's permissions replace.
        ContentType.objects.using(db).filter(app_label=target, model=model).delete()
        old.app_label = target
        old.save(update_fields=['app_label'])
    ContentType.objects.clear_cache()


def forwards(apps, schema_editor):
    _move(apps, schema_editor, 'organizations', 'agreements')


def backwards(apps, schema_editor):
    _move(apps, schema_editor, 'agreements', 'organizations')


class Migration(migrations.Migration):

    dependencies = [
        ('agreements', '0001_initial'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
