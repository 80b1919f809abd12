"""How a rebuild groups items and reads their page texts (pure logic, a stand-in object store)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from minio.error import S3Error

from casework_common.storage import page_text_key
from casework_search.rebuild import _batches, _page_texts


def items(*pages: int) -> list[dict[str, Any]]:
    return [{"id": f"e{n}", "pages_total": count} for n, count in enumerate(pages)]


def test_batches_hold_about_the_page_budget_and_never_split_an_item() -> None:
    batches = list(_batches(items(1, 200, 300, 1, 600, 2, 3), pages=500))
    assert [[i["pages_total"] for i in batch] for batch in batches] == [[1, 200, 300], [1, 600], [2, 3]]
    assert list(_batches([], pages=500)) == []


class Response:
    def __init__(self, text: str) -> None:
        self.text = text

    def read(self) -> bytes:
        return self.text.encode()

    def close(self) -> None:
        pass

    def release_conn(self) -> None:
        pass


class Store:
    """Page texts by key; a key listed in ``gone`` answers NoSuchKey, as an erased text does."""

    def __init__(self, gone: set[str]) -> None:
        self.gone = gone

    def get_object(self, bucket: str, key: str, version_id: str | None = None) -> Response:
        if key in self.gone:
            raise S3Error(None, "NoSuchKey", "gone", key, "req", "host")  # type: ignore[arg-type]
        return Response(f"text of {key}")


def test_each_item_gets_its_own_pages_in_order_and_an_item_with_a_text_gone_gets_none() -> None:
    batch = items(2, 3, 1)
    with ThreadPoolExecutor(4) as readers:
        texts = _page_texts(readers, Store(gone={page_text_key("e1", 2)}), "texts", batch)  # type: ignore[arg-type]
    assert texts[0] == [f"text of {page_text_key('e0', n)}" for n in (1, 2)]
    assert texts[1] is None
    assert texts[2] == [f"text of {page_text_key('e2', 1)}"]
