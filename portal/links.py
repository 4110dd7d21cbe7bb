"""Web addresses people give (a website, social media links, an online meeting's link, a bulletin item's links):
http or https, and nothing else (no ftp:, javascript:, file:), checked by one validator wherever they come in.

The model fields carry it, so a form (through the model's validation), the API (a ModelSerializer takes a model
field's validators; portal.api.WebAddressCharField where a serializer declares its own field) and the admin
refuse the same addresses: what one of them saved, another can save again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

SCHEMES = ["https", "http"]


@deconstructible
class WebAddressValidator(URLValidator):
    message = _("Enter a web address that starts with https:// or http://.")

    def __init__(self) -> None:
        super().__init__(schemes=SCHEMES)


validate_web_address = WebAddressValidator()


def validate_web_addresses(links: Any) -> None:
    """A list of web addresses, each checked by validate_web_address."""
    if not isinstance(links, list):
        raise ValidationError(_("Give a list of web addresses."), code="invalid")
    for link in links:
        try:
            validate_web_address(link)
        except ValidationError as exc:
            raise ValidationError(_("“%(link)s” is not a web address."), params={"link": link}, code="invalid") from exc


class WebAddressField(models.URLField):
    """A URLField that takes http and https only (validate_web_address)."""

    default_validators = [validate_web_address]

    def deconstruct(self) -> tuple[str, str, Sequence[Any], dict[str, Any]]:
        # The check is behaviour, not schema: migrations see the URLField the column is.
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.URLField", args, kwargs


class WebAddressesField(models.JSONField):
    """A JSON list of web addresses, each taking http and https only (validate_web_addresses)."""

    default_validators = [validate_web_addresses]

    def deconstruct(self) -> tuple[str, str, Sequence[Any], dict[str, Any]]:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.JSONField", args, kwargs
