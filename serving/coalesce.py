"""Single-complaint requests that arrive together are routed together, as one chunk.

``ComplaintRouter.suggest`` costs about a millisecond per call whatever its size up to a few texts (building
the sparse rows, the two heads), and about 0.1 ms per further text. Under concurrent clients, requests
arrive while the event loop is busy; :class:`SuggestQueue` collects the ones that reach it in the same turn
of the loop, and while a chunk is being routed, and routes them with one ``suggest`` call. A text's answer
does not depend on the other texts of its chunk (the router's rows are independent; tests hold single and
batch answers equal), so coalescing changes the time of an answer, never its content.

A chunk of more than :data:`INLINE_CHARS` characters in all is routed in the thread pool, so the event loop
keeps answering /healthz and accepting requests meanwhile. Routing runs within the request CPU budget
(:func:`serving.budget.request_budget`, measured on the thread that does the work); a chunk that runs past it
is routed again text by text, each with a budget of its own, so that only the text that costs too much is
answered 422.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from starlette.concurrency import run_in_threadpool

from models.router import ComplaintRouter, Suggestion
from models.unit import Place
from serving.budget import request_budget
from serving.errors import InvalidInputError
from serving.settings import Settings

__all__ = ["INLINE_CHARS", "MAX_CHUNK", "SuggestQueue", "suggest_now"]

INLINE_CHARS = 2_000
"""Routing input up to this many characters in all is routed on the event loop, longer in the thread pool."""
MAX_CHUNK = 64
"""At most this many waiting complaints are routed in one call."""
_Item = tuple[str, Place]
"""A waiting complaint: its text and location fields."""


def _suggest_within_budget(
    router: ComplaintRouter, texts: Sequence[str], settings: Settings, places: Sequence[Place] | None
) -> list[Suggestion]:
    with request_budget(settings):
        return router.suggest(texts, explain=True, places=places)


async def suggest_now(
    router: ComplaintRouter, texts: Sequence[str], settings: Settings, places: Sequence[Place] | None = None
) -> list[Suggestion]:
    """``router.suggest(texts, explain=True, places=places)`` within the CPU budget of one request: on the
    event loop for short input, else in the thread pool."""
    if sum(map(len, texts)) <= INLINE_CHARS:
        return _suggest_within_budget(router, texts, settings, places)
    return await run_in_threadpool(_suggest_within_budget, router, texts, settings, places)


class SuggestQueue:
    """Complaints waiting to be routed, and the one task of the event loop that routes them."""

    def __init__(self) -> None:
        self._waiting: list[tuple[ComplaintRouter, _Item, asyncio.Future[Suggestion]]] = []
        self._settings: Settings | None = None
        self._drain: asyncio.Task[None] | None = None

    async def suggest(
        self, router: ComplaintRouter, text: str, settings: Settings, place: Place | None = None
    ) -> Suggestion:
        """The suggestion (with explanation) for one text and its location fields, routed with whatever else
        is waiting."""
        self._settings = settings  # the app's settings: the same for every request of the queue
        future: asyncio.Future[Suggestion] = asyncio.get_running_loop().create_future()
        self._waiting.append((router, (text, place or Place()), future))
        if self._drain is None or self._drain.done():
            self._drain = asyncio.create_task(self._route_waiting())
        return await future

    async def _route_waiting(self) -> None:
        await asyncio.sleep(0)  # one turn of the loop: requests parsed in this turn join the first chunk
        while self._waiting:
            chunk, self._waiting = self._waiting[:MAX_CHUNK], self._waiting[MAX_CHUNK:]
            # A reload may swap the model between requests: each text goes to the router it was given.
            for router in {id(r): r for r, _, _ in chunk}.values():
                mine = [(text, future) for r, text, future in chunk if r is router and not future.cancelled()]
                if not mine:
                    continue
                await self._route_chunk(router, mine)

    async def _route_chunk(
        self, router: ComplaintRouter, chunk: list[tuple[_Item, asyncio.Future[Suggestion]]]
    ) -> None:
        assert self._settings is not None  # set by suggest() before any chunk exists
        try:
            texts = [text for (text, _), _ in chunk]
            suggestions = await suggest_now(router, texts, self._settings, [place for (_, place), _ in chunk])
        except InvalidInputError as exc:
            if len(chunk) == 1:
                _fail(chunk, exc)
                return
            for one in chunk:  # over the CPU budget of one request: each text again, with a budget of its own
                await self._route_chunk(router, [one])
            return
        except Exception as exc:  # noqa: BLE001 - not swallowed: every waiting request raises it
            _fail(chunk, exc)
            return
        for (_, future), suggestion in zip(chunk, suggestions, strict=True):
            if not future.done():
                future.set_result(suggestion)


def _fail(chunk: list[tuple[_Item, asyncio.Future[Suggestion]]], error: BaseException) -> None:
    for _, future in chunk:
        if not future.done():
            future.set_exception(error)
