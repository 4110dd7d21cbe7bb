"""Hooks through which the apps built on organisations add to an organisation's profile and to its data.

organizations is the lower layer: it imports none of the apps that refer to organisations (agreements, ...).
Those apps connect receivers to these signals in their AppConfig.ready() instead.
"""

from django.dispatch import Signal

# Sent by the profile page (organizations.views.detail) with `request` and `organization`. A receiver returns
# the HTML of its part of the profile, shown after the networks, holding only what request.user may see; ""
# when there is nothing to show.
profile_sections = Signal()

# Sent when an organisation's data is gathered for its owners (organizations.exchange.organization_data) with
# `user` and `organization`. A receiver returns a dict of the parts it adds, holding only what `user` may see.
export_sections = Signal()
