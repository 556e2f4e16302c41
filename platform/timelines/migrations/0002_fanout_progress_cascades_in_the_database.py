"""Deleting a post while its fan-out runs must not fail.

Django cascades ``FanoutProgress`` in Python: it collects the rows, then deletes the post. A worker that
writes the post's progress row between the two made the post's DELETE violate the foreign key (seen in
CI as an IntegrityError when a test removed its posts while the Celery worker was still fanning out;
for an employee it would be a failed delete). With ON DELETE CASCADE in PostgreSQL the two simply wait
for each other's locks.
"""

from django.db import migrations

CONSTRAINT = "timelines_fanoutprogress_post_id_5cc9bc0d_fk_posts_post_id"


def _fk(on_delete: str) -> str:
    return (
        f"ALTER TABLE timelines_fanoutprogress DROP CONSTRAINT {CONSTRAINT}, "
        f"ADD CONSTRAINT {CONSTRAINT} FOREIGN KEY (post_id) REFERENCES posts_post (id) "
        f"{on_delete} DEFERRABLE INITIALLY DEFERRED"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("timelines", "0001_markers_and_fanout_progress"),
        ("posts", "0001_initial"),
    ]

    operations = [migrations.RunSQL(_fk("ON DELETE CASCADE"), reverse_sql=_fk(""))]
