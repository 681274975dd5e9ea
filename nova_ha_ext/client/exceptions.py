"""Errors the /os-ha client raises, carrying Nova's fault message."""


# NOTE: named like novaclient's and keystoneauth's base errors.
class ClientException(Exception):  # noqa: N818
    """The API refused a call; ``message`` is the fault's own text."""

    def __init__(self, status_code, message, request_id=None):
        self.status_code = status_code
        self.message = message
        self.request_id = request_id
        super().__init__(self._text())

    def _text(self):
        text = '%s (HTTP %s)' % (self.message, self.status_code)
        if self.request_id:
            text += ' (Request-ID: %s)' % self.request_id
        return text


class BadRequest(ClientException):
    pass


class Forbidden(ClientException):
    pass


class NotFound(ClientException):
    pass


class Conflict(ClientException):
    pass


_BY_STATUS = {400: BadRequest, 403: Forbidden, 404: NotFound, 409: Conflict}


def from_response(response):
    """The exception for an error ``response`` of the API.

    Nova's fault body is ``{"<faultName>": {"code": N, "message": "..."}}``;
    anything else (a proxy's HTML page, say) is reported by its status
    and the start of its text.
    """
    message = None
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and len(body) == 1:
        fault = next(iter(body.values()))
        if isinstance(fault, dict):
            message = fault.get('message')
    if not message:
        message = (response.text or response.reason or '').strip()[:200]
    request_id = (response.headers.get('x-openstack-request-id') or
                  response.headers.get('x-compute-request-id'))
    cls = _BY_STATUS.get(response.status_code, ClientException)
    return cls(response.status_code, message, request_id)
