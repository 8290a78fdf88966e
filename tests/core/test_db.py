"""Identifiers and column types shared by every table."""
from core.db import uuid7


def test_uuid7_ids_are_unique_ordered_and_version_7():
    ids = [uuid7() for _ in range(20000)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert {i.version for i in ids} == {7} and {i.variant for i in ids} == {"specified in RFC 4122"}
