"""The one visibility and contact-rule engine (VISIBILITY.md). No HTTP, no writes."""

from policy.posts import access_post, can_view_post, dangerously_all_posts, visible_posts
from policy.viewer import Viewer

__all__ = ["Viewer", "access_post", "can_view_post", "dangerously_all_posts", "visible_posts"]
