"""The index follows the posts: after-commit hooks on create, edit and delete (through the API), the
per-token counts stay equal to what the documents hold, and ``search_reindex`` rebuilds or fills in."""

from __future__ import annotations

import io
import unicodedata
from collections import Counter

from django.core.management import call_command
from django.db import connection

from search.models import PostDocument, TokenFrequency
from search.tokens import document_tokens, pair, parse_query
from tests.search.conftest import Api, Org


def _found(api: Api, q: str) -> list[str]:
    return [s["id"] for s in api.get("/api/v2/search", {"q": q, "type": "statuses"}).json()["statuses"]]


def _counts_match_documents() -> None:
    expected: Counter[int] = Counter()
    for tokens in PostDocument.objects.values_list("tokens", flat=True):
        expected.update(tokens)
    stored = dict(
        TokenFrequency.objects.exclude(token=TokenFrequency.TOTAL).values_list("token", "documents")
    )
    assert {t: n for t, n in stored.items() if n} == dict(expected)
    total = (
        TokenFrequency.objects.filter(token=TokenFrequency.TOTAL).values_list("documents", flat=True).first()
    )
    assert (total or 0) == PostDocument.objects.count()


def test_posts_written_through_the_api_are_found_then_edited_then_gone(
    org: Org, api_as, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    lee, kim = api_as(org.lee), api_as(org.kim)
    with django_capture_on_commit_callbacks(execute=True):
        created = lee.post("/api/v1/statuses", {"status": "분기 워크숍 장소 공지"}).json()
    assert _found(kim, "워크숍") == [created["id"]]
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            lee.put(f"/api/v1/statuses/{created['id']}", {"status": "분기 세미나 장소 공지"}).status_code
            == 200
        )
    assert _found(kim, "워크숍") == []
    assert _found(kim, "세미나") == [created["id"]]
    _counts_match_documents()
    with django_capture_on_commit_callbacks(execute=True):
        assert lee.delete(f"/api/v1/statuses/{created['id']}").status_code == 200
    assert _found(kim, "세미나") == []
    assert not PostDocument.objects.filter(post_id=int(created["id"])).exists()
    _counts_match_documents()


def test_indexing_twice_changes_nothing(org: Org, say) -> None:  # type: ignore[no-untyped-def]
    from search.services import post_index

    post = say(org.lee, "중복 색인 확인")
    post_index(post.pk)
    post_index(post.pk)
    assert PostDocument.objects.filter(post=post).count() == 1
    _counts_match_documents()


def test_reindex_rebuilds_the_index_and_the_counts(org: Org, say) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import post

    say(org.lee, "색인된 글")
    unindexed = post(org.lee, "색인 안 된 글 (after-commit 호출이 사라짐)")
    with connection.cursor() as cursor:  # a stale count, as a lost decrement would leave
        cursor.execute("UPDATE search_tokenfrequency SET documents = documents + 5")
    out = io.StringIO()
    call_command("search_reindex", tenant=["acme"], stdout=out)
    assert "acme:" in out.getvalue() and "posts indexed" in out.getvalue()
    assert PostDocument.objects.filter(post=unindexed).exists()
    _counts_match_documents()


def test_reindex_missing_fills_gaps_and_drops_deleted(org: Org, say, api_as) -> None:  # type: ignore[no-untyped-def]
    from policy import dangerously_all_posts
    from tests.factories import post

    gone = say(org.lee, "사라질 글")
    dangerously_all_posts().filter(pk=gone.pk).delete()  # its after-commit call never ran
    unindexed = post(org.lee, "늦게 색인될 글")
    assert _found(api_as(org.kim), "늦게") == []
    out = io.StringIO()
    call_command("search_reindex", "--missing", tenant=["acme"], stdout=out)
    assert "2 posts filled in" in out.getvalue()
    assert _found(api_as(org.kim), "늦게") == [str(unindexed.pk)]
    assert not PostDocument.objects.filter(post_id=gone.pk).exists()
    _counts_match_documents()


def test_reindex_refuses_an_unknown_tenant(acme) -> None:  # type: ignore[no-untyped-def]
    import pytest
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="No such tenant: nope"):
        call_command("search_reindex", tenant=["nope"])


# ---- tokens ------------------------------------------------------------------------------------------


def test_composed_and_decomposed_hangul_give_the_same_tokens() -> None:
    text = "주간회의록"
    assert document_tokens(unicodedata.normalize("NFD", text)) == document_tokens(text)
    assert parse_query(unicodedata.normalize("NFD", "회의"))[0].tokens == parse_query("회의")[0].tokens


def test_tokens_are_case_folded_bigrams_within_words() -> None:
    assert document_tokens("Go GO") == [pair("g", "o")]
    assert pair("a", "b") != pair("b", "a")
    assert document_tokens("a") == [pair("a", None)]
    assert document_tokens("회의 록") == sorted({pair("회", "의"), pair("록", None)})


def test_characters_outside_the_bmp_still_make_tokens() -> None:
    tokens = document_tokens("𠮷野家 launch")  # 𠮷 is outside the Basic Multilingual Plane
    assert all(-(2**31) <= t < 2**31 for t in tokens)
    assert set(parse_query("𠮷野")[0].tokens) <= set(tokens)
