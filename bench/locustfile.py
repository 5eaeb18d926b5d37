"""Load-test scenario: a service centre's mix of agents, technicians and integrators.

Run it through ``python -m bench.loadtest`` (starts gunicorn, measures, prints a table), or
by hand against a server that is already up::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aftersales_bench \\
    locust -f bench/locustfile.py --headless -u 50 -r 10 -t 60s --host http://127.0.0.1:8000

The server must run with a high ``AUTH_THROTTLE_RATE`` (every simulated user signs in once).
The bench database (``manage.py generate_data``) supplies the users, customers, products
and the technicians that have jobs; they are read once, with psycopg2, when the test starts.

Writes: agents and integrators file new tickets (agents triage and log contacts on the
tickets they filed themselves, so no two simulated users race on one ticket); technicians
only read. Existing tickets are never changed.
"""

import itertools
import os
import random
import threading
import uuid

import psycopg2
from locust import FastHttpUser, between, events, task
from locust.exception import StopUser

DEFAULT_DSN = "postgres://postgres@127.0.0.1:5432/aftersales_bench"
PASSWORD = os.environ.get("LOADTEST_PASSWORD", "aftersales-demo")
TICKETS = "/api/v1/tickets/"
TICKET = "/api/v1/tickets/[id]/"

STATUSES = ["new", "triaged", "dispatched", "on_site", "awaiting_confirmation"]
PRIORITIES = ["p1", "p2", "p3", "p4"]
CATEGORIES = ["repair", "repair", "repair", "installation", "maintenance", "consultation"]
AREAS = [f"area-{i:03d}" for i in range(1, 21)]


class Fixtures:
    """Sample data read from the bench database once per test run."""

    def __init__(self):
        self.loaded = False
        self.lock = threading.Lock()
        self.technicians = []  # usernames of technicians with assigned jobs, busiest first
        self.customer_ids = []  # customer id == product id in the bench data
        self.phones = []  # full phone numbers of existing customers (search by phone)
        self.max_ticket_id = 1
        self.product_models = []

    def load(self, dsn=None):
        with self.lock:
            if self.loaded:
                return
            dsn = dsn or os.environ.get("LOADTEST_DATABASE_URL") or DEFAULT_DSN
            with psycopg2.connect(dsn) as connection, connection.cursor() as cursor:
                cursor.execute(
                    "SELECT u.username FROM technicians_technician t "
                    "JOIN auth_user u ON u.id = t.user_id "
                    "JOIN tickets_ticket k ON k.technician_id = t.id "
                    "GROUP BY u.username ORDER BY count(*) DESC, u.username LIMIT 50"
                )
                self.technicians = [row[0] for row in cursor.fetchall()]
                cursor.execute(
                    "SELECT c.id, c.phone FROM tickets_customer c "
                    "JOIN tickets_product p ON p.id = c.id AND p.customer_id = c.id "
                    "WHERE c.erased_at IS NULL AND c.id BETWEEN 1 AND 200000 "
                    "ORDER BY random() LIMIT 5000"
                )
                rows = cursor.fetchall()
                self.customer_ids = [row[0] for row in rows]
                self.phones = [row[1] for row in rows]
                cursor.execute("SELECT max(id) FROM tickets_ticket")
                self.max_ticket_id = cursor.fetchone()[0] or 1
                cursor.execute("SELECT code FROM tickets_productmodel ORDER BY id LIMIT 50")
                self.product_models = [row[0] for row in cursor.fetchall()]
            connection.close()
            if not (self.technicians and self.customer_ids and self.product_models):
                raise RuntimeError("The bench database has no data: run manage.py generate_data")
            self.loaded = True


FIXTURES = Fixtures()


class SignIns:
    """Counts users that finished signing in, so a driver can start measuring after them.

    With ``hold(expected)`` (``bench.loadtest --sign-in-storm``) every user waits after
    signing in until all ``expected`` have, so the storm is timed alone: a shift's agents
    signing in together, none of them working yet. Without it the first users work while
    the last sign in, and their requests compete with the password hashing.
    """

    def __init__(self):
        self.done = 0
        self.failed = 0
        self.expected = None
        self.timeout = None
        self.all_in = None

    def reset(self):
        self.__init__()

    def hold(self, expected, timeout=180):
        import gevent.event  # locust's gevent, imported with locust

        self.expected = expected
        self.timeout = timeout
        self.all_in = gevent.event.Event()

    def finished(self, *, ok):
        if ok:
            self.done += 1
        else:
            self.failed += 1
        if self.all_in is None:
            return
        if self.done + self.failed >= self.expected:
            self.all_in.set()
        elif ok:
            self.all_in.wait(self.timeout)


SIGN_INS = SignIns()


@events.test_start.add_listener
def _load_fixtures(environment, **kwargs):
    FIXTURES.load()


