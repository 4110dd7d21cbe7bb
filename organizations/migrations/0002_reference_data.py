"""Syria's governorates and the common focus areas, named in the portal's six languages, and the trigram
index that makes directory search fast on PostgreSQL."""

from django.db import migrations

LANGS = ("en", "ar", "ku", "fr", "es", "ru")

GOVERNORATES = {
    "damascus": ("Damascus", "دمشق", "Şam", "Damas", "Damasco", "Дамаск"),
    "rif-dimashq": ("Rif Dimashq", "ريف دمشق", "Gundewarê Şamê", "Rif Dimachq", "Rif Dimashq", "Риф-Димашк"),
    "aleppo": ("Aleppo", "حلب", "Heleb", "Alep", "Alepo", "Алеппо"),
    "homs": ("Homs", "حمص", "Hims", "Homs", "Homs", "Хомс"),
    "hama": ("Hama", "حماة", "Hema", "Hama", "Hama", "Хама"),
    "latakia": ("Latakia", "اللاذقية", "Lazkiye", "Lattaquié", "Latakia", "Латакия"),
    "tartus": ("Tartus", "طرطوس", "Tartûs", "Tartous", "Tartus", "Тартус"),
    "idlib": ("Idlib", "إدلب", "Îdlib", "Idleb", "Idlib", "Идлиб"),
    "raqqa": ("Raqqa", "الرقة", "Reqa", "Raqqa", "Al Raqa", "Ракка"),
    "deir-ez-zor": ("Deir ez-Zor", "دير الزور", "Dêrezor", "Deir ez-Zor", "Deir ez-Zor", "Дейр-эз-Зор"),
    "hasakah": ("Al-Hasakah", "الحسكة", "Hesekê", "Hassaké", "Al-Hasaka", "Эль-Хасака"),
    "daraa": ("Daraa", "درعا", "Dera", "Deraa", "Daraa", "Даръа"),
    "suwayda": ("As-Suwayda", "السويداء", "Siwêda", "Soueïda", "As-Suwayda", "Эс-Сувейда"),
    "quneitra": ("Quneitra", "القنيطرة", "Qunêtire", "Kuneitra", "Quneitra", "Эль-Кунейтра"),
}

TOPICS = {
    "enforced-disappearance": (
        "Enforced disappearance", "الإخفاء القسري", "Windakirina bi zorê", "Disparitions forcées",
        "Desaparición forzada", "Насильственные исчезновения",
    ),
    "detention": ("Detention", "الاعتقال", "Girtin", "Détention", "Detención", "Содержание под стражей"),
    "torture": ("Torture", "التعذيب", "Îşkence", "Torture", "Tortura", "Пытки"),
    "gender-based-violence": (
        "Gender-based violence", "العنف القائم على النوع الاجتماعي", "Tundiya li ser bingeha zayendê",
        "Violences basées sur le genre", "Violencia de género", "Гендерное насилие",
    ),
    "children-youth": ("Children and youth", "الأطفال والشباب", "Zarok û ciwan", "Enfants et jeunes", "Infancia y juventud", "Дети и молодёжь"),
    "housing-land-property": (
        "Housing, land and property", "السكن والأرض والملكية", "Xanî, erd û milk", "Logement, terre et propriété",
        "Vivienda, tierra y propiedad", "Жильё, земля и имущество",
    ),
    "refugees-returns": ("Refugees and returns", "اللاجئون والعودة", "Penaber û vegerîn", "Réfugiés et retours", "Refugiados y retorno", "Беженцы и возвращение"),
    "transitional-justice": (
        "Transitional justice", "العدالة الانتقالية", "Dadweriya veguhêz", "Justice transitionnelle",
        "Justicia transicional", "Правосудие переходного периода",
    ),
    "documentation": ("Documentation", "التوثيق", "Belgekirin", "Documentation", "Documentación", "Документирование"),
    "psychosocial-support": (
        "Psychosocial support", "الدعم النفسي والاجتماعي", "Piştgiriya derûnî-civakî", "Soutien psychosocial",
        "Apoyo psicosocial", "Психосоциальная поддержка",
    ),
    "accountability": ("Accountability", "المساءلة", "Berpirsiyarî", "Redevabilité", "Rendición de cuentas", "Привлечение к ответственности"),
    "women-peace-security": (
        "Women, peace and security", "المرأة والسلام والأمن", "Jin, aştî û ewlehî", "Femmes, paix et sécurité",
        "Mujeres, paz y seguridad", "Женщины, мир и безопасность",
    ),
}


def names(values):
    return {"name": values[0], **{f"name_{lang}": value for lang, value in zip(LANGS, values, strict=True)}}


def load(apps, schema_editor):
    Governorate = apps.get_model("organizations", "Governorate")
    Topic = apps.get_model("organizations", "Topic")
    for code, values in GOVERNORATES.items():
        Governorate.objects.update_or_create(code=code, defaults=names(values))
    for slug, values in TOPICS.items():
        Topic.objects.update_or_create(slug=slug, defaults=names(values))


def add_trigram_index(apps, schema_editor):
    # Substring search (LIKE '%...%') over folded names uses this index on PostgreSQL; SQLite scans.
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS organization_search_trgm "
        "ON organizations_organization USING gin (search_text gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS organization_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("organizations", "0001_initial")]

    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
        migrations.RunPython(add_trigram_index, drop_trigram_index),
    ]
