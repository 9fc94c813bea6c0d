"""Rasa's Redis lock store, with atomic ticket handling.

Rasa 3.6.21's RedisLockStore issues a ticket with GET lock -> add ticket -> SET lock: three separate
Redis commands. Two Rasa instances receiving messages from the same patient at the same instant both
read "no lock", both issue ticket 0, both think they are being served, and both run the conversation at
once: one of the two messages disappears from the stored conversation although both patients' requests
got an answer (observed in tests/production/test_scale_out.py; Rasa's fix, a "concurrent" Redis lock
store, went into the commercial edition only: RasaHQ/rasa#11256).

This store does the same thing in Redis transactions (WATCH / MULTI / EXEC, retried when another
instance changed the lock in between): ticket numbers are unique and served in order across all
instances.

A crashed instance must not lock its patients out. Rasa gives a ticket its full lifetime
(TICKET_LOCK_LIFETIME, 60 s) up front, so the patient's next message (an emergency among them) waited up
to a minute behind the ticket of an instance that was SIGKILLed mid-message. Here every ticket has an
owner (a random token of the process and message that took it) and a short lease
(TICKET_LEASE_SECONDS, plugins/env.py): a thread of the holding process renews its own tickets while
the message is waiting or being served, never beyond the full lifetime. When the process dies the
renewals stop and the other instances drop its ticket within one lease. A thread rather than an asyncio
task renews, because Rasa's SQL tracker store blocks the event loop while it waits for the database:
a slow database must not cost a live instance its lock. The lock key itself expires after the lifetime
plus a margin, so nothing outlives its tickets.

"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections import deque
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Callable, Deque, Dict, Optional, Text, Tuple, TypeVar

import redis
from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from plugins import env

logger = logging.getLogger(__name__)

T = TypeVar("T")
EXPIRY_MARGIN_SECONDS = 30
RENEWALS_PER_LEASE = 5


class OwnedTicket(Ticket):
    """A ticket that names its owner, so that only the process that took it renews it (ticket numbers
    start again at 0 once a lock is gone, so a number alone could name another process's ticket)."""

    def __init__(self, number: int, expires: float, owner: str = "") -> None:
        super().__init__(number, expires)
        self.owner = owner

    def as_dict(self) -> Dict[Text, Any]:
        return {**super().as_dict(), "owner": self.owner}

    @classmethod
    def from_dict(cls, data: Dict[Text, Any]) -> "OwnedTicket":
        return cls(number=data["number"], expires=data["expires"], owner=str(data.get("owner", "")))


class OwnedTicketLock(TicketLock):
    """Rasa's TicketLock, keeping the owners of its tickets when read and written."""

    @classmethod
    def from_dict(cls, data: Dict[Text, Any]) -> "OwnedTicketLock":
        tickets: Deque[Ticket] = deque(
            OwnedTicket.from_dict(json.loads(d)) for d in data.get("tickets", [])
        )
        return cls(data.get("conversation_id"), tickets)

    def issue_owned_ticket(self, expires: float, owner: str) -> int:
        self.remove_expired_tickets()
        number = self.last_issued + 1
        self.tickets.append(OwnedTicket(number, expires, owner))
        return number

    def owned_ticket(self, number: int, owner: str) -> Optional[OwnedTicket]:
        ticket = self._ticket_for_ticket_number(number)  # drops expired tickets first
        return ticket if isinstance(ticket, OwnedTicket) and ticket.owner == owner else None


class _Lease:
    """A ticket this process holds or waits on, and the latest time it may be renewed to."""

    def __init__(self, conversation_id: Text, number: int, owner: str, cap: float) -> None:
        self.conversation_id, self.number, self.owner, self.cap = (
            conversation_id,
            number,
            owner,
            cap,
        )


class AtomicRedisLockStore(RedisLockStore):
    """RedisLockStore whose read-modify-write steps are Redis transactions."""

    def __init__(
        self,
        endpoint_config: Optional[EndpointConfig] = None,
        lease_seconds: Optional[float] = None,
        **kwargs: Any,
    ) -> None:
        # Rasa builds a lock store named by module path with `cls(endpoint_config=...)`.
        if endpoint_config is not None:
            endpoint_settings = dict(endpoint_config.kwargs)
            endpoint_settings.pop("type", None)
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_settings, **kwargs}
        for key in ("port", "db"):
            if key in kwargs and kwargs[key] not in (None, ""):
                kwargs[key] = int(kwargs[key])
        super().__init__(**kwargs)
        self.lease_seconds = lease_seconds or env.ticket_lease_seconds()
        self._leases: Dict[Tuple[Text, int, str], _Lease] = {}
        self._leases_guard = threading.Lock()
        self._renewer: Optional[threading.Thread] = None

    def create_lock(self, conversation_id: Text) -> OwnedTicketLock:
        return OwnedTicketLock(conversation_id)

    def _transact(
        self,
        conversation_id: Text,
        change: Callable[[Optional[OwnedTicketLock]], Tuple[Optional[TicketLock], T]],
        lifetime: float = LOCK_LIFETIME,
    ) -> T:
        """Reads the lock, applies `change` (which returns the new lock, or None to delete it, and a
        result) and writes it back, atomically: retried if another instance wrote the lock meanwhile."""
        key = self.key_prefix + conversation_id
        while True:
            with self.red.pipeline() as pipe:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    lock = OwnedTicketLock.from_dict(json.loads(raw)) if raw else None
                    new, result = change(lock)
                    pipe.multi()
                    if new is None:
                        if raw is not None:
                            pipe.delete(key)
                    else:
                        pipe.set(key, new.dumps(), ex=int(lifetime) + EXPIRY_MARGIN_SECONDS)
                    pipe.execute()
                    return result
                except redis.WatchError:
                    logger.debug("lock for a conversation changed concurrently; retrying")
                    continue

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: Text,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncGenerator[TicketLock, None]:
        """Rasa's ticket lock, with a leased ticket renewed by this process until it is done."""
        owner = uuid.uuid4().hex
        cap = time.time() + lock_lifetime
        ticket = self._issue(
            conversation_id, min(self.lease_seconds, lock_lifetime), owner, lock_lifetime
        )
        lease = _Lease(conversation_id, ticket, owner, cap)
        self._hold(lease)
        try:
            yield await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
        finally:
            self._release(lease)
            self.cleanup(conversation_id, ticket)

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """A ticket for the full lifetime (Rasa's API; nobody renews it). `lock()` uses leases instead."""
        return self._issue(conversation_id, lock_lifetime, uuid.uuid4().hex, lock_lifetime)

    def _issue(
        self, conversation_id: Text, valid_for: float, owner: str, lock_lifetime: float
    ) -> int:
        def change(lock: Optional[OwnedTicketLock]) -> Tuple[OwnedTicketLock, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_owned_ticket(time.time() + valid_for, owner)

        try:
            return self._transact(conversation_id, change, lock_lifetime)
        except redis.RedisError as e:
            raise LockError(f"Error while acquiring lock: {type(e).__name__}") from e

    # ---- leases: renewed from a thread while this process holds or waits on a ticket

    def _hold(self, lease: _Lease) -> None:
        with self._leases_guard:
            self._leases[(lease.conversation_id, lease.number, lease.owner)] = lease
            if self._renewer is None or not self._renewer.is_alive():
                self._renewer = threading.Thread(
                    target=self._renew_forever, name="lock-lease-renewer", daemon=True
                )
                self._renewer.start()

    def _release(self, lease: _Lease) -> None:
        with self._leases_guard:
            self._leases.pop((lease.conversation_id, lease.number, lease.owner), None)

    def _renew_forever(self) -> None:
        while True:
            time.sleep(self.lease_seconds / RENEWALS_PER_LEASE)
            with self._leases_guard:
                leases = list(self._leases.values())
            for lease in leases:
                try:
                    self.renew(lease)
                except redis.RedisError as e:
                    # No conversation id here: it is the patient's identifier. The next round retries.
                    logger.warning(
                        f"Could not renew a conversation lock lease ({type(e).__name__})."
                    )

    def renew(self, lease: _Lease) -> bool:
        """Extends this process's ticket by one lease (never past its lifetime). False when it is gone:
        expired already (another message may be served now) or never this process's."""

        def change(lock: Optional[OwnedTicketLock]) -> Tuple[Optional[TicketLock], bool]:
            ticket = lock.owned_ticket(lease.number, lease.owner) if lock is not None else None
            if ticket is None:
                return lock, False
            ticket.expires = min(time.time() + self.lease_seconds, lease.cap)
            return lock, True

        return self._transact(lease.conversation_id, change)

    def update_lock(self, conversation_id: Text) -> None:
        def change(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._transact(conversation_id, change)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        def change(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._transact(conversation_id, change)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Removes the ticket, and the lock when nobody else waits: one transaction (Rasa does it in
        four commands, and can delete a lock another instance has just taken a ticket on)."""

        def change(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        self._transact(conversation_id, change)
