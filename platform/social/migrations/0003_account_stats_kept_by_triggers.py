"""Account counts kept by the database (social.models.AccountStats), then filled from what exists.

Statement-level triggers with transition tables on ``social_follow`` and ``posts_post``: a bulk insert
or delete (COPY of a seed, a cascade, an offboarding) costs one aggregated upsert, not one per row.
Rows are upserted in account order so two transactions touching the same accounts lock them in the
same order. An UPDATE of a post only matters when it changes what is counted (author, audience,
min_rank, reblog_of, created_at): a row trigger with a WHEN clause recounts those authors.

The functions and triggers are created in the schema being migrated (as audit's), so every tenant and
the template new tenants are cloned from carry their own. Creating the triggers locks both tables
until this migration commits, so the backfill below sees every row and misses no concurrent write.
"""

from django.conf import settings
from django.db import migrations, models

# A post counts when every colleague may see it (see AccountStats).
COUNTED = "audience = 'company' AND min_rank IS NULL AND reblog_of_id IS NULL"

FORWARD = f"""
CREATE OR REPLACE FUNCTION social_stats_follows() RETURNS trigger AS $$
DECLARE
    sign integer := TG_ARGV[0]::integer;
BEGIN
    INSERT INTO social_accountstats AS s (account_id, followers_count, following_count, statuses_count)
    SELECT account_id, sign * sum(followers), sign * sum(following), 0
    FROM (
        SELECT followee_id AS account_id, 1 AS followers, 0 AS following FROM changed
        UNION ALL
        SELECT follower_id, 0, 1 FROM changed
    ) AS d
    GROUP BY account_id
    ORDER BY account_id
    ON CONFLICT (account_id) DO UPDATE
        SET followers_count = s.followers_count + EXCLUDED.followers_count,
            following_count = s.following_count + EXCLUDED.following_count;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION social_stats_posts_inserted() RETURNS trigger AS $$
BEGIN
    INSERT INTO social_accountstats AS s
        (account_id, followers_count, following_count, statuses_count, last_status_at)
    SELECT author_id, 0, 0, count(*), max(created_at)
    FROM changed WHERE {COUNTED}
    GROUP BY author_id
    ORDER BY author_id
    ON CONFLICT (account_id) DO UPDATE
        SET statuses_count = s.statuses_count + EXCLUDED.statuses_count,
            last_status_at = GREATEST(s.last_status_at, EXCLUDED.last_status_at);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- After a delete or an edit the last date may go back: recount the authors concerned.
CREATE OR REPLACE FUNCTION social_stats_recount(authors bigint[]) RETURNS void AS $$
BEGIN
    INSERT INTO social_accountstats AS s
        (account_id, followers_count, following_count, statuses_count, last_status_at)
    SELECT a.id, 0, 0, coalesce(p.n, 0), p.last
    FROM (SELECT DISTINCT unnest(authors) AS id ORDER BY 1) AS a
    LEFT JOIN LATERAL (
        SELECT count(*) AS n, max(created_at) AS last FROM posts_post
        WHERE author_id = a.id AND {COUNTED}
    ) AS p ON true
    ORDER BY a.id
    ON CONFLICT (account_id) DO UPDATE
        SET statuses_count = EXCLUDED.statuses_count, last_status_at = EXCLUDED.last_status_at;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION social_stats_posts_deleted() RETURNS trigger AS $$
BEGIN
    PERFORM social_stats_recount(ARRAY(SELECT DISTINCT author_id FROM changed WHERE {COUNTED}));
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION social_stats_post_changed() RETURNS trigger AS $$
BEGIN
    PERFORM social_stats_recount(ARRAY[OLD.author_id, NEW.author_id]);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER social_stats_follow_insert AFTER INSERT ON social_follow
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION social_stats_follows('1');
CREATE TRIGGER social_stats_follow_delete AFTER DELETE ON social_follow
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION social_stats_follows('-1');
CREATE TRIGGER social_stats_post_insert AFTER INSERT ON posts_post
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION social_stats_posts_inserted();
CREATE TRIGGER social_stats_post_delete AFTER DELETE ON posts_post
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION social_stats_posts_deleted();
CREATE TRIGGER social_stats_post_update
    AFTER UPDATE OF author_id, audience, min_rank, reblog_of_id, created_at ON posts_post
    FOR EACH ROW
    WHEN (OLD.author_id IS DISTINCT FROM NEW.author_id OR OLD.audience IS DISTINCT FROM NEW.audience
          OR OLD.min_rank IS DISTINCT FROM NEW.min_rank OR OLD.reblog_of_id IS DISTINCT FROM NEW.reblog_of_id
          OR OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION social_stats_post_changed();

INSERT INTO social_accountstats (account_id, followers_count, following_count, statuses_count, last_status_at)
SELECT e.id, coalesce(fr.n, 0), coalesce(fg.n, 0), coalesce(p.n, 0), p.last
FROM directory_employee e
LEFT JOIN (SELECT followee_id AS id, count(*) AS n FROM social_follow GROUP BY 1) AS fr ON fr.id = e.id
LEFT JOIN (SELECT follower_id AS id, count(*) AS n FROM social_follow GROUP BY 1) AS fg ON fg.id = e.id
LEFT JOIN (
    SELECT author_id AS id, count(*) AS n, max(created_at) AS last FROM posts_post WHERE {COUNTED} GROUP BY 1
) AS p ON p.id = e.id;
"""

BACKWARD = """
DROP TRIGGER IF EXISTS social_stats_follow_insert ON social_follow;
DROP TRIGGER IF EXISTS social_stats_follow_delete ON social_follow;
DROP TRIGGER IF EXISTS social_stats_post_insert ON posts_post;
DROP TRIGGER IF EXISTS social_stats_post_delete ON posts_post;
DROP TRIGGER IF EXISTS social_stats_post_update ON posts_post;
DROP FUNCTION IF EXISTS social_stats_follows();
DROP FUNCTION IF EXISTS social_stats_posts_inserted();
DROP FUNCTION IF EXISTS social_stats_posts_deleted();
DROP FUNCTION IF EXISTS social_stats_post_changed();
DROP FUNCTION IF EXISTS social_stats_recount(bigint[]);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0002_tenant_policy"),
        ("posts", "0002_conversation_domain"),
        ("social", "0002_add_mutes_blocks_lists"),
    ]

    operations = [
        migrations.CreateModel(
            name="AccountStats",
            fields=[
                (
                    "account",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="stats",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                ("followers_count", models.IntegerField(default=0)),
                ("following_count", models.IntegerField(default=0)),
                ("statuses_count", models.IntegerField(default=0)),
                ("last_status_at", models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