def _check(response, *statuses):
    """Mark the response failed unless its status is expected; return the JSON body or None."""
    if response.status_code not in statuses:
        body = (response.text or "")[:200] if response.content else ""
        response.failure(f"HTTP {response.status_code}: {body}")
        return None
    response.success()
    try:
        return response.json()
    except ValueError:
        return None


class ApiUser(FastHttpUser):
    abstract = True
    wait_time = between(0.5, 2)
    network_timeout = 60.0
    connection_timeout = 10.0
    usernames = None  # an iterator of usernames, set per subclass

    def on_start(self):
        FIXTURES.load()
        self.rng = random.Random()
        self.username = self.next_username()
        with self.client.post(
            "/api/v1/auth/token/",
            json={"username": self.username, "password": PASSWORD},
            name="/api/v1/auth/token/",
            catch_response=True,
        ) as response:
            body = _check(response, 200)
        if not body or "token" not in body:
            SIGN_INS.finished(ok=False)
            raise StopUser()
        self.client.auth_header = f"Token {body['token']}"
        SIGN_INS.finished(ok=True)

    def next_username(self):
        return next(self.usernames)

    # --- shared requests -------------------------------------------------------------

    def list_tickets(self, params, name):
        with self.client.get(TICKETS, params=params, name=name, catch_response=True) as response:
            body = _check(response, 200)
        return body["results"] if body and "results" in body else []

    def ticket_detail(self, ticket_id, *, expect=(200,)):
        with self.client.get(
            f"{TICKETS}{ticket_id}/", name=TICKET, catch_response=True
        ) as response:
            return _check(response, *expect)

    def ticket_events(self, ticket_id):
        with self.client.get(
            f"{TICKETS}{ticket_id}/events/", name=f"{TICKET}events/", catch_response=True
        ) as response:
            return _check(response, 200)

    def action(self, ticket, name, payload):
        """POST a lifecycle action with the version we last saw; return the updated ticket."""
        with self.client.post(
            f"{TICKETS}{ticket['id']}/{name}/",
            json=payload,
            headers={"If-Match": f'"{ticket["version"]}"'},
            name=f"{TICKET}{name}/",
            catch_response=True,
        ) as response:
            return _check(response, 200)


class AgentUser(ApiUser):
    """Call-centre agent: searches, reads tickets and their timelines, takes new requests."""

    weight = 6
    usernames = itertools.cycle(f"agent{i}" for i in range(1, 101))

    def on_start(self):
        super().on_start()
        self.user_id = None
        self.new_tickets = []  # tickets this user filed and has not triaged yet
        self.open_tickets = []  # tickets this user filed and triaged (for contacts)

    @task(4)
    def list_newest(self):
        self.open_from(self.list_tickets({}, f"{TICKETS} (newest)"))

    @task(4)
    def list_status(self):
        params = {"status": self.rng.choice(STATUSES)}
        if self.rng.random() < 0.5:
            params["priority"] = self.rng.choice(PRIORITIES)
        self.open_from(self.list_tickets(params, f"{TICKETS}?status[&priority]"))

    @task(1)
    def list_area_sla(self):
        params = {"area": self.rng.choice(AREAS), "sla_state": "at_risk"}
        self.list_tickets(params, f"{TICKETS}?area&sla_state")

    @task(1)
    def list_mine(self):
        if self.user_id is not None:
            self.list_tickets({"owner": self.user_id}, f"{TICKETS}?owner (mine)")

    @task(4)
    def search_phone(self):
        results = self.list_tickets(
            {"search": self.rng.choice(FIXTURES.phones)}, f"{TICKETS}?search=phone"
        )
        self.open_from(results, probability=0.8)

    @task(3)
    def open_any(self):
        """A ticket reached from elsewhere (a callback, a number read out on the phone)."""
        ticket_id = self.rng.randint(1, FIXTURES.max_ticket_id)
        # Ids are dense in the generated data; a gap would be a 404, which is a right answer.
        if self.ticket_detail(ticket_id, expect=(200, 404)):
            self.ticket_events(ticket_id)

    @task(3)
    def create_ticket(self):
        customer = self.rng.choice(FIXTURES.customer_ids)
        with self.client.post(
            TICKETS,
            json={
                "customer": customer,
                "product": customer,  # the bench data gives customer n product n
                "channel": "phone",
                "category": self.rng.choice(CATEGORIES),
                "description": "Load test: unit does not start, error E4 on the display.",
            },
            name=f"{TICKETS} (create)",
            catch_response=True,
        ) as response:
            ticket = _check(response, 201)
        if ticket:
            self.user_id = ticket["owner"]
            self.new_tickets.append(ticket)

    @task(2)
    def triage_own(self):
        if not self.new_tickets:
            return
        ticket = self.new_tickets.pop(0)
        # The agent reads the unit first; the warranty decision itself is derived by triage.
        with self.client.get(
            f"/api/v1/products/{ticket['product']}/",
            name="/api/v1/products/[id]/",
            catch_response=True,
        ) as response:
            product = _check(response, 200)
        if not product:
            return
        updated = self.action(
            ticket,
            "triage",
            {
                "priority": self.rng.choice(PRIORITIES),
                "fault_class": "hardware",
                "note": "Load test triage.",
            },
        )
        if updated:
            self.open_tickets = [updated, *self.open_tickets][:20]

    @task(1)
    def contact_own(self):
        if not self.open_tickets:
            return
        index = self.rng.randrange(len(self.open_tickets))
        updated = self.action(
            self.open_tickets[index],
            "contact",
            {"note": "Called the customer back.", "via": "phone"},
        )
        if updated:
            self.open_tickets[index] = updated

    def open_from(self, results, probability=0.5):
        """Click on one row of a list now and then: its detail, sometimes its timeline."""
        if not results or self.rng.random() >= probability:
            return
        ticket = self.rng.choice(results)
        if self.ticket_detail(ticket["id"]) and self.rng.random() < 0.5:
            self.ticket_events(ticket["id"])


