"""Arabic dates in day-month-year order with the Arabic comma before the time: "16 ديسمبر 2026، 1:05 م", as CLDR
writes them. Django's Arabic locale has "16 ديسمبر، 2026" and no date-and-time format at all, so its default,
the American "ديسمبر 16, 2026, 1 م", showed. Numbers in the Latin digits the portal writes Arabic with, grouped
and pointed as CLDR's Arabic does for them. Formats not set here come from Django's Arabic locale."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y، g:i A"
SHORT_DATETIME_FORMAT = "d/m/Y، H:i"
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
