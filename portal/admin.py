from __future__ import annotations

from typing import Any

from allauth.account.decorators import secure_admin_login
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Field, Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from portal import audit
from portal.access import viewer_of
from portal.countries import country_choices
from portal.models import AuditEntry, User

admin.site.site_header = _("Civil Society Coordination Portal")
admin.site.site_title = _("Portal administration")


def _operators_only(request: HttpRequest) -> bool:
    """The admin is the platform operators' tool: everyone else works through the portal's own pages."""
    return viewer_of(request.user).is_operator


# Patched on the default site itself (mypy's method-assign) rather than a site subclass that settings would name.
admin.site.has_permission = _operators_only  # type: ignore[method-assign]
# Sign in through allauth, which asks for the second factor, never through the admin's password-only form.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]


class CountriesInReadersOrder(admin.options.BaseModelAdmin[Model]):
    """A model admin whose country fields list every country named and ordered in the reader's language, as the
    portal's own forms do (portal.countries)."""

    def formfield_for_dbfield(
        self, db_field: Field[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if isinstance(db_field, CountryField) and isinstance(field, forms.ChoiceField):
            field.choices = [*([] if db_field.multiple else [("", "---------")]), *country_choices()]
        return field


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "preferred_language", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", "preferred_language"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profile"), {"fields": ["full_name", "preferred_language"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit log, for operators to read: nobody adds, edits or deletes an entry by hand (old entries go
    by portal.audit.prune)."""

    list_display = ["created_at", "action", "actor_email", "ip_address", "target_type", "target_repr"]
    list_filter = ["action", "created_at"]
    date_hierarchy = "created_at"
    search_fields = ["actor_email"]
    list_select_related = ["target_type"]
    fields = [
        "created_at",
        "action",
        "actor",
        "actor_email",
        "ip_address",
        "user_agent",
        "target_type",
        "target_id",
        "target_repr",
        "extra",
    ]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[AuditEntry], search_term: str
    ) -> tuple[QuerySet[AuditEntry], bool]:
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if "@" in search_term:
            # A deleted account's entries keep only the hash of its address: searching the address finds them.
            results |= queryset.filter(actor_email=audit.hashed_email(search_term))
        return results, may_have_duplicates

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return viewer_of(request.user).is_operator

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
