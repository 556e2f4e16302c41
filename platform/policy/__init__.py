"""The one visibility and contact-rule engine (VISIBILITY.md). No HTTP, no writes."""

from policy.actions import (
    ActionRefused,
    check_contact,
    check_may_post,
    check_may_publish,
    check_not_barred,
    default_audience,
    may_reblog,
    may_target_unit,
    unit_targets,
)
from policy.audience import (
    AudiencePreview,
    PostAudience,
    admits,
    audience_for,
    audience_members,
    audience_preview,
)
from policy.posts import (
    access_post,
    can_view_post,
    dangerously_all_posts,
    is_barred,
    visible_posts,
    visible_sql,
)
from policy.rules import TenantRules, tenant_rules
from policy.viewer import Viewer

__all__ = [
    "ActionRefused",
    "AudiencePreview",
    "PostAudience",
    "TenantRules",
    "Viewer",
    "access_post",
    "admits",
    "audience_for",
    "audience_members",
    "audience_preview",
    "can_view_post",
    "check_contact",
    "check_may_post",
    "check_may_publish",
    "check_not_barred",
    "dangerously_all_posts",
    "default_audience",
    "is_barred",
    "may_reblog",
    "may_target_unit",
    "tenant_rules",
    "unit_targets",
    "visible_posts",
    "visible_sql",
]
