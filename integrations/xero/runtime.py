"""The clock and the sleep of the task layer (and the command), read at call time as `runtime.clock()` and
`runtime.sleep(seconds)`.

Services take `clock`/`sleep` as arguments (STYLE rule 15); the interfaces that call them pass these. Tests
replace them through the `task_runtime` fixture, so a task run inline never sleeps in real time.
"""

import time
from collections.abc import Callable
from datetime import datetime

from django.utils import timezone

clock: Callable[[], datetime] = timezone.now
sleep: Callable[[float], None] = time.sleep
