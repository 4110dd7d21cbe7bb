"""History entries keep the audience each contact field they change had when they were written
(HistoryEntry.audiences). For existing entries it is read back from the history itself: starting from each
organisation's audiences today, newest entry first, an entry that changed a field's audience tells the one
before it. Changes made outside the history (the admin) are not known; today's audience, which still counts
beside the recorded one, keeps such entries no less hidden than before."""

from django.db import migrations, models

CONTACT_FIELDS = {
    "email": "email_visibility",
    "phone": "phone_visibility",
    "address": "address_visibility",
    "contact_persons": "contact_persons_visibility",
}


def record_audiences(apps, schema_editor):
    Organization = apps.get_model("organizations", "Organization")
    HistoryEntry = apps.get_model("organizations", "HistoryEntry")
    entries = HistoryEntry.objects.exclude(changes={}).order_by("organization_id", "-created_at", "-id")
    organization_id, audience, changed = None, {}, []
    for entry in entries.iterator():
        if entry.organization_id != organization_id:
            organization_id = entry.organization_id
            organization = Organization.objects.get(pk=organization_id)
            audience = {name: getattr(organization, visibility) for name, visibility in CONTACT_FIELDS.items()}
        if not isinstance(entry.changes, dict):
            continue
        recorded = {name: audience[name] for name in CONTACT_FIELDS if name in entry.changes}
        if recorded:
            entry.audiences = recorded
            changed.append(entry)
        for name, visibility in CONTACT_FIELDS.items():
            change = entry.changes.get(visibility)
            if isinstance(change, list) and len(change) == 2 and change[0]:
                audience[name] = change[0]  # the audience before this entry
    HistoryEntry.objects.bulk_update(changed, ["audiences"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ('organizations', '0006_decided_by_operator'),
    ]

    operations = [
        migrations.AddField(
            model_name='historyentry',
            name='audiences',
            field=models.JSONField(blank=True, default=dict, verbose_name='audiences when written'),
        ),
        migrations.RunPython(record_audiences, migrations.RunPython.noop),
    ]
