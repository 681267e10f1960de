"""The credit-check service: the order system's question "may this customer owe us this much more?".

One check: the customer's profile, a report (stored and fresh: reused; stored but stale: used and refreshed in the
background; none: fetched, one fetch per company however many checks ask at once), exposure (ledger open items plus
reservations) and how the customer pays us (``gateway.desk.behaviour.own_behaviour``), the manual override, then
the pure policy decision, written to the audit log with the approved
amount reserved. The bureau part runs inside a time budget: when the bureau cannot answer in time the check
answers refer with BUREAU_TIMEOUT, and the fetch carries on so that the next check finds the report.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, insert
from sqlalchemy.orm import Session, sessionmaker

from gateway.approval.decide import Decision, Exposure, Override, OwnBehaviour, Reason, Severity, decide
from gateway.approval.exposure import current_exposure
from gateway.approval.policy import Policy
from gateway.bureau_errors import (
    BureauError,
    BureauUnavailable,
    CircuitOpen,
    CompanyNotFound,
)
from gateway.bureaus import Bureau
from gateway.credit import records
from gateway.credit.batching import WriteBatcher
from gateway.credit.cache import TtlCache
from gateway.credit.records import Profile, StoredReport
from gateway.credit.settings import CreditSettings
from gateway.desk.behaviour import own_behaviour
from gateway.errors import GatewayError
from gateway.model.credit_report import CompanyQuery
from gateway.model.money import Money
from gateway.single_flight import SingleFlight
from gateway.storage.credit_tables import CreditDecisionRow, CreditReservation

log = logging.getLogger(__name__)

# Kept back from the budget for writing the decision after the bureau part.
_WRITE_RESERVE_SECONDS = 0.1


class UnknownCustomer(GatewayError):
    """No credit profile: we do not know who the customer is at the bureaus."""

    def __init__(self, customer_id: str) -> None:
        self.customer_id = customer_id
        super().__init__(f"no credit profile for customer {customer_id!r} (gateway credit profile set ...)")


@dataclass(frozen=True)
class CheckResult:
    decision_id: int
    decision: Decision
    report: dict[str, Any] | None
    exposure: Exposure
    reserved_until: dt.datetime | None


@dataclass(frozen=True)
class _Facts:
    """What rarely changes: kept in the in-process cache for a few seconds."""

    profile: Profile
    stored: StoredReport | None
    override: Override | None


@dataclass(frozen=True)
class _Known:
    """What the database says before any bureau is asked (one thread hop, or none when cached)."""

    profile: Profile
    stored: StoredReport | None
    override: Override | None
    exposure: Exposure
    behaviour: OwnBehaviour


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class CreditService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        bureaus: dict[str, Bureau],
        policy: Policy,
        settings: CreditSettings,
        *,
        now: Callable[[], dt.datetime] = _utcnow,
        read_sessions: sessionmaker[Session] | None = None,
    ) -> None:
        self.sessions = sessions
        # reads may use their own sessions: on SQLite ones that do not take the write lock (see api.credit_checks)
        self.read_sessions = read_sessions or sessions
        self.bureaus = bureaus
        self.policy = policy
        self.settings = settings
        self.now = now
        self.ttl = dt.timedelta(hours=settings.report_ttl_hours)
        self._flights: SingleFlight[tuple[str, str], StoredReport] = SingleFlight()
        self._background: set[asyncio.Task[Any]] = set()
        engine = sessions.kw.get("bind")
        self._writes = WriteBatcher(engine.begin if engine is not None else sessions.begin)
        # Profiles, reports and overrides by customer; exposure and payment behaviour (read together) by (customer,
        # currency), the exposure kept in step with the reservations this process writes. Other processes' changes
        # show once an entry expires.
        self._facts: TtlCache[str, _Facts] = TtlCache(settings.cache_seconds, generation=records.generation)
        self._exposures: TtlCache[tuple[str, str], tuple[Exposure, OwnBehaviour]] = TtlCache(settings.cache_seconds)
        self._reserving: dict[str, int] = {}  # customer -> reservation writes in flight
        self._reserved_seq: dict[str, int] = {}  # customer -> reservation writes started (ever)
        # One lock per customer, dropped by the garbage collector when no check of that customer holds it.
        self._customer_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    async def aclose(self) -> None:
        for task in list(self._background):
            task.cancel()
        for bureau in self.bureaus.values():
            await bureau.aclose()

    # -- the check ----------------------------------------------------------------------------------------------

    async def check(self, customer_id: str, order: Money, *, request_id: str, client: str | None) -> CheckResult:
        started = time.monotonic()
        deadline = started + self.settings.time_budget_seconds
        now = self.now()
        known = await self._known(customer_id, order.currency, now)
        stored, missing, stale = await self._report(known, deadline, now)
        # Reading the exposure, deciding and reserving are one step per customer: two orders of one customer
        # arriving together must not both be approved against the same headroom. (Per process: with several
        # workers, run one worker per customer shard or accept the reservation window's tolerance.)
        async with self._lock_for(customer_id):
            return await self._decide_and_record(
                customer_id, order, request_id, client, started, now, stored, missing, stale
            )

    def _lock_for(self, customer_id: str) -> asyncio.Lock:
        lock = self._customer_locks.get(customer_id)
        if lock is None:
            lock = asyncio.Lock()
            self._customer_locks[customer_id] = lock
        return lock

    async def _decide_and_record(
        self,
        customer_id: str,
        order: Money,
        request_id: str,
        client: str | None,
        started: float,
        now: dt.datetime,
        stored: StoredReport | None,
        missing: Reason | None,
        stale: bool,
    ) -> CheckResult:
        known = await self._known(customer_id, order.currency, now)  # exposure as it is now, under the lock
        decision = decide(
            None if stored is None else stored.report, known.exposure, order, self.policy, known.override,
            today=now.date(), missing_report=missing, own=known.behaviour,
        )
        reserving = decision.outcome.value == "approve" and self.settings.reservation_hours > 0
        if reserving:
            self._reserving[customer_id] = self._reserving.get(customer_id, 0) + 1
            self._reserved_seq[customer_id] = self._reserved_seq.get(customer_id, 0) + 1
        try:
            decision_id, until = await self._writes.submit(
                lambda session: self._write(session, customer_id, order, decision, known, stored, request_id, client,
                                            stale, now)
            )
        finally:
            if reserving:
                self._reserving[customer_id] -= 1
                if not self._reserving[customer_id]:
                    del self._reserving[customer_id]
        if until is not None:
            self._count_reservation(customer_id, order)
        log.info(
            "credit check",
            extra={"request_id": request_id, "customer_id": customer_id, "decision": decision.outcome.value,
                   "codes": [r.code for r in decision.reasons], "report_id": stored.id if stored else None,
                   "elapsed_ms": round((time.monotonic() - started) * 1000, 1)},
        )
        return CheckResult(decision_id, decision, records.report_summary(stored, now=now, stale=stale),
                           known.exposure, until)

    async def _known(self, customer_id: str, currency: str, now: dt.datetime) -> _Known:
        """From the cache when it has both parts; else one thread hop reading what is missing."""
        facts = self._facts.get(customer_id)
        if facts is not None and facts.override is not None and facts.override.valid_until < now.date():
            facts = None  # the override lapsed at midnight while cached
        ledger = self._exposures.get((customer_id, currency))
        if facts is not None and ledger is not None:
            return _Known(facts.profile, facts.stored, facts.override, *ledger)
        generation = records.generation()
        seq = self._reserved_seq.get(customer_id, 0)
        read, owed = await asyncio.to_thread(self._read, customer_id, currency, now, facts, ledger)
        if facts is None:  # (a cached entry is not renewed: it must expire on time)
            self._facts.put(customer_id, read, generation=generation)
        # an exposure read while one of our reservations was being written may miss it: not kept then
        if self._reserved_seq.get(customer_id, 0) == seq and customer_id not in self._reserving:
            self._exposures.put((customer_id, currency), owed)
        return _Known(read.profile, read.stored, read.override, *owed)

    def _count_reservation(self, customer_id: str, order: Money) -> None:
        """Our reservation was committed: the cached exposure grows by it instead of being read again."""
        key = (customer_id, order.currency)
        cached = self._exposures.get(key)
        if cached is not None:
            exposure, behaviour = cached
            self._exposures.put(key, (replace(exposure, reserved=exposure.reserved + order.amount), behaviour))

    def _read(
        self, customer_id: str, currency: str, now: dt.datetime, facts: _Facts | None,
        ledger: tuple[Exposure, OwnBehaviour] | None,
    ) -> tuple[_Facts, tuple[Exposure, OwnBehaviour]]:
        with self.read_sessions() as session:
            if facts is None:
                profile = records.get_profile(session, customer_id)
                if profile is None:
                    raise UnknownCustomer(customer_id)
                bureau = self._bureau_name(profile)
                stored = None
                if bureau is not None and profile.bureau_id and (profile.bureau in (None, bureau)):
                    stored = records.latest_report(session, bureau, profile.bureau_id)
                override = records.active_override(session, customer_id, now.date())
                facts = _Facts(profile, stored, override)
            if ledger is None:  # one session: the behaviour and the exposure see the same ledger
                ledger = (current_exposure(session, customer_id, currency, now),
                          own_behaviour(session, customer_id, currency, now.date()))
            return facts, ledger

    def _bureau_name(self, profile: Profile) -> str | None:
        if profile.bureau:
            return profile.bureau if profile.bureau in self.bureaus else None
        return next((b for b in self.settings.bureau_order if b in self.bureaus), None)

    async def _report(
        self, known: _Known, deadline: float, now: dt.datetime
    ) -> tuple[StoredReport | None, Reason | None, bool]:
        """(report, why there is none, whether it is stale)."""
        stored = known.stored
        if stored is not None and now - stored.fetched_at < self.ttl:
            return stored, None, False
        name = self._bureau_name(known.profile)
        if name is None:
            wanted = known.profile.bureau or " / ".join(self.settings.bureau_order)
            reason = Reason("BUREAU_ERROR", f"no enabled bureau for this customer ({wanted})", Severity.REFER)
            return stored, (None if stored else reason), stored is not None
        if stored is not None:
            self._refresh_in_background(name, known.profile)
            return stored, None, True
        remaining = deadline - time.monotonic() - _WRITE_RESERVE_SECONDS
        try:
            if remaining <= 0:
                raise TimeoutError
            fetched = await asyncio.wait_for(self._fetch(name, known.profile), remaining)
        except TimeoutError:
            budget = self.settings.time_budget_seconds
            return None, Reason("BUREAU_TIMEOUT", f"{name} did not answer within the {budget:g} s budget; the "
                                                  "report is still being fetched", Severity.REFER), False
        except CircuitOpen as exc:
            return None, Reason("BUREAU_UNAVAILABLE", f"{name} is failing; not called for "
                                                      f"{exc.retry_in:.0f} s", Severity.REFER), False
        except BureauUnavailable as exc:
            return None, Reason("BUREAU_UNAVAILABLE", exc.message, Severity.REFER), False
        except CompanyNotFound:
            return None, Reason("COMPANY_NOT_FOUND", f"{name} does not know this company", Severity.REFER), False
        except BureauError as exc:
            return None, Reason("BUREAU_ERROR", str(exc), Severity.REFER), False
        except Exception:  # a check must answer; the traceback goes to the log for us, not to the order system
            log.exception("bureau fetch failed", extra={"bureau": name, "customer_id": known.profile.customer_id})
            return None, Reason("BUREAU_ERROR", f"{name}: unexpected failure", Severity.REFER), False
        return fetched, None, False

    def _refresh_in_background(self, bureau: str, profile: Profile) -> None:
        key = (bureau, profile.bureau_id or f"customer:{profile.customer_id}")
        if self._flights.in_flight(key):
            return

        async def refresh() -> None:
            try:
                await self._fetch(bureau, profile)
            except Exception as exc:  # the stale report keeps serving; the next check tries again
                log.warning("background refresh failed: %s", exc, extra={"bureau": bureau})

        task = asyncio.ensure_future(refresh())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _fetch(self, bureau: str, profile: Profile) -> Awaitable[StoredReport]:
        """Find (if needed), fetch and store the report, once per company however many checks wait for it."""
        key = (bureau, profile.bureau_id or f"customer:{profile.customer_id}")
        return self._flights.do(key, lambda: self._fetch_and_store(bureau, profile))

    async def _fetch_and_store(self, name: str, profile: Profile) -> StoredReport:
        bureau = self.bureaus[name]
        bureau_id = profile.bureau_id if profile.bureau in (None, name) else None
        if not bureau_id:
            query = CompanyQuery(name=profile.name, country=profile.country,
                                 registration_number=profile.registration_number, vat_number=profile.vat_number)
            matches = await bureau.find_company(query)
            if not matches:
                raise CompanyNotFound(name, profile.registration_number or profile.vat_number or "?")
            best = max(matches, key=lambda m: m.confidence if m.confidence is not None else 0)
            bureau_id = best.bureau_id
            # another customer may be the same company: its fresh report serves this one too (pulls cost money)
            shared = await asyncio.to_thread(self._fresh_shared_report, name, bureau_id, profile.customer_id)
            if shared is not None:
                return shared
        report = await bureau.fetch_report(bureau_id)

        def store() -> StoredReport:
            with self.sessions.begin() as session:
                if profile.bureau_id != bureau_id:
                    records.remember_bureau_id(session, profile.customer_id, name, bureau_id, self.now())
                return records.store_report(session, report)

        stored = await asyncio.to_thread(store)
        records.changed()  # committed now: drop what a check read meanwhile
        return stored

    def _fresh_shared_report(self, bureau: str, bureau_id: str, customer_id: str) -> StoredReport | None:
        with self.sessions.begin() as session:
            stored = records.latest_report(session, bureau, bureau_id)
            if stored is None or self.now() - stored.fetched_at >= self.ttl:
                return None
            records.remember_bureau_id(session, customer_id, bureau, bureau_id, self.now())
            return stored

    def _write(
        self, session: Connection | Session, customer_id: str, order: Money, decision: Decision, known: _Known,
        stored: StoredReport | None, request_id: str, client: str | None, stale: bool, now: dt.datetime,
    ) -> tuple[int, dt.datetime | None]:
        exposure = known.exposure
        # Core inserts, not ORM objects: the unit of work cost more CPU than the rest of a cached check.
        decision_id = session.execute(insert(CreditDecisionRow).returning(CreditDecisionRow.id), {
            "decided_at": now, "request_id": request_id, "client": client, "customer_id": customer_id,
            "order_amount": order.amount, "currency": order.currency, "decision": decision.outcome.value,
            "reasons": [r.as_dict() for r in decision.reasons],
            "credit_limit": None if decision.credit_limit is None else decision.credit_limit.amount,
            "exposure": exposure.total.amount, "report_id": None if stored is None else stored.id,
            "override_id": None if known.override is None else known.override.id,
            "details": {
                "policy_version": decision.policy_version,
                "limit_source": decision.limit_source,
                "open_items": str(exposure.open_items),
                "reserved": str(exposure.reserved),
                "other_currencies": {c: str(v) for c, v in exposure.other_currencies.items()},
                "report_stale": stale,
                "own_behaviour": known.behaviour.as_details(),
            },
        }).scalar_one()
        until = None
        if decision.outcome.value == "approve" and self.settings.reservation_hours > 0:
            until = now + dt.timedelta(hours=self.settings.reservation_hours)
            session.execute(insert(CreditReservation), {
                "decision_id": decision_id, "customer_id": customer_id, "amount": order.amount,
                "currency": order.currency, "created_at": now, "expires_at": until,
            })
        return decision_id, until
