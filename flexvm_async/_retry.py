"""When and how requests are retried, behind one small tenacity adapter."""

from __future__ import annotations

import email.utils
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable
from datetime import UTC

import attrs
import tenacity

from flexvm_async._errors import APIError, TransportError

__all__ = ["RetryPlan", "RetryPolicy", "RetryRunner", "parse_retry_after"]

_log = logging.getLogger("flexvm_async.http")

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]

_IDEMPOTENT = frozenset({"GET", "HEAD", "DELETE", "PUT", "OPTIONS"})


def _positive(
    _: object, attribute: attrs.Attribute[float], value: float
) -> None:
    if value <= 0:
        raise ValueError(f"{attribute.name} must be positive, not {value!r}")


@attrs.frozen
class RetryPolicy:
    """How the client retries a request that failed.

    Idempotent requests (GET and DELETE) are retried on connection errors,
    timeouts, lost responses and the statuses in `retry_statuses`. A POST
    is retried only when it certainly never reached the server (the
    connection could not be made) or the server answered one of
    `post_retry_statuses`, which say the request was not processed: after
    a timeout or a lost response the POST may have been carried out, and
    repeating it could order a second bare-metal machine.

    Delays grow exponentially from `initial_delay` by `multiplier` up to
    `max_delay`, each shortened by a random share of up to `jitter` so that
    many clients do not retry in step. A ``Retry-After`` header (seconds or
    an HTTP date) is a floor on the next delay. Retrying stops after
    `max_attempts` tries, or when the next delay would end past `deadline`
    seconds from the first try; the last error is then raised.

    Attributes:
        max_attempts: Tries in all, the first included; 1 disables retries.
        initial_delay: Seconds before the second try.
        multiplier: Growth of the delay from one retry to the next.
        max_delay: The longest delay between two tries, in seconds.
        jitter: The largest share (0 to 1) cut at random from each delay.
        deadline: Seconds from the first try after which no retry starts.
        attempt_timeout: Seconds one try may take, connection included.
        retry_statuses: Statuses retried for idempotent requests.
        post_retry_statuses: Statuses retried for a POST.
    """

    max_attempts: int = attrs.field(default=5)
    initial_delay: float = attrs.field(default=0.5, validator=_positive)
    multiplier: float = attrs.field(default=2.0, validator=_positive)
    max_delay: float = attrs.field(default=30.0, validator=_positive)
    jitter: float = attrs.field(default=0.5)
    deadline: float = attrs.field(default=120.0, validator=_positive)
    attempt_timeout: float = attrs.field(default=30.0, validator=_positive)
    retry_statuses: frozenset[int] = attrs.field(
        default=frozenset({429, 500, 502, 503, 504}), converter=frozenset
    )
    post_retry_statuses: frozenset[int] = attrs.field(
        default=frozenset({429, 503}), converter=frozenset
    )

    @max_attempts.validator
    def _check_attempts(self, _: object, value: int) -> None:
        if value < 1:
            raise ValueError(f"max_attempts must be at least 1, not {value}")

    @jitter.validator
    def _check_jitter(self, _: object, value: float) -> None:
        if not 0 <= value <= 1:
            raise ValueError(f"jitter must be between 0 and 1, not {value}")

    @classmethod
    def never(cls) -> RetryPolicy:
        """Return a policy that makes exactly one try."""
        return cls(max_attempts=1)

    def backoff(self, retry_number: int, rng: random.Random) -> float:
        """Return the delay before retry number `retry_number` (from 1)."""
        base = min(
            self.max_delay,
            self.initial_delay * self.multiplier ** (retry_number - 1),
        )
        return base * (1 - self.jitter * rng.random())

    def should_retry(self, method: str, error: BaseException) -> bool:
        """Tell whether `error` on a `method` request is worth another try.

        Args:
            method: The HTTP method, upper case.
            error: What the last try raised.

        Returns:
            True when a retry is both safe and likely to help.
        """
        if isinstance(error, TransportError):
            return method in _IDEMPOTENT or not error.may_have_reached_server
        if isinstance(error, APIError):
            if method in _IDEMPOTENT:
                return error.status in self.retry_statuses
            return error.status in self.post_retry_statuses
        return False


