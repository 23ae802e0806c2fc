"""Self-service sign-up: the municipality, its seeded workspace and its first admin are
created, the admin verifies the address through an emailed single-use link, chooses a
password and lands in the workspace. Clashes are refused field by field with nothing
created; abandoned sign-ups give way."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import func, select, update

from saypro.platform.audit.models import AuditEvent
from saypro.platform.db.engine import Database
from saypro.platform.db.tenancy import bind_tenant_sync
from saypro.platform.identity.models import Membership, User
from saypro.platform.identity.passwords import hash_password
from saypro.platform.identity.permissions import Role
from saypro.platform.jobs.registry import get_job
from saypro.platform.jobs.runtime import run_job
from saypro.platform.runtime import full_schedule
from saypro.platform.services import Services
from saypro.platform.settings import Settings
from saypro.platform.signup.tasks import ABANDONED_AFTER, DISCARD_ABANDONED_JOB
from saypro.platform.tenancy.models import Tenant
from saypro.platform.web.app import create_app
from saypro.tenants.strategy.models import Objective
from tests.conftest import BASE_URL, csrf_token, login
from tests.factories import TenantRef, UserRef, make_user
from tests.mail import Mailbox, link_in, text_of
from tests.platform.signup.helpers import (
    PASSWORD,
    choose_password,
    counts,
    expire_links,
    forget_limits,
    sign_up,
    signup_form,
    tenant_by_code,
    user_by_email,
)

Deliver = Callable[[], int]


def _verification_path(mailbox: Mailbox, email: str, count: int = 1) -> str:
    link = link_in(mailbox.wait_for(email, count=count), "/signup/verify/")
    return "/" + link.split("/", 3)[3]


def _signed_up(
    client: TestClient[Any], mailbox: Mailbox, deliver_mail: Deliver
) -> tuple[dict[str, str], str]:
    """Sign a new municipality up; its form and the path of the emailed verification link."""
    form = signup_form()
    assert sign_up(client, form).status_code == 201
    deliver_mail()
    return form, _verification_path(mailbox, form["email"])


def _resend(client: TestClient[Any], email: str) -> Any:
    return client.post("/signup/resend", data={"email": email, "_csrf_token": csrf_token(client)})


def test_sign_up_creates_the_municipality_its_admin_and_workspace_and_sends_a_link(
    client: TestClient[Any], database: Database, mailbox: Mailbox, deliver_mail: Deliver
) -> None:
    form = signup_form(vat_number="4123 456 789")
    response = sign_up(client, form)
    assert response.status_code == 201, response.text
    assert "Check your email" in response.text

    tenant = tenant_by_code(database, form["demarcation_code"])
    assert tenant is not None
    assert tenant.name == form["municipality_name"]
    assert tenant.slug == form["municipality_name"].lower().replace(" ", "-")
    assert tenant.vat_number == "4123456789"
    admin = user_by_email(database, form["email"])
    assert admin is not None
    assert admin.password_hash is None and admin.email_verified_at is None
    with database.sync_sessions() as session:
        role = session.scalar(
            select(Membership.role).where(
                Membership.user_id == admin.id, Membership.tenant_id == tenant.id
            )
        )
        assert role == Role.TENANT_ADMIN
        bind_tenant_sync(session, tenant.id)
        assert (session.scalar(select(func.count()).select_from(Objective)) or 0) >= 7
        signed_up = session.scalars(
            select(AuditEvent.actor_id).where(AuditEvent.action == "tenant.signed_up")
        ).all()
        assert signed_up == [admin.id]  # on the new municipality's trail, by its admin

    assert deliver_mail() >= 1
    message = mailbox.wait_for(form["email"])
    assert tenant.name in str(message["Subject"])
    assert "within 48 hours" in text_of(message)
    assert link_in(message, "/signup/verify/").startswith(BASE_URL)


def test_the_link_sets_the_password_verifies_the_address_and_signs_in(
    client: TestClient[Any],
    database: Database,
    mailbox: Mailbox,
    deliver_mail: Deliver,
    another_client: Callable[[], TestClient[Any]],
) -> None:
    form, path = _signed_up(client, mailbox, deliver_mail)

    page = client.get(path)
    assert page.status_code == 200 and "Choose your password" in page.text
    short = choose_password(client, path, "too short")
    assert short.status_code == 422 and "at least 12 characters" in short.text

    done = choose_password(client, path)
    tenant = tenant_by_code(database, form["demarcation_code"])
    assert tenant is not None
    assert done.status_code in (302, 303)
    assert done.headers["location"] == f"/t/{tenant.slug}/"
    workspace = client.get(done.headers["location"])
    assert workspace.status_code == 200
    assert tenant.name in workspace.text

    admin = user_by_email(database, form["email"])
    assert admin is not None and admin.email_verified_at is not None
    with database.sync_sessions() as session:
        bind_tenant_sync(session, tenant.id)
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.actor_id == admin.id)
        ).all()
    assert "identity.email_verified" in actions and "identity.signed_in" in actions
    with another_client() as laptop:
        login(laptop, UserRef(admin.id, admin.email), password=PASSWORD)


def test_the_link_works_once(
    client: TestClient[Any], database: Database, mailbox: Mailbox, deliver_mail: Deliver
) -> None:
    form, path = _signed_up(client, mailbox, deliver_mail)
    assert choose_password(client, path).status_code in (302, 303)
    admin = user_by_email(database, form["email"])
    assert admin is not None
    again = client.get(path)
    assert again.status_code == 410 and "already used" in again.text
    reused = choose_password(client, path, "someone else's passphrase")
    assert reused.status_code == 410
    after = user_by_email(database, form["email"])
    assert after is not None and after.password_hash == admin.password_hash


def test_an_expired_link_is_refused_and_a_new_one_can_be_sent(
    client: TestClient[Any], database: Database, mailbox: Mailbox, deliver_mail: Deliver
) -> None:
    form, old_path = _signed_up(client, mailbox, deliver_mail)
    admin = user_by_email(database, form["email"])
    assert admin is not None
    expire_links(database, admin.id)

    expired = client.get(old_path)
    assert expired.status_code == 410
    assert "expired" in expired.text and 'href="/signup/resend"' in expired.text
    assert choose_password(client, old_path).status_code == 410

    resent = _resend(client, form["email"])
    assert resent.status_code == 200 and "a new link is on its way" in resent.text
    deliver_mail()
    new_path = _verification_path(mailbox, form["email"], count=2)
    assert new_path != old_path
    assert choose_password(client, new_path).status_code in (302, 303)


def test_resending_to_an_unknown_address_answers_the_same_and_sends_nothing(
    client: TestClient[Any], database: Database, mailbox: Mailbox, deliver_mail: Deliver
) -> None:
    verified = make_user(database)
    nobody = f"nobody-{secrets.token_hex(4)}@example.org"
    deliver_mail()
    for address in (nobody, verified.email):
        answer = _resend(client, address)
        assert answer.status_code == 200 and "a new link is on its way" in answer.text
    deliver_mail()
    assert mailbox.to(nobody) == [] and mailbox.to(verified.email) == []


def test_a_duplicate_demarcation_code_is_refused_and_nothing_is_created(
    client: TestClient[Any], database: Database, tenant_a: TenantRef
) -> None:
    first = signup_form()
    assert sign_up(client, first).status_code == 201
    before = counts(database)
    second = signup_form(demarcation_code=first["demarcation_code"].lower())
    refused = sign_up(client, second)
    assert refused.status_code == 422
    assert 'id="demarcation_code-error"' in refused.text
    assert "waiting for its administrator to verify" in refused.text
    assert 'href="/signup/resend"' in refused.text
    assert counts(database) == before
    assert user_by_email(database, second["email"]) is None

    # A municipality registered by an operator (no sign-up) is never given up.
    registered = _code_of(database, tenant_a)
    taken = sign_up(client, signup_form(demarcation_code=registered))
    assert taken.status_code == 422
    assert f"demarcation code {registered} is already registered" in taken.text
    assert counts(database) == before


def _code_of(database: Database, tenant: TenantRef) -> str:
    with database.sync_sessions() as session:
        code = session.scalar(select(Tenant.demarcation_code).where(Tenant.id == tenant.id))
    assert code is not None
    return code


def test_a_taken_address_is_refused_with_a_free_one_offered(
    client: TestClient[Any], database: Database
) -> None:
    first = signup_form()
    assert sign_up(client, first).status_code == 201
    before = counts(database)
    second = signup_form(municipality_name=first["municipality_name"])
    refused = sign_up(client, second)
    assert refused.status_code == 422
    slug = first["municipality_name"].lower().replace(" ", "-")
    suggestion = f"{slug}-{second['demarcation_code'].lower()}"
    assert f"the address /t/{slug}/ is taken; /t/{suggestion}/ is free" in refused.text
    assert f'name="slug" value="{suggestion}"' in refused.text
    assert counts(database) == before
    # Taking the offered address works.
    assert sign_up(client, {**second, "slug": suggestion}).status_code == 201


def test_an_email_in_use_is_refused_and_nothing_is_created(
    client: TestClient[Any], database: Database
) -> None:
    existing = make_user(database)
    before = counts(database)
    form = signup_form(email=existing.email.upper())
    refused = sign_up(client, form)
    assert refused.status_code == 422
    assert 'id="email-error"' in refused.text and "already exists" in refused.text
    assert counts(database) == before
    assert tenant_by_code(database, form["demarcation_code"]) is None


def test_bad_input_is_refused_field_by_field(client: TestClient[Any], database: Database) -> None:
    before = counts(database)
    cases = {
        "vat_number": ("5123456789", "10 digits and starts with 4"),
        "demarcation_code": ("44-WC", "must look like WC044"),
        "province": ("XX", "choose the province"),
        "email": ("not-an-address", "must be an address"),
        "slug": ("Not A Slug", "lowercase letters"),
    }
    for field, (value, message) in cases.items():
        refused = sign_up(client, signup_form(**{field: value}))
        assert refused.status_code == 422, field
        assert f'id="{field}-error"' in refused.text, field
        assert message in refused.text, field
    short_vat = sign_up(client, signup_form(vat_number="412345"))
    assert short_vat.status_code == 422 and 'id="vat_number-error"' in short_vat.text
    assert counts(database) == before


def test_sign_up_without_a_vat_number_is_accepted(
    client: TestClient[Any], database: Database
) -> None:
    form = signup_form(vat_number="")
    assert sign_up(client, form).status_code == 201
    tenant = tenant_by_code(database, form["demarcation_code"])
    assert tenant is not None and tenant.vat_number is None


def test_sign_ups_are_limited_per_client_address(
    settings: Settings, services: Services, redis_url: str
) -> None:
    strict = settings.model_copy(update={"signups_per_hour": 2})
    forget_limits(redis_url, "signup")
    with TestClient(create_app(strict, services), base_url=BASE_URL) as client:
        statuses = [sign_up(client, signup_form()).status_code for _ in range(3)]
        limited = sign_up(client, signup_form())
    # At most two get through in the hour (fewer if another run signs up from this
    # address at the same time); then every attempt is refused.
    assert statuses.count(201) <= 2 and statuses[-1] == 429
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0
    assert "Too many sign-ups" in limited.text


def test_an_abandoned_sign_up_gives_way_to_a_new_one(
    client: TestClient[Any], database: Database, mailbox: Mailbox, deliver_mail: Deliver
) -> None:
    abandoned = signup_form()
    assert sign_up(client, abandoned).status_code == 201
    old_tenant = tenant_by_code(database, abandoned["demarcation_code"])
    old_admin = user_by_email(database, abandoned["email"])
    assert old_tenant is not None and old_admin is not None

    # While its link can still be used, the sign-up holds its code.
    again = signup_form(demarcation_code=abandoned["demarcation_code"])
    assert sign_up(client, again).status_code == 422

    expire_links(database, old_admin.id)
    replaced = sign_up(client, again)
    assert replaced.status_code == 201, replaced.text
    new_tenant = tenant_by_code(database, abandoned["demarcation_code"])
    assert new_tenant is not None and new_tenant.id != old_tenant.id
    assert new_tenant.name == again["municipality_name"]
    assert user_by_email(database, abandoned["email"]) is None
    with database.sync_sessions() as session:
        assert session.get(User, old_admin.id) is None
        bind_tenant_sync(session, old_tenant.id)
        leftovers = session.scalar(select(func.count()).select_from(Objective))
        trail = session.scalar(select(func.count()).select_from(AuditEvent))
    assert leftovers == 0 and trail == 0

    # The same person signing up again with the same address (and a corrected code).
    retry = signup_form(email=again["email"])
    new_admin = user_by_email(database, again["email"])
    assert new_admin is not None
    expire_links(database, new_admin.id)
    assert sign_up(client, retry).status_code == 201
    assert tenant_by_code(database, again["demarcation_code"]) is None
    deliver_mail()
    # The discarded sign-up's message had not left yet: it went with it.
    path = _verification_path(mailbox, retry["email"])
    assert choose_password(client, path).status_code in (302, 303)


def test_a_verified_sign_up_is_never_discarded(
    client: TestClient[Any], database: Database, mailbox: Mailbox, deliver_mail: Deliver
) -> None:
    form, path = _signed_up(client, mailbox, deliver_mail)
    assert choose_password(client, path).status_code in (302, 303)
    admin = user_by_email(database, form["email"])
    assert admin is not None
    expire_links(database, admin.id)
    refused = sign_up(client, signup_form(demarcation_code=form["demarcation_code"]))
    assert refused.status_code == 422 and "already registered" in refused.text


def test_an_unverified_account_cannot_sign_in_with_a_password(
    client: TestClient[Any], database: Database
) -> None:
    form = signup_form()
    sign_up(client, form)
    admin = user_by_email(database, form["email"])
    assert admin is not None
    with database.sync_sessions() as session, session.begin():
        session.execute(
            update(User).where(User.id == admin.id).values(password_hash=hash_password(PASSWORD))
        )
    refused = client.post(
        "/login",
        data={"email": form["email"], "password": PASSWORD, "_csrf_token": csrf_token(client)},
        follow_redirects=False,
    )
    assert refused.status_code == 400


def test_the_daily_job_removes_sign_ups_abandoned_for_two_weeks(
    client: TestClient[Any], database: Database
) -> None:
    forgotten, late = signup_form(), signup_form()
    for form in (forgotten, late):
        assert sign_up(client, form).status_code == 201
    forgotten_admin = user_by_email(database, forgotten["email"])
    late_admin = user_by_email(database, late["email"])
    assert forgotten_admin is not None and late_admin is not None
    expire_links(database, forgotten_admin.id, ago=ABANDONED_AFTER + timedelta(hours=1))
    expire_links(database, late_admin.id, ago=timedelta(days=1))

    run_job(database, get_job(DISCARD_ABANDONED_JOB), None, {})
    run_job(database, get_job(DISCARD_ABANDONED_JOB), None, {})  # a second delivery is harmless

    assert tenant_by_code(database, forgotten["demarcation_code"]) is None
    assert user_by_email(database, forgotten["email"]) is None
    # Expired only a day ago: its admin may still ask for a new link.
    assert tenant_by_code(database, late["demarcation_code"]) is not None
    assert DISCARD_ABANDONED_JOB in {p.job_name for p in full_schedule()}


def test_an_email_waiting_for_verification_is_refused_with_a_way_to_resend(
    client: TestClient[Any], database: Database
) -> None:
    first = signup_form()
    assert sign_up(client, first).status_code == 201
    before = counts(database)
    refused = sign_up(client, signup_form(email=first["email"]))
    assert refused.status_code == 422
    assert 'id="email-error"' in refused.text and "waiting for verification" in refused.text
    assert 'href="/signup/resend"' in refused.text
    assert counts(database) == before
