"""The agreements moved here from organizations, their rows kept.

organizations.0003_agreements made the tables organizations_agreement, organizations_agreementparty and
organizations_accessionrequest. This app takes them over as they are (state only: the database is not
touched), then renames them to the names Django gives this app's models. organizations.0005_move_agreements
removes the models from organizations' state, and 0002_content_types moves their content types (and so
their permissions, audit entries and admin log entries) here.
"""

import django.db.models.deletion
import django.utils.timezone
import organizations.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('organizations', '0004_directory_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Agreement',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('protocol', 'Multilateral protocol of cooperation'), ('mou', 'Bilateral memorandum of understanding')], default='protocol', max_length=10, verbose_name='kind')),
                        ('slug', models.SlugField(max_length=80, unique=True, verbose_name='address')),
                        ('title', models.CharField(max_length=250, verbose_name='title')),
                        ('title_en', models.CharField(max_length=250, null=True, verbose_name='title')),
                        ('title_ar', models.CharField(max_length=250, null=True, verbose_name='title')),
                        ('title_ku', models.CharField(max_length=250, null=True, verbose_name='title')),
                        ('title_fr', models.CharField(max_length=250, null=True, verbose_name='title')),
                        ('title_es', models.CharField(max_length=250, null=True, verbose_name='title')),
                        ('title_ru', models.CharField(max_length=250, null=True, verbose_name='title')),
                        ('summary', models.TextField(blank=True, verbose_name='summary')),
                        ('summary_en', models.TextField(blank=True, null=True, verbose_name='summary')),
                        ('summary_ar', models.TextField(blank=True, null=True, verbose_name='summary')),
                        ('summary_ku', models.TextField(blank=True, null=True, verbose_name='summary')),
                        ('summary_fr', models.TextField(blank=True, null=True, verbose_name='summary')),
                        ('summary_es', models.TextField(blank=True, null=True, verbose_name='summary')),
                        ('summary_ru', models.TextField(blank=True, null=True, verbose_name='summary')),
                        ('signed_on', models.DateField(blank=True, null=True, verbose_name='signing date')),
                        ('signed_place', models.CharField(blank=True, max_length=120, verbose_name='signing place')),
                        ('status', models.CharField(choices=[('draft', 'Draft'), ('in_force', 'In force'), ('ended', 'Ended')], default='draft', max_length=10, verbose_name='status')),
                        ('visibility', models.CharField(choices=[('public', 'Public'), ('members', 'Signed-in members of verified organisations'), ('confidential', 'Confidential to its parties')], default='confidential', max_length=15, verbose_name='visibility')),
                        ('accepts_accessions', models.BooleanField(default=False, verbose_name='other organisations may ask to accede')),
                        ('document', models.FileField(blank=True, storage=organizations.models.private_storage, upload_to='agreements/', verbose_name='signed document (PDF)')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('owner', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='agreements_owned', to='organizations.organization', verbose_name='mechanism')),
                    ],
                    options={
                        'db_table': 'organizations_agreement',
                        'verbose_name': 'agreement',
                        'verbose_name_plural': 'agreements',
                        'ordering': ['-signed_on', 'title'],
                    },
                ),
                migrations.CreateModel(
                    name='AccessionRequest',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('message', models.TextField(blank=True, max_length=4000, verbose_name='message')),
                        ('named_publicly', models.BooleanField(default=False, verbose_name='agrees to be named publicly as a party')),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('accepted', 'Accepted'), ('declined', 'Declined')], default='pending', max_length=10, verbose_name='status')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('decided_at', models.DateTimeField(blank=True, null=True)),
                        ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('organization', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='accession_requests', to='organizations.organization')),
                        ('requested_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('agreement', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='accession_requests', to='agreements.agreement')),
                    ],
                    options={
                        'db_table': 'organizations_accessionrequest',
                        'verbose_name': 'accession request',
                        'verbose_name_plural': 'accession requests',
                        'ordering': ['-created_at'],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('status', 'pending')), fields=('agreement', 'organization'), name='accession_one_pending')],
                    },
                ),
                migrations.CreateModel(
                    name='AgreementParty',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('joined_on', models.DateField(default=django.utils.timezone.localdate, verbose_name='date')),
                        ('joined_by', models.CharField(choices=[('original', 'Original signatory'), ('accession', 'Accession')], default='original', max_length=10, verbose_name='how it joined')),
                        ('named_publicly', models.BooleanField(default=False, help_text='If unticked, the organisation is counted but never named to those outside the agreement.', verbose_name='agrees to be named publicly')),
                        ('agreement', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='parties', to='agreements.agreement')),
                        ('organization', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='agreement_parties', to='organizations.organization')),
                    ],
                    options={
                        'db_table': 'organizations_agreementparty',
                        'verbose_name': 'party',
                        'verbose_name_plural': 'parties',
                        'ordering': ['joined_on', 'organization__name'],
                        'constraints': [models.UniqueConstraint(fields=('agreement', 'organization'), name='agreement_party_unique')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name='agreement', table=None),
        migrations.AlterModelTable(name='agreementparty', table=None),
        migrations.AlterModelTable(name='accessionrequest', table=None),
    ]
