"""Refusals of social writes that are the client's fault (HTTP 422 with the message)."""


class SocialInvalid(ValueError):
    """Bad input to a follow, mute, block or list write; nothing was changed."""
