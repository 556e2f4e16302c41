"""Errors a post write can raise. Views answer ``PostInvalid`` with Mastodon's 422 and the message."""

from __future__ import annotations


class PostInvalid(ValueError):
    """Bad input for a post (empty, too long, unknown reply target, bad poll or media): nothing was saved."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MediaInvalid(PostInvalid):
    """An upload that is not a usable image (not an image, too large, too many pixels)."""
