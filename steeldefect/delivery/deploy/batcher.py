"""Micro-batching: concurrent requests' images go through the graph together.

Requests put their image on a queue and await a future. One worker takes the first image, then
whatever else arrives within ``max_wait_ms`` up to ``max_batch`` images, groups them by size (a batch
is one tensor), and runs each group in the model's thread, so the event loop keeps accepting requests
while the model runs. ``max_batch=1`` runs images one at a time (no batching).

Each group's outputs are finished (``finish``: the server's post-processing of a batch, thresholds,
masks, RLE and JSON, in one call) in a second thread while the model thread starts on the next group:
the two stages overlap instead of taking turns.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np


@dataclass
class _Item:
    image: np.ndarray
    future: asyncio.Future


def rows(images: np.ndarray, gate, probs: np.ndarray) -> list[tuple]:
    """The default ``finish``: each image's (gate row or None, probs) of a batch's outputs."""
    return [(None if gate is None else gate[j], probs[j]) for j in range(len(images))]


def _fail(items: list[_Item], err: BaseException) -> None:
    for it in items:
        if not it.future.done():
            it.future.set_exception(err)


class MicroBatcher:
    """Batches ``run(images (B, H, W, 3)) -> (gate (B, ...) or None, probs (B, ...))`` across callers.

    ``submit(image)`` answers with its image's entry of ``finish(images, gate, probs) -> [one answer
    per image]``; the default, ``rows``, answers (gate row or None, probs)."""

    def __init__(self, run: Callable, max_batch: int = 8, max_wait_ms: float = 5.0,
                 on_batch: Callable[[int], None] | None = None,
                 finish: Callable[[np.ndarray, Any, np.ndarray], list] = rows):
        if max_batch < 1 or max_wait_ms < 0:
            raise ValueError("max_batch must be >= 1 and max_wait_ms >= 0")
        self.run, self.max_batch, self.max_wait = run, max_batch, max_wait_ms / 1000.0
        self.on_batch, self.finish = on_batch, finish
        self._queue: asyncio.Queue | None = None
        self._task: asyncio.Task | None = None
        self._finishing: set[asyncio.Task] = set()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="steeldefect-model")
        self._post = ThreadPoolExecutor(max_workers=1, thread_name_prefix="steeldefect-post")

    def start(self) -> None:
        self._queue = asyncio.Queue()
        self._task = asyncio.get_running_loop().create_task(self._work())

    async def stop(self) -> None:
        for task in [self._task, *self._finishing]:
            if task is not None:
                task.cancel()
                try:
                    await task
                except asyncio.CancelledError:
                    pass
        self._executor.shutdown(wait=False)
        self._post.shutdown(wait=False)

    async def submit(self, image: np.ndarray):
        """The answer for one uint8 (H, W, 3) image (see the class)."""
        future = asyncio.get_running_loop().create_future()
        await self._queue.put(_Item(image, future))
        return await future

    async def _collect(self) -> list[_Item]:
        items = [await self._queue.get()]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.max_wait
        while len(items) < self.max_batch:
            if not self._queue.empty():
                items.append(self._queue.get_nowait())
                continue
            left = deadline - loop.time()
            if left <= 0:
                break
            try:
                items.append(await asyncio.wait_for(self._queue.get(), left))
            except asyncio.TimeoutError:
                break
        return items

    async def _finish(self, group: list[_Item], images: np.ndarray, gate, probs) -> None:
        try:
            answers = await asyncio.get_running_loop().run_in_executor(self._post, self.finish, images, gate, probs)
        except Exception as err:  # the post-processing failed: every caller of this batch gets the error
            _fail(group, err)
            return
        for it, answer in zip(group, answers):
            if not it.future.done():
                it.future.set_result(answer)

    async def _work(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            items = [it for it in await self._collect() if not it.future.done()]  # done: the caller left
            groups: dict[tuple, list[_Item]] = {}
            for it in items:
                groups.setdefault(it.image.shape, []).append(it)
            for group in groups.values():
                images = np.stack([it.image for it in group])
                try:
                    gate, probs = await loop.run_in_executor(self._executor, self.run, images)
                except Exception as err:  # the model failed: every caller of this batch gets the error
                    _fail(group, err)
                    continue
                if self.on_batch is not None:
                    self.on_batch(len(group))
                task = loop.create_task(self._finish(group, images, gate, probs))  # beside the next model call
                self._finishing.add(task)
                task.add_done_callback(self._finishing.discard)
