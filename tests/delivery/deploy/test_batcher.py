"""The micro-batcher: concurrent images run together, grouped by size; with ``finish`` the
post-processing of a batch is one call, beside the next batch's model call."""

from __future__ import annotations

import asyncio
import threading

import numpy as np
import pytest

from steeldefect.delivery.deploy.batcher import MicroBatcher


def _image(value: int, shape=(4, 6)) -> np.ndarray:
    return np.full((*shape, 3), value, np.uint8)


def _run(images):
    """gate = each image's first pixel, probs = the images as floats."""
    return images[:, 0, 0, 0].astype(np.float32), images.astype(np.float32)


async def _with(batcher: MicroBatcher, make):
    """Start the batcher, await ``make()`` (built inside the loop), stop it."""
    batcher.start()
    try:
        return await asyncio.wait_for(make(), 10)
    finally:
        await batcher.stop()


def test_concurrent_images_run_together_grouped_by_size():
    calls = []

    def run(images):
        calls.append(images.shape)
        return _run(images)

    batcher = MicroBatcher(run, max_batch=8, max_wait_ms=50)
    images = [_image(1), _image(2), _image(3, (5, 6)), _image(4)]
    answers = asyncio.run(_with(batcher, lambda: asyncio.gather(*(batcher.submit(im) for im in images))))
    assert sorted(calls) == [(1, 5, 6, 3), (3, 4, 6, 3)]
    assert [float(gate) for gate, _ in answers] == [1, 2, 3, 4]
    assert all(np.array_equal(probs, im) for (_, probs), im in zip(answers, images))


def test_finish_is_one_call_per_batch_and_each_caller_gets_its_answer():
    finished = []

    def finish(images, gate, probs):
        finished.append(len(images))
        return [{"value": int(v)} for v in gate]

    batcher = MicroBatcher(_run, max_batch=8, max_wait_ms=50, finish=finish)
    answers = asyncio.run(_with(batcher, lambda: asyncio.gather(*(batcher.submit(_image(v)) for v in (5, 6, 7)))))
    assert finished == [3]
    assert answers == [{"value": 5}, {"value": 6}, {"value": 7}]


def test_the_next_batch_runs_while_the_last_one_is_finished():
    """finish of batch 1 waits until the model has started batch 2: without the overlap this deadlocks
    (and the test times out)."""
    second_batch_started = threading.Event()
    runs = []

    def run(images):
        runs.append(int(images[0, 0, 0, 0]))
        if len(runs) == 2:
            second_batch_started.set()
        return _run(images)

    def finish(images, gate, probs):
        if int(gate[0]) == 1:
            assert second_batch_started.wait(5), "the model waited for the post-processing"
        return [int(v) for v in gate]

    batcher = MicroBatcher(run, max_batch=1, max_wait_ms=0, finish=finish)
    answers = asyncio.run(_with(batcher, lambda: asyncio.gather(batcher.submit(_image(1)), batcher.submit(_image(2)))))
    assert answers == [1, 2] and runs == [1, 2]


@pytest.mark.parametrize("stage", ["run", "finish"])
def test_a_failing_stage_fails_every_caller_of_its_batch_and_the_next_batch_is_served(stage):
    def run(images):
        if stage == "run" and images[0, 0, 0, 0] == 9:
            raise RuntimeError("model broke")
        return _run(images)

    def finish(images, gate, probs):
        if stage == "finish" and gate[0] == 9:
            raise RuntimeError("post broke")
        return [int(v) for v in gate]

    async def go(batcher):
        first = await asyncio.gather(batcher.submit(_image(9)), batcher.submit(_image(9)), return_exceptions=True)
        return first, await batcher.submit(_image(3))

    batcher = MicroBatcher(run, max_batch=8, max_wait_ms=50, finish=finish)
    first, then = asyncio.run(_with(batcher, lambda: go(batcher)))
    assert [str(e) for e in first] == [f"{'model' if stage == 'run' else 'post'} broke"] * 2
    assert then == 3


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="max_batch"):
        MicroBatcher(_run, max_batch=0)
