"""Turning the extension's errors into Nova's HTTP faults.

Nova's ``expected_errors`` only lets webob HTTP errors through (anything
else becomes a 500), so each controller method maps the domain errors it
can raise onto them, keeping the messages, which say what to do.
"""

import functools

from nova import exception as nova_exception
import webob

from nova_ha_ext import exception


def translate(func):
    """Map NotFound → 404, Invalid → 400, Conflict → 409."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except nova_exception.NotFound as error:
            raise webob.exc.HTTPNotFound(explanation=error.format_message())
        except nova_exception.Invalid as error:
            raise webob.exc.HTTPBadRequest(
                explanation=error.format_message())
        except exception.Conflict as error:
            raise webob.exc.HTTPConflict(explanation=error.format_message())

    return wrapper
