"""Kurmanji (Latin script) dates: "16 Berfanbar 2026, 13:05". Django has no Kurmanji locale, so without this module
it used its American defaults ("Ber. 16, 2026"); the month and day names come from the Kurmanji catalogue of
Django's own strings (locale/vendor/ku). Numbers as CLDR writes Kurmanji: 1.234.567,5."""

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