class TechnicianUser(ApiUser):
    """Field technician on a phone: their job list and a job's record."""

    weight = 3
    counter = itertools.count()

    def next_username(self):
        # Each simulated technician is a distinct technician with jobs (up to 50).
        names = FIXTURES.technicians
        return names[next(self.counter) % len(names)]

    def on_start(self):
        super().on_start()
        self.jobs = []

    @task(3)
    def my_jobs(self):
        self.jobs = self.list_tickets({}, f"{TICKETS} (technician)") or self.jobs

    @task(1)
    def my_jobs_dispatched(self):
        self.list_tickets({"status": "dispatched"}, f"{TICKETS}?status (technician)")

    @task(4)
    def open_job(self):
        if not self.jobs:
            return self.my_jobs()
        ticket = self.rng.choice(self.jobs)
        if self.ticket_detail(ticket["id"]) and self.rng.random() < 0.3:
            self.ticket_events(ticket["id"])


class IntegratorUser(ApiUser):
    """A partner system: registers its customers and products, files tickets idempotently."""

    weight = 1
    usernames = itertools.cycle(f"integrator{i}" for i in range(1, 6))

    def on_start(self):
        super().on_start()
        self.customers = []  # (customer id, product id) this user registered

    def post_idempotent(self, path, payload, name, key=None):
        with self.client.post(
            path,
            json=payload,
            headers={"Idempotency-Key": key or uuid.uuid4().hex},
            name=name,
            catch_response=True,
        ) as response:
            body = _check(response, 201)
            replayed = response.headers.get("Idempotent-Replayed") == "true"
        return body, replayed

    def register_customer(self):
        # An integrator may file tickets only for the customers it registered itself.
        # 177 numbers: the generated customers use 13x/15x/18x/19x. (Not any 17x: 174 and
        # 179 are not mobile prefixes, and the phone validator refused one in ~200.)
        phone = f"177{uuid.uuid4().int % 10**8:08d}"
        customer, _ = self.post_idempotent(
            "/api/v1/customers/",
            {"name": "Load Test Customer", "phone": phone, "area": self.rng.choice(AREAS)},
            "/api/v1/customers/ (create)",
        )
        if not customer:
            return
        product, _ = self.post_idempotent(
            "/api/v1/products/",
            {
                "customer": customer["id"],
                "model": self.rng.choice(FIXTURES.product_models),
                "serial_number": f"LT{uuid.uuid4().hex[:16].upper()}",
                "purchase_date": "2025-06-01",
            },
            "/api/v1/products/ (create)",
        )
        if product:
            self.customers.append((customer["id"], product["id"]))

    @task
    def file_ticket(self):
        if not self.customers or self.rng.random() < 0.2:
            self.register_customer()
            if not self.customers:
                return
        customer, product = self.rng.choice(self.customers)
        key = uuid.uuid4().hex
        payload = {
            "customer": customer,
            "product": product,
            "channel": "api",
            "category": "repair",
            "description": "Filed by the partner portal (load test).",
        }
        ticket, _ = self.post_idempotent(TICKETS, payload, f"{TICKETS} (create, idempotent)", key)
        if not ticket:
            return
        if self.rng.random() < 0.2:
            # A client retry after a lost response: the same key answers the same ticket.
            with self.client.post(
                TICKETS,
                json=payload,
                headers={"Idempotency-Key": key},
                name=f"{TICKETS} (idempotent replay)",
                catch_response=True,
            ) as response:
                again = _check(response, 201)
                if again and (
                    again.get("id") != ticket["id"]
                    or response.headers.get("Idempotent-Replayed") != "true"
                ):
                    response.failure("replay did not return the first ticket")
        self.ticket_detail(ticket["id"])
