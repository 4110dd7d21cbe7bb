"""The portal's own models: the person who signs in."""

from __future__ import annotations

import zoneinfo
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.text import SingleLineField


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a time zone."), params={"value": value}, code="invalid")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an account. The email address is the login; there is no user name."""

    email = models.EmailField(_("email address"), unique=True)
    full_name = SingleLineField(_("full name"), max_length=200, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text=_("Event times are shown to you in this time zone as well as the event's own."),
    )
    # Whether the person chose their time zone (at sign-up, on the preferences page or when asked after logging
    # in): until then the portal proposes the browser's, and never overrides a choice.
    time_zone_chosen = models.BooleanField(default=False, editable=False)
    is_staff = models.BooleanField(
        _("staff status"), default=False, help_text=_("Whether the user can log into the admin site.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    # Signing in changes nothing the public sees (portal.publiccache).
    public_cache_ignores = ("last_login",)

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class AuditEntry(models.Model):
    """Who did what, when and from where: sign-ins, changes of rights, and every copy of data taken out.

    Written only by portal.audit.record; read only by the operators, in the admin; deleted after its retention
    period (settings.RETENTION["audit_log"], portal/retention.py).
    """

    # Never shown to the public, written at every sign-in (portal.publiccache).
    feeds_public_pages = False

    class Action(models.TextChoices):
        LOGIN = "login", _("Logged in")
        LOGIN_FAILED = "login_failed", _("Failed login")
        LOGOUT = "logout", _("Logged out")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        MFA_ENABLED = "mfa_enabled", _("Two-factor authentication enabled")
        MFA_DISABLED = "mfa_disabled", _("Two-factor authentication disabled")
        ROLE_CHANGED = "role_changed", _("Role changed")
        MEMBER_ADDED = "member_added", _("Member added")
        MEMBER_REMOVED = "member_removed", _("Member removed")
        VERIFICATION_DECISION = "verification_decision", _("Verification decision")
        DOCUMENT_DOWNLOADED = "document_downloaded", _("Document downloaded")
        EXPORT = "export", _("Export")
        IMPORT = "import", _("Import")
        CAMPAIGN_STARTED = "campaign_started", _("Campaign started")
        ACCOUNT_DELETED = "account_deleted", _("Account deleted")
        DATA_DOWNLOADED = "data_downloaded", _("Personal data downloaded")
        ORGANIZATION_HIDDEN = "organization_hidden", _("Organisation hidden from public view")
        ORGANIZATION_REVEALED = "organization_revealed", _("Organisation shown again")
        SESSION_ENDED = "session_ended", _("Signed out of a session")
        TOKEN_REVOKED = "token_revoked", _("API key revoked")
        ANONYMOUS_ENDORSERS_VIEWED = "anonymous_endorsers_viewed", _("Endorsers not named publicly viewed")
        CALENDAR_FEED_RESET = "calendar_feed_reset", _("Calendar feed address reset")

    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_entries",
        verbose_name=_("who"),
    )
    # The address at the time, so that the entry still says who it was after an address change. When the
    # account is deleted it is replaced by its SHA-256 hash ("sha256:..."): see portal.audit.pseudonymise.
    actor_email = models.CharField(_("email address"), max_length=254, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    target_type = models.ForeignKey(
        "contenttypes.ContentType",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("kind of object"),
    )
    target_id = models.CharField(_("object id"), max_length=64, blank=True)
    target_repr = models.CharField(_("object"), max_length=200, blank=True)
    extra = models.JSONField(_("details"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["action", "created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.actor_email}".rstrip()


class PublicStamp(models.Model):
    """One row whose value the database replaces whenever public data changes (portal.publiccache)."""

    value = models.CharField(max_length=64)

    feeds_public_pages = False

    class Meta:
        db_table = "portal_publicstamp"
        verbose_name = _("public stamp")

    def __str__(self) -> str:
        return self.value


class SignedInSession(models.Model):
    """A session a person signed in with, as "Your sessions" lists it: the browser, the network it came from (no
    place: nothing is looked up outside the server), when it began and was last used. Django's session store
    cannot list a person's sessions; this can, and ends them (portal.sessions). Only the SHA-256 of the session
    key is kept, so this table holds no working session key."""

    # Never shown to the public; written as people use the site (portal.publiccache).
    feeds_public_pages = False

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signed_in_sessions")
    key_hash = models.CharField(max_length=64, unique=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    network = models.CharField(_("network"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("signed in"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last used"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-last_seen_at", "-pk"]
        verbose_name = _("signed-in session")
        verbose_name_plural = _("signed-in sessions")

    def __str__(self) -> str:
        # Named by when it began, not where from: the network is for the person's own eyes ("Your sessions").
        return f"{self.user}: {self.created_at:%Y-%m-%d %H:%M}"


class TokenUse(models.Model):
    """When an API key (rest_framework.authtoken's Token, keyed by its user) was last used: noted by
    portal.sessions.TokenAuthentication at most once a minute."""

    feeds_public_pages = False

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="token_use"
    )
    last_used_at = models.DateTimeField(_("last used"))

    class Meta:
        verbose_name = _("use of an API key")
        verbose_name_plural = _("uses of API keys")

    def __str__(self) -> str:
        return f"{self.user}: {self.last_used_at:%Y-%m-%d %H:%M}"
