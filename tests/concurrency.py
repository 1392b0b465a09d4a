"""Running actions at the same moment in threads, as two workers or two requests would race in production."""

import threading
from collections.abc import Callable

from django.db import connection as db_connection

TIMEOUT_SECONDS = 60


def at_once[T](*actions: Callable[[], T], timeout: float = TIMEOUT_SECONDS) -> list[T | Exception]:
    """Run each action in a thread of its own, all released together by a barrier, and return what each returned,
    in the order given (an exception an action raised is returned in its place). Each thread closes its own
    database connection, so a transactional test can flush afterwards."""
    start = threading.Barrier(len(actions))
    results: list[T | Exception | None] = [None] * len(actions)

    def run(index: int, action: Callable[[], T]) -> None:
        try:
            start.wait()
            results[index] = action()
        except Exception as exc:  # handed to the test, which asserts on it
            results[index] = exc
        finally:
            db_connection.close()

    threads = [threading.Thread(target=run, args=(index, action)) for index, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    stuck = [index for index, thread in enumerate(threads) if thread.is_alive()]
    assert not stuck, f"actions {stuck} did not finish within {timeout} s"
    return results  # type: ignore[return-value]
