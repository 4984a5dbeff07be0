"""Error hierarchy shared by every addon of the suite.

Journal processing (``logistics.message``) turns each of them into a state:

* :class:`RetryableError`   -> ``failed`` with a next attempt (backoff), ``dead``
                               after the backend's maximum number of attempts;
* :class:`NeedsMappingError` -> ``needs_mapping`` (re-processed once the mapping exists);
* :class:`PermanentError`    -> ``failed`` with no automatic retry (bad input);
* anything else              -> treated as retryable, with the traceback kept.
"""


class LogisticsError(Exception):
    """Base class of the suite's errors. ``str(error)`` is meant for a person."""


class PermanentError(LogisticsError):
    """The input or the request is wrong; retrying the same thing cannot help."""


class ParseError(PermanentError):
    """A payload (JSON, X12, CSV) could not be read. ``where`` says where."""

    def __init__(self, message, where=None):
        self.where = where
        super().__init__(f"{message} ({where})" if where else message)


class RetryableError(LogisticsError):
    """A temporary failure (timeout, 429, 5xx, lock). ``delay`` in seconds, if known."""

    def __init__(self, message, delay=None, status_code=None):
        self.delay = delay
        self.status_code = status_code
        super().__init__(message)


class NeedsMappingError(LogisticsError):
    """An external code has no mapping on the backend; nothing is guessed."""

    def __init__(self, mapping_type, code, backend_name=None):
        self.mapping_type = mapping_type
        self.code = code
        self.backend_name = backend_name
        where = f" on backend {backend_name}" if backend_name else ""
        super().__init__(f"No {mapping_type} mapping for code {code!r}{where}")


class RemoteError(PermanentError):
    """The remote system refused the request (4xx other than 408/429)."""

    def __init__(self, message, status_code=None, body=None):
        self.status_code = status_code
        self.body = body
        super().__init__(message)
