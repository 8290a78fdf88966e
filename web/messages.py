"""Messages that services and the HTTP layer raise in English, marked here so the portal's
catalogue translates them when a page shows them (the `|t` filter). Messages with a varying
part are matched by pattern and translated with the part kept."""
from __future__ import annotations

import re

from flask_babel import gettext


def N_(message: str) -> str:
    return message


FIXED = (
    N_("is required"),
    N_("enter a valid e-mail address"),
    N_("this e-mail address is already registered"),
    N_("e-mail or password is incorrect"),
    N_("is incorrect"),
    N_("use at most 256 characters"),
    N_("at least one role is required"),
    N_("you cannot deactivate yourself"),
    N_("a tenant must keep at least one active owner"),
    N_("only an owner can grant or take away the owner role"),
    N_("an API key cannot have roles beyond your own"),
    N_("this API key is already revoked"),
    N_("API keys have no password"),
    N_("cannot be changed here"),
    N_("the form expired or its CSRF token is missing; reload the page and try again"),
    N_("a record with the same unique values already exists"),
    N_("the change conflicts with related records"),
    N_("another change to the same records won; retry the request"),
    N_("The requested URL was not found on the server. If you entered the URL manually please check "
       "your spelling and try again."),
    N_("The method is not allowed for the requested URL."),
    N_("The server encountered an internal error and was unable to complete your request. Either the "
       "server is overloaded or there is an error in the application."),
)

PATTERNS = (
    (re.compile(r"^use at least (?P<n>\d+) characters$"), N_("use at least %(n)s characters")),
    (re.compile(r"^use at most (?P<n>\d+) characters$"), N_("use at most %(n)s characters")),
    (re.compile(r"^use one of (?P<values>.+)$"), N_("use one of %(values)s")),
    (re.compile(r"^(?P<value>.+) is not an ISO 4217 currency code$"), N_("%(value)s is not an ISO 4217 currency code")),
    (re.compile(r"^(?P<value>.+) is not an IANA time zone$"), N_("%(value)s is not an IANA time zone")),
    (re.compile(r"^unknown role\(s\): (?P<roles>.+?); use (?P<known>.+)$"),
     N_("unknown role(s): %(roles)s; use %(known)s")),
    (re.compile(r"^(?P<entity>.+) (?P<ident>\S+) not found$"), N_("%(entity)s %(ident)s not found")),
    (re.compile(r"^too many failed logins: try again in (?P<n>\d+) minutes$"),
     N_("too many failed logins: try again in %(n)s minutes")),
)


def translate(message: str) -> str:
    """The message in the request's language when the catalogue knows it, else as it is."""
    translated = gettext(message)
    if translated != message:
        return translated
    for pattern, template in PATTERNS:
        match = pattern.match(message)
        if match:
            result = gettext(template, **match.groupdict())
            return result if gettext(template) != template else message
    return message
