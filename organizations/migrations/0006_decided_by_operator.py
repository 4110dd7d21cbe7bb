"""Organisations remember whether an operator made their last verification decision: only operators may change
it (Organization.rule, REVIEW). Existing organisations take it from their history: the last decision (verified,
changes requested, suspended, imported as verified) by a person who is a platform operator."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

DECISIONS = ["verified", "changes_requested", "suspended", "imported"]


def note_operators_decisions(apps, schema_editor):
    Organization = apps.get_model("organizations", "Organization")
    HistoryEntry = apps.get_model("organizations", "HistoryEntry")
    last = HistoryEntry.objects.filter(organization=OuterRef("pk"), action__in=DECISIONS).order_by("-created_at", "-id")
    by_operator = (
        Organization.objects.annotate(by_operator=Subquery(last.values("actor__is_superuser")[:1]))
        .filter(by_operator=True)
        .values_list("pk", flat=True)
    )
    Organization.objects.filter(pk__in=list(by_operator)).update(decided_by_operator=True)


class Migration(migrations.Migration):

    dependencies = [
        ('organizations', '0005_move_agreements'),
    ]

    operations = [
        migrations.AddField(
            model_name='organization',
            name='decided_by_operator',
            field=models.BooleanField(default=False, help_text='Only operators may change a decision an operator made (verification, changes, suspension).', verbose_name='last decision by an operator'),
        ),
        migrations.RunPython(note_operators_decisions, migrations.RunPython.noop),
    ]
