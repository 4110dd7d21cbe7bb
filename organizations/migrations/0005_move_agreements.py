"""Agreements are their own app now: agreements.0001_initial took over their tables, so organizations only
forgets the models (state only: the database is not touched)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('organizations', '0004_directory_indexes'),
        ('agreements', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='AccessionRequest'),
                migrations.DeleteModel(name='AgreementParty'),
                migrations.DeleteModel(name='Agreement'),
            ],
            database_operations=[],
        ),
    ]
