"""The one visibility and contact-rule engine (VISIBILITY.md). No HTTP, no writes."""

from policy.actions import ActionRefused, check_may_post, may_reblog, may_target_unit, unit_targets
from policy.posts import access_post, can_view_post, dangerously_all_posts, visible_posts
from policy.viewer import Viewer

__all__ = [
    "ActionRefused",
    "Viewer",
    "access_post",
    "can_view_post",
    "check_may_post",
    "dangerously_all_posts",
    "may_reblog",
    "may_target_unit",
    "unit_targets",
    "visible_posts",
]
