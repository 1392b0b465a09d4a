"""Xero's calls a minute for the whole app, shared by every process through Redis (in_flight.app_call_take)."""

import threading

from integrations.xero import in_flight


def test_calls_beyond_the_apps_allowance_wait_until_the_window_has_room(redis_client):
    redis_client.delete(in_flight.APP_KEY)

    waits = [in_flight.app_call_take(limit=3, window_seconds=1.0) for _ in range(6)]

    assert waits[:3] == [0, 0, 0]
    assert waits[3] >= 1  # the fourth waited for the first three to leave the window
    assert waits[4:] == [0, 0]  # then the window had room again
    assert redis_client.zcard(in_flight.APP_KEY) <= 3  # the window never holds more than the allowance


def test_processes_and_threads_share_one_allowance(redis_client):
    redis_client.delete(in_flight.APP_KEY)
    waits: list[int] = []
    lock = threading.Lock()

    def take() -> None:
        waited = in_flight.app_call_take(limit=4, window_seconds=30.0)
        with lock:
            waits.append(waited)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert waits == [0, 0, 0, 0]
    assert redis_client.zcard(in_flight.APP_KEY) == 4  # a fifth call now, from anywhere, would wait
    redis_client.delete(in_flight.APP_KEY)
