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

# Sent by organizations.services.hide_organization, inside its transaction, with `organization`. Receivers
# withdraw what lets anyone outside read the organisation's data without signing in (its calendar feed address).
organization_hidden = Signal()

# Sent by organizations.picker.OrganizationPicker with `viewer` (a portal.access.Viewer). A receiver returns a list
# of organizations.picker.PickerFilter: filters on relations of organisations its app keeps (the signatories of a
# protocol), offering only values `viewer` may see and narrowing by rows the rules let `viewer` see.
picker_filters = Signal()