def parse_retry_after(
    value: str | None, now: float | None = None
) -> float | None:
    """Turn a ``Retry-After`` header into seconds, or None when unusable.

    Args:
        value: The header: a number of seconds or an HTTP date.
        now: The current POSIX time, for dates; defaults to the wall clock.

    Returns:
        The seconds to wait, never negative, or None.
    """
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        current = time.time() if now is None else now
        seconds = when.timestamp() - current
    if math.isnan(seconds):
        return None
    return max(0.0, seconds)


@attrs.define
class RetryRunner:
    """Builds one fresh tenacity `AsyncRetrying` for each request.

    A retrying object holds the attempt count of the call it serves, so
    one is never shared between concurrent requests.
    """

    policy: RetryPolicy
    sleep: Sleep
    clock: Clock
    rng: random.Random

    def plan(
        self,
        method: str,
        path: str,
        *,
        deadline: float | None = None,
        policy: RetryPolicy | None = None,
        started: float | None = None,
    ) -> RetryPlan:
        """Return the retry schedule of one request.

        Args:
            method: The request's HTTP method.
            path: The request's path, for log lines.
            deadline: A `clock` time no retry may sleep past.
            policy: A policy for this request instead of the default.
            started: When the request's first try began; now by default.
        """
        policy = policy or self.policy
        if started is None:
            started = self.clock()
        last = started + policy.deadline
        if deadline is not None:
            last = min(last, deadline)
        return RetryPlan(self, policy, method, path, last)


@attrs.define
class RetryPlan:
    """When one request is tried again, and when it is given up.

    The first try runs outside tenacity, so that a request that succeeds
    (nearly all of them) pays nothing for retrying; a request that fails
    gets a fresh `AsyncRetrying` for its further tries.
    """

    runner: RetryRunner
    policy: RetryPolicy
    method: str
    path: str
    last: float

    def should_retry(self, error: BaseException) -> bool:
        """Tell whether `error` is worth another try."""
        return self.policy.should_retry(self.method, error)

    def delay_after(self, attempt: int, error: BaseException | None) -> float:
        """Return the delay after try number `attempt` failed with `error`."""
        delay = self.policy.backoff(attempt, self.runner.rng)
        after = getattr(error, "retry_after", None)
        if after is not None:
            delay = max(delay, after)
        return delay

    def gives_up(self, attempt: int, delay: float) -> bool:
        """Tell whether to stop after try `attempt`, `delay` from the next."""
        if attempt >= self.policy.max_attempts:
            return True
        return self.runner.clock() + delay > self.last

    def log(
        self, attempt: int, delay: float, error: BaseException | None
    ) -> None:
        """Log one retry with its reason."""
        _log.warning(
            "retrying %s %s in %.2fs after attempt %d: %s",
            self.method,
            self.path,
            delay,
            attempt,
            _reason(error),
        )

    def retrying(self, done: int) -> tenacity.AsyncRetrying:
        """Return a fresh retrying object for the tries after `done` tries."""

        def wait(state: tenacity.RetryCallState) -> float:
            return self.delay_after(
                state.attempt_number + done, _error_of(state)
            )

        def stop(state: tenacity.RetryCallState) -> bool:
            return self.gives_up(
                state.attempt_number + done, state.upcoming_sleep
            )

        def before_sleep(state: tenacity.RetryCallState) -> None:
            self.log(
                state.attempt_number + done,
                state.upcoming_sleep,
                _error_of(state),
            )

        return tenacity.AsyncRetrying(
            sleep=self.runner.sleep,
            stop=stop,
            wait=wait,
            retry=tenacity.retry_if_exception(self.should_retry),
            before_sleep=before_sleep,
            reraise=True,
        )


def _error_of(state: tenacity.RetryCallState) -> BaseException | None:
    outcome = state.outcome
    return None if outcome is None else outcome.exception()


def _reason(error: BaseException | None) -> str:
    if isinstance(error, APIError):
        return f"status {error.status}"
    return type(error).__name__
