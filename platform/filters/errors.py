"""Refusals of filter writes that are the client's fault (HTTP 422 with the message)."""


class FilterInvalid(ValueError):
    """Bad input to a keyword filter write; nothing was changed."""
