"""REST API pieces owned by the portal itself: the signed-in person's own account."""

from __future__ import annotations

from typing import Any

from rest_framework import generics, permissions, serializers
from rest_framework.fields import empty

from portal.models import User
from portal.text import SingleLineField, single_line


class SingleLineCharField(serializers.CharField):
    """A name or title sent to the API, checked as sent (a NUL is refused, as by the forms), then cleaned as its
    model field cleans it (portal.text.single_line) before the serializer's own checks see it: a name of nothing
    but direction controls is an empty one."""

    def run_validation(self, data: Any = empty) -> Any:
        value = super().run_validation(data)
        if isinstance(value, str):
            value = single_line(value)
            if not value and not self.allow_blank:
                self.fail("blank")
        return value


# For a ModelSerializer's `serializer_field_mapping`: its SingleLineFields become SingleLineCharFields.
FIELD_MAPPING = {**serializers.ModelSerializer.serializer_field_mapping, SingleLineField: SingleLineCharField}


class MeSerializer(serializers.ModelSerializer):
    serializer_field_mapping = FIELD_MAPPING

    class Meta:
        model = User
        fields = ["email", "full_name", "preferred_language", "date_joined"]
        read_only_fields = ["email", "date_joined"]


class MeView(generics.RetrieveUpdateAPIView):
    """The account of the person making the request."""

    serializer_class = MeSerializer
    permission_classes = [permissions.IsAuthenticated]
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self) -> User:
        return self.request.user
