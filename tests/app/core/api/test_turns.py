"""Turns: one request generates, the rest wait in arrival order, a full line refuses."""

from __future__ import annotations

import asyncio

from app.core.api.turns import Turns


def test_one_holds_the_turn_and_the_rest_follow_in_order() -> None:
    async def scenario() -> list[int]:
        turns = Turns(max_waiting=3)
        order: list[int] = []
        places = [turns.join() for _ in range(4)]
        assert all(place is not None for place in places)
        assert turns.join() is None  # one running, three waiting: the fifth is refused
        assert turns.waiting == 3

        async def take(number: int) -> None:
            place = places[number]
            assert place is not None
            await place.wait()
            order.append(number)
            await asyncio.sleep(0)
            place.leave()

        await asyncio.gather(*(take(n) for n in (3, 1, 2, 0)))
        assert turns.waiting == 0
        assert turns.join() is not None  # free again
        return order

    assert asyncio.run(scenario()) == [0, 1, 2, 3]


def test_leaving_the_line_keeps_the_others_order() -> None:
    async def scenario() -> None:
        turns = Turns(max_waiting=8)
        first, second, third = turns.join(), turns.join(), turns.join()
        assert first and second and third
        assert first.granted and not second.granted
        second.leave()
        second.leave()  # again: nothing happens
        assert turns.waiting == 1
        first.leave()
        assert third.granted and not second.granted

    asyncio.run(scenario())


def test_close_interrupts_the_running_one_and_wakes_the_line() -> None:
    async def scenario() -> None:
        turns = Turns(max_waiting=8)
        running, waiting = turns.join(), turns.join()
        assert running and waiting
        interrupted: list[bool] = []
        running.interrupt = lambda: interrupted.append(True)
        turns.close()
        assert turns.closed and interrupted == [True]
        await asyncio.wait_for(waiting.wait(), 1)
        waiting.leave()
        assert turns.waiting == 0

    asyncio.run(scenario())
