"""English dates as the portal's British English and its users write them: "3 April 2018", not Django's
American "April 3, 2018". Formats not set here come from Django's English locale."""

DATE_FORMAT = "j F Y"
