"""Instance v1/v2, custom emojis, preferences: what clients read right after signing in; and
the Mastodon features a company tenant has no use for, answered empty so that apps which ask for them at
start-up keep working (featured tags, endorsements, domain blocks, the instance's rules and
peers)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from rest_framework.request import Request

from api.base import MastodonView, json_response
from api.selectors import instance_facts
from posts.services import PIN_LIMIT

VERSION = "4.3.0 (compatible; BizTweet 0.1)"
MAX_MEDIA_ATTACHMENTS = 4
IMAGE_SIZE_LIMIT = 10 * 1024 * 1024
IMAGE_MATRIX_LIMIT = 2048 * 2048 * 4
IMAGE_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp", "image/heic", "image/heif", "image/avif"]
POLLS = {"max_options": 4, "max_characters_per_option": 50, "min_expiration": 300, "max_expiration": 2629746}


def _configuration(facts: dict[str, Any]) -> dict[str, Any]:
    return {
        "accounts": {"max_featured_tags": 0, "max_pinned_statuses": PIN_LIMIT},
        "statuses": {
            "max_characters": facts["max_characters"],
            "max_media_attachments": MAX_MEDIA_ATTACHMENTS,
            "characters_reserved_per_url": 23,
        },
        "media_attachments": {
            "supported_mime_types": IMAGE_TYPES,
            "image_size_limit": IMAGE_SIZE_LIMIT,
            "image_matrix_limit": IMAGE_MATRIX_LIMIT,
            "video_size_limit": 0,
            "video_frame_rate_limit": 0,
            "video_matrix_limit": 0,
        },
        "polls": POLLS,
    }


def _languages(facts: dict[str, Any]) -> list[str]:
    return [facts["locale"]] + [code for code in ("ko", "en") if code != facts["locale"]]


class InstanceV1(MastodonView):
    public = frozenset({"GET"})
    scopes = {"GET": ""}
    user_required = False

    def get(self, request: Request) -> HttpResponse:
        facts = instance_facts()
        host = request.get_host()
        signed_in = self.viewer.employee is not None
        ws = "wss" if request.is_secure() else "ws"
        return json_response(
            {
                "uri": host,
                "title": facts["title"],
                "short_description": "",
                "description": "",
                "email": "",
                "version": VERSION,
                "urls": {"streaming_api": f"{ws}://{host}"},
                "stats": {
                    "user_count": facts["user_count"] if signed_in else 0,
                    "status_count": 0,
                    "domain_count": 1,
                },
                "thumbnail": None,
                "languages": _languages(facts),
                "registrations": False,
                "approval_required": False,
                "invites_enabled": False,
                "configuration": _configuration(facts),
                "contact_account": None,
                "rules": [],
            }
        )


class InstanceV2(MastodonView):
    public = frozenset({"GET"})
    scopes = {"GET": ""}
    user_required = False

    def get(self, request: Request) -> HttpResponse:
        facts = instance_facts()
        host = request.get_host()
        signed_in = self.viewer.employee is not None
        ws = "wss" if request.is_secure() else "ws"
        configuration = _configuration(facts)
        configuration.update(
            urls={"streaming": f"{ws}://{host}", "status": None},
            vapid={"public_key": ""},
            translation={"enabled": False},
        )
        return json_response(
            {
                "domain": host,
                "title": facts["title"],
                "version": VERSION,
                "source_url": "",
                "description": "",
                "usage": {"users": {"active_month": facts["user_count"] if signed_in else 0}},
                "thumbnail": {"url": f"{request.scheme}://{host}/static/frontend/header.png"},
                "icon": [],
                "languages": _languages(facts),
                "configuration": configuration,
                "registrations": {"enabled": False, "approval_required": False, "message": None, "url": None},
                "api_versions": {"mastodon": 2},
                "contact": {"email": "", "account": None},
                "rules": [],
            }
        )


class CustomEmojis(MastodonView):
    public = frozenset({"GET"})
    scopes = {"GET": ""}
    user_required = False

    def get(self, request: Request) -> HttpResponse:
        return json_response([])


class Preferences(MastodonView):
    scopes = {"GET": "read:accounts"}

    def get(self, request: Request) -> HttpResponse:
        return json_response(
            {
                "posting:default:visibility": "public",
                "posting:default:sensitive": False,
                "posting:default:language": self.employee.locale or None,
                "reading:expand:media": "default",
                "reading:expand:spoilers": False,
            }
        )


class EmptyList(MastodonView):
    """A list the tenant never fills. Subclasses name the scope Mastodon asks for."""

    def get(self, request: Request, **_: Any) -> HttpResponse:
        return json_response([])


class FeaturedTags(EmptyList):
    """Hashtags featured on one's profile: not offered (``max_featured_tags`` is 0)."""

    scopes = {"GET": "read:accounts"}


class AccountFeaturedTags(EmptyList):
    scopes = {"GET": "read:accounts"}


class Endorsements(EmptyList):
    """Accounts featured on one's profile: not offered."""

    scopes = {"GET": "read:accounts"}


class DomainBlocks(EmptyList):
    """A tenant does not federate: there is no other domain to block."""

    scopes = {"GET": "read:blocks"}


class InstanceRules(EmptyList):
    scopes = {"GET": ""}
    public = frozenset({"GET"})
    user_required = False


class InstancePeers(InstanceRules):
    """No federation, so no peers."""
