"""The one error type of the services: a request that cannot be honoured, with a message
written for the user (French). Views show ``message``; no stack trace reaches a user."""


class ServiceError(Exception):
    """A request that cannot be honoured; ``message`` is written for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
