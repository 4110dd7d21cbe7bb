"""REST API pieces owned by the portal itself: the signed-in person's own account."""

from __future__ import annotations

from rest_framework import generics, permissions, serializers

from portal.http import AuthenticatedRequest
from portal.models import User


class MeSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["email", "full_name", "preferred_language", "date_joined"]
        read_only_fields = ["email", "date_joined"]


class MeView(generics.RetrieveUpdateAPIView):
    """The account of the person making the request."""

    serializer_class = MeSerializer
    permission_classes = [permissions.IsAuthenticated]
    http_method_names = ["get", "patch", "head", "options"]
    request: AuthenticatedRequest

    def get_object(self) -> User:
        return self.request.user
