"""English dates as the portal's British English and its users write them: "3 April 2018", not Django's
American "April 3, 2018". Formats not set here come from Django's English locale."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
TIME_FORMAT = "H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
